package registry_test

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/internal/store"
	"github.com/ywtg/hub/internal/store/sqlite"
)

// boxLocator places points inside one box in region 152921 (阿拉善左旗) and
// reports everything else as outside every region. It records what it was
// asked.
type boxLocator struct {
	mu    sync.Mutex
	calls [][2]float64
}

func (l *boxLocator) Locate(lon, lat float64) (string, string, bool) {
	l.mu.Lock()
	l.calls = append(l.calls, [2]float64{lon, lat})
	l.mu.Unlock()
	if lon >= 103 && lon <= 107 && lat >= 37 && lat <= 41 {
		return "152921", "阿拉善左旗", true
	}
	return "", "", false
}

type rig struct {
	reg   *registry.Registry
	store *sqlite.Store
	loc   *boxLocator
	set   profile.Set
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	s, err := sqlite.Open(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	loc := &boxLocator{}
	r := registry.New(s, loc, set)
	require.NoError(t, r.Load(ctx))
	return &rig{reg: r, store: s, loc: loc, set: set}
}

func station(id string) model.Device {
	return model.Device{ID: id, Kind: "hydrology", Name: "黄河 石嘴山", Lon: 105.9, Lat: 38.9,
		RuleOverrides: map[string]model.RuleOverride{"water_level_warning": {Value: 1092.5, Clear: 1092.2}}}
}

func TestAddValidates(t *testing.T) {
	for _, tc := range []struct {
		desc string
		edit func(d *model.Device)
		ok   bool
	}{
		{desc: "a valid station", edit: func(d *model.Device) {}, ok: true},
		{desc: "one-character id", edit: func(d *model.Device) { d.ID = "7" }, ok: true},
		{desc: "64-character id", edit: func(d *model.Device) { d.ID = strings.Repeat("a", 64) }, ok: true},
		{desc: "id with . _ -", edit: func(d *model.Device) { d.ID = "HY_1.a-2" }, ok: true},
		{desc: "empty id", edit: func(d *model.Device) { d.ID = "" }},
		{desc: "65-character id", edit: func(d *model.Device) { d.ID = strings.Repeat("a", 65) }},
		{desc: "id starting with -", edit: func(d *model.Device) { d.ID = "-hy" }},
		{desc: "id starting with .", edit: func(d *model.Device) { d.ID = ".hy" }},
		{desc: "id with a slash (would escape its topic)", edit: func(d *model.Device) { d.ID = "hy/1" }},
		{desc: "id with an MQTT wildcard", edit: func(d *model.Device) { d.ID = "hy+" }},
		{desc: "id with #", edit: func(d *model.Device) { d.ID = "hy#" }},
		{desc: "id with a space", edit: func(d *model.Device) { d.ID = "hy 1" }},
		{desc: "id with a trailing newline", edit: func(d *model.Device) { d.ID = "hy1\n" }},
		{desc: "id in Chinese", edit: func(d *model.Device) { d.ID = "水文站1" }},
		{desc: "unknown kind", edit: func(d *model.Device) { d.Kind = "weather"; d.RuleOverrides = nil }},
		{desc: "empty kind", edit: func(d *model.Device) { d.Kind = ""; d.RuleOverrides = nil }},
		{desc: "kind in capitals", edit: func(d *model.Device) { d.Kind = "Hydrology" }},
		{desc: "lon above 180", edit: func(d *model.Device) { d.Lon = 180.0001 }},
		{desc: "lon below -180", edit: func(d *model.Device) { d.Lon = -181 }},
		{desc: "lat above 90", edit: func(d *model.Device) { d.Lat = 90.5 }},
		{desc: "lat below -90", edit: func(d *model.Device) { d.Lat = -90.5 }},
		{desc: "0,0 is a device never positioned", edit: func(d *model.Device) { d.Lon, d.Lat = 0, 0 }},
		{desc: "on the prime meridian is fine", edit: func(d *model.Device) { d.Lon, d.Lat = 0, 51.48 }, ok: true},
		{desc: "on the equator is fine", edit: func(d *model.Device) { d.Lon, d.Lat = 105, 0 }, ok: true},
		{desc: "at the bounds", edit: func(d *model.Device) { d.Lon, d.Lat = -180, 90 }, ok: true},
		{desc: "infinite lon", edit: func(d *model.Device) { d.Lon = math.Inf(1) }},
		{desc: "NaN lat", edit: func(d *model.Device) { d.Lat = math.NaN() }},
		{desc: "override for an unknown rule", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"flood": {Value: 1, Clear: 0}}
		}},
		{desc: "override for a rule of another kind", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"pm25_heavy": {Value: 80, Clear: 70}}
		}},
		{desc: "override with clear above the trigger of an above rule", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"water_level_warning": {Value: 1092.5, Clear: 1092.6}}
		}},
		{desc: "override with clear below the trigger of a below rule", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"supply_low": {Value: 11, Clear: 10.5}}
		}},
		{desc: "override of a below rule the right way round", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"supply_low": {Value: 10.5, Clear: 11}}
		}, ok: true},
		{desc: "override with clear equal to the trigger", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"water_level_warning": {Value: 1092.5, Clear: 1092.5}}
		}, ok: true},
		{desc: "override turning a rule off", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"supply_low": {Off: true}}
		}, ok: true},
		{desc: "override with its own bands and count", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"water_level_warning": {Value: 1092.5, Clear: 1092.3, Consecutive: 2,
				Bands: []model.RuleBand{{Value: 1093, Clear: 1092.8, Severity: model.SeverityCritical}}}}
		}, ok: true},
		{desc: "override band below the trigger of an above rule", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"water_level_warning": {Value: 1092.5, Clear: 1092.3,
				Bands: []model.RuleBand{{Value: 1092, Clear: 1091.8, Severity: model.SeverityCritical}}}}
		}},
		{desc: "override band with an unknown severity", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"water_level_warning": {Value: 1092.5, Clear: 1092.3,
				Bands: []model.RuleBand{{Value: 1093, Clear: 1092.8, Severity: "apocalyptic"}}}}
		}},
		{desc: "override with a negative count", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"water_level_warning": {Value: 1092.5, Clear: 1092.3, Consecutive: -1}}
		}},
		{desc: "a param of the kind", edit: func(d *model.Device) {
			d.Kind, d.RuleOverrides, d.Params = "firecam", nil, map[string]float64{"north_offset_deg": -1.8}
		}, ok: true},
		{desc: "a param of another kind", edit: func(d *model.Device) { d.Params = map[string]float64{"north_offset_deg": 2} }},
		{desc: "a NaN param", edit: func(d *model.Device) {
			d.Kind, d.RuleOverrides, d.Params = "firecam", nil, map[string]float64{"north_offset_deg": math.NaN()}
		}},
		{desc: "override with NaN levels", edit: func(d *model.Device) {
			d.RuleOverrides = map[string]model.RuleOverride{"water_level_warning": {Value: math.NaN(), Clear: math.NaN()}}
		}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t)
			d := station("hy-1")
			tc.edit(&d)
			got, secret, err := r.reg.Add(context.Background(), d)
			if tc.ok {
				require.NoError(t, err)
				require.NotEmpty(t, secret)
				require.Equal(t, d.ID, got.ID)
				_, err = r.store.GetDevice(context.Background(), d.ID)
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, registry.ErrInvalid)
			require.Empty(t, secret)
			all, err := r.store.ListDevices(context.Background())
			require.NoError(t, err)
			require.Empty(t, all, "a refused device is not stored")
			require.Empty(t, r.reg.List())
		})
	}
}

