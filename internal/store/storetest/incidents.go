package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// fireAlarm is a tower camera's smoke alarm, located along a bearing.
func fireAlarm(src string) *model.Alarm {
	a := alarm(src)
	a.Type, a.Label, a.Kind, a.Metric, a.Category = "smoke_detected", "发现烟点", "tower_camera", "", "forest_fire"
	a.Location = &model.Location{Method: model.LocateBearingLine, BearingDeg: 123.456789012345,
		Line: [][2]float64{{101.1, 42.1}, {101.23456789012345, 42.01234567890123}}}
	a.IncidentID, a.Assignee = 7, "林业站-张三"
	return a
}

func testAlarmIncidentFields(t *testing.T, s Store) {
	ctx := context.Background()
	fire := fireAlarm("cam-1")
	require.NoError(t, s.InsertAlarm(ctx, fire))
	got, err := s.GetAlarm(ctx, fire.ID)
	require.NoError(t, err)
	require.Equal(t, *fire, got)

	plain := alarm("hyd-1")
	require.NoError(t, s.InsertAlarm(ctx, plain))
	got, err = s.GetAlarm(ctx, plain.ID)
	require.NoError(t, err)
	require.Nil(t, got.Location, "no location reads back nil")
	require.Equal(t, *plain, got)

	// A second tower triangulates the fire: the alarm is located, moved to
	// another incident and handed to someone else.
	fire.Location = &model.Location{Method: model.LocateTriangulated, Lon: 101.18765432109876, Lat: 42.0543210987654}
	fire.IncidentID, fire.Assignee, fire.Category = 9, "林业站-李四", "forest_fire_confirmed"
	require.NoError(t, s.UpdateAlarm(ctx, fire))
	got, err = s.GetAlarm(ctx, fire.ID)
	require.NoError(t, err)
	require.Equal(t, *fire, got)
	plain.Location, plain.Category, plain.IncidentID = &model.Location{Method: model.LocateDevice}, "flood", 9
	require.NoError(t, s.UpdateAlarm(ctx, plain))
	plain.Location = nil
	require.NoError(t, s.UpdateAlarm(ctx, plain))
	got, err = s.GetAlarm(ctx, plain.ID)
	require.NoError(t, err)
	require.Nil(t, got.Location, "an update can drop the location")
	require.Equal(t, *plain, got)

	other := fireAlarm("cam-2")
	require.NoError(t, s.InsertAlarm(ctx, other))
	for _, tc := range []struct {
		desc string
		f    store.AlarmFilter
		want []*model.Alarm
	}{
		{"by category", store.AlarmFilter{Category: "forest_fire"}, []*model.Alarm{other}},
		{"by incident", store.AlarmFilter{IncidentID: 9}, []*model.Alarm{plain, fire}},
		{"by incident and category", store.AlarmFilter{IncidentID: 9, Category: "flood"}, []*model.Alarm{plain}},
		{"by incident and source", store.AlarmFilter{IncidentID: 9, Source: "cam-1"}, []*model.Alarm{fire}},
		{"by category and status", store.AlarmFilter{Category: "forest_fire", Status: model.AlarmCleared}, nil},
		{"unknown incident", store.AlarmFilter{IncidentID: 8}, nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := s.ListAlarms(ctx, tc.f)
			require.NoError(t, err)
			require.Len(t, got, len(tc.want))
			for i, w := range tc.want {
				require.Equal(t, *w, got[i])
			}
		})
	}
}

func testAlarmComments(t *testing.T, s Store) {
	ctx := context.Background()
	a, b := alarm("a"), alarm("b")
	require.NoError(t, s.InsertAlarm(ctx, a))
	require.NoError(t, s.InsertAlarm(ctx, b))
	later := &model.AlarmComment{AlarmID: a.ID, At: t0.Add(2 * time.Minute), By: "值班员", Text: "已通知巡护员"}
	sooner := &model.AlarmComment{AlarmID: a.ID, At: t0.Add(time.Minute), By: "值班员", Text: "现场确认中"}
	onB := &model.AlarmComment{AlarmID: b.ID, At: t0, By: "ops", Text: "duplicate of the other station"}
	for _, c := range []*model.AlarmComment{later, sooner, onB} {
		require.NoError(t, s.AddAlarmComment(ctx, c))
		require.NotZero(t, c.ID)
	}
	require.NotEqual(t, later.ID, sooner.ID)
	got, err := s.ListAlarmComments(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, []model.AlarmComment{*sooner, *later}, got, "oldest first, whatever the order added")
	got, err = s.ListAlarmComments(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, []model.AlarmComment{*onB}, got)

	stray := &model.AlarmComment{AlarmID: 9999, At: t0, By: "ops", Text: "?"}
	require.ErrorIs(t, s.AddAlarmComment(ctx, stray), store.ErrNotFound)
	require.Zero(t, stray.ID)
	got, err = s.ListAlarmComments(ctx, 9999)
	require.NoError(t, err)
	require.Empty(t, got)
}

func incident(category, status string, at time.Duration) *model.Incident {
	return &model.Incident{Category: category, Title: "额济纳旗 林火", Severity: model.SeverityCritical,
		Status: status, RegionCode: "152923", Lon: 101.18765432109876, Lat: 42.0543210987654,
		Location: model.Location{Method: model.LocateTriangulated, Lon: 101.18765432109876, Lat: 42.0543210987654},
		AlarmIDs: []int64{3, 5}, Sources: []string{"cam-1", "cam-2"}, FirstSeen: t0.Add(at),
		LastSeen: t0.Add(at + time.Minute)}
}

