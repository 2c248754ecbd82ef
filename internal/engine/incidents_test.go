package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
)

// Two towers on the 贺兰山 and a fire between them. Each camera reports its
// raw pan angle; the hub adds the tower's north offset back.
var (
	towerA = model.Device{ID: "cam-a", Kind: "firecam", Name: "南寺瞭望塔", RegionCode: "152921", Lon: 105.80, Lat: 38.60,
		Params: map[string]float64{"north_offset_deg": 2.5}}
	towerB = model.Device{ID: "cam-b", Kind: "firecam", Name: "雪岭子瞭望塔", RegionCode: "152921", Lon: 105.85, Lat: 38.68,
		Params: map[string]float64{"north_offset_deg": -1.8}}
	// towerC is 50 km north-east of the others, with a fire of its own.
	towerC = model.Device{ID: "cam-c", Kind: "firecam", Name: "宗别立瞭望塔", RegionCode: "152921", Lon: 106.25, Lat: 38.95}
	fire1  = [2]float64{105.90, 38.62}
	fire2  = [2]float64{106.30, 39.00}
)

// sight is what a tower's camera reports looking at p: its raw pan angle.
func sight(tower model.Device, p [2]float64, confidence float64) map[string]any {
	raw := gis.InitialBearing(tower.Lon, tower.Lat, p[0], p[1]) - tower.Params["north_offset_deg"]
	if raw < 0 {
		raw += 360
	}
	return map[string]any{"confidence": confidence, "bearing_deg": raw, "pitch_deg": -1.5}
}

func fireRig(t *testing.T, st rigStore) *rig {
	r := newRig(t, st)
	for _, d := range []model.Device{towerA, towerB, towerC} {
		r.addDevice(d)
	}
	return r
}

// Two towers seeing one fire become one incident, located where their
// calibrated bearings cross.
func TestTwoTowersOneIncident(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := fireRig(t, newStore())
		r.ev(t, "cam-a", "smoke", t0, sight(towerA, fire1, 0.82))
		open := r.incidents(t, model.IncidentOpen)
		require.Len(t, open, 1)
		in := open[0]
		require.Equal(t, model.LocateBearingLine, in.Location.Method, "one tower: only a bearing")
		require.InDelta(t, gis.InitialBearing(towerA.Lon, towerA.Lat, fire1[0], fire1[1]), in.Location.BearingDeg, 1e-3,
			"the calibrated (true) bearing")
		require.NotEmpty(t, in.Location.Line)
		require.Equal(t, [2]float64{towerA.Lon, towerA.Lat}, in.Location.Line[0], "the line starts at the tower")
		require.Equal(t, "forest_fire", in.Category)

		r.ev(t, "cam-b", "fire", t0.Add(40*time.Second), sight(towerB, fire1, 0.9))
		open = r.incidents(t, model.IncidentOpen)
		require.Len(t, open, 1, "one fire, one incident")
		in = open[0]
		require.Equal(t, model.LocateTriangulated, in.Location.Method)
		require.Less(t, gis.Distance(in.Lon, in.Lat, fire1[0], fire1[1]), 10.0, "located within 10 m of the fire")
		require.Equal(t, []string{"cam-a", "cam-b"}, in.Sources)
		require.Len(t, in.AlarmIDs, 2)
		require.Equal(t, model.SeverityCritical, in.Severity, "the fire (明火) alarm is critical")
		require.Equal(t, "152921", in.RegionCode)
		for _, id := range in.AlarmIDs {
			a, err := r.e.Alarm(context.Background(), id)
			require.NoError(t, err)
			require.Equal(t, in.ID, a.IncidentID)
		}
		got, err := r.e.Incident(context.Background(), in.ID)
		require.NoError(t, err)
		require.Equal(t, in, got)

		// Both alarms auto-clear after an hour without smoke: the incident closes.
		r.e.Sweep(context.Background(), t0.Add(40*time.Second+time.Hour))
		require.Empty(t, r.incidents(t, model.IncidentOpen))
		closed := r.incidents(t, model.IncidentClosed)
		require.Len(t, closed, 1)
		require.False(t, closed[0].ClosedAt.IsZero())
	})
}

