package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Case states as dispatch names them; the store does not interpret them.
const (
	stReported   = "reported"
	stRegistered = "registered"
	stDispatched = "dispatched"
	stAccepted   = "accepted"
	stClosed     = "closed"
)

// ms is an offset from t0 to the millisecond, the precision times are
// stored at.
func ms(n int64) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// fullCase is a case with every field set (but ID, No and Version, the
// store's), times to the millisecond.
func fullCase() *model.Case {
	return &model.Case{
		Source: model.CaseSourceIncident, SourceRef: "17", IncidentID: 17, IncidentClosedAt: ms(11), Category: "02.03.01",
		Severity: model.SeverityCritical, Title: "额济纳旗 林火", Description: "设备事件 17：发现烟点（2 个设备）",
		Address: "额济纳旗 达来呼布镇 东风路 1 号", Lon: 101.18765432109876, Lat: 42.0543210987654,
		RegionCode: "152923", Photos: []string{"cases/17/a.jpg", "cases/17/b.jpg"},
		// The store keeps the reporter as given: dispatch gives it only Sealed.
		Reporter: &model.Person{Name: "张三", Phone: "13800000000", Email: "z@example.cn", IDNo: "152923199001011234",
			Title: "原标题", Description: "原描述", Address: "原地址", Sealed: "sm4gcm:v1:AAAAAAAAAAAAAAAA", Masked: true,
			TextMasked: true},
		State: stAccepted, AgencyID: "forestry",
		Suggestion: &model.Routing{AgencyID: "forestry", Reason: "类别 02.03 → 林草局"},
		Tasks: []model.CaseTask{
			{AgencyID: "forestry", Role: model.TaskLead, Task: "扑救", Due: ms(7_200_001), ReportedAt: ms(5_400_002),
				ReportedBy: "李四", Note: "已到场", Overdue: true},
			{AgencyID: "fire_brigade", Role: model.TaskAssist, Task: "水源保障", Due: ms(7_200_003),
				ReportedAt: ms(6_000_004), ReportedBy: "王五", Note: "水车就位", Overdue: true},
		},
		SLA: &model.SLAClock{Stage: model.StageResolve, Start: ms(1_800_005), WarnAt: ms(6_000_006),
			Due: ms(7_200_007), Working: true, Warned: true, Overdue: true, PausedAt: ms(6_600_008)},
		Extensions: []model.Extension{{RequestedBy: "forestry", RequestedAt: ms(6_100_009),
			Extra: "1h30m", Reason: "风力增大", Status: model.ExtensionApproved,
			DecidedBy: "指挥长", DecidedAt: ms(6_200_010)}},
		Reworks: 1, Returns: 2, Escalated: true, SuspendedFrom: stAccepted, SuspendReason: "等待天亮",
		RejectReason: "重复上报", ReturnReason: "不属本单位",
		Plan: &model.PlanActivation{PlanID: "forest-fire-3", Name: "森林火灾Ⅲ级响应", Level: "Ⅲ级", Auto: true,
			ActivatedAt: ms(1_000_011), ActivatedBy: "system", StoodDownAt: ms(9_000_012), StoodDownBy: "指挥长",
			Resources: []string{"crew-1", "tender-2"}},
		Resolution: "明火已扑灭", VerifiedBy: "sensor", Rating: 5, RatingNote: "处置及时",
		CreatedAt: ms(13), UpdatedAt: ms(9_500_014), RegisteredAt: ms(60_015), DispatchedAt: ms(120_016),
		AcceptedAt: ms(1_800_017), ResolvedAt: ms(8_000_018), ClosedAt: ms(9_400_019), ResolveDue: ms(12_600_020),
		ResolvedOnTime: true, ClosedOnTime: true,
	}
}

// simpleCase is a fresh report with the fields lists filter on.
func simpleCase(state, agency, region string, created time.Duration) *model.Case {
	return &model.Case{Source: model.CaseSourceHotline, Category: "01.01", Severity: model.SeverityMinor,
		Title: "路灯不亮", State: state, AgencyID: agency, RegionCode: region, Lon: 105.67, Lat: 38.84,
		CreatedAt: t0.Add(created), UpdatedAt: t0.Add(created)}
}

