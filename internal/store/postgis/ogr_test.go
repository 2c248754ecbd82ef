package postgis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/postgis/pgtest"
)

// TestOgr2ogrReadsDevicesAndAlarms is the interop check with a GIS tool no
// one here wrote: GDAL's ogr2ogr reads the hub's tables straight from
// PostGIS as GeoJSON with the right coordinates and readable properties.
func TestOgr2ogrReadsDevicesAndAlarms(t *testing.T) {
	ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		msg := "ogr2ogr not found in PATH (Debian: apt-get install gdal-bin)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
		}
		t.Skip(msg)
	}
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	ctx := context.Background()
	at := time.Date(2026, 7, 21, 8, 30, 0, 0, time.UTC)
	require.NoError(t, s.CreateDevice(ctx, store.DeviceRecord{Device: model.Device{ID: "hyd-001", Kind: "hydrology",
		Name: "巴彦浩特水文站", Lon: 105.67, Lat: 38.84, RegionCode: "152921", RegionName: "阿拉善左旗", CreatedAt: at},
		SecretHash: "do-not-export"}))
	require.NoError(t, s.InsertAlarm(ctx, &model.Alarm{Source: "hyd-001", Type: "water_level_over_warning",
		Label: "超警戒水位", Severity: model.SeverityMajor, Status: model.AlarmActive, Count: 1, FirstSeen: at,
		LastSeen: at, Metric: "water_level_m", Value: 1086.4, Threshold: 1086, RegionCode: "152921",
		Lon: 105.67, Lat: 38.84, Kind: "hydrology"}))
	ring := []float64{105, 38, 106, 38, 106, 39, 105, 39, 105, 38}
	require.NoError(t, s.PutRegions(ctx, []gis.Region{{Code: "152921", Name: "阿拉善左旗", Level: gis.LevelBanner,
		Parent: "152900", Geom: geom.NewPolygonFlat(geom.XY, ring, []int{10}), Center: [2]float64{105.67, 38.84}}}))
	pg := ogrConninfo(t, dsn)

	dev := ogrFeatures(t, ogr, pg, "devices")
	require.Len(t, dev, 1)
	require.Equal(t, "Point", dev[0].Geometry.Type)
	require.Equal(t, []any{105.67, 38.84}, dev[0].Geometry.Coordinates)
	require.Equal(t, "hyd-001", dev[0].Properties["id"])
	require.Equal(t, "巴彦浩特水文站", dev[0].Properties["name"])
	require.Equal(t, "152921", dev[0].Properties["region_code"])
	require.Equal(t, 105.67, dev[0].Properties["lon"])
	require.NotContains(t, dev[0].Properties, "secret_hash", "secrets stay out of the GIS tables")

	al := ogrFeatures(t, ogr, pg, "alarms")
	require.Len(t, al, 1)
	require.Equal(t, "Point", al[0].Geometry.Type)
	require.Equal(t, []any{105.67, 38.84}, al[0].Geometry.Coordinates)
	require.Equal(t, "hyd-001", al[0].Properties["source"])
	require.Equal(t, "超警戒水位", al[0].Properties["label"])
	require.Equal(t, model.SeverityMajor, al[0].Properties["severity"])
	require.Equal(t, 1086.4, al[0].Properties["value"])
	require.True(t, strings.HasPrefix(al[0].Properties["first_seen"].(string), "2026-07-21T08:30:00"),
		"first_seen %v", al[0].Properties["first_seen"])

	rg := ogrFeatures(t, ogr, pg, "regions")
	require.Len(t, rg, 1)
	require.Equal(t, "MultiPolygon", rg[0].Geometry.Type)
	require.Equal(t, "阿拉善左旗", rg[0].Properties["name"])
}

type feature struct {
	Geometry struct {
		Type        string `json:"type"`
		Coordinates any    `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// ogrFeatures runs ogr2ogr on one table and decodes its GeoJSON.
func ogrFeatures(t *testing.T, ogr, pg, table string) []feature {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(ogr, "-f", "GeoJSON", "/vsistdout/", pg, table)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Run(), "ogr2ogr %s: %s", table, errOut.String())
	var fc struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &fc), "ogr2ogr %s output: %s", table, out.String())
	require.Equal(t, "FeatureCollection", fc.Type)
	return fc.Features
}

// ogrConninfo turns a DSN into the PG:… data source GDAL takes.
func ogrConninfo(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dsn)
	require.NoError(t, err)
	kv := []string{"host=" + quote(cfg.Host), "port=" + strconv.Itoa(int(cfg.Port)),
		"dbname=" + quote(cfg.Database), "user=" + quote(cfg.User)}
	if cfg.Password != "" {
		kv = append(kv, "password="+quote(cfg.Password))
	}
	return "PG:" + strings.Join(kv, " ")
}

// quote writes a libpq conninfo value.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
