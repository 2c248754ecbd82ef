package bench

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ywtg/hub/internal/model"
)

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// FreshDatabase creates an empty database next to the one admin points at
// and returns its DSN and a func that drops it.
func FreshDatabase(ctx context.Context, admin string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("hub_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// copyFromBaseline writes n readings with pgx CopyFrom, batch by batch, each
// batch its own transaction, into a plain table shaped like readings.
func copyFromBaseline(ctx context.Context, dsn string, n int64) (float64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (
		device_id text NOT NULL, ts timestamptz NOT NULL, seq bigint NOT NULL, vals jsonb NOT NULL, flags jsonb,
		PRIMARY KEY (device_id, ts, seq))`); err != nil {
		return 0, err
	}
	defer conn.Exec(context.Background(), `DROP TABLE IF EXISTS bench_copy`)
	cols := []string{"device_id", "ts", "seq", "vals", "flags"}
	return timeBatches(n, func(rs []model.Reading) error {
		rows := make([][]any, len(rs))
		for i, r := range rs {
			rows[i] = []any{r.DeviceID, r.TS, r.Seq, r.Values, r.Flags}
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bench_copy"}, cols, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}