// zeroFields lists the zero fields under v (a struct, recursively through
// pointers, slices and structs), by path.
func zeroFields(v reflect.Value, path string) []string {
	if v.IsZero() {
		return []string{path}
	}
	var out []string
	switch v.Kind() {
	case reflect.Pointer:
		out = zeroFields(v.Elem(), path)
	case reflect.Slice:
		for i := range v.Len() {
			out = append(out, zeroFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return nil
		}
		for i := range v.NumField() {
			out = append(out, zeroFields(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
	}
	return out
}

func event(action, from, to string, at time.Time, data string) model.CaseEvent {
	e := model.CaseEvent{At: at, Actor: "值班员", Role: "operator", Agency: "center", Action: action, From: from,
		To: to, Note: action + " 备注"}
	if data != "" {
		e.Data = json.RawMessage(data)
	}
	return e
}

func message(key, agency string, at time.Time) model.OutboxMessage {
	return model.OutboxMessage{AgencyID: agency, URL: "https://" + agency + ".example.cn/hook", Event: "case.dispatched",
		Key: key, Body: []byte(`{"key":"` + key + `"}`), CreatedAt: at, NextAt: at}
}

func testCaseCreate(t *testing.T, s Store) {
	ctx := context.Background()
	c := fullCase()
	require.Equal(t, []string{"Case.ID", "Case.No", "Case.Version"}, zeroFields(reflect.ValueOf(*c), "Case"),
		"the fixture sets every field but the store's")
	created := *c
	w := store.CaseWrites{
		Events: []model.CaseEvent{event("create", "", stReported, ms(13), `{"incident_id": 17, "sources": ["cam-1"]}`),
			event("register", stReported, stRegistered, ms(13), "")},
		Outbox: []model.OutboxMessage{message("k-1", "forestry", ms(13))},
	}
	require.NoError(t, s.CreateCase(ctx, c, w))
	require.NotZero(t, c.ID)
	require.EqualValues(t, 1, c.Version)
	require.Equal(t, store.CaseNo(c.CreatedAt, c.ID), c.No)
	created.ID, created.No, created.Version = c.ID, c.No, 1
	require.Equal(t, created, *c, "the store sets its own fields only")
	require.Empty(t, zeroFields(reflect.ValueOf(*c), "Case"))

	got, err := s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, *c, got)
	list, err := s.ListCases(ctx, store.CaseFilter{})
	require.NoError(t, err)
	require.Equal(t, []model.Case{*c}, list)

	for i, e := range w.Events {
		require.NotZero(t, e.ID, "event %d", i)
		require.Equal(t, c.ID, e.CaseID)
	}
	require.Less(t, w.Events[0].ID, w.Events[1].ID)
	evs, err := s.CaseEvents(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, w.Events, evs)
	require.NotZero(t, w.Outbox[0].ID)
	require.Equal(t, c.ID, w.Outbox[0].CaseID)
	ob, err := s.ListOutbox(ctx, store.OutboxFilter{})
	require.NoError(t, err)
	require.Equal(t, w.Outbox, ob)

	// A case that brings its own number keeps it; one without writes is fine.
	own := simpleCase(stReported, "", "152923", time.Hour)
	own.No = "12345-20260721-0001"
	require.NoError(t, s.CreateCase(ctx, own, store.CaseWrites{}))
	require.Equal(t, "12345-20260721-0001", own.No)
	require.Greater(t, own.ID, c.ID)
	got, err = s.GetCase(ctx, own.ID)
	require.NoError(t, err)
	require.Equal(t, *own, got)
	require.Nil(t, got.Tasks)
	require.Nil(t, got.SLA)

	_, err = s.GetCase(ctx, 9999)
	require.ErrorIs(t, err, store.ErrNotFound)
}

// msUTC is t as the store keeps it.
func msUTC(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Millisecond).UTC()
}

func testCaseTimes(t *testing.T, s Store) {
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 7, 21, 0, 30, 0, 123_456_789, cst) // still 20 July in UTC: the number's day is China's
	c := simpleCase(stAccepted, "forestry", "152923", 0)
	c.CreatedAt, c.UpdatedAt, c.ResolveDue = at, at.Add(time.Microsecond), at.Add(time.Hour+1)
	c.Tasks = []model.CaseTask{{AgencyID: "forestry", Role: model.TaskLead, Due: at.Add(2*time.Hour + 1)}}
	c.SLA = &model.SLAClock{Stage: model.StageSign, Start: at, WarnAt: at.Add(time.Nanosecond), Due: at.Add(time.Hour)}
	c.Extensions = []model.Extension{{RequestedBy: "forestry", RequestedAt: at.Add(5), Extra: "2wh", Status: model.ExtensionPending}}
	c.Plan = &model.PlanActivation{PlanID: "p", ActivatedAt: at.Add(3)}
	ev := event("create", "", stAccepted, at.Add(999), `[1,2]`)
	msg := message("k", "forestry", at)
	msg.NextAt = at.Add(time.Nanosecond)
	w := store.CaseWrites{Events: []model.CaseEvent{ev}, Outbox: []model.OutboxMessage{msg}}
	require.NoError(t, s.CreateCase(ctx, c, w))
	require.Equal(t, "YW20260721", c.No[:10])
	require.Equal(t, at, c.CreatedAt, "the caller's case keeps its times")

	want := *c
	want.CreatedAt, want.UpdatedAt, want.ResolveDue = msUTC(c.CreatedAt), msUTC(c.UpdatedAt), msUTC(c.ResolveDue)
	want.Tasks = []model.CaseTask{c.Tasks[0]}
	want.Tasks[0].Due = msUTC(c.Tasks[0].Due)
	want.SLA = &model.SLAClock{Stage: model.StageSign, Start: msUTC(at), WarnAt: msUTC(at), Due: msUTC(at.Add(time.Hour))}
	want.Extensions = []model.Extension{c.Extensions[0]}
	want.Extensions[0].RequestedAt = msUTC(at)
	want.Plan = &model.PlanActivation{PlanID: "p", ActivatedAt: msUTC(at)}
	got, err := s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, want, got, "every time in UTC to the millisecond")
	require.Equal(t, at, c.SLA.Start, "the caller's case is left alone")

	evs, err := s.CaseEvents(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, msUTC(ev.At), evs[0].At)
	ob, err := s.ListOutbox(ctx, store.OutboxFilter{CaseID: c.ID})
	require.NoError(t, err)
	require.Len(t, ob, 1)
	require.Equal(t, msUTC(at), ob[0].CreatedAt)
	require.Equal(t, msUTC(at), ob[0].NextAt)

	from, err := s.ListCases(ctx, store.CaseFilter{From: msUTC(at)})
	require.NoError(t, err)
	require.Len(t, from, 1, "From is inclusive at the stored precision")
	to, err := s.ListCases(ctx, store.CaseFilter{To: at.Add(time.Nanosecond)})
	require.NoError(t, err)
	require.Len(t, to, 1, "a case created before To is found, though To falls in the same millisecond")
	to, err = s.ListCases(ctx, store.CaseFilter{To: msUTC(at)})
	require.NoError(t, err)
	require.Empty(t, to, "and To is exclusive at the stored precision")
}

