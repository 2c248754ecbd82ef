package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// AuditReader reads the audit chain back.
type AuditReader interface {
	ListAudit(ctx context.Context, f store.AuditFilter) ([]model.AuditEntry, error)
}

// auditRoutes serves GET /api/v1/audit?target=&after=&limit= (oldest first,
// limit default 100, at most 1000) to administrators and supervisors, when
// the audit log can be read.
func (s *server) auditRoutes(mux *http.ServeMux) {
	rd, ok := s.opts.Audit.(AuditReader)
	if !ok {
		return
	}
	s.handle(mux, "GET /api/v1/audit", []string{RoleSupervisor, RoleAdmin}, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := store.AuditFilter{Target: q.Get("target"), Limit: 100}
		if v := q.Get("after"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeError(w, http.StatusBadRequest, "invalid", "after must be a non-negative sequence number")
				return
			}
			f.AfterSeq = n
		}
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				writeError(w, http.StatusBadRequest, "invalid", "limit must be 1–1000")
				return
			}
			f.Limit = n
		}
		es, err := rd.ListAudit(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, nonNil(es))
	})
}
