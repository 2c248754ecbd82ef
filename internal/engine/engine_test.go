package engine_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/devices"
	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

var (
	t0  = time.Date(2026, 7, 21, 0, 0, 0, 0, time.UTC)
	now = t0.Add(time.Hour)
)

var testDevices = map[string]model.Device{
	"aq-1": {ID: "aq-1", Kind: "pollution", Name: "巴彦浩特空气站", RegionCode: "152921", Lon: 105.67, Lat: 38.84},
	"hy-1": {ID: "hy-1", Kind: "hydrology", Name: "黑河狼心山站", RegionCode: "152923", Lon: 100.9, Lat: 41.6},
	"hy-2": {ID: "hy-2", Kind: "hydrology", Name: "居延海站", RegionCode: "152923", Lon: 101.2, Lat: 42.3,
		RuleOverrides: map[string]model.RuleOverride{"water_level_warning": {Value: 1200, Clear: 1199.5}}},
	"cam-1": {ID: "cam-1", Kind: "firecam", Name: "贺兰山1号塔", RegionCode: "152921", Lon: 105.9, Lat: 38.7},
	"el-1":  {ID: "el-1", Kind: "elevator", Name: "E12", RegionCode: "152921", Lon: 105.68, Lat: 38.85},
	"wx-1":  {ID: "wx-1", Kind: "weather", Name: "no profile", RegionCode: "152921", Lon: 105.7, Lat: 38.8},
}

type rig struct {
	e     *engine.Engine
	store rigStore
	live  *recPublisher
	devs  *fakeDevices
	clock *clock
	seq   int64
	mark  int
}

// rigStore is a store the engine runs on in tests: the in-memory fake, or
// a real backend (see stores_test.go).
type rigStore interface {
	engine.Store
	all(source, typ string) []model.Alarm
}

// clock is the engine's controllable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newRig(t testing.TB, st rigStore) *rig { return newRigWith(t, st, nil) }