// countWrites is how many events and messages a case has.
func countWrites(t *testing.T, s Store, caseID int64) (events, messages int) {
	t.Helper()
	evs, err := s.CaseEvents(context.Background(), caseID)
	require.NoError(t, err)
	ob, err := s.ListOutbox(context.Background(), store.OutboxFilter{CaseID: caseID})
	require.NoError(t, err)
	return len(evs), len(ob)
}

func testCaseUpdate(t *testing.T, s Store) {
	ctx := context.Background()
	c := fullCase()
	c.State, c.Plan, c.SLA = stRegistered, nil, nil
	require.NoError(t, s.CreateCase(ctx, c, store.CaseWrites{Events: []model.CaseEvent{event("create", "", stRegistered, t0, "")}}))
	stale := *c

	c.State, c.AgencyID, c.UpdatedAt = stDispatched, "water", ms(3_600_000)
	c.Tasks = append(c.Tasks, model.CaseTask{AgencyID: "water", Role: model.TaskLead, Task: "排水"})
	c.SLA = &model.SLAClock{Stage: model.StageSign, Start: ms(3_600_000), WarnAt: ms(4_000_000), Due: ms(4_500_000)}
	w := store.CaseWrites{Events: []model.CaseEvent{event("dispatch", stRegistered, stDispatched, ms(3_600_000), `{"to":"water"}`)},
		Outbox: []model.OutboxMessage{message("k-dispatch", "water", ms(3_600_000))}}
	require.NoError(t, s.UpdateCase(ctx, c, w))
	require.EqualValues(t, 2, c.Version)
	require.NotZero(t, w.Events[0].ID)
	require.Equal(t, c.ID, w.Events[0].CaseID)
	require.NotZero(t, w.Outbox[0].ID)
	require.Equal(t, c.ID, w.Outbox[0].CaseID)
	got, err := s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, *c, got)
	list, err := s.ListCases(ctx, store.CaseFilter{AgencyID: "water"})
	require.NoError(t, err)
	require.Equal(t, []model.Case{*c}, list, "the filtered columns follow the update")
	ev, ob := countWrites(t, s, c.ID)
	require.Equal(t, [2]int{2, 1}, [2]int{ev, ob})

	stale.State = stClosed
	sw := store.CaseWrites{Events: []model.CaseEvent{event("close", stRegistered, stClosed, ms(4_000_000), "")},
		Outbox: []model.OutboxMessage{message("k-stale", "forestry", ms(4_000_000))}}
	require.ErrorIs(t, s.UpdateCase(ctx, &stale, sw), store.ErrConflict)
	require.EqualValues(t, 1, stale.Version, "a refused update leaves the version alone")
	require.Zero(t, sw.Events[0].ID, "nor sets ids")
	require.Zero(t, sw.Outbox[0].ID)
	got, err = s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, *c, got, "a refused update writes nothing")
	ev, ob = countWrites(t, s, c.ID)
	require.Equal(t, [2]int{2, 1}, [2]int{ev, ob}, "not even its events and messages")
	closed, err := s.ListCases(ctx, store.CaseFilter{States: []string{stClosed}})
	require.NoError(t, err)
	require.Empty(t, closed)

	// The next update from the current version goes through.
	c.State = stAccepted
	require.NoError(t, s.UpdateCase(ctx, c, store.CaseWrites{}))
	require.EqualValues(t, 3, c.Version)
	got, err = s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, *c, got)

	missing := fullCase()
	missing.ID, missing.Version = 9999, 1
	mw := store.CaseWrites{Events: []model.CaseEvent{event("close", "", stClosed, t0, "")},
		Outbox: []model.OutboxMessage{message("k-missing", "forestry", t0)}}
	require.ErrorIs(t, s.UpdateCase(ctx, missing, mw), store.ErrNotFound)
	require.EqualValues(t, 1, missing.Version)
	ev, ob = countWrites(t, s, 9999)
	require.Equal(t, [2]int{0, 0}, [2]int{ev, ob})
	all, err := s.ListOutbox(ctx, store.OutboxFilter{})
	require.NoError(t, err)
	require.Len(t, all, 1)
}

