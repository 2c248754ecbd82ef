// Package storetest is the one conformance suite every store backend passes:
// Run(t, newStore) exercises each behaviour the hub relies on. A feature that
// touches storage adds its cases here, never to one backend's tests.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Store is everything the hub asks of a backend.
type Store interface {
	CreateDevice(ctx context.Context, d store.DeviceRecord) error
	SetDeviceSecret(ctx context.Context, id, hash string) error
	SetDeviceDisabled(ctx context.Context, id string, disabled bool) error
	GetDevice(ctx context.Context, id string) (store.DeviceRecord, error)
	ListDevices(ctx context.Context) ([]store.DeviceRecord, error)
	WriteBatch(ctx context.Context, b store.Batch) (store.BatchResult, error)
	LatestReadings(ctx context.Context) (map[string]model.Reading, error)
	ListReadings(ctx context.Context, f store.ReadingFilter) ([]model.Reading, error)
	CountReadings(ctx context.Context) (int64, error)
	ListStatuses(ctx context.Context) ([]model.Status, error)
	InsertAlarm(ctx context.Context, a *model.Alarm) error
	UpdateAlarm(ctx context.Context, a *model.Alarm) error
	GetAlarm(ctx context.Context, id int64) (model.Alarm, error)
	ListAlarms(ctx context.Context, f store.AlarmFilter) ([]model.Alarm, error)
	AddAlarmComment(ctx context.Context, c *model.AlarmComment) error
	ListAlarmComments(ctx context.Context, alarmID int64) ([]model.AlarmComment, error)
	InsertIncident(ctx context.Context, in *model.Incident) error
	UpdateIncident(ctx context.Context, in *model.Incident) error
	GetIncident(ctx context.Context, id int64) (model.Incident, error)
	ListIncidents(ctx context.Context, f store.IncidentFilter) ([]model.Incident, error)
	ListDeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]model.DeadLetter, error)
	PutRegions(ctx context.Context, rs []gis.Region) error
	ListRegions(ctx context.Context) ([]gis.Region, error)
	DropReadingsBefore(ctx context.Context, t time.Time) (int64, error)
	RollupHourly(ctx context.Context, from, to time.Time) (int, error)
	ListHourly(ctx context.Context, deviceID, metric string, from, to time.Time) ([]store.HourlyPoint, error)

	// dispatch.Store, spelled out so that the suite depends on store and
	// model only, not on the dispatch service being built.
	CreateCase(ctx context.Context, c *model.Case, w store.CaseWrites) error
	UpdateCase(ctx context.Context, c *model.Case, w store.CaseWrites) error
	GetCase(ctx context.Context, id int64) (model.Case, error)
	ListCases(ctx context.Context, f store.CaseFilter) ([]model.Case, error)
	CaseEvents(ctx context.Context, caseID int64) ([]model.CaseEvent, error)
	ListOutbox(ctx context.Context, f store.OutboxFilter) ([]model.OutboxMessage, error)
	UpdateOutbox(ctx context.Context, m model.OutboxMessage) error
	SeedResources(ctx context.Context, rs []model.Resource) error
	ListResources(ctx context.Context) ([]model.Resource, error)

	// API tokens.
	CreateToken(ctx context.Context, t model.APIToken) error
	GetToken(ctx context.Context, id string) (model.APIToken, error)
	ListTokens(ctx context.Context) ([]model.APIToken, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error
	TouchToken(ctx context.Context, id string, at time.Time) error

	// The audit chain (audit.go).
	AppendAudit(ctx context.Context, es ...model.AuditEntry) ([]model.AuditEntry, error)
	ListAudit(ctx context.Context, f store.AuditFilter) ([]model.AuditEntry, error)
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
	AddAuditCheckpoint(ctx context.Context, cp model.AuditCheckpoint) error
	ListAuditCheckpoints(ctx context.Context) ([]model.AuditCheckpoint, error)
}