// newRigWith lets a test change the loaded profiles first (add a rule).
func newRigWith(t testing.TB, st rigStore, change func(profile.Set)) *rig {
	t.Helper()
	set, err := profile.Load(devices.FS)
	require.NoError(t, err)
	if change != nil {
		change(set)
	}
	if st == nil {
		st = newMemStore()
	}
	r := &rig{store: st, live: &recPublisher{}, clock: &clock{t: now}}
	devs := &fakeDevices{devs: map[string]model.Device{}}
	for k, v := range testDevices {
		devs.devs[k] = v
	}
	r.devs = devs
	r.e = engine.New(engine.Options{Profiles: set, Store: st, Devices: devs, Live: r.live,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: r.clock.now})
	require.NoError(t, r.e.Load(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	r.e.Start(ctx)
	t.Cleanup(func() { cancel(); r.e.Wait() })
	return r
}

// flush waits until everything fed before it has been evaluated: the engine
// handles batches in order, so once a marker status is visible, all earlier
// batches are done.
func (r *rig) flush(t testing.TB) {
	t.Helper()
	r.mark++
	token := "mark-" + strconv.Itoa(r.mark)
	r.e.Stored(nil, nil, []model.Status{{DeviceID: "marker", State: model.StateOnline, TS: t0, FW: token}})
	require.Eventually(t, func() bool { return r.e.View(model.Device{ID: "marker"}).FW == token }, 5*time.Second, time.Millisecond)
}

// feed sends one reading per batch, each a minute after the last, and waits
// until they are evaluated.
func (r *rig) feed(t *testing.T, device, metric string, values ...float64) {
	t.Helper()
	for _, v := range values {
		r.seq++
		r.e.Stored([]model.Reading{{DeviceID: device, TS: t0.Add(time.Duration(r.seq) * time.Minute), Seq: r.seq,
			Values: map[string]float64{metric: v}}}, nil, nil)
	}
	r.flush(t)
}

func (r *rig) lastTS() time.Time { return t0.Add(time.Duration(r.seq) * time.Minute) }

func (r *rig) event(t *testing.T, device, typ string, ts time.Time) {
	t.Helper()
	r.e.Stored(nil, []model.Event{{DeviceID: device, TS: ts, Type: typ}}, nil)
	r.flush(t)
}

// active returns the one active alarm of (source, type), failing if there
// is not exactly one.
func (r *rig) active(t *testing.T, source, typ string) model.Alarm {
	t.Helper()
	var out []model.Alarm
	for _, a := range r.store.all(source, typ) {
		if a.Status == model.AlarmActive {
			out = append(out, a)
		}
	}
	require.Len(t, out, 1, "active %s/%s alarms", source, typ)
	return out[0]
}

func TestThresholdAbove(t *testing.T) {
	// pollution pm25_heavy: above 75, clear 65, 3 consecutive, minor.
	for _, tc := range []struct {
		desc       string
		before     []float64 // fed first: must raise nothing
		other      bool      // then a reading of another metric only
		activating float64   // the sample that opens the alarm
	}{
		{"three in a row", []float64{80, 76}, false, 90},
		{"a sample back inside the band resets the count", []float64{80, 80, 70, 80, 80}, false, 90},
		{"a sample at the clear level resets the count", []float64{80, 80, 65, 80, 80}, false, 90},
		{"a sample at the trigger level is not a breach", []float64{80, 80, 75, 80, 80}, false, 90},
		{"a reading without the metric neither counts nor resets", []float64{80, 80}, true, 90},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, nil)
			r.feed(t, "aq-1", "pm25_ugm3", tc.before...)
			require.Empty(t, r.store.all("aq-1", ""), "no alarm before the 3rd consecutive sample")
			require.Empty(t, r.e.ActiveAlarms())
			if tc.other {
				r.feed(t, "aq-1", "flow_m3h", 500)
				require.Empty(t, r.store.all("aq-1", ""))
			}
			r.feed(t, "aq-1", "pm25_ugm3", tc.activating)
			a := r.active(t, "aq-1", "pm25_over_limit")
			require.Equal(t, model.Alarm{ID: a.ID, Source: "aq-1", Type: "pm25_over_limit", Label: "PM2.5 超标",
				Severity: model.SeverityMinor, Status: model.AlarmActive, Count: 1, FirstSeen: r.lastTS(), LastSeen: r.lastTS(),
				Metric: "pm25_ugm3", Value: tc.activating, Threshold: 75, Message: a.Message, RegionCode: "152921",
				Lon: 105.67, Lat: 38.84, Kind: "pollution", Category: "pollution", IncidentID: a.IncidentID, Version: 2}, a)
			require.NotZero(t, a.IncidentID, "the alarm opened an incident (version 2: linked to it)")
			require.Len(t, r.store.all("aq-1", ""), 1, "exactly one alarm")
			require.Len(t, r.e.ActiveAlarms(), 1)
			ch := r.live.alarmChanges(a.ID)
			require.Len(t, ch, 1)
			require.Equal(t, "upsert", ch[0].Op)
			v := r.e.View(testDevices["aq-1"])
			require.Equal(t, 1, v.ActiveAlarms)
			require.Equal(t, model.SeverityMinor, v.AlarmSeverity)
		})
	}
}