func resource(id, typ string, lon, lat float64) model.Resource {
	return model.Resource{ID: id, Type: typ, Name: "资源 " + id, AgencyID: "forestry", Lon: lon, Lat: lat}
}

func testCaseResourceConflict(t *testing.T, s Store) {
	ctx := context.Background()
	require.NoError(t, s.SeedResources(ctx, []model.Resource{resource("crew-1", "fire_crew", 101.1, 42.1),
		resource("tender-2", "water_tender", 101.2, 42.2), resource("pump-3", "pump", 101.3, 42.3)}))
	seeded, err := s.ListResources(ctx)
	require.NoError(t, err)
	require.Len(t, seeded, 3)

	c := simpleCase(stAccepted, "forestry", "152923", 0)
	require.NoError(t, s.CreateCase(ctx, c, store.CaseWrites{}))
	before := *c

	// The plan reserves two resources; another case took the second first.
	crew, tender := seeded[0], seeded[2]
	require.Equal(t, "tender-2", tender.ID)
	taken := tender
	taken.Status, taken.CaseID = model.ResourceReserved, 77
	other := simpleCase(stAccepted, "forestry", "152923", time.Minute)
	ow := store.CaseWrites{Resources: []model.Resource{taken}}
	require.NoError(t, s.CreateCase(ctx, other, ow))
	require.EqualValues(t, 2, ow.Resources[0].Version, "the caller's slice holds the new version")

	c.Plan = &model.PlanActivation{PlanID: "p", Name: "预案", ActivatedAt: t0, Resources: []string{"crew-1", "tender-2"}}
	crew.Status, crew.CaseID = model.ResourceReserved, c.ID
	tender.Status, tender.CaseID = model.ResourceReserved, c.ID
	w := store.CaseWrites{Events: []model.CaseEvent{event("activate", "", "", t0, `{"plan":"p"}`)},
		Outbox:    []model.OutboxMessage{message("k-plan", "forestry", t0)},
		Resources: []model.Resource{crew, tender}}
	require.ErrorIs(t, s.UpdateCase(ctx, c, w), store.ErrConflict)
	require.EqualValues(t, 1, c.Version)
	require.EqualValues(t, 1, w.Resources[0].Version, "a failed transaction bumps no version")
	got, err := s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, before, got, "the case is unchanged")
	ev, ob := countWrites(t, s, c.ID)
	require.Equal(t, [2]int{0, 0}, [2]int{ev, ob}, "no events, no messages")
	now, err := s.ListResources(ctx)
	require.NoError(t, err)
	require.Equal(t, seeded[0], now[0], "the resource that matched is not reserved either")
	require.Equal(t, seeded[1], now[1])
	require.Equal(t, model.ResourceReserved, now[2].Status)
	require.EqualValues(t, 77, now[2].CaseID)
	require.EqualValues(t, 2, now[2].Version)

	// A resource that does not exist is a conflict too, and a new case
	// with a conflicting resource is not created.
	ghost := resource("ghost", "pump", 0, 0)
	ghost.Version = 1
	fresh := simpleCase(stReported, "", "152923", time.Hour)
	require.ErrorIs(t, s.CreateCase(ctx, fresh, store.CaseWrites{Events: []model.CaseEvent{event("create", "", stReported, t0, "")},
		Resources: []model.Resource{seeded[0], ghost}}), store.ErrConflict)
	require.Zero(t, fresh.ID)
	require.Empty(t, fresh.No)
	cases, err := s.ListCases(ctx, store.CaseFilter{})
	require.NoError(t, err)
	require.Len(t, cases, 2)
	now, err = s.ListResources(ctx)
	require.NoError(t, err)
	require.Equal(t, seeded[0], now[0])

	// With the current versions the reservation goes through and bumps them.
	w.Resources = []model.Resource{crew}
	require.NoError(t, s.UpdateCase(ctx, c, w))
	require.EqualValues(t, 2, w.Resources[0].Version)
	now, err = s.ListResources(ctx)
	require.NoError(t, err)
	require.Equal(t, w.Resources[0], now[0])
	require.Equal(t, model.ResourceReserved, now[0].Status)
	require.Equal(t, c.ID, now[0].CaseID)
	ev, ob = countWrites(t, s, c.ID)
	require.Equal(t, [2]int{1, 1}, [2]int{ev, ob})
	// A release with the bumped version goes through too.
	released := now[0]
	released.Status, released.CaseID = model.ResourceAvailable, 0
	require.NoError(t, s.UpdateCase(ctx, c, store.CaseWrites{Resources: []model.Resource{released}}))
	now, err = s.ListResources(ctx)
	require.NoError(t, err)
	require.Equal(t, model.ResourceAvailable, now[0].Status)
	require.Zero(t, now[0].CaseID)
	require.EqualValues(t, 3, now[0].Version)
}