// Run runs every case against fresh stores from newStore.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	for _, tc := range []struct {
		desc string
		fn   func(t *testing.T, s Store)
	}{
		{"devices create get list", testDevices},
		{"device params round-trip, empty reads back nil", testDeviceParams},
		{"batch dedupes readings and events", testBatchDedupe},
		{"latest reading per device", testLatest},
		{"status keeps newest", testStatus},
		{"one active alarm per source and type", testAlarmUnique},
		{"alarm optimistic lock", testAlarmConflict},
		{"alarm category, location, incident and assignee round-trip and filter", testAlarmIncidentFields},
		{"alarm comments add, list oldest first, refuse unknown alarm", testAlarmComments},
		{"incidents insert, get, list with filters", testIncidents},
		{"incident optimistic lock and not found", testIncidentConflict},
		{"incident coordinates keep full precision", testIncidentPrecision},
		{"dead letters filter and page", testDeadLetters},
		{"device and alarm coordinates keep full precision", testCoordinatePrecision},
		{"regions upsert and round-trip their geometry", testRegions},
		{"retention drops readings before a day boundary", testRetention},
		{"hourly rollup over whole hours", testRollupHourly},
		{"API tokens create, get, list, revoke, touch", testTokens},
		{"hourly rollup recomputes and outlives retention", testRollupRecompute},
		{"case create sets id, number and version and round-trips every field", testCaseCreate},
		{"case times are kept to the millisecond, in UTC", testCaseTimes},
		{"case update bumps the version; stale and missing write nothing", testCaseUpdate},
		{"case resource version mismatch rolls the whole transaction back", testCaseResourceConflict},
		{"case duplicate outbox key rolls the whole transaction back", testCaseOutboxDuplicate},
		{"cases list with every filter, newest first", testListCases},
		{"case timeline oldest first", testCaseTimeline},
		{"outbox pending, due, update and delivered", testOutbox},
		{"seeding resources keeps status, case and version", testSeedResources},
		{"concurrent case updates: exactly one wins", testCaseConcurrentUpdate},
		{"one case per incident", testCaseOnePerIncident},
		{"audit entries chain from genesis and round-trip", testAuditAppend},
		{"audit entries of a case are written with it, or not at all", testAuditCaseWrites},
		{"audit checkpoints add, list, refuse a second for one seq", testAuditCheckpoints},
		{"concurrent audit appends make one unbroken chain", testAuditConcurrent},
	} {
		t.Run(tc.desc, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

var t0 = time.Date(2026, 7, 21, 0, 0, 0, 0, time.UTC)

func device(id string) store.DeviceRecord {
	return store.DeviceRecord{Device: model.Device{ID: id, Kind: "hydrology", Name: "站" + id, Lon: 101.1, Lat: 42.1,
		RegionCode: "152923", RegionName: "额济纳旗", CreatedAt: t0,
		RuleOverrides: map[string]model.RuleOverride{"water_level_warning": {Value: 920.5, Clear: 920.3}},
		Params:        map[string]float64{"guarantee_level_m": 921.75, "north_offset_deg": -1.25}},
		SecretHash: "h-" + id}
}

func testDevices(t *testing.T, s Store) {
	ctx := context.Background()
	require.NoError(t, s.CreateDevice(ctx, device("b")))
	require.NoError(t, s.CreateDevice(ctx, device("a")))
	require.ErrorIs(t, s.CreateDevice(ctx, device("a")), store.ErrExists)
	got, err := s.GetDevice(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, device("a"), got)
	_, err = s.GetDevice(ctx, "zz")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, s.SetDeviceSecret(ctx, "a", "new"))
	got, _ = s.GetDevice(ctx, "a")
	require.Equal(t, "new", got.SecretHash)
	require.ErrorIs(t, s.SetDeviceSecret(ctx, "zz", "x"), store.ErrNotFound)
	for _, disabled := range []bool{true, true, false} { // disabling twice is no error
		require.NoError(t, s.SetDeviceDisabled(ctx, "a", disabled))
		got, _ = s.GetDevice(ctx, "a")
		require.Equal(t, disabled, got.Disabled)
		require.Equal(t, "new", got.SecretHash, "disabling keeps the secret")
	}
	require.ErrorIs(t, s.SetDeviceDisabled(ctx, "zz", true), store.ErrNotFound)
	all, err := s.ListDevices(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, "a", all[0].ID)
}

func testDeviceParams(t *testing.T, s Store) {
	ctx := context.Background()
	d := device("p")
	// Values that only survive a lossless encoding: 0.1+0.2, a tiny exponent, 17 significant digits.
	d.Params = map[string]float64{"a": 0.1 + 0.2, "tiny": 1e-9, "big": -1.2345678901234567e21, "zero": 0,
		"north_offset_deg": 3.141592653589793}
	require.NoError(t, s.CreateDevice(ctx, d))
	got, err := s.GetDevice(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, d, got)
	none := device("q")
	none.Params, none.RuleOverrides = nil, nil
	require.NoError(t, s.CreateDevice(ctx, none))
	empty := device("r")
	empty.Params, empty.RuleOverrides = map[string]float64{}, map[string]model.RuleOverride{}
	require.NoError(t, s.CreateDevice(ctx, empty))
	all, err := s.ListDevices(ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, d, all[0])
	require.Equal(t, none, all[1], "nil params read back nil")
	require.Nil(t, all[2].Params, "empty params read back nil, like rule overrides")
	require.Nil(t, all[2].RuleOverrides)
}

func reading(dev string, at time.Duration, seq int64, v float64) model.Reading {
	return model.Reading{DeviceID: dev, TS: t0.Add(at), Seq: seq, Values: map[string]float64{"water_level_m": v},
		Flags: map[string]string{"water_level_m": "N"}}
}

func testBatchDedupe(t *testing.T, s Store) {
	ctx := context.Background()
	ev := model.Event{DeviceID: "a", TS: t0, Type: "smoke", Fields: map[string]any{"confidence": 0.9}}
	res, err := s.WriteBatch(ctx, store.Batch{
		Readings: []model.Reading{reading("a", 0, 1, 1), reading("a", time.Second, 2, 2), reading("a", 0, 1, 1)},
		Events:   []model.Event{ev},
	})
	require.NoError(t, err)
	require.Equal(t, []bool{true, true, false}, res.Inserted)
	require.Equal(t, []bool{true}, res.EventNew)
	res, err = s.WriteBatch(ctx, store.Batch{Readings: []model.Reading{reading("a", 0, 1, 1), reading("a", 0, 2, 1)}, Events: []model.Event{ev}})
	require.NoError(t, err)
	require.Equal(t, []bool{false, true}, res.Inserted, "same ts with another seq is a new reading")
	require.Equal(t, []bool{false}, res.EventNew)
	n, err := s.CountReadings(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	rs, err := s.ListReadings(ctx, store.ReadingFilter{DeviceID: "a"})
	require.NoError(t, err)
	require.Len(t, rs, 3)
	require.Equal(t, reading("a", time.Second, 2, 2), rs[0])
	rs, err = s.ListReadings(ctx, store.ReadingFilter{DeviceID: "a", To: t0.Add(time.Second + 500*time.Microsecond)})
	require.NoError(t, err)
	require.Len(t, rs, 3, "To inside a millisecond lets a reading at its start in")
	rs, err = s.ListReadings(ctx, store.ReadingFilter{DeviceID: "a", To: t0.Add(time.Second)})
	require.NoError(t, err)
	require.Len(t, rs, 2, "To is exclusive")
}

func testLatest(t *testing.T, s Store) {
	ctx := context.Background()
	require.NoError(t, s.CreateDevice(ctx, device("a")))
	require.NoError(t, s.CreateDevice(ctx, device("b")))
	_, err := s.WriteBatch(ctx, store.Batch{Readings: []model.Reading{
		reading("a", 2*time.Second, 5, 3), reading("a", time.Second, 9, 2), reading("b", 0, 1, 7)}})
	require.NoError(t, err)
	latest, err := s.LatestReadings(ctx)
	require.NoError(t, err)
	require.Len(t, latest, 2)
	require.Equal(t, 3.0, latest["a"].Values["water_level_m"], "newest by timestamp, not by arrival or seq")
	require.Equal(t, 7.0, latest["b"].Values["water_level_m"])
}

func testStatus(t *testing.T, s Store) {
	ctx := context.Background()
	bat := 80.0
	_, err := s.WriteBatch(ctx, store.Batch{Statuses: []model.Status{
		{DeviceID: "a", State: model.StateOnline, TS: t0.Add(time.Minute), FW: "1.2", BatteryPct: &bat}}})
	require.NoError(t, err)
	_, err = s.WriteBatch(ctx, store.Batch{Statuses: []model.Status{{DeviceID: "a", State: model.StateOffline, TS: t0}}})
	require.NoError(t, err)
	sts, err := s.ListStatuses(ctx)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	require.Equal(t, model.StateOnline, sts[0].State, "an older status must not overwrite a newer one")
	require.Equal(t, "1.2", sts[0].FW)
	require.Equal(t, 80.0, *sts[0].BatteryPct)
}

func alarm(src string) *model.Alarm {
	return &model.Alarm{Source: src, Type: "water_level_over_warning", Label: "超警戒水位", Severity: model.SeverityMajor,
		Status: model.AlarmActive, Count: 1, FirstSeen: t0, LastSeen: t0, Metric: "water_level_m", Value: 921,
		Threshold: 920.5, RegionCode: "152923", Lon: 101.1, Lat: 42.1, Kind: "hydrology"}
}

func testAlarmUnique(t *testing.T, s Store) {
	ctx := context.Background()
	a := alarm("a")
	require.NoError(t, s.InsertAlarm(ctx, a))
	require.NotZero(t, a.ID)
	require.ErrorIs(t, s.InsertAlarm(ctx, alarm("a")), store.ErrExists)
	require.NoError(t, s.InsertAlarm(ctx, alarm("b")))
	a.Status, a.ClearedAt = model.AlarmCleared, t0.Add(time.Minute)
	require.NoError(t, s.UpdateAlarm(ctx, a))
	again := alarm("a")
	require.NoError(t, s.InsertAlarm(ctx, again), "a cleared alarm frees the slot")
	active, err := s.ListAlarms(ctx, store.AlarmFilter{Status: model.AlarmActive})
	require.NoError(t, err)
	require.Len(t, active, 2)
	mine, err := s.ListAlarms(ctx, store.AlarmFilter{Source: "a"})
	require.NoError(t, err)
	require.Len(t, mine, 2)
	got, err := s.GetAlarm(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, *a, got)
	_, err = s.GetAlarm(ctx, 9999)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testAlarmConflict(t *testing.T, s Store) {
	ctx := context.Background()
	a := alarm("a")
	require.NoError(t, s.InsertAlarm(ctx, a))
	stale := *a
	a.Count, a.LastSeen = 2, t0.Add(time.Second)
	require.NoError(t, s.UpdateAlarm(ctx, a))
	stale.Acked, stale.AckedBy = true, "值班员"
	require.ErrorIs(t, s.UpdateAlarm(ctx, &stale), store.ErrConflict)
	missing := alarm("zz")
	missing.ID, missing.Version = 9999, 1
	require.ErrorIs(t, s.UpdateAlarm(ctx, missing), store.ErrNotFound)
}

func testDeadLetters(t *testing.T, s Store) {
	ctx := context.Background()
	var ds []model.DeadLetter
	for i := range 5 {
		reason := model.ReasonMalformed
		if i%2 == 1 {
			reason = model.ReasonOutOfRange
		}
		ds = append(ds, model.DeadLetter{TS: t0, DeviceID: "a", Topic: "devices/a/telemetry", Reason: reason, Payload: "{"})
	}
	_, err := s.WriteBatch(ctx, store.Batch{DeadLetters: ds})
	require.NoError(t, err)
	all, err := s.ListDeadLetters(ctx, store.DeadLetterFilter{})
	require.NoError(t, err)
	require.Len(t, all, 5)
	require.Greater(t, all[0].ID, all[1].ID)
	oor, err := s.ListDeadLetters(ctx, store.DeadLetterFilter{Reason: model.ReasonOutOfRange})
	require.NoError(t, err)
	require.Len(t, oor, 2)
	page, err := s.ListDeadLetters(ctx, store.DeadLetterFilter{BeforeID: all[1].ID, Limit: 2})
	require.NoError(t, err)
	require.Len(t, page, 2)
	require.Equal(t, all[2].ID, page[0].ID)
}