func TestActiveAlarmLifecycle(t *testing.T) {
	r := newRig(t, nil)
	r.feed(t, "aq-1", "pm25_ugm3", 80, 80, 80)
	opened := r.active(t, "aq-1", "pm25_over_limit")
	firstSeen, lastSeen := opened.FirstSeen, opened.LastSeen

	steps := []struct {
		desc   string
		value  float64
		status string
		count  int
		last   float64 // Value the alarm must show
	}{
		{"a further breach updates in place", 120, model.AlarmActive, 2, 120},
		{"another breach counts again", 76, model.AlarmActive, 3, 76},
		{"between clear and trigger keeps it active, unchanged", 70, model.AlarmActive, 3, 76},
		{"just above the clear level keeps it active", 65.01, model.AlarmActive, 3, 76},
		{"breaching again after the band updates it", 90, model.AlarmActive, 4, 90},
		{"at the clear level clears it", 65, model.AlarmCleared, 4, 90},
	}
	for _, s := range steps {
		t.Run(s.desc, func(t *testing.T) {
			r.feed(t, "aq-1", "pm25_ugm3", s.value)
			if s.value > 75 {
				lastSeen = r.lastTS()
			}
			all := r.store.all("aq-1", "pm25_over_limit")
			require.Len(t, all, 1, "updated in place, never a second alarm")
			a := all[0]
			require.Equal(t, opened.ID, a.ID)
			require.Equal(t, s.status, a.Status)
			require.Equal(t, s.count, a.Count)
			require.Equal(t, s.last, a.Value)
			require.Equal(t, firstSeen, a.FirstSeen)
			require.Equal(t, lastSeen, a.LastSeen, "last seen moves only with a breach")
			if s.status == model.AlarmCleared {
				require.Equal(t, now, a.ClearedAt)
				require.Empty(t, r.e.ActiveAlarms())
				require.Zero(t, r.e.View(testDevices["aq-1"]).ActiveAlarms)
			} else {
				require.Len(t, r.e.ActiveAlarms(), 1)
				require.True(t, a.ClearedAt.IsZero())
			}
		})
	}

	t.Run("screens saw the clear, then the removal", func(t *testing.T) {
		ch := r.live.alarmChanges(opened.ID)
		require.GreaterOrEqual(t, len(ch), 2)
		last, final := ch[len(ch)-2], ch[len(ch)-1]
		require.Equal(t, "upsert", last.Op)
		require.Equal(t, model.AlarmCleared, last.Data.(model.Alarm).Status)
		require.Equal(t, "remove", final.Op)
	})
	t.Run("a new breach after the clear opens a fresh alarm after 3 samples", func(t *testing.T) {
		r.feed(t, "aq-1", "pm25_ugm3", 80, 80)
		require.Len(t, r.store.all("aq-1", "pm25_over_limit"), 1)
		r.feed(t, "aq-1", "pm25_ugm3", 80)
		fresh := r.active(t, "aq-1", "pm25_over_limit")
		require.NotEqual(t, opened.ID, fresh.ID)
		require.Equal(t, 1, fresh.Count)
	})
}

func TestThresholdBelow(t *testing.T) {
	// hydrology supply_low: below 11.0, clear 11.6, 5 consecutive, warning.
	r := newRig(t, nil)
	r.feed(t, "hy-1", "supply_v", 10.9, 10.5, 10.5, 10.5)
	r.feed(t, "hy-1", "supply_v", 11.3) // inside the band: resets
	r.feed(t, "hy-1", "supply_v", 10.5, 10.5, 10.5, 10.5)
	require.Empty(t, r.store.all("hy-1", ""))
	r.feed(t, "hy-1", "supply_v", 10.4)
	a := r.active(t, "hy-1", "supply_voltage_low")
	require.Equal(t, model.SeverityWarning, a.Severity)
	require.Equal(t, 10.4, a.Value)
	require.Equal(t, 11.0, a.Threshold)
	require.Equal(t, "supply_v", a.Metric)

	r.feed(t, "hy-1", "supply_v", 9.8)
	a = r.active(t, "hy-1", "supply_voltage_low")
	require.Equal(t, 2, a.Count)
	require.Equal(t, 9.8, a.Value)
	r.feed(t, "hy-1", "supply_v", 11.5, 11.0) // band (11.0 is not below 11.0)
	a = r.active(t, "hy-1", "supply_voltage_low")
	require.Equal(t, 2, a.Count)
	r.feed(t, "hy-1", "supply_v", 11.6)
	all := r.store.all("hy-1", "supply_voltage_low")
	require.Len(t, all, 1)
	require.Equal(t, model.AlarmCleared, all[0].Status)
	require.Empty(t, r.e.ActiveAlarms())
}

func TestRuleOverrides(t *testing.T) {
	// hy-2 overrides water_level_warning (profile: above 1051, clear 1050.8) with 1200 / 1199.5.
	for _, tc := range []struct {
		desc      string
		device    string
		values    []float64
		raised    bool
		threshold float64
	}{
		{"profile level on a station without override", "hy-1", []float64{1100, 1100, 1100}, true, 1051},
		{"the override replaces the profile level", "hy-2", []float64{1100, 1100, 1100}, false, 0},
		{"above the override", "hy-2", []float64{1201, 1201, 1201}, true, 1200},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, nil)
			r.feed(t, tc.device, "water_level_m", tc.values...)
			all := r.store.all(tc.device, "water_level_over_warning")
			if !tc.raised {
				require.Empty(t, all)
				return
			}
			require.Len(t, all, 1)
			require.Equal(t, tc.threshold, all[0].Threshold)
			require.Equal(t, model.SeverityMajor, all[0].Severity)
		})
	}
	t.Run("the override's clear level", func(t *testing.T) {
		r := newRig(t, nil)
		r.feed(t, "hy-2", "water_level_m", 1201, 1201, 1201)
		r.feed(t, "hy-2", "water_level_m", 1199.6, 1100)
		// 1100 is far below the override's clear level: cleared at 1100, not at 1199.6
		all := r.store.all("hy-2", "water_level_over_warning")
		require.Len(t, all, 1)
		require.Equal(t, model.AlarmCleared, all[0].Status)
		require.Contains(t, all[0].Message, "1100")
	})
}