func testCaseOutboxDuplicate(t *testing.T, s Store) {
	ctx := context.Background()
	require.NoError(t, s.SeedResources(ctx, []model.Resource{resource("crew-1", "fire_crew", 101.1, 42.1)}))
	c := simpleCase(stRegistered, "", "152923", 0)
	require.NoError(t, s.CreateCase(ctx, c, store.CaseWrites{Outbox: []model.OutboxMessage{message("k-1", "forestry", t0)}}))
	before := *c

	crew := resource("crew-1", "fire_crew", 101.1, 42.1)
	crew.Version, crew.Status, crew.CaseID = 1, model.ResourceReserved, c.ID
	c.State = stDispatched
	w := store.CaseWrites{Events: []model.CaseEvent{event("dispatch", stRegistered, stDispatched, t0, "")},
		Outbox:    []model.OutboxMessage{message("k-2", "water", t0), message("k-1", "forestry", t0)},
		Resources: []model.Resource{crew}}
	require.ErrorIs(t, s.UpdateCase(ctx, c, w), store.ErrExists)
	require.EqualValues(t, 1, c.Version)
	got, err := s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, before, got)
	ev, ob := countWrites(t, s, c.ID)
	require.Equal(t, [2]int{0, 1}, [2]int{ev, ob}, "only the first message stays")
	rs, err := s.ListResources(ctx)
	require.NoError(t, err)
	require.Equal(t, model.ResourceAvailable, rs[0].Status)
	require.EqualValues(t, 1, rs[0].Version)

	// Twice the same key in one transaction, and a new case reusing a key.
	w.Outbox = []model.OutboxMessage{message("k-3", "water", t0), message("k-3", "water", t0)}
	require.ErrorIs(t, s.UpdateCase(ctx, c, w), store.ErrExists)
	fresh := simpleCase(stReported, "", "152923", time.Hour)
	require.ErrorIs(t, s.CreateCase(ctx, fresh, store.CaseWrites{
		Events: []model.CaseEvent{event("create", "", stReported, t0, "")},
		Outbox: []model.OutboxMessage{message("k-1", "forestry", t0)}}), store.ErrExists)
	require.Zero(t, fresh.ID)
	cases, err := s.ListCases(ctx, store.CaseFilter{})
	require.NoError(t, err)
	require.Len(t, cases, 1)
	all, err := s.ListOutbox(ctx, store.OutboxFilter{})
	require.NoError(t, err)
	require.Len(t, all, 1)

	w.Outbox = []model.OutboxMessage{message("k-2", "water", t0)}
	require.NoError(t, s.UpdateCase(ctx, c, w), "the same writes with a fresh key go through")
	ev, ob = countWrites(t, s, c.ID)
	require.Equal(t, [2]int{1, 2}, [2]int{ev, ob})
}