// Two unrelated fires 50 km apart stay two incidents, whether the towers
// give bearings only or bearings with distances.
func TestUnrelatedFiresTwoIncidents(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		require.Greater(t, gis.Distance(fire1[0], fire1[1], fire2[0], fire2[1]), 50000.0)
		t.Run("bearings", func(t *testing.T) {
			r := fireRig(t, newStore())
			r.ev(t, "cam-a", "smoke", t0, sight(towerA, fire1, 0.8))
			r.ev(t, "cam-c", "smoke", t0.Add(time.Minute), sight(towerC, fire2, 0.8))
			require.Len(t, r.incidents(t, model.IncidentOpen), 2)
		})
		t.Run("bearings and distances", func(t *testing.T) {
			r := fireRig(t, newStore())
			f := sight(towerA, fire1, 0.8)
			f["distance_m"] = gis.Distance(towerA.Lon, towerA.Lat, fire1[0], fire1[1])
			r.ev(t, "cam-a", "smoke", t0, f)
			f = sight(towerC, fire2, 0.8)
			f["distance_m"] = gis.Distance(towerC.Lon, towerC.Lat, fire2[0], fire2[1])
			r.ev(t, "cam-c", "smoke", t0.Add(time.Minute), f)
			open := r.incidents(t, model.IncidentOpen)
			require.Len(t, open, 2)
			for _, in := range open {
				require.Equal(t, model.LocateBearingDistance, in.Location.Method)
			}
			require.Greater(t, gis.Distance(open[0].Lon, open[0].Lat, open[1].Lon, open[1].Lat), 50000.0)
		})
		t.Run("a later fire at the same place is a new incident after the window", func(t *testing.T) {
			r := fireRig(t, newStore())
			r.ev(t, "cam-a", "smoke", t0, sight(towerA, fire1, 0.8))
			r.ev(t, "cam-b", "smoke", t0.Add(3*time.Hour), sight(towerB, fire1, 0.8))
			require.Len(t, r.incidents(t, model.IncidentOpen), 2, "three hours apart: outside the 2 h window")
		})
	})
}

// One tower with a bearing and a distance: the point is the destination.
func TestBearingAndDistanceLocate(t *testing.T) {
	r := fireRig(t, nil)
	f := sight(towerA, fire1, 0.8)
	d := gis.Distance(towerA.Lon, towerA.Lat, fire1[0], fire1[1])
	f["distance_m"] = d
	r.ev(t, "cam-a", "smoke", t0, f)
	a := r.active(t, "cam-a", "smoke")
	require.Equal(t, model.LocateBearingDistance, a.Location.Method)
	require.Less(t, gis.Distance(a.Location.Lon, a.Location.Lat, fire1[0], fire1[1]), 1.0)
	require.InDelta(t, d, a.Location.DistanceM, 1e-9)
	// A second tower's bearing through the located fire joins it.
	r.ev(t, "cam-b", "smoke", t0.Add(time.Minute), sight(towerB, fire1, 0.8))
	open := r.incidents(t, model.IncidentOpen)
	require.Len(t, open, 1)
	require.Len(t, open[0].AlarmIDs, 2)
}

// Below the confidence threshold an event is stored but raises nothing; a
// tower's own threshold (param min_confidence) overrides the profile's.
func TestFireConfidenceThreshold(t *testing.T) {
	r := fireRig(t, nil)
	r.ev(t, "cam-a", "smoke", t0, sight(towerA, fire1, 0.4)) // profile: 0.6
	require.Empty(t, r.store.all("cam-a", ""))
	require.Empty(t, r.incidents(t, ""))
	sensitive := towerC
	sensitive.Params = map[string]float64{"min_confidence": 0.3}
	r.addDevice(sensitive)
	r.ev(t, "cam-c", "smoke", t0, sight(sensitive, fire2, 0.4))
	a := r.active(t, "cam-c", "smoke")
	require.Equal(t, 0.4, a.Value)
	require.Equal(t, "confidence", a.Metric)
}