func TestAddPlacesAndStores(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		desc       string
		lon, lat   float64
		code, name string
	}{
		{"inside a region", 105.9, 38.9, "152921", "阿拉善左旗"},
		{"outside every region", 120.1, 30.2, gis.Unassigned, gis.UnassignedName},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t)
			d := station("hy-1")
			d.Lon, d.Lat = tc.lon, tc.lat
			d.RegionCode, d.RegionName = "forged", "forged" // never taken from the caller
			before := time.Now().UTC().Truncate(time.Millisecond)
			got, secret, err := r.reg.Add(ctx, d)
			require.NoError(t, err)
			require.Equal(t, tc.code, got.RegionCode)
			require.Equal(t, tc.name, got.RegionName)
			require.Equal(t, [][2]float64{{tc.lon, tc.lat}}, r.loc.calls)
			require.False(t, got.CreatedAt.Before(before))
			require.GreaterOrEqual(t, len(secret), 32, "at least 24 random bytes")

			rec, err := r.store.GetDevice(ctx, "hy-1")
			require.NoError(t, err)
			require.Equal(t, got, rec.Device)
			require.True(t, strings.HasPrefix(rec.SecretHash, "sm3$"), rec.SecretHash)
			require.NotContains(t, rec.SecretHash, secret, "the stored hash never contains the secret")
			require.NotContains(t, strings.ToLower(rec.SecretHash), strings.ToLower(secret))

			l, err := r.reg.Lookup(ctx, "hy-1")
			require.NoError(t, err)
			require.Equal(t, got, l)
			require.NoError(t, r.reg.Authenticate(ctx, "hy-1", secret))
		})
	}
	t.Run("without a locator every device is unassigned", func(t *testing.T) {
		s, err := sqlite.Open(ctx, t.TempDir())
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		set, err := profile.Load(devices.FS)
		require.NoError(t, err)
		got, _, err := registry.New(s, nil, set).Add(ctx, station("hy-1"))
		require.NoError(t, err)
		require.Equal(t, gis.Unassigned, got.RegionCode)
	})
	t.Run("a taken id", func(t *testing.T) {
		r := newRig(t)
		_, first, err := r.reg.Add(ctx, station("hy-1"))
		require.NoError(t, err)
		_, secret, err := r.reg.Add(ctx, station("hy-1"))
		require.ErrorIs(t, err, store.ErrExists)
		require.Empty(t, secret)
		require.NoError(t, r.reg.Authenticate(ctx, "hy-1", first), "the first device keeps its secret")
	})
	t.Run("secrets differ per device", func(t *testing.T) {
		r := newRig(t)
		_, a, err := r.reg.Add(ctx, station("hy-1"))
		require.NoError(t, err)
		_, b, err := r.reg.Add(ctx, station("hy-2"))
		require.NoError(t, err)
		require.NotEqual(t, a, b)
		var rej *model.Rejection
		require.ErrorAs(t, r.reg.Authenticate(ctx, "hy-2", a), &rej)
		require.Equal(t, model.ReasonAuthFailed, rej.Reason)
	})
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	_, secret, err := r.reg.Add(ctx, station("hy-1"))
	require.NoError(t, err)
	require.NoError(t, r.store.CreateDevice(ctx, store.DeviceRecord{
		Device:     model.Device{ID: "off-1", Kind: "hydrology", Lon: 105, Lat: 38, Disabled: true, CreatedAt: time.Now()},
		SecretHash: "sm3$00$00"}))

	for _, tc := range []struct {
		desc, id, secret, reason string
	}{
		{"right secret", "hy-1", secret, ""},
		{"wrong secret", "hy-1", secret + "x", model.ReasonAuthFailed},
		{"empty secret", "hy-1", "", model.ReasonAuthFailed},
		{"secret of another case", "hy-1", strings.ToUpper(secret), model.ReasonAuthFailed},
		{"secret with a prefix of the right one", "hy-1", secret[:len(secret)-1], model.ReasonAuthFailed},
		{"unknown id", "ghost", secret, model.ReasonUnknownDevice},
		{"empty id", "", secret, model.ReasonUnknownDevice},
		{"id in another case", "HY-1", secret, model.ReasonUnknownDevice},
		{"disabled device", "off-1", "anything", model.ReasonDeviceDisabled},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			err := r.reg.Authenticate(ctx, tc.id, tc.secret)
			if tc.reason == "" {
				require.NoError(t, err)
				return
			}
			var rej *model.Rejection
			require.True(t, errors.As(err, &rej), "want a *model.Rejection, got %T %v", err, err)
			require.Equal(t, tc.reason, rej.Reason)
			require.NotContains(t, rej.Error(), secret, "the refusal never echoes the secret")
		})
	}
	t.Run("a corrupt stored hash refuses every secret", func(t *testing.T) {
		for i, h := range []string{"", "sm3$zz$zz", "md5$00$00", "sm3$00", "sm3$$", "sm3$$$"} {
			id := "bad-" + strconv.Itoa(i)
			require.NoError(t, r.store.CreateDevice(ctx, store.DeviceRecord{
				Device: model.Device{ID: id, Kind: "hydrology", Lon: 105, Lat: 38, CreatedAt: time.Now()}, SecretHash: h}))
			for _, guess := range []string{"", "zz", "00", secret} {
				var rej *model.Rejection
				require.ErrorAs(t, r.reg.Authenticate(ctx, id, guess), &rej, "hash %q, secret %q", h, guess)
				require.Equal(t, model.ReasonAuthFailed, rej.Reason)
			}
		}
	})
}