func testListCases(t *testing.T, s Store) {
	ctx := context.Background()
	// a: forestry leads, fire_brigade assists, in a sub-region of 1529.
	a := simpleCase(stDispatched, "forestry", "152923", 0)
	a.Category, a.Source, a.IncidentID = "02.03.01", model.CaseSourceIncident, 17
	a.Tasks = []model.CaseTask{{AgencyID: "forestry", Role: model.TaskLead}, {AgencyID: "fire_brigade", Role: model.TaskAssist}}
	// b: a hotline report not yet dispatched, in another region.
	b := simpleCase(stReported, "", "150102", time.Hour)
	// c: water leads, in the 1529 region itself.
	c := simpleCase(stAccepted, "water", "1529", 2*time.Hour)
	c.Tasks = []model.CaseTask{{AgencyID: "water", Role: model.TaskLead}}
	// d: closed, forestry assisting only; a region whose code merely contains 1529.
	d := simpleCase(stClosed, "water", "151529", 3*time.Hour)
	d.Source, d.IncidentID = model.CaseSourceIncident, 18
	d.Tasks = []model.CaseTask{{AgencyID: "water", Role: model.TaskLead}, {AgencyID: "forestry", Role: model.TaskAssist}}
	// e: an agency whose id extends another's, and a region with a LIKE wildcard.
	e := simpleCase(stDispatched, "forestry_2", "15_9", 4*time.Hour)
	for _, x := range []*model.Case{a, b, c, d, e} {
		require.NoError(t, s.CreateCase(ctx, x, store.CaseWrites{}))
	}
	for _, tc := range []struct {
		desc string
		f    store.CaseFilter
		want []*model.Case
	}{
		{"all, newest first", store.CaseFilter{}, []*model.Case{e, d, c, b, a}},
		{"one state", store.CaseFilter{States: []string{stDispatched}}, []*model.Case{e, a}},
		{"any of the states", store.CaseFilter{States: []string{stReported, stClosed}}, []*model.Case{d, b}},
		{"unknown state", store.CaseFilter{States: []string{"nope"}}, nil},
		{"category", store.CaseFilter{Category: "02.03.01"}, []*model.Case{a}},
		{"source", store.CaseFilter{Source: model.CaseSourceIncident}, []*model.Case{d, a}},
		{"incident", store.CaseFilter{IncidentID: 18}, []*model.Case{d}},
		{"lead agency", store.CaseFilter{AgencyID: "water"}, []*model.Case{d, c}},
		{"lead or assisting agency", store.CaseFilter{AgencyID: "forestry"}, []*model.Case{d, a}},
		{"assisting agency only", store.CaseFilter{AgencyID: "fire_brigade"}, []*model.Case{a}},
		{"agency ids match whole", store.CaseFilter{AgencyID: "forestry_"}, nil},
		{"region and below", store.CaseFilter{RegionCode: "1529"}, []*model.Case{c, a}},
		{"region exact leaf", store.CaseFilter{RegionCode: "152923"}, []*model.Case{a}},
		{"region prefix is not a pattern", store.CaseFilter{RegionCode: "15_"}, []*model.Case{e}},
		{"region prefix, wide", store.CaseFilter{RegionCode: "15"}, []*model.Case{e, d, c, b, a}},
		{"from, inclusive", store.CaseFilter{From: t0.Add(2 * time.Hour)}, []*model.Case{e, d, c}},
		{"to, exclusive", store.CaseFilter{To: t0.Add(2 * time.Hour)}, []*model.Case{b, a}},
		{"from and to", store.CaseFilter{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, []*model.Case{c, b}},
		{"before id", store.CaseFilter{BeforeID: c.ID}, []*model.Case{b, a}},
		{"before id and limit", store.CaseFilter{BeforeID: d.ID, Limit: 2}, []*model.Case{c, b}},
		{"limit", store.CaseFilter{Limit: 1}, []*model.Case{e}},
		{"combined", store.CaseFilter{States: []string{stDispatched, stAccepted, stClosed}, AgencyID: "water",
			RegionCode: "15", From: t0.Add(time.Minute)}, []*model.Case{d, c}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := s.ListCases(ctx, tc.f)
			require.NoError(t, err)
			require.Len(t, got, len(tc.want))
			for i, w := range tc.want {
				require.Equal(t, *w, got[i])
			}
		})
	}

	// The agency filter follows the tasks as they change.
	a.Tasks = a.Tasks[:1]
	require.NoError(t, s.UpdateCase(ctx, a, store.CaseWrites{}))
	got, err := s.ListCases(ctx, store.CaseFilter{AgencyID: "fire_brigade"})
	require.NoError(t, err)
	require.Empty(t, got)
}

func testCaseTimeline(t *testing.T, s Store) {
	ctx := context.Background()
	a, b := simpleCase(stReported, "", "152923", 0), simpleCase(stReported, "", "152923", 0)
	// Written out of order: the timeline is by time, then by write order.
	first := event("create", "", stReported, t0, `{"n":1}`)
	require.NoError(t, s.CreateCase(ctx, a, store.CaseWrites{Events: []model.CaseEvent{first}}))
	require.NoError(t, s.CreateCase(ctx, b, store.CaseWrites{Events: []model.CaseEvent{event("create", "", stReported, t0, "")}}))
	w := store.CaseWrites{Events: []model.CaseEvent{
		event("comment", "", "", t0.Add(2*time.Minute), `{"b": 2, "a": [1, 2.50, "\u00e9"]}`),
		event("register", stReported, stRegistered, t0.Add(time.Minute), ""),
		event("sla_warn", "", "", t0.Add(2*time.Minute), `null`),
	}}
	require.NoError(t, s.UpdateCase(ctx, a, w))
	got, err := s.CaseEvents(ctx, a.ID)
	require.NoError(t, err)
	first.ID, first.CaseID = got[0].ID, a.ID
	require.Equal(t, []model.CaseEvent{first, w.Events[1], w.Events[0], w.Events[2]}, got,
		"oldest first; at the same time, in the order written; data byte for byte")
	require.Equal(t, `{"b": 2, "a": [1, 2.50, "\u00e9"]}`, string(got[2].Data))
	require.Nil(t, got[1].Data)
	got, err = s.CaseEvents(ctx, b.ID)
	require.NoError(t, err)
	require.Len(t, got, 1)
	got, err = s.CaseEvents(ctx, 9999)
	require.NoError(t, err)
	require.Empty(t, got)
}

