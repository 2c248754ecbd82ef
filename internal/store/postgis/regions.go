package postgis

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/ywtg/hub/internal/gis"
)

const (
	sqlUpsertRegion = `INSERT INTO regions (code, name, level, parent, center_lon, center_lat, geom)
		VALUES ($1, $2, $3, $4, $5, $6, ST_GeomFromEWKB($7))
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent,
		center_lon = excluded.center_lon, center_lat = excluded.center_lat, geom = excluded.geom`
	sqlListRegions = `SELECT code, name, level, parent, center_lon, center_lat, ST_AsEWKB(geom)
		FROM regions ORDER BY code`
)

// PutRegions inserts or replaces regions by code, in one transaction.
// Boundaries are stored as MultiPolygons (see store.RegionGeom).
func (s *Store) PutRegions(ctx context.Context, rs []gis.Region) error {
	var q pgx.Batch
	for _, r := range rs {
		g, err := regionEWKB(r.Geom)
		if err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
		q.Queue(sqlUpsertRegion, r.Code, r.Name, r.Level, r.Parent, r.Center[0], r.Center[1], g)
	}
	if q.Len() == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return fmt.Errorf("regions: %w", err)
		}
		return nil
	})
}

// ListRegions returns every region ordered by code.
func (s *Store) ListRegions(ctx context.Context) ([]gis.Region, error) {
	return queryAll(ctx, s.pool, scanRegion, sqlListRegions)
}

func scanRegion(sc scanner) (gis.Region, error) {
	var r gis.Region
	var g []byte
	if err := sc.Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &r.Center[0], &r.Center[1], &g); err != nil {
		return r, err
	}
	var err error
	if r.Geom, err = multiPolygon(g); err != nil {
		return r, fmt.Errorf("region %s: %w", r.Code, err)
	}
	return r, nil
}
