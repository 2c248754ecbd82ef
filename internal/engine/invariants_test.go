package engine_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Random sequences of readings, events, sweeps, hand clears and acks must
// never panic, and the alarm invariants must hold after each step:
//   - never two active alarms of one (source, type);
//   - a cleared alarm never becomes active again (it is never re-opened in
//     place: a recurrence is a new alarm);
//   - the engine's active set is exactly the store's;
//   - an open incident has an active member, and an active alarm's incident
//     is open.
func TestAlarmInvariantsRandom(t *testing.T) {
	for seed := range uint64(25) {
		ops := make([]byte, 600)
		rng := rand.New(rand.NewPCG(seed, 7))
		for i := range ops {
			ops[i] = byte(rng.IntN(256))
		}
		runOps(t, newMemStore(), ops)
	}
}

func TestAlarmInvariantsOnStores(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		ops := make([]byte, 450)
		rng := rand.New(rand.NewPCG(99, 1))
		for i := range ops {
			ops[i] = byte(rng.IntN(256))
		}
		runOps(t, newStore(), ops)
	})
}

func FuzzAlarmInvariants(f *testing.F) {
	f.Add([]byte{0, 1, 200, 0, 1, 220, 0, 1, 250, 5, 0, 255, 6, 0, 0})
	f.Add([]byte{4, 0, 10, 4, 1, 10, 5, 3, 3, 4, 2, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 900 {
			ops = ops[:900]
		}
		runOps(t, newMemStore(), ops)
	})
}

var fuzzDevices = []string{"hy-1", "aq-1", "el-1", "cam-a", "cam-b", "cam-c"}

func runOps(t *testing.T, st rigStore, ops []byte) {
	t.Helper()
	r := fireRig(t, st)
	ctx := context.Background()
	ts := t0
	cleared := map[int64]bool{}
	for i := 0; i+2 < len(ops); i += 3 {
		op, dev, v := ops[i]%8, fuzzDevices[int(ops[i+1])%len(fuzzDevices)], float64(ops[i+2])
		ts = ts.Add(time.Duration(1+int(ops[i+2])%90) * time.Second)
		r.clock.set(ts)
		switch op {
		case 0, 1, 2: // a reading
			vals := map[string]float64{}
			switch dev {
			case "hy-1":
				vals["water_level_m"], vals["rain_mm"], vals["supply_v"] = 1049+v/50, v/4, 9+v/50
			case "aq-1":
				vals["pm25_ugm3"], vals["pm10_ugm3"], vals["so2_ugm3"], vals["o3_ugm3"] = v*2, v*3, v*4, v*5
			case "el-1":
				vals["person_present"], vals["door_open"], vals["speed_ms"], vals["in_door_zone"] = float64(int(v)%2), float64(int(v)/2%2), float64(int(v)%3)/2, float64(int(v)/4%2)
			default:
				vals["housing_temp_c"] = v / 3
			}
			var flags map[string]string
			if op == 2 {
				flags = map[string]string{"pm25_ugm3": "M"}
			}
			r.at(t, dev, ts, vals, flags)
		case 3, 4: // an event
			switch dev {
			case "el-1":
				types := []string{"entrapment", "power_loss", "power_restored", "alarm_button", "overspeed", "back_in_service"}
				r.ev(t, dev, types[int(v)%len(types)], ts, nil)
			case "cam-a", "cam-b", "cam-c":
				typ := []string{"smoke", "fire", "lens_blocked", "lens_clear"}[int(v)%4]
				var fields map[string]any
				if typ == "smoke" || typ == "fire" {
					fields = map[string]any{"confidence": v / 255, "bearing_deg": v * 360 / 256}
					if int(v)%3 == 0 {
						fields["distance_m"] = v * 100
					}
				}
				r.ev(t, dev, typ, ts, fields)
			case "hy-1":
				r.ev(t, dev, "low_battery", ts, map[string]any{"supply_v": 10.5})
			default:
				r.ev(t, dev, "analyzer_fault", ts, map[string]any{"code": "E1"})
			}
		case 5: // the scheduled sweep, some time later
			ts = ts.Add(time.Duration(v) * time.Minute)
			r.clock.set(ts)
			r.e.Sweep(ctx, ts)
		case 6, 7: // an operator clears or acknowledges an active alarm
			act := r.e.ActiveAlarms()
			if len(act) == 0 {
				continue
			}
			a := act[int(v)%len(act)]
			var err error
			if op == 6 {
				_, err = r.e.Clear(ctx, a.ID, "fuzz")
			} else {
				_, err = r.e.Ack(ctx, a.ID, "fuzz")
			}
			_ = err // already acked, say: refused with a reason, never a panic
		}
		checkInvariants(t, r, cleared)
	}
}

func checkInvariants(t *testing.T, r *rig, cleared map[int64]bool) {
	t.Helper()
	ctx := context.Background()
	all, err := r.store.ListAlarms(ctx, store.AlarmFilter{Limit: 100000})
	require.NoError(t, err)
	type key struct{ source, typ string }
	active := map[key]int64{}
	activeIDs := map[int64]model.Alarm{}
	for _, a := range all {
		switch a.Status {
		case model.AlarmActive:
			k := key{a.Source, a.Type}
			require.Zero(t, active[k], "two active %s/%s alarms: %d and %d", a.Source, a.Type, active[k], a.ID)
			active[k] = a.ID
			activeIDs[a.ID] = a
			require.False(t, cleared[a.ID], "alarm %d re-opened after it was cleared", a.ID)
		case model.AlarmCleared:
			cleared[a.ID] = true
		}
	}
	live := r.e.ActiveAlarms()
	require.Len(t, live, len(activeIDs), "engine and store disagree on the active set")
	for _, a := range live {
		_, ok := activeIDs[a.ID]
		require.True(t, ok, "engine holds alarm %d active, the store does not", a.ID)
	}
	open, err := r.store.ListIncidents(ctx, store.IncidentFilter{Status: model.IncidentOpen, Limit: 100000})
	require.NoError(t, err)
	openIDs := map[int64]bool{}
	for _, in := range open {
		openIDs[in.ID] = true
		has := false
		for _, id := range in.AlarmIDs {
			_, ok := activeIDs[id]
			has = has || ok
		}
		require.True(t, has, "open incident %d has no active member", in.ID)
	}
	for _, a := range activeIDs {
		if a.IncidentID != 0 {
			require.True(t, openIDs[a.IncidentID], "active alarm %d belongs to incident %d, which is not open", a.ID, a.IncidentID)
		}
	}
}
