package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/store"
)

const (
	sqlUpsertRegion = `INSERT INTO regions (code, name, level, parent, geom, center_lon, center_lat)
		VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent,
		geom = excluded.geom, center_lon = excluded.center_lon, center_lat = excluded.center_lat`
	sqlListRegions = `SELECT code, name, level, parent, geom, center_lon, center_lat FROM regions ORDER BY code`
)

// PutRegions inserts or replaces regions by code, in one transaction.
// Boundaries are kept as GeoJSON MultiPolygons (see store.RegionGeom).
func (s *Store) PutRegions(ctx context.Context, rs []gis.Region) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, r := range rs {
		g, err := regionGeoJSON(r.Geom)
		if err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
		if _, err := tx.ExecContext(ctx, sqlUpsertRegion, r.Code, r.Name, r.Level, r.Parent, g,
			r.Center[0], r.Center[1]); err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
	}
	return tx.Commit()
}

// ListRegions returns every region ordered by code.
func (s *Store) ListRegions(ctx context.Context) ([]gis.Region, error) {
	return queryAll(ctx, s.r, scanRegion, sqlListRegions)
}

func regionGeoJSON(g geom.T) (sql.NullString, error) {
	mp, err := store.RegionGeom(g)
	if err != nil || mp == nil {
		return sql.NullString{}, err
	}
	b, err := geojson.Marshal(mp)
	return sql.NullString{String: string(b), Valid: true}, err
}

func scanRegion(sc scanner) (gis.Region, error) {
	var r gis.Region
	var g sql.NullString
	if err := sc.Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &g, &r.Center[0], &r.Center[1]); err != nil {
		return r, err
	}
	if !g.Valid {
		return r, nil
	}
	var t geom.T
	if err := geojson.Unmarshal([]byte(g.String), &t); err != nil {
		return r, fmt.Errorf("region %s geom: %w", r.Code, err)
	}
	mp, ok := t.(*geom.MultiPolygon)
	if !ok {
		return r, fmt.Errorf("region %s geom: stored %T, want MultiPolygon", r.Code, t)
	}
	r.Geom = mp.SetSRID(store.SRID)
	return r, nil
}
