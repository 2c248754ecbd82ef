package hub

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// startPprof serves the Go profiler on addr, apart from the public API.
func (h *Hub) startPprof(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pprof listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	h.pprof = &http.Server{Handler: mux}
	go func() {
		if err := h.pprof.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("pprof server stopped", "err", err)
		}
	}()
	h.log.Info("pprof listening", "addr", ln.Addr().String())
	return nil
}