func TestOlderReadingIgnored(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		prepare []float64 // fed in order at t0+1m…
		late    float64   // then fed with a ts before the newest
		status  string    // "" when no alarm must exist
		count   int
	}{
		{"a late breach neither counts nor opens", []float64{80, 80, 50}, 90, "", 0},
		{"a late value below clear does not clear", []float64{80, 80, 80, 70}, 10, model.AlarmActive, 1},
		{"a late breach does not bump an active alarm", []float64{80, 80, 80}, 200, model.AlarmActive, 1},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, nil)
			r.feed(t, "aq-1", "pm25_ugm3", tc.prepare...)
			newest := r.lastTS()
			wantValues := r.e.View(testDevices["aq-1"]).Values
			r.e.Stored([]model.Reading{{DeviceID: "aq-1", TS: newest.Add(-30 * time.Second), Seq: 99,
				Values: map[string]float64{"pm25_ugm3": tc.late}}}, nil, nil)
			r.flush(t)
			v := r.e.View(testDevices["aq-1"])
			require.Equal(t, wantValues, v.Values, "live values unchanged")
			require.Equal(t, newest, v.LastTS)
			all := r.store.all("aq-1", "")
			if tc.status == "" {
				require.Empty(t, all)
				return
			}
			require.Len(t, all, 1)
			require.Equal(t, tc.status, all[0].Status)
			require.Equal(t, tc.count, all[0].Count)
			require.NotEqual(t, tc.late, all[0].Value)
		})
	}
	t.Run("a batch is evaluated in timestamp order", func(t *testing.T) {
		r := newRig(t, nil)
		var rs []model.Reading
		for i, v := range []float64{80, 80, 80} { // sent newest first
			rs = append(rs, model.Reading{DeviceID: "aq-1", TS: t0.Add(time.Duration(3-i) * time.Minute), Seq: int64(3 - i),
				Values: map[string]float64{"pm25_ugm3": v + float64(i)}})
		}
		r.e.Stored(rs, nil, nil)
		r.flush(t)
		a := r.active(t, "aq-1", "pm25_over_limit")
		require.Equal(t, 80.0, a.Value, "sorted by ts, the newest sample (sent first, 80) is the third and opens the alarm")
		require.Equal(t, t0.Add(3*time.Minute), r.e.View(testDevices["aq-1"]).LastTS)
	})
}

func TestEvents(t *testing.T) {
	for _, tc := range []struct {
		desc, device, typ string
		severity          string // "" when the event raises nothing
	}{
		{"smoke raises a major alarm", "cam-1", "smoke", model.SeverityMajor},
		{"fire raises a critical alarm", "cam-1", "fire", model.SeverityCritical},
		{"entrapment raises a critical alarm", "el-1", "entrapment", model.SeverityCritical},
		{"an event without severity raises none", "hy-1", "door_opened", ""},
		{"another event without severity", "aq-1", "sampling_door_opened", ""},
		{"an event type the profile does not know raises none", "cam-1", "ufo", ""},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, nil)
			r.event(t, tc.device, tc.typ, t0)
			all := r.store.all(tc.device, "")
			if tc.severity == "" {
				require.Empty(t, all)
				require.True(t, r.e.View(testDevices[tc.device]).Online, "the event still counts as a sign of life")
				return
			}
			require.Len(t, all, 1)
			a := all[0]
			require.Equal(t, tc.typ, a.Type)
			require.Equal(t, tc.severity, a.Severity)
			require.Equal(t, model.AlarmActive, a.Status)
			require.Equal(t, 1, a.Count)
			require.Equal(t, t0, a.FirstSeen)

			r.event(t, tc.device, tc.typ, t0.Add(time.Minute))
			r.event(t, tc.device, tc.typ, t0.Add(2*time.Minute))
			all = r.store.all(tc.device, "")
			require.Len(t, all, 1, "repeats update the one active alarm")
			require.Equal(t, a.ID, all[0].ID)
			require.Equal(t, 3, all[0].Count)
			require.Equal(t, t0, all[0].FirstSeen)
			require.Equal(t, t0.Add(2*time.Minute), all[0].LastSeen)
		})
	}
	t.Run("event from a device whose kind has no profile", func(t *testing.T) {
		r := newRig(t, nil)
		r.event(t, "wx-1", "storm", t0)
		require.Empty(t, r.store.all("wx-1", ""))
	})
}