func testOutbox(t *testing.T, s Store) {
	ctx := context.Background()
	a, b := simpleCase(stDispatched, "water", "152923", 0), simpleCase(stDispatched, "forestry", "152923", 0)
	m1, m2, m3 := message("k-1", "water", t0), message("k-2", "forestry", t0), message("k-3", "water", t0)
	m2.NextAt = t0.Add(10 * time.Minute)
	// The body is posted and signed as is: any bytes, not re-encoded JSON.
	m3.Body = []byte("{\"z\": 1,  \"a\":\"\x00\xff\xfe\"}\n")
	wa := store.CaseWrites{Outbox: []model.OutboxMessage{m1, m2}}
	require.NoError(t, s.CreateCase(ctx, a, wa))
	wb := store.CaseWrites{Outbox: []model.OutboxMessage{m3}}
	require.NoError(t, s.CreateCase(ctx, b, wb))
	m1, m2, m3 = wa.Outbox[0], wa.Outbox[1], wb.Outbox[0]
	require.Less(t, m1.ID, m2.ID)
	require.Less(t, m2.ID, m3.ID)
	require.Equal(t, b.ID, m3.CaseID)

	list := func(f store.OutboxFilter) []model.OutboxMessage {
		t.Helper()
		got, err := s.ListOutbox(ctx, f)
		require.NoError(t, err)
		return got
	}
	require.Equal(t, []model.OutboxMessage{m1, m2, m3}, list(store.OutboxFilter{}), "oldest first")
	require.Equal(t, m3.Body, list(store.OutboxFilter{CaseID: b.ID})[0].Body, "the body byte for byte")
	require.Equal(t, []model.OutboxMessage{m1, m2, m3}, list(store.OutboxFilter{Pending: true}))
	require.Equal(t, []model.OutboxMessage{m1, m3}, list(store.OutboxFilter{Pending: true, DueBy: t0}), "due by is inclusive")
	require.Equal(t, []model.OutboxMessage{m1, m2}, list(store.OutboxFilter{CaseID: a.ID}))
	require.Equal(t, []model.OutboxMessage{m1, m3}, list(store.OutboxFilter{AgencyID: "water"}))
	require.Equal(t, []model.OutboxMessage{m1}, list(store.OutboxFilter{Pending: true, Limit: 1}))
	require.Empty(t, list(store.OutboxFilter{CaseID: 9999}))

	// m1 fails once and is retried later; m3 is delivered.
	m1.Attempts, m1.NextAt, m1.LastError = 1, t0.Add(time.Minute), "502 Bad Gateway"
	require.NoError(t, s.UpdateOutbox(ctx, m1))
	m3.Attempts, m3.DeliveredAt, m3.LastError = 1, t0.Add(time.Second), ""
	require.NoError(t, s.UpdateOutbox(ctx, m3))
	require.Equal(t, []model.OutboxMessage{m1, m2, m3}, list(store.OutboxFilter{}))
	require.Equal(t, []model.OutboxMessage{m1, m2}, list(store.OutboxFilter{Pending: true}), "delivered is not pending")
	require.Empty(t, list(store.OutboxFilter{Pending: true, DueBy: t0}), "a retry waits for its time")
	require.Equal(t, []model.OutboxMessage{m1}, list(store.OutboxFilter{Pending: true, DueBy: t0.Add(time.Minute)}))
	require.Equal(t, []model.OutboxMessage{m1, m2}, list(store.OutboxFilter{Pending: true, DueBy: t0.Add(time.Hour)}))
	require.Equal(t, []model.OutboxMessage{m1}, list(store.OutboxFilter{Pending: true, AgencyID: "water"}))

	// A delivery can be undone (zero DeliveredAt), e.g. to resend.
	m3.DeliveredAt, m3.NextAt = time.Time{}, t0.Add(time.Hour)
	require.NoError(t, s.UpdateOutbox(ctx, m3))
	require.Equal(t, []model.OutboxMessage{m1, m2, m3}, list(store.OutboxFilter{Pending: true}))

	require.ErrorIs(t, s.UpdateOutbox(ctx, model.OutboxMessage{ID: 9999, NextAt: t0}), store.ErrNotFound)
}

