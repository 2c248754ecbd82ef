package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// readRoles may read cases and the catalogue.
var readRoles = []string{RoleViewer, RoleOperator, RoleChief, RoleDispatcher, RoleAgency, RoleSupervisor, RoleGrid, RoleAdmin}

// caseRoutes serves the case loop: queues, a case and its timeline, the
// actions, the catalogue, resources, the outbox and the KPIs.
func (s *server) caseRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/cases", readRoles, s.listCases)
	s.handle(mux, "GET /api/v1/cases/{id}", readRoles, s.getCase)
	s.handle(mux, "GET /api/v1/cases/{id}/timeline", readRoles, s.caseTimeline)
	s.piiRoutes(mux)
	for _, action := range dispatch.Actions {
		s.handle(mux, "POST /api/v1/cases/{id}/"+action, dispatch.AllowedRoles(action), s.act(action))
	}
	s.handle(mux, "GET /api/v1/agencies/{id}/queue", readRoles, s.agencyQueue)
	s.handle(mux, "GET /api/v1/categories", readRoles, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.opts.Dispatch.Categories())
	})
	s.handle(mux, "GET /api/v1/agencies", readRoles, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.opts.Dispatch.Agencies())
	})
	s.handle(mux, "GET /api/v1/plans", readRoles, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.opts.Dispatch.Plans())
	})
	s.handle(mux, "GET /api/v1/resources", readRoles, s.listResources)
	s.handle(mux, "GET /api/v1/outbox", []string{RoleChief, RoleAdmin}, s.listOutbox)
	s.handle(mux, "GET /api/v1/kpis", readRoles, s.kpis)
	s.handle(mux, "GET /api/v1/me", readRoles, s.me)
	s.handle(mux, "GET /api/v1/keys/webhook", nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.opts.Dispatch.WebhookKey())
	})
}

// caseFilter reads ?state=a,b&agency=&category=&source=&region=&incident=
// &from=&to=&before=&limit= (RFC 3339 times; limit default 100, at most
// 1000).
func caseFilter(q map[string][]string) (store.CaseFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	f := store.CaseFilter{Category: get("category"), Source: get("source"), AgencyID: get("agency"),
		RegionCode: get("region"), Limit: 100}
	if st := get("state"); st != "" {
		f.States = strings.Split(st, ",")
	}
	for _, n := range []struct {
		key string
		dst *int64
	}{{"incident", &f.IncidentID}, {"before", &f.BeforeID}} {
		if v := get(n.key); v != "" {
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil || x < 0 {
				return f, fmt.Errorf("%s must be a non-negative integer", n.key)
			}
			*n.dst = x
		}
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, fmt.Errorf("limit must be 1–1000")
		}
		f.Limit = n
	}
	for _, t := range []struct {
		key string
		dst *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := get(t.key); v != "" {
			x, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, fmt.Errorf("%s must be an RFC 3339 time: %v", t.key, err)
			}
			*t.dst = x
		}
	}
	return f, nil
}

func (s *server) listCases(w http.ResponseWriter, r *http.Request) {
	f, err := caseFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if who := Caller(r.Context()); who.Role == RoleAgency {
		if f.AgencyID != "" && f.AgencyID != who.Agency {
			writeError(w, http.StatusForbidden, "forbidden", "an agency user lists only its own agency's cases")
			return
		}
		f.AgencyID = who.Agency
	}
	cases, err := s.opts.Dispatch.Cases(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, maskedCases(nonNil(cases)))
}

// readableCase loads a case the caller may read: an agency user only the
// cases its agency leads or assists in. It answers the refusal itself.
func (s *server) readableCase(w http.ResponseWriter, r *http.Request, id int64) (model.Case, bool) {
	c, err := s.opts.Dispatch.Case(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return c, false
	}
	if who := Caller(r.Context()); who.Role == RoleAgency && !slices.Contains(store.CaseAgencies(&c), who.Agency) {
		writeError(w, http.StatusForbidden, "forbidden",
			fmt.Sprintf("case %d is not assigned to agency %s", id, who.Agency))
		return model.Case{}, false
	}
	return c, true
}

// caseDetail is a case with its timeline and, while someone must choose
// an agency, the router's suggestion.
type caseDetail struct {
	model.Case
	Timeline   []model.CaseEvent `json:"timeline"`
	Suggestion *model.Routing    `json:"suggestion,omitempty"`
}

