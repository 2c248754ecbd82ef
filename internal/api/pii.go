package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/pii"
)

// Reporters opens a case's reporter in full for a caller allowed to see it
// (dispatch.Service; dispatch.MayUnmask is the rule).
type Reporters interface {
	Reporter(ctx context.Context, who dispatch.Actor, id int64) (model.Person, error)
}

// piiRoutes serves the one way to a reporter's contact in full, GET
// /api/v1/cases/{id}/reporter, when the case loop offers it. The route
// table lists the roles that may unmask (dispatch.UnmaskRoles), but the
// gate lets every reading role through: dispatch refuses the others with
// its reason, and the refusal is audited like an unmasking.
func (s *server) piiRoutes(mux *http.ServeMux) {
	rs, ok := s.opts.Dispatch.(Reporters)
	if !ok {
		return
	}
	const method, path = http.MethodGet, "/api/v1/cases/{id}/reporter"
	s.table = append(s.table, Route{Method: method, Path: path, Roles: dispatch.UnmaskRoles()})
	mux.Handle(method+" "+path, s.opts.Auth.Wrap(readRoles, s.caseReporter(rs)))
}

// caseReporter answers the reporter in full — {"name","phone","email",
// "id_no"}, without "masked" — or 403 with the reason, and audits the
// attempt either way ("pii.unmask", target case:<id>, outcome "ok" or the
// reason). An unmasking the audit log cannot record is not made: 503.
func (s *server) caseReporter(rs Reporters) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		who := Caller(r.Context())
		p, err := rs.Reporter(r.Context(), who, id)
		outcome := "ok"
		if err != nil {
			outcome = err.Error()
		}
		if aerr := s.auditUnmask(r, who, id, outcome); aerr != nil {
			s.log.Error("unmasking not audited", "case_id", id, "actor", who.Name, "err", aerr)
			if err == nil {
				writeError(w, http.StatusServiceUnavailable, "audit_unavailable",
					"the audit log cannot record this unmasking now; nothing was shown, try again")
				return
			}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, p)
	}
}

// auditUnmask appends the attempt to the audit chain (nothing without
// Options.Audit).
func (s *server) auditUnmask(r *http.Request, who dispatch.Actor, id int64, outcome string) error {
	if s.opts.Audit == nil {
		return nil
	}
	e := model.AuditEntry{At: time.Now(), Actor: who.Name, Role: who.Role, Action: "pii.unmask",
		Target: "case:" + strconv.FormatInt(id, 10), Outcome: outcome, Remote: r.RemoteAddr}
	if who.Agency != "" {
		e.Detail, _ = json.Marshal(map[string]string{"agency": who.Agency})
	}
	// The client may hang up once answered; the entry must still land.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	_, err := s.opts.Audit.AppendAudit(ctx, e)
	return err
}

// maskedCase is c as every response carries it: the reporter masked, never
// sealed. The case loop hands cases out masked already; the edge makes
// sure of it for any Dispatch, and for a reporter kept in plain text.
func maskedCase(c model.Case) model.Case {
	if p := c.Reporter; p != nil {
		m := *p
		if !m.Masked {
			m = pii.MaskPerson(m)
		}
		m.Sealed = ""
		c.Reporter = &m
	}
	return c
}

// maskedCases masks cases in place (maskedCase) and returns them.
func maskedCases(cs []model.Case) []model.Case {
	for i := range cs {
		cs[i] = maskedCase(cs[i])
	}
	return cs
}