func testSeedResources(t *testing.T, s Store) {
	ctx := context.Background()
	got, err := s.ListResources(ctx)
	require.NoError(t, err)
	require.Empty(t, got)
	pump := resource("pump-3", "pump", 105.67891234567891, -0.000123456789)
	pump.Status = model.ResourceOffline
	seed := []model.Resource{resource("tender-2", "water_tender", 101.2, 42.2), resource("crew-1", "fire_crew", 101.1, 42.1), pump}
	require.NoError(t, s.SeedResources(ctx, seed))
	got, err = s.ListResources(ctx)
	require.NoError(t, err)
	want := []model.Resource{seed[1], seed[2], seed[0]}
	for i := range want {
		if want[i].Status == "" {
			want[i].Status = model.ResourceAvailable
		}
		want[i].Version = 1
	}
	require.Equal(t, want, got, "by id; available unless said otherwise; coordinates bit for bit")

	// A case reserves the crew, then the catalogue is loaded again with the
	// crew renamed and moved, and a new resource.
	c := simpleCase(stAccepted, "forestry", "152923", 0)
	require.NoError(t, s.CreateCase(ctx, c, store.CaseWrites{}))
	crew := got[0]
	crew.Status, crew.CaseID = model.ResourceReserved, c.ID
	cw := store.CaseWrites{Resources: []model.Resource{crew}}
	require.NoError(t, s.UpdateCase(ctx, c, cw))
	require.EqualValues(t, 2, cw.Resources[0].Version)

	again := []model.Resource{resource("crew-1", "fire_crew_heavy", 101.15, 42.15), resource("drone-4", "drone", 0, 0)}
	again[0].Name, again[0].AgencyID = "一号扑火队（加强）", "forestry_2"
	again[0].Status = model.ResourceAvailable // a catalogue status does not free a reserved resource
	require.NoError(t, s.SeedResources(ctx, again))
	got, err = s.ListResources(ctx)
	require.NoError(t, err)
	require.Len(t, got, 4)
	require.Equal(t, model.Resource{ID: "crew-1", Type: "fire_crew_heavy", Name: "一号扑火队（加强）", AgencyID: "forestry_2",
		Lon: 101.15, Lat: 42.15, Status: model.ResourceReserved, CaseID: c.ID, Version: 2}, got[0])
	require.Equal(t, model.Resource{ID: "drone-4", Type: "drone", Name: "资源 drone-4", AgencyID: "forestry",
		Status: model.ResourceAvailable, Version: 1}, got[1])
	require.Equal(t, want[1], got[2], "resources not in the new seed are left alone")
	require.NoError(t, s.SeedResources(ctx, nil))
}

func testCaseConcurrentUpdate(t *testing.T, s Store) {
	ctx := context.Background()
	c := simpleCase(stDispatched, "water", "152923", 0)
	require.NoError(t, s.CreateCase(ctx, c, store.CaseWrites{}))
	const writers = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, writers)
	mine := make([]model.Case, writers)
	for i := range writers {
		mine[i] = *c
		wg.Go(func() {
			x := &mine[i]
			x.State, x.Resolution = stAccepted, fmt.Sprintf("writer %d", i)
			w := store.CaseWrites{Events: []model.CaseEvent{event("accept", stDispatched, stAccepted, t0, "")},
				Outbox: []model.OutboxMessage{message(fmt.Sprintf("k-%d", i), "water", t0)}}
			<-start
			errs[i] = s.UpdateCase(ctx, x, w)
		})
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, won, "two writers won: %d and %d", won, i)
			won = i
			continue
		}
		require.ErrorIs(t, err, store.ErrConflict, "writer %d", i)
		require.EqualValues(t, 1, mine[i].Version)
	}
	require.NotEqual(t, -1, won, "one writer wins")
	require.EqualValues(t, 2, mine[won].Version)
	got, err := s.GetCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, mine[won], got)
	ev, ob := countWrites(t, s, c.ID)
	require.Equal(t, [2]int{1, 1}, [2]int{ev, ob}, "only the winner's events and messages")
}

// testCaseOnePerIncident: a second case for the same incident (another hub
// racing to open it) is refused with ErrExists and writes nothing; cases
// without an incident are unconstrained.
func testCaseOnePerIncident(t *testing.T, s Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	first := model.Case{Source: model.CaseSourceIncident, IncidentID: 42, Category: "02.03.01", State: "reported", CreatedAt: at, UpdatedAt: at}
	require.NoError(t, s.CreateCase(ctx, &first, store.CaseWrites{}))
	second := first
	second.ID, second.No = 0, ""
	err := s.CreateCase(ctx, &second, store.CaseWrites{Events: []model.CaseEvent{{At: at, Actor: "system", Action: "create"}}})
	require.ErrorIs(t, err, store.ErrExists)
	for i := 0; i < 2; i++ {
		manual := model.Case{Source: model.CaseSourceHotline, Category: "01.01.01", State: "reported", CreatedAt: at, UpdatedAt: at}
		require.NoError(t, s.CreateCase(ctx, &manual, store.CaseWrites{}))
	}
	all, err := s.ListCases(ctx, store.CaseFilter{IncidentID: 42})
	require.NoError(t, err)
	require.Len(t, all, 1)
	all, err = s.ListCases(ctx, store.CaseFilter{})
	require.NoError(t, err)
	require.Len(t, all, 3)
}
