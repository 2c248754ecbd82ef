package engine

import "github.com/ywtg/hub/internal/model"

// activeSet holds the active alarms, indexed by source so that a device's
// view — built for every device touched by every batch — costs its own
// alarms, not all of them.
type activeSet map[string]map[string]*model.Alarm // source → type → alarm

func (s activeSet) get(k alarmKey) (*model.Alarm, bool) {
	a, ok := s[k.source][k.typ]
	return a, ok
}

func (s activeSet) put(a *model.Alarm) {
	m := s[a.Source]
	if m == nil {
		m = map[string]*model.Alarm{}
		s[a.Source] = m
	}
	m[a.Type] = a
}

func (s activeSet) del(k alarmKey) {
	delete(s[k.source], k.typ)
	if len(s[k.source]) == 0 {
		delete(s, k.source)
	}
}

// each calls fn for every active alarm.
func (s activeSet) each(fn func(*model.Alarm)) {
	for _, m := range s {
		for _, a := range m {
			fn(a)
		}
	}
}
