package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/internal/store"
)

// maxBody bounds request bodies.
const maxBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

type apiError struct {
	Error  string `json:"error"`
	Reason string `json:"reason"`
}

func writeError(w http.ResponseWriter, status int, reason, msg string) {
	writeJSON(w, status, apiError{Error: msg, Reason: reason})
}

// fail maps a domain error to an HTTP status and a machine-readable reason.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	for _, m := range []struct {
		target error
		status int
		reason string
	}{
		{registry.ErrInvalid, http.StatusBadRequest, "invalid"},
		{registry.ErrUnknownDevice, http.StatusNotFound, "not_found"},
		{store.ErrNotFound, http.StatusNotFound, "not_found"},
		{engine.ErrNotFound, http.StatusNotFound, "not_found"},
		{store.ErrExists, http.StatusConflict, "exists"},
		{store.ErrConflict, http.StatusConflict, "conflict"},
		{engine.ErrAlreadyAcked, http.StatusConflict, "already_acked"},
		{engine.ErrNotActive, http.StatusConflict, "not_active"},
		{engine.ErrInvalid, http.StatusBadRequest, "invalid"},
		{dispatch.ErrInvalid, http.StatusBadRequest, "invalid"},
		{dispatch.ErrUnknown, http.StatusBadRequest, "unknown"},
		{dispatch.ErrForbidden, http.StatusForbidden, "forbidden"},
		{dispatch.ErrIllegalTransition, http.StatusConflict, "illegal_transition"},
	} {
		if errors.Is(err, m.target) {
			writeError(w, m.status, m.reason, err.Error())
			return
		}
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error")
}

// decode reads a JSON body into v, refusing unknown fields and trailing data.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body over %d bytes", tooBig.Limit))
			return false
		}
		writeError(w, http.StatusBadRequest, "malformed", fmt.Sprintf("request body: %v", err))
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "malformed", "request body: trailing data after the JSON object")
		return false
	}
	return true
}
