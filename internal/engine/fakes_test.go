package engine_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// memStore is an in-memory engine.Store: one active alarm per (source, type)
// and optimistic versions, as the real stores do.
type memStore struct {
	mu        sync.Mutex
	nextID    int64
	alarms    map[int64]model.Alarm
	latest    map[string]model.Reading
	statuses  []model.Status
	comments  []model.AlarmComment
	incidents map[int64]model.Incident
}

func newMemStore() *memStore {
	return &memStore{alarms: map[int64]model.Alarm{}, latest: map[string]model.Reading{}, incidents: map[int64]model.Incident{}}
}

func (s *memStore) AddAlarmComment(_ context.Context, c *model.AlarmComment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.alarms[c.AlarmID]; !ok {
		return fmt.Errorf("alarm %d: %w", c.AlarmID, store.ErrNotFound)
	}
	s.nextID++
	c.ID = s.nextID
	s.comments = append(s.comments, *c)
	return nil
}

func (s *memStore) ListAlarmComments(_ context.Context, id int64) ([]model.AlarmComment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.AlarmComment
	for _, c := range s.comments {
		if c.AlarmID == id {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *memStore) InsertIncident(_ context.Context, in *model.Incident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	in.ID, in.Version = s.nextID, 1
	s.incidents[in.ID] = cloneIncident(*in)
	return nil
}

func (s *memStore) UpdateIncident(_ context.Context, in *model.Incident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.incidents[in.ID]
	if !ok {
		return fmt.Errorf("incident %d: %w", in.ID, store.ErrNotFound)
	}
	if cur.Version != in.Version {
		return fmt.Errorf("incident %d: %w", in.ID, store.ErrConflict)
	}
	in.Version++
	s.incidents[in.ID] = cloneIncident(*in)
	return nil
}

func (s *memStore) GetIncident(_ context.Context, id int64) (model.Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.incidents[id]
	if !ok {
		return in, fmt.Errorf("incident %d: %w", id, store.ErrNotFound)
	}
	return cloneIncident(in), nil
}

func (s *memStore) ListIncidents(_ context.Context, f store.IncidentFilter) ([]model.Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Incident
	for _, in := range s.incidents {
		if (f.Status == "" || in.Status == f.Status) && (f.Category == "" || in.Category == f.Category) {
			out = append(out, cloneIncident(in))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func cloneIncident(in model.Incident) model.Incident {
	in.AlarmIDs = append([]int64(nil), in.AlarmIDs...)
	in.Sources = append([]string(nil), in.Sources...)
	return in
}

func (s *memStore) InsertAlarm(_ context.Context, a *model.Alarm) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Status == model.AlarmActive {
		for _, o := range s.alarms {
			if o.Status == model.AlarmActive && o.Source == a.Source && o.Type == a.Type {
				return fmt.Errorf("alarm %s/%s: %w", a.Source, a.Type, store.ErrExists)
			}
		}
	}
	s.nextID++
	a.ID, a.Version = s.nextID, 1
	s.alarms[a.ID] = *a
	return nil
}

func (s *memStore) UpdateAlarm(_ context.Context, a *model.Alarm) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.alarms[a.ID]
	if !ok {
		return fmt.Errorf("alarm %d: %w", a.ID, store.ErrNotFound)
	}
	if cur.Version != a.Version {
		return fmt.Errorf("alarm %d: %w", a.ID, store.ErrConflict)
	}
	if a.Status == model.AlarmActive && cur.Status != model.AlarmActive {
		for id, o := range s.alarms {
			if id != a.ID && o.Status == model.AlarmActive && o.Source == a.Source && o.Type == a.Type {
				return fmt.Errorf("alarm %d: %w", a.ID, store.ErrExists)
			}
		}
	}
	// Only the mutable columns change, as in the SQL stores.
	cur.Label, cur.Severity, cur.Status, cur.Acked, cur.AckedBy, cur.AckedAt = a.Label, a.Severity, a.Status, a.Acked, a.AckedBy, a.AckedAt
	cur.Count, cur.LastSeen, cur.ClearedAt, cur.Value, cur.Threshold, cur.Message = a.Count, a.LastSeen, a.ClearedAt, a.Value, a.Threshold, a.Message
	cur.Location, cur.IncidentID, cur.Assignee = a.Location, a.IncidentID, a.Assignee
	cur.Version++
	s.alarms[a.ID] = cur
	a.Version++
	return nil
}

func (s *memStore) GetAlarm(_ context.Context, id int64) (model.Alarm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.alarms[id]
	if !ok {
		return a, fmt.Errorf("alarm %d: %w", id, store.ErrNotFound)
	}
	return a, nil
}

func (s *memStore) ListAlarms(_ context.Context, f store.AlarmFilter) ([]model.Alarm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Alarm
	for _, a := range s.alarms {
		if (f.Status == "" || a.Status == f.Status) && (f.Source == "" || a.Source == f.Source) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *memStore) LatestReadings(context.Context) (map[string]model.Reading, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]model.Reading{}
	for k, v := range s.latest {
		out[k] = v
	}
	return out, nil
}

func (s *memStore) ListStatuses(context.Context) ([]model.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Status(nil), s.statuses...), nil
}

func (s *memStore) all(source, typ string) []model.Alarm {
	as, _ := s.ListAlarms(context.Background(), store.AlarmFilter{Source: source})
	var out []model.Alarm
	for _, a := range as {
		if typ == "" || a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

// bump changes a stored alarm behind the engine's back, as another hub would.
func (s *memStore) bump(id int64, f func(*model.Alarm)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarms[id]
	f(&a)
	a.Version++
	s.alarms[id] = a
}

type fakeDevices struct {
	mu   sync.Mutex
	devs map[string]model.Device
}

func (d *fakeDevices) Lookup(_ context.Context, id string) (model.Device, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	dev, ok := d.devs[id]
	if !ok {
		return dev, fmt.Errorf("unknown device %s", id)
	}
	return dev, nil
}

func (d *fakeDevices) List() []model.Device {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]model.Device, 0, len(d.devs))
	for _, dev := range d.devs {
		out = append(out, dev)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

type change struct {
	Op, Entity, ID string
	Data           any
}

// recPublisher records every change sent to the screens, in order.
type recPublisher struct {
	mu      sync.Mutex
	changes []change
}

func (p *recPublisher) Upsert(entity, id string, data any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changes = append(p.changes, change{"upsert", entity, id, data})
}

func (p *recPublisher) Remove(entity, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changes = append(p.changes, change{"remove", entity, id, nil})
}

// alarmChanges returns the alarm changes for id, in order.
func (p *recPublisher) alarmChanges(id int64) []change {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []change
	for _, c := range p.changes {
		if c.Entity == engine.EntityAlarm && c.ID == strconv.FormatInt(id, 10) {
			out = append(out, c)
		}
	}
	return out
}
