package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/store"
)

func testCoordinatePrecision(t *testing.T, s Store) {
	ctx := context.Background()
	d := device("p")
	d.Lon, d.Lat = 105.67891234567891, 38.84123456789012
	require.NoError(t, s.CreateDevice(ctx, d))
	got, err := s.GetDevice(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, d.Lon, got.Lon, "longitude must round-trip bit for bit")
	require.Equal(t, d.Lat, got.Lat)
	a := alarm("p")
	a.Lon, a.Lat = -0.000123456789, 89.99999999999
	require.NoError(t, s.InsertAlarm(ctx, a))
	ga, err := s.GetAlarm(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, *a, ga)
	noPos := alarm("q")
	noPos.Lon, noPos.Lat = 0, 0
	require.NoError(t, s.InsertAlarm(ctx, noPos))
	ga, err = s.GetAlarm(ctx, noPos.ID)
	require.NoError(t, err)
	require.Equal(t, *noPos, ga, "an alarm without a position reads back as 0, 0")
}

// square is a closed ring around (lon, lat) with half-width h.
func square(lon, lat, h float64) []float64 {
	return []float64{lon - h, lat - h, lon + h, lat - h, lon + h, lat + h, lon - h, lat + h, lon - h, lat - h}
}

func regions() []gis.Region {
	banner := geom.NewPolygonFlat(geom.XY, square(101.0656789, 41.9587654, 0.5), []int{10})
	twoParts := append(square(105.6, 38.8, 0.1), square(105.9, 38.9, 0.05)...)
	town := geom.NewMultiPolygonFlat(geom.XY, twoParts, [][]int{{10}, {20}})
	return []gis.Region{
		{Code: "152900", Name: "阿拉善盟", Level: gis.LevelLeague, Parent: "150000", Center: [2]float64{105.7, 38.8}},
		{Code: "152923", Name: "额济纳旗", Level: gis.LevelBanner, Parent: "152900", Geom: banner,
			Center: [2]float64{101.0656789, 41.9587654}},
		{Code: "152921001", Name: "巴彦浩特镇", Level: gis.LevelTown, Parent: "152921", Geom: town,
			Center: [2]float64{105.67, 38.84}},
	}
}

func testRegions(t *testing.T, s Store) {
	ctx := context.Background()
	in := regions()
	require.NoError(t, s.PutRegions(ctx, in))
	got, err := s.ListRegions(ctx)
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, []string{"152900", "152921001", "152923"}, []string{got[0].Code, got[1].Code, got[2].Code})
	requireRegion(t, in[0], got[0])
	requireRegion(t, in[2], got[1])
	requireRegion(t, in[1], got[2])
	require.Equal(t, regions()[1].Geom.FlatCoords(), in[1].Geom.FlatCoords(), "the caller's geometry is left alone")
	require.Equal(t, 0, in[1].Geom.SRID(), "the caller's geometry is left alone")

	moved := in[1]
	moved.Name = "额济纳旗（新）"
	moved.Geom = geom.NewPolygonFlat(geom.XYZ, []float64{101, 42, 900, 102, 42, 910, 102, 43, 920, 101, 42, 900}, []int{12})
	require.NoError(t, s.PutRegions(ctx, []gis.Region{moved}))
	got, err = s.ListRegions(ctx)
	require.NoError(t, err)
	require.Len(t, got, 3, "put upserts by code")
	require.Equal(t, "额济纳旗（新）", got[2].Name)
	mp := got[2].Geom.(*geom.MultiPolygon)
	require.Equal(t, geom.XY, mp.Layout(), "heights are dropped")
	require.Equal(t, []float64{101, 42, 102, 42, 102, 43, 101, 42}, mp.FlatCoords())
	require.Equal(t, [][]int{{8}}, mp.Endss())
}

// requireRegion checks got is want with its boundary as store.RegionGeom
// normalises it: a 2-D MultiPolygon in SRID 4326 with the same coordinates.
func requireRegion(t *testing.T, want, got gis.Region) {
	t.Helper()
	wg, gg := want.Geom, got.Geom
	want.Geom, got.Geom = nil, nil
	require.Equal(t, want, got)
	if wg == nil {
		require.Nil(t, gg, "region %s", want.Code)
		return
	}
	norm, err := store.RegionGeom(wg)
	require.NoError(t, err)
	mp, ok := gg.(*geom.MultiPolygon)
	require.True(t, ok, "region %s: got %T, want *geom.MultiPolygon", want.Code, gg)
	require.Equal(t, store.SRID, mp.SRID())
	require.Equal(t, norm.Layout(), mp.Layout())
	require.Equal(t, norm.FlatCoords(), mp.FlatCoords())
	require.Equal(t, norm.Endss(), mp.Endss())
}