func TestAckAndClear(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, nil)
	r.feed(t, "aq-1", "pm25_ugm3", 80, 80, 80)
	a := r.active(t, "aq-1", "pm25_over_limit")

	t.Run("ack", func(t *testing.T) {
		got, err := r.e.Ack(ctx, a.ID, "值班员 王")
		require.NoError(t, err)
		require.True(t, got.Acked)
		require.Equal(t, "值班员 王", got.AckedBy)
		require.Equal(t, now, got.AckedAt)
		stored, err := r.store.GetAlarm(ctx, a.ID)
		require.NoError(t, err)
		require.True(t, stored.Acked)
		require.Equal(t, model.AlarmActive, stored.Status, "acknowledging does not clear")
	})
	t.Run("ack twice", func(t *testing.T) {
		_, err := r.e.Ack(ctx, a.ID, "someone else")
		require.ErrorIs(t, err, engine.ErrAlreadyAcked)
		stored, _ := r.store.GetAlarm(ctx, a.ID)
		require.Equal(t, "值班员 王", stored.AckedBy)
	})
	t.Run("an acked alarm still updates in place", func(t *testing.T) {
		r.feed(t, "aq-1", "pm25_ugm3", 99)
		stored, _ := r.store.GetAlarm(ctx, a.ID)
		require.Equal(t, 2, stored.Count)
		require.True(t, stored.Acked)
	})
	t.Run("clear by hand", func(t *testing.T) {
		got, err := r.e.Clear(ctx, a.ID, "值班长 李")
		require.NoError(t, err)
		require.Equal(t, model.AlarmCleared, got.Status)
		require.Equal(t, now, got.ClearedAt)
		stored, _ := r.store.GetAlarm(ctx, a.ID)
		require.Equal(t, model.AlarmCleared, stored.Status)
		require.Contains(t, stored.Message, "值班长 李")
		require.Empty(t, r.e.ActiveAlarms())
		ch := r.live.alarmChanges(a.ID)
		require.Equal(t, "remove", ch[len(ch)-1].Op)
	})
	t.Run("clear a cleared alarm", func(t *testing.T) {
		_, err := r.e.Clear(ctx, a.ID, "x")
		require.ErrorIs(t, err, engine.ErrNotActive)
	})
	t.Run("ack a cleared alarm", func(t *testing.T) {
		r2 := newRig(t, nil)
		r2.feed(t, "aq-1", "pm25_ugm3", 80, 80, 80, 10)
		c := r2.store.all("aq-1", "")[0]
		require.Equal(t, model.AlarmCleared, c.Status)
		got, err := r2.e.Ack(ctx, c.ID, "x")
		require.NoError(t, err)
		require.True(t, got.Acked)
		stored, _ := r2.store.GetAlarm(ctx, c.ID)
		require.True(t, stored.Acked)
		require.Equal(t, model.AlarmCleared, stored.Status)
	})
	t.Run("unknown id", func(t *testing.T) {
		_, err := r.e.Ack(ctx, 4242, "x")
		require.ErrorIs(t, err, engine.ErrNotFound)
		_, err = r.e.Clear(ctx, 4242, "x")
		require.ErrorIs(t, err, engine.ErrNotFound)
	})
}

