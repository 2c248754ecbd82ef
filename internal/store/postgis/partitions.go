package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/ywtg/hub/internal/model"
)

const (
	day = 24 * time.Hour
	// partitionLock serialises creating and dropping day partitions across
	// hubs, so that IF NOT EXISTS never races.
	partitionLock   = 0x7977_7467_7061_7274 // "ywtgpart"
	partitionPrefix = "readings_p"
	partitionDay    = "20060102"
	boundFormat     = "2006-01-02 15:04:05-07"

	sqlPartitionLock   = `SELECT pg_advisory_xact_lock($1)`
	sqlPartitionExists = `SELECT to_regclass($1) IS NOT NULL`
	// Templates: DDL takes no parameters. Names and bounds are formatted
	// from dates, never from input.
	fmtCreatePartition = `CREATE TABLE IF NOT EXISTS %s PARTITION OF readings FOR VALUES FROM ('%s') TO ('%s')`
	fmtCountPartition  = `SELECT count(*) FROM %s`
	fmtDropPartition   = `DROP TABLE IF EXISTS %s`
	sqlListPartitions  = `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'readings'::regclass AND c.relname LIKE 'readings\_p%' ORDER BY c.relname`
	sqlPartitionStats = `SELECT c.reltuples, c.relpages, pg_relation_size(c.oid) / current_setting('block_size')::bigint
		FROM pg_class c WHERE c.oid = to_regclass($1)`
	sqlDeleteDefaultBefore = `DELETE FROM readings_default WHERE ts < $1`
)

// partitions remembers which UTC days have a readings partition (or are left
// to the default one), so only a batch that reaches a new day pays for DDL.
type partitions struct {
	mu    sync.Mutex
	known map[time.Time]bool
}

func newPartitions() *partitions { return &partitions{known: map[time.Time]bool{}} }

func dayOf(t time.Time) time.Time { return t.UTC().Truncate(day) }

func partitionName(d time.Time) string { return partitionPrefix + d.Format(partitionDay) }

// ensure creates the partitions rs needs that this process has not seen yet.
func (p *partitions) ensure(ctx context.Context, pool *pgxpool.Pool, rs []model.Reading) error {
	for _, d := range p.unknown(rs) {
		if err := createPartition(ctx, pool, d); err != nil {
			return err
		}
		p.mu.Lock()
		p.known[d] = true
		p.mu.Unlock()
	}
	return nil
}

func (p *partitions) unknown(rs []model.Reading) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []time.Time
	for _, r := range rs {
		if d := dayOf(r.TS); !p.known[d] && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func (p *partitions) forget(d time.Time) {
	p.mu.Lock()
	delete(p.known, d)
	p.mu.Unlock()
}

// createPartition creates day d's partition in its own short transaction. A
// day whose rows already sit in the default partition (the partition would
// violate its bounds) is left there: readings of it keep going to the default
// partition, which retention also trims. Days outside 1970–9998 are left to
// the default partition too.
func createPartition(ctx context.Context, pool *pgxpool.Pool, d time.Time) error {
	if d.Year() < 1970 || d.Year() > 9998 {
		return nil
	}
	name := partitionName(d)
	ddl := fmt.Sprintf(fmtCreatePartition, name, d.Format(boundFormat), d.Add(day).Format(boundFormat))
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, sqlPartitionLock, int64(partitionLock)); err != nil {
				return err
			}
			var exists bool
			if err := tx.QueryRow(ctx, sqlPartitionExists, name).Scan(&exists); err != nil || exists {
				return err
			}
			_, err := tx.Exec(ctx, ddl)
			return err
		})
		code, _ := pgCode(err)
		if code == codeCheckViolation {
			return nil
		}
		if code != codeDuplicateTable && code != codeUniqueViolation {
			break // success, or an error a retry will not cure
		}
	}
	if err != nil {
		return fmt.Errorf("partition %s: %w", name, err)
	}
	return nil
}

// DropReadingsBefore is retention: it drops every day partition that lies
// entirely before t and deletes older rows from the default partition. Rows
// of the day that contains t stay until a later run; cut at UTC midnight to
// be exact. The count is approximate for dropped partitions (estimated from
// the planner's statistics and the partition's current size, exact for a
// partition never analysed) and exact for the default partition.
func (s *Store) DropReadingsBefore(ctx context.Context, t time.Time) (int64, error) {
	days, err := s.partitionDays(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, d := range days {
		if d.Add(day).After(t) {
			break
		}
		rows, err := dropPartition(ctx, s.pool, d)
		if err != nil {
			return n, err
		}
		s.parts.forget(d)
		n += rows
	}
	tag, err := s.pool.Exec(ctx, sqlDeleteDefaultBefore, pgTime(t))
	return n + tag.RowsAffected(), err
}

// partitionDays lists the days that have a partition, oldest first.
func (s *Store) partitionDays(ctx context.Context) ([]time.Time, error) {
	names, err := queryAll(ctx, s.pool, func(sc scanner) (string, error) {
		var n string
		return n, sc.Scan(&n)
	}, sqlListPartitions)
	if err != nil {
		return nil, err
	}
	days := make([]time.Time, 0, len(names))
	for _, n := range names {
		if d, err := time.Parse(partitionDay, strings.TrimPrefix(n, partitionPrefix)); err == nil {
			days = append(days, d)
		}
	}
	return days, nil
}

func dropPartition(ctx context.Context, pool *pgxpool.Pool, d time.Time) (rows int64, err error) {
	name := partitionName(d)
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlPartitionLock, int64(partitionLock)); err != nil {
			return err
		}
		var tuples float64
		var pages, blocks int64
		err := tx.QueryRow(ctx, sqlPartitionStats, name).Scan(&tuples, &pages, &blocks)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // another hub dropped it first
		}
		if err != nil {
			return err
		}
		if tuples > 0 && pages > 0 {
			rows = int64(tuples / float64(pages) * float64(blocks))
		} else if err := tx.QueryRow(ctx, fmt.Sprintf(fmtCountPartition, name)).Scan(&rows); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, fmt.Sprintf(fmtDropPartition, name))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("drop partition %s: %w", name, err)
	}
	return rows, nil
}