func (s *server) getCase(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	c, ok := s.readableCase(w, r, id)
	if !ok {
		return
	}
	tl, err := s.opts.Dispatch.Timeline(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := caseDetail{Case: maskedCase(c), Timeline: nonNil(tl), Suggestion: c.Suggestion}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(c.Version, 10)))
	switch dispatch.State(c.State) {
	case dispatch.Reported, dispatch.Registered, dispatch.Returned:
		if sg, err := s.opts.Dispatch.Suggest(r.Context(), id); err == nil {
			d.Suggestion = &sg
		}
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *server) caseTimeline(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if _, ok := s.readableCase(w, r, id); !ok {
		return
	}
	tl, err := s.opts.Dispatch.Timeline(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(tl))
}

// act serves POST /api/v1/cases/{id}/{action}. The body (optional) is the
// action's fields; the version the caller saw may also come as If-Match.
func (s *server) act(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var a dispatch.Action
		if !decodeOptional(w, r, &a) {
			return
		}
		a.Name = action
		if m := strings.Trim(r.Header.Get("If-Match"), `"W/`); m != "" && m != "*" && a.Version == 0 {
			v, err := strconv.ParseInt(m, 10, 64)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid", "If-Match must be the case version")
				return
			}
			a.Version = v
		}
		c, err := s.opts.Dispatch.Act(r.Context(), Caller(r.Context()), id, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(c.Version, 10)))
		writeJSON(w, http.StatusOK, maskedCase(c))
	}
}

// agencyQueue is what an agency polls: its open cases, lead or assisting.
func (s *server) agencyQueue(w http.ResponseWriter, r *http.Request) {
	agency := r.PathValue("id")
	if _, ok := s.opts.Dispatch.Agency(agency); !ok {
		writeError(w, http.StatusNotFound, "not_found", "no agency "+strconv.Quote(agency))
		return
	}
	if who := Caller(r.Context()); who.Role == RoleAgency && who.Agency != agency {
		writeError(w, http.StatusForbidden, "forbidden", "an agency user reads only its own agency's queue")
		return
	}
	f := store.CaseFilter{AgencyID: agency, States: []string{string(dispatch.Dispatched), string(dispatch.Accepted),
		string(dispatch.Resolved), string(dispatch.Suspended)}}
	cases, err := s.opts.Dispatch.Cases(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, maskedCases(nonNil(cases)))
}

func (s *server) listResources(w http.ResponseWriter, r *http.Request) {
	rs, err := s.opts.Dispatch.Resources(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(rs))
}

func (s *server) listOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.OutboxFilter{Pending: q.Get("pending") == "true" || q.Get("pending") == "1", AgencyID: q.Get("agency"), Limit: 500}
	if v := q.Get("case"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", "case must be an integer")
			return
		}
		f.CaseID = id
	}
	msgs, err := s.opts.Dispatch.Outbox(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(msgs))
}

func (s *server) kpis(w http.ResponseWriter, r *http.Request) {
	q := dispatch.KPIQuery{GroupBy: r.URL.Query().Get("group_by")}
	for _, t := range []struct {
		key string
		dst *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := r.URL.Query().Get(t.key); v != "" {
			x, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid", t.key+" must be an RFC 3339 time")
				return
			}
			*t.dst = x
		}
	}
	rep, err := s.opts.Dispatch.KPIs(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// me tells a page who it acts as and what that role may do, so the
// console and the agency page offer only the actions that will pass.
func (s *server) me(w http.ResponseWriter, r *http.Request) {
	who := Caller(r.Context())
	may := []string{}
	for _, a := range dispatch.Actions {
		if slices.Contains(dispatch.AllowedRoles(a), who.Role) {
			may = append(may, a)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": who.Name, "role": who.Role, "agency": who.Agency,
		"actions": may, "may_report": slices.Contains(dispatch.ReportRoles(), who.Role),
		"may_work_alarms": slices.Contains(alarmRoles, who.Role), "may_unmask": dispatch.UnmaskScope(who.Role)})
}

// decodeOptional decodes a JSON body if there is one: actions without
// fields may be posted empty (also chunked, with no length).
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body over %d bytes", maxBody))
		return false
	} else if err != nil {
		writeError(w, http.StatusBadRequest, "malformed", "request body: "+err.Error())
		return false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return true
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return decode(w, r, v)
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