// After a hand clear, a value that is still past the trigger raises a fresh
// alarm only after `consecutive` more samples.
func TestHandClearResetsTheRule(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		desc, who string
	}{
		{desc: "by an operator", who: "值班长 李"},
		{desc: "by a user whose name is \"rule\"", who: "rule"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, nil)
			r.feed(t, "aq-1", "pm25_ugm3", 80, 80, 80)
			a := r.active(t, "aq-1", "pm25_over_limit")
			_, err := r.e.Clear(ctx, a.ID, tc.who)
			require.NoError(t, err)
			r.feed(t, "aq-1", "pm25_ugm3", 90, 90)
			require.Empty(t, r.e.ActiveAlarms(), "still breaching, but not yet 3 samples since the hand clear")
			require.Len(t, r.store.all("aq-1", ""), 1)
			r.feed(t, "aq-1", "pm25_ugm3", 90)
			fresh := r.active(t, "aq-1", "pm25_over_limit")
			require.NotEqual(t, a.ID, fresh.ID)
			require.Equal(t, 1, fresh.Count)
		})
	}
	t.Run("event alarm cleared by hand reopens on the next event", func(t *testing.T) {
		r := newRig(t, nil)
		r.event(t, "cam-1", "smoke", t0)
		a := r.active(t, "cam-1", "smoke")
		_, err := r.e.Clear(ctx, a.ID, "x")
		require.NoError(t, err)
		r.event(t, "cam-1", "smoke", t0.Add(time.Minute))
		fresh := r.active(t, "cam-1", "smoke")
		require.NotEqual(t, a.ID, fresh.ID)
	})
}

// A restarted hub reloads its active alarms, so a clearing reading clears
// them and a breaching one updates them instead of opening a second.
func TestLoadRestoresActiveAlarms(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		desc   string
		value  float64
		status string
		count  int
	}{
		{"a clearing reading clears the reloaded alarm", 60, model.AlarmCleared, 1},
		{"a breaching reading updates it in place", 95, model.AlarmActive, 2},
		{"a reading in the band keeps it", 70, model.AlarmActive, 1},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			st := newMemStore()
			first := newRig(t, st)
			first.feed(t, "aq-1", "pm25_ugm3", 80, 80, 80)
			a := first.active(t, "aq-1", "pm25_over_limit")
			st.latest["aq-1"] = model.Reading{DeviceID: "aq-1", TS: first.lastTS(), Seq: first.seq, Values: map[string]float64{"pm25_ugm3": 80}}
			st.statuses = []model.Status{{DeviceID: "aq-1", State: model.StateOnline, TS: first.lastTS(), FW: "3.0"}}

			second := newRig(t, st) // the restart: a new engine over the same store
			require.Len(t, second.e.ActiveAlarms(), 1)
			v := second.e.View(testDevices["aq-1"])
			require.Equal(t, 80.0, v.Values["pm25_ugm3"])
			require.Equal(t, "3.0", v.FW)
			require.Equal(t, 1, v.ActiveAlarms)

			second.seq = first.seq
			second.feed(t, "aq-1", "pm25_ugm3", tc.value)
			all := st.all("aq-1", "pm25_over_limit")
			require.Len(t, all, 1)
			require.Equal(t, a.ID, all[0].ID)
			require.Equal(t, tc.status, all[0].Status)
			require.Equal(t, tc.count, all[0].Count)
			if tc.status == model.AlarmActive {
				_, err := second.e.Ack(ctx, a.ID, "x")
				require.NoError(t, err, "the reloaded copy has the stored version")
			}
		})
	}
}

// Another hub (or an operator on another node) changed the alarm: the
// engine's next update conflicts. It must not lose the alarm for good.
func TestUpdateAfterConflict(t *testing.T) {
	st := newMemStore()
	r := newRig(t, st)
	r.feed(t, "aq-1", "pm25_ugm3", 80, 80, 80)
	a := r.active(t, "aq-1", "pm25_over_limit")
	st.bump(a.ID, func(x *model.Alarm) { x.Acked, x.AckedBy = true, "other hub" })
	r.feed(t, "aq-1", "pm25_ugm3", 90)
	r.feed(t, "aq-1", "pm25_ugm3", 10)
	all := r.store.all("aq-1", "")
	require.Len(t, all, 1)
	require.Equal(t, model.AlarmCleared, all[0].Status, "the clearing reading cleared it")
	require.True(t, all[0].Acked, "the other hub's acknowledgement is kept")
}

func TestViewJSON(t *testing.T) {
	r := newRig(t, nil)
	r.feed(t, "el-1", "floor", 7)
	b, err := json.Marshal(r.e.View(testDevices["el-1"]))
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, true, got["online"])
	require.Equal(t, map[string]any{"floor": 7.0}, got["values"])
	require.Equal(t, "", got["alarm_severity"])
	require.Len(t, r.e.Views(), len(testDevices))
}
