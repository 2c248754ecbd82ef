package api

import (
	"net/http"
	"strings"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Alarm assignment and comments, incidents and the online rate.

func (s *server) assignAlarm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body struct {
		Assignee *string `json:"assignee"`
		By       string  `json:"by"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.Assignee == nil {
		writeError(w, http.StatusBadRequest, "invalid", `"assignee" is required ("" unassigns)`)
		return
	}
	a, err := s.opts.Engine.Assign(r.Context(), id, strings.TrimSpace(*body.Assignee), s.who(r, body.By))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *server) listComments(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	cs, err := s.opts.Engine.Comments(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if cs == nil {
		cs = []model.AlarmComment{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": cs, "count": len(cs)})
}

func (s *server) addComment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body struct {
		Text string `json:"text"`
		By   string `json:"by"`
	}
	if !decode(w, r, &body) {
		return
	}
	c, err := s.opts.Engine.Comment(r.Context(), id, s.who(r, body.By), strings.TrimSpace(body.Text))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// who names the actor: the authenticated principal, with the name the body
// gives (a duty officer at a shared console) in front.
func (s *server) who(r *http.Request, by string) string {
	who := Principal(r.Context())
	if by = strings.TrimSpace(by); by != "" {
		who = by + " (" + who + ")"
	}
	return who
}

func (s *server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.IncidentFilter{Status: q.Get("status"), Category: q.Get("category")}
	if f.Status == "all" {
		f.Status = ""
	}
	if f.Status != "" && f.Status != model.IncidentOpen && f.Status != model.IncidentClosed {
		writeError(w, http.StatusBadRequest, "invalid", "status must be open, closed or all")
		return
	}
	var err error
	if f.Limit, err = optInt(q.Get("limit")); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	ins, err := s.opts.Engine.Incidents(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ins == nil {
		ins = []model.Incident{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": ins, "count": len(ins)})
}

// getIncident answers the incident with its member alarms.
func (s *server) getIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	in, err := s.opts.Engine.Incident(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	alarms, err := s.opts.Store.ListAlarms(r.Context(), store.AlarmFilter{IncidentID: id, Limit: 1000})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if alarms == nil {
		alarms = []model.Alarm{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"incident": in, "alarms": alarms})
}

func (s *server) online(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.opts.Engine.Online())
}