func TestRotate(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	_, old, err := r.reg.Add(ctx, station("hy-1"))
	require.NoError(t, err)
	before, err := r.store.GetDevice(ctx, "hy-1")
	require.NoError(t, err)

	fresh, err := r.reg.Rotate(ctx, "hy-1")
	require.NoError(t, err)
	require.NotEqual(t, old, fresh)
	require.NoError(t, r.reg.Authenticate(ctx, "hy-1", fresh))
	var rej *model.Rejection
	require.ErrorAs(t, r.reg.Authenticate(ctx, "hy-1", old), &rej)
	require.Equal(t, model.ReasonAuthFailed, rej.Reason, "the old secret stops working at once")

	after, err := r.store.GetDevice(ctx, "hy-1")
	require.NoError(t, err)
	require.NotEqual(t, before.SecretHash, after.SecretHash, "the new hash is stored")
	require.NotContains(t, after.SecretHash, fresh)
	require.Equal(t, before.Device, after.Device, "rotation changes nothing else")

	restarted := registry.New(r.store, r.loc, r.set)
	require.NoError(t, restarted.Load(ctx))
	require.NoError(t, restarted.Authenticate(ctx, "hy-1", fresh), "the rotation survives a restart")
	require.ErrorAs(t, restarted.Authenticate(ctx, "hy-1", old), &rej)

	_, err = r.reg.Rotate(ctx, "ghost")
	require.ErrorIs(t, err, registry.ErrUnknownDevice)
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	_, err := r.reg.Lookup(ctx, "hy-9")
	require.ErrorIs(t, err, registry.ErrUnknownDevice)

	// Another process (hub devices add) registers hy-9 straight into the store.
	other := model.Device{ID: "hy-9", Kind: "hydrology", Name: "居延海", Lon: 101.2, Lat: 42.3, RegionCode: "152923",
		CreatedAt:     time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		RuleOverrides: map[string]model.RuleOverride{"water_level_warning": {Value: 900, Clear: 899}}}
	require.NoError(t, r.store.CreateDevice(ctx, store.DeviceRecord{Device: other, SecretHash: "sm3$00$00"}))

	got, err := r.reg.Lookup(ctx, "hy-9")
	require.NoError(t, err, "a miss falls back to the store")
	require.Equal(t, other, got)
	require.Equal(t, []model.Device{other}, r.reg.List(), "and the device is cached")

	t.Run("Load warms the cache from the store", func(t *testing.T) {
		fresh := registry.New(r.store, r.loc, r.set)
		require.Empty(t, fresh.List())
		require.NoError(t, fresh.Load(ctx))
		require.Equal(t, []model.Device{other}, fresh.List())
	})
	t.Run("List is ordered by id", func(t *testing.T) {
		for _, id := range []string{"b", "a", "c"} {
			_, _, err := r.reg.Add(ctx, station(id))
			require.NoError(t, err)
		}
		var ids []string
		for _, d := range r.reg.List() {
			ids = append(ids, d.ID)
		}
		require.Equal(t, []string{"a", "b", "c", "hy-9"}, ids)
	})
}

func TestConcurrentAddAndAuthenticate(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	var wg sync.WaitGroup
	secrets := make([]string, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "hy-" + string(rune('a'+i))
			_, secrets[i], errs[i] = r.reg.Add(ctx, station(id))
			if errs[i] == nil {
				errs[i] = r.reg.Authenticate(ctx, id, secrets[i])
			}
		}()
	}
	wg.Wait()
	for i := range 20 {
		require.NoError(t, errs[i])
	}
	require.Len(t, r.reg.List(), 20)
}
