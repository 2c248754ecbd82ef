package api

import "net/http"

// caseRoutes serves the case loop: queues, a case and its timeline, the
// actions, the catalogue, resources, the outbox and the KPIs.
func (s *server) caseRoutes(mux *http.ServeMux) {}
