package api

import "net/http"

func (s *server) reportRoutes(mux *http.ServeMux) {}