func testIncidents(t *testing.T, s Store) {
	ctx := context.Background()
	fire := incident("forest_fire", model.IncidentOpen, 0)
	require.NoError(t, s.InsertIncident(ctx, fire))
	require.NotZero(t, fire.ID)
	require.EqualValues(t, 1, fire.Version)
	got, err := s.GetIncident(ctx, fire.ID)
	require.NoError(t, err)
	require.Equal(t, *fire, got)

	flood := incident("flood", model.IncidentOpen, time.Hour)
	flood.Location = model.Location{Method: model.LocateBearingLine, BearingDeg: 271.5,
		Line: [][2]float64{{101.1, 42.1}, {100.9, 42.12}}}
	flood.Lon, flood.Lat, flood.AlarmIDs, flood.Sources = 0, 0, nil, []string{}
	require.NoError(t, s.InsertIncident(ctx, flood))
	got, err = s.GetIncident(ctx, flood.ID)
	require.NoError(t, err)
	require.Nil(t, got.AlarmIDs, "no alarm ids read back nil")
	require.Nil(t, got.Sources, "empty sources read back nil")
	flood.Sources = nil
	require.Equal(t, *flood, got, "an incident without a point reads back as 0, 0")

	closed := incident("forest_fire", model.IncidentClosed, 2*time.Hour)
	closed.ClosedAt, closed.CaseID = t0.Add(3*time.Hour), 42
	require.NoError(t, s.InsertIncident(ctx, closed))
	require.Greater(t, closed.ID, flood.ID)
	require.Greater(t, flood.ID, fire.ID)

	for _, tc := range []struct {
		desc string
		f    store.IncidentFilter
		want []*model.Incident
	}{
		{"all, newest first", store.IncidentFilter{}, []*model.Incident{closed, flood, fire}},
		{"by status", store.IncidentFilter{Status: model.IncidentOpen}, []*model.Incident{flood, fire}},
		{"by category", store.IncidentFilter{Category: "forest_fire"}, []*model.Incident{closed, fire}},
		{"by status and category", store.IncidentFilter{Status: model.IncidentClosed, Category: "forest_fire"},
			[]*model.Incident{closed}},
		{"by status and category, none", store.IncidentFilter{Status: model.IncidentClosed, Category: "flood"}, nil},
		{"limit", store.IncidentFilter{Limit: 2}, []*model.Incident{closed, flood}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := s.ListIncidents(ctx, tc.f)
			require.NoError(t, err)
			require.Len(t, got, len(tc.want))
			for i, w := range tc.want {
				require.Equal(t, *w, got[i])
			}
		})
	}
}

func testIncidentConflict(t *testing.T, s Store) {
	ctx := context.Background()
	in := incident("forest_fire", model.IncidentOpen, 0)
	require.NoError(t, s.InsertIncident(ctx, in))
	stale := *in
	// A third tower joins, and the incident is closed into a case.
	in.AlarmIDs, in.Sources = append(in.AlarmIDs, 11), append(in.Sources, "cam-3")
	in.Lon, in.Lat = 101.19, 42.06
	in.Location = model.Location{Method: model.LocateTriangulated, Lon: 101.19, Lat: 42.06}
	in.Status, in.ClosedAt, in.CaseID, in.LastSeen = model.IncidentClosed, t0.Add(time.Hour), 42, t0.Add(30*time.Minute)
	in.Title, in.Severity = "额济纳旗 林火（已扑灭）", model.SeverityMajor
	require.NoError(t, s.UpdateIncident(ctx, in))
	require.EqualValues(t, 2, in.Version)
	got, err := s.GetIncident(ctx, in.ID)
	require.NoError(t, err)
	require.Equal(t, *in, got)

	stale.Title = "stale write"
	require.ErrorIs(t, s.UpdateIncident(ctx, &stale), store.ErrConflict)
	require.EqualValues(t, 1, stale.Version, "a refused update leaves the version alone")
	got, err = s.GetIncident(ctx, in.ID)
	require.NoError(t, err)
	require.Equal(t, *in, got, "a refused update writes nothing")

	missing := incident("flood", model.IncidentOpen, 0)
	missing.ID, missing.Version = 9999, 1
	require.ErrorIs(t, s.UpdateIncident(ctx, missing), store.ErrNotFound)
	_, err = s.GetIncident(ctx, 9999)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testIncidentPrecision(t *testing.T, s Store) {
	ctx := context.Background()
	in := incident("forest_fire", model.IncidentOpen, 0)
	in.Lon, in.Lat = 105.67891234567891, -0.000123456789
	in.Location = model.Location{Method: model.LocateBearingDistance, Lon: 105.67891234567891, Lat: -0.000123456789,
		BearingDeg: 359.99999999999994, DistanceM: 12345.678901234567,
		Line: [][2]float64{{-179.99999999999997, 89.99999999999999}, {1e-300, 5e-324}}}
	require.NoError(t, s.InsertIncident(ctx, in))
	got, err := s.GetIncident(ctx, in.ID)
	require.NoError(t, err)
	require.Equal(t, in.Lon, got.Lon, "longitude must round-trip bit for bit")
	require.Equal(t, in.Lat, got.Lat)
	require.Equal(t, in.Location, got.Location)
	list, err := s.ListIncidents(ctx, store.IncidentFilter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, *in, list[0])
}
