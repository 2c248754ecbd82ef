package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// raise opens an alarm, or updates the active one of the same (source, type)
// in place: count, last seen, value, location, and severity — set as given
// when exact (a rule's bands: severity rises and falls with the value), else
// only ever raised (repeated events). A new alarm is correlated into an
// incident.
func (e *Engine) raise(ctx context.Context, dev model.Device, a model.Alarm, exact bool) {
	key := alarmKey{a.Source, a.Type}
	if _, ok := e.active.get(key); ok {
		next, err := e.update(ctx, key, func(cur *model.Alarm) {
			cur.Count++
			cur.LastSeen, cur.Value, cur.Threshold, cur.Message = a.LastSeen, a.Value, a.Threshold, a.Message
			if a.Location != nil {
				cur.Location = a.Location
			}
			if exact || model.SeverityRank(a.Severity) > model.SeverityRank(cur.Severity) {
				cur.Severity = a.Severity
			}
		})
		if err == nil {
			e.touchIncident(ctx, next)
		}
		return
	}
	a.Status, a.Count, a.FirstSeen = model.AlarmActive, 1, a.LastSeen
	a.RegionCode, a.Lon, a.Lat, a.Kind = dev.RegionCode, dev.Lon, dev.Lat, dev.Kind
	join, loc := e.findIncident(&a)
	if join != nil {
		a.IncidentID = join.inc.ID
	}
	if err := e.opts.Store.InsertAlarm(ctx, &a); err != nil {
		e.log.Error("alarm not stored", "device_id", a.Source, "type", a.Type, "err", err)
		return
	}
	e.active.put(&a)
	e.log.Info("alarm raised", "alarm_id", a.ID, "device_id", a.Source, "type", a.Type, "severity", a.Severity)
	switch {
	case join != nil:
		e.joinIncident(ctx, join, &a, loc)
	case correlated(a.Category) && e.openIncident(ctx, &a):
		return // published, linked to its incident
	}
	e.opts.Live.Upsert(EntityAlarm, strconv.FormatInt(a.ID, 10), a)
}

// update applies change to the active alarm of key and stores it. The
// in-memory alarm is replaced only once the store has taken the change. If
// the stored alarm changed meanwhile (optimistic lock: another hub or an
// operator acknowledged it), the stored version is reloaded and the change
// applied to it once more, so one conflict never wedges the alarm.
func (e *Engine) update(ctx context.Context, key alarmKey, change func(*model.Alarm)) (*model.Alarm, error) {
	cur, ok := e.active.get(key)
	if !ok {
		return nil, fmt.Errorf("%w: no active %s alarm for %s", ErrNotActive, key.typ, key.source)
	}
	next, err := e.store(ctx, *cur, change)
	if errors.Is(err, store.ErrConflict) {
		var fresh model.Alarm
		if fresh, err = e.opts.Store.GetAlarm(ctx, cur.ID); err == nil {
			next, err = e.store(ctx, fresh, change)
		}
	}
	if err != nil {
		e.log.Error("alarm update not stored", "alarm_id", cur.ID, "err", err)
		return nil, err
	}
	if next.Status == model.AlarmActive {
		e.active.put(next)
	} else {
		e.active.del(key)
	}
	e.opts.Live.Upsert(EntityAlarm, strconv.FormatInt(next.ID, 10), *next)
	return next, nil
}

