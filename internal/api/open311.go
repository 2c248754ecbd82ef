package api

import "net/http"

func (s *server) open311Routes(mux *http.ServeMux) {}