// Elevator incidents correlate per lift: two lifts in one building are two
// incidents; a lift's second fault joins its first.
func TestElevatorIncidentsPerLift(t *testing.T) {
	r := newRig(t, nil)
	r.addDevice(model.Device{ID: "el-2", Kind: "elevator", Name: "E13", RegionCode: "152921", Lon: 105.68, Lat: 38.85})
	r.ev(t, "el-1", "overspeed", t0, nil)
	r.ev(t, "el-2", "overspeed", t0, nil)
	require.Len(t, r.incidents(t, model.IncidentOpen), 2)
	r.ev(t, "el-1", "safety_circuit_open", t0.Add(time.Minute), nil)
	open := r.incidents(t, model.IncidentOpen)
	require.Len(t, open, 2)
	for _, in := range open {
		if in.Sources[0] == "el-1" {
			require.Len(t, in.AlarmIDs, 2)
		}
	}
}

// After a restart the open incident and its members are restored: the
// second tower still joins the first tower's incident.
func TestIncidentsSurviveRestart(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		st := newStore()
		first := fireRig(t, st)
		first.ev(t, "cam-a", "smoke", t0, sight(towerA, fire1, 0.8))
		second := fireRig(t, st)
		second.ev(t, "cam-b", "smoke", t0.Add(time.Minute), sight(towerB, fire1, 0.8))
		open := second.incidents(t, model.IncidentOpen)
		require.Len(t, open, 1)
		require.Equal(t, model.LocateTriangulated, open[0].Location.Method)
	})
}

// Assignment and comments, through the engine's public API and live.
func TestAssignAndComment(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() rigStore) {
		r := newRig(t, newStore())
		ctx := context.Background()
		r.feed(t, "aq-1", "pm25_ugm3", 80, 80, 80)
		a := r.active(t, "aq-1", "pm25_over_limit")
		got, err := r.e.Assign(ctx, a.ID, "生态环境局 张工", "值班员 李")
		require.NoError(t, err)
		require.Equal(t, "生态环境局 张工", got.Assignee)
		require.Equal(t, "生态环境局 张工", r.active(t, "aq-1", "pm25_over_limit").Assignee)
		c, err := r.e.Comment(ctx, a.ID, "值班员 李", "已电话通知站点运维")
		require.NoError(t, err)
		require.NotZero(t, c.ID)
		_, err = r.e.Comment(ctx, a.ID, "值班员 李", "")
		require.ErrorIs(t, err, engine.ErrInvalid)
		_, err = r.e.Comment(ctx, 999999, "x", "text")
		require.ErrorIs(t, err, engine.ErrNotFound)
		cs, err := r.e.Comments(ctx, a.ID)
		require.NoError(t, err)
		require.Len(t, cs, 2)
		require.Equal(t, "指派给 生态环境局 张工", cs[0].Text)
		require.Equal(t, "已电话通知站点运维", cs[1].Text)
		require.Equal(t, "值班员 李", cs[1].By)
		r.live.mu.Lock()
		var liveIDs []string
		for _, ch := range r.live.changes {
			if ch.Entity == engine.EntityAlarmComment && ch.Op == "upsert" {
				liveIDs = append(liveIDs, ch.ID)
			}
		}
		r.live.mu.Unlock()
		require.Len(t, liveIDs, 2, "comments on an active alarm go to the screens")
		// The alarm keeps its assignee once cleared, and can be reassigned;
		// its comments leave the screens with it.
		r.feed(t, "aq-1", "pm25_ugm3", 10)
		r.live.mu.Lock()
		removed := 0
		for _, ch := range r.live.changes {
			if ch.Entity == engine.EntityAlarmComment && ch.Op == "remove" {
				removed++
			}
		}
		r.live.mu.Unlock()
		require.Equal(t, 2, removed)
		got, err = r.e.Assign(ctx, a.ID, "", "值班长")
		require.NoError(t, err)
		require.Equal(t, model.AlarmCleared, got.Status)
		require.Empty(t, got.Assignee)
	})
}