func (e *Engine) store(ctx context.Context, a model.Alarm, change func(*model.Alarm)) (*model.Alarm, error) {
	change(&a)
	if err := e.opts.Store.UpdateAlarm(ctx, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// clear closes the active alarm of key, if any. by is "" when the rule
// clears its own alarm; a clear by a person (by names them) also resets the
// rule behind it.
func (e *Engine) clear(ctx context.Context, key alarmKey, by, why string) *model.Alarm {
	a, err := e.update(ctx, key, func(a *model.Alarm) {
		a.Status, a.ClearedAt, a.Message = model.AlarmCleared, e.opts.Now().UTC(), why
	})
	if err != nil {
		return nil
	}
	if by != "" {
		e.forgetRule(key)
	}
	e.log.Info("alarm cleared", "alarm_id", a.ID, "device_id", a.Source, "type", a.Type, "by", cmp.Or(by, "rule"))
	e.opts.Live.Remove(EntityAlarm, strconv.FormatInt(a.ID, 10))
	for _, c := range e.liveComments[a.ID] {
		e.opts.Live.Remove(EntityAlarmComment, strconv.FormatInt(c, 10))
	}
	delete(e.liveComments, a.ID)
	e.publishDevice(ctx, a.Source)
	e.memberCleared(ctx, a)
	return a
}

// forgetRule resets the rule behind a hand-cleared alarm, so a value still
// past the trigger level raises a fresh alarm after Consecutive samples.
func (e *Engine) forgetRule(key alarmKey) {
	st, ok := e.devices[key.source]
	if !ok {
		return
	}
	dev, err := e.opts.Devices.Lookup(context.Background(), key.source)
	if err != nil {
		return
	}
	for _, r := range e.rules(dev) {
		if r.Alarm == key.typ {
			st.rule(r.ID).active, st.rule(r.ID).breaches = false, 0
		}
	}
}

// Ack acknowledges an alarm (active or cleared) on behalf of who.
func (e *Engine) Ack(ctx context.Context, id int64, who string) (model.Alarm, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, err := e.alarm(ctx, id)
	if err != nil {
		return model.Alarm{}, err
	}
	if a.Acked {
		return *a, fmt.Errorf("%w: alarm %d was acknowledged by %s at %s", ErrAlreadyAcked, id, a.AckedBy, a.AckedAt.Format(time.RFC3339))
	}
	ack := func(a *model.Alarm) { a.Acked, a.AckedBy, a.AckedAt = true, who, e.opts.Now().UTC() }
	if a.Status == model.AlarmActive {
		next, err := e.update(ctx, alarmKey{a.Source, a.Type}, ack)
		if err != nil {
			return *a, err
		}
		return *next, nil
	}
	next, err := e.store(ctx, *a, ack)
	if err != nil {
		return *a, err
	}
	return *next, nil
}

// Clear clears an active alarm by hand.
func (e *Engine) Clear(ctx context.Context, id int64, who string) (model.Alarm, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, err := e.alarm(ctx, id)
	if err != nil {
		return model.Alarm{}, err
	}
	if a.Status != model.AlarmActive {
		return *a, fmt.Errorf("%w: alarm %d is %s", ErrNotActive, id, a.Status)
	}
	who = cmp.Or(who, "unknown")
	if c := e.clear(ctx, alarmKey{a.Source, a.Type}, who, "cleared by hand by "+who); c != nil {
		return *c, nil
	}
	return *a, fmt.Errorf("alarm %d: clear not stored", id)
}

// alarm returns the live copy of an active alarm, or the stored one.
func (e *Engine) alarm(ctx context.Context, id int64) (*model.Alarm, error) {
	var live *model.Alarm
	e.active.each(func(a *model.Alarm) {
		if a.ID == id {
			live = a
		}
	})
	if live != nil {
		return live, nil
	}
	a, err := e.opts.Store.GetAlarm(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: alarm %d", ErrNotFound, id)
	}
	return &a, err
}

// ActiveAlarms returns a copy of every active alarm.
func (e *Engine) ActiveAlarms() []model.Alarm {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []model.Alarm
	e.active.each(func(a *model.Alarm) { out = append(out, *a) })
	return out
}

// Assign hands an alarm (active or cleared) to assignee on behalf of who,
// noting it in the alarm's comments. An empty assignee unassigns.
func (e *Engine) Assign(ctx context.Context, id int64, assignee, who string) (model.Alarm, error) {
	if len([]rune(assignee)) > 128 {
		return model.Alarm{}, fmt.Errorf("%w: assignee is longer than 128 characters", ErrInvalid)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a, err := e.alarm(ctx, id)
	if err != nil {
		return model.Alarm{}, err
	}
	set := func(a *model.Alarm) { a.Assignee = assignee }
	var next *model.Alarm
	if a.Status == model.AlarmActive {
		next, err = e.update(ctx, alarmKey{a.Source, a.Type}, set)
	} else if next, err = e.store(ctx, *a, set); err == nil {
		e.opts.Live.Upsert(EntityAlarm, strconv.FormatInt(next.ID, 10), *next)
	}
	if err != nil {
		return *a, err
	}
	note := "指派给 " + assignee
	if assignee == "" {
		note = "取消指派"
	}
	if _, err := e.comment(ctx, id, cmp.Or(who, "unknown"), note); err != nil {
		e.log.Warn("assignment comment not stored", "alarm_id", id, "err", err)
	}
	return *next, nil
}

// Comment adds an operator's note to an alarm.
func (e *Engine) Comment(ctx context.Context, id int64, who, text string) (model.AlarmComment, error) {
	switch n := len([]rune(text)); {
	case n == 0:
		return model.AlarmComment{}, fmt.Errorf("%w: the comment text is empty", ErrInvalid)
	case n > 4000:
		return model.AlarmComment{}, fmt.Errorf("%w: the comment is %d characters, more than 4000", ErrInvalid, n)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.comment(ctx, id, cmp.Or(who, "unknown"), text)
}

func (e *Engine) comment(ctx context.Context, id int64, who, text string) (model.AlarmComment, error) {
	c := model.AlarmComment{AlarmID: id, At: e.opts.Now().UTC(), By: who, Text: text}
	if err := e.opts.Store.AddAlarmComment(ctx, &c); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return c, fmt.Errorf("%w: alarm %d", ErrNotFound, id)
		}
		return c, err
	}
	// Comments are live while their alarm is: they leave the screens with it.
	live := false
	e.active.each(func(a *model.Alarm) { live = live || a.ID == id })
	if live {
		e.liveComments[id] = append(e.liveComments[id], c.ID)
		e.opts.Live.Upsert(EntityAlarmComment, strconv.FormatInt(c.ID, 10), c)
	}
	return c, nil
}

// Comments lists an alarm's comments, oldest first.
func (e *Engine) Comments(ctx context.Context, id int64) ([]model.AlarmComment, error) {
	if _, err := e.Alarm(ctx, id); err != nil {
		return nil, err
	}
	return e.opts.Store.ListAlarmComments(ctx, id)
}

// Alarm returns one alarm, live if active.
func (e *Engine) Alarm(ctx context.Context, id int64) (model.Alarm, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, err := e.alarm(ctx, id)
	if err != nil {
		return model.Alarm{}, err
	}
	return *a, nil
}
