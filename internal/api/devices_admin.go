package api

import (
	"context"
	"net/http"

	"github.com/ywtg/hub/internal/model"
)

// Revoking and restoring a device's credentials: rotate its secret, disable
// it, enable it again. The registry makes the change and has the device's
// open sessions on this hub's broker ended at once; other hubs on the same
// store notice within seconds (registry.Watch).

// rotateDevice gives a device a new secret, shown in this answer only.
func (s *server) rotateDevice(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	secret, err := s.opts.Registry.Rotate(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dev, err := s.opts.Registry.Lookup(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("device secret rotated", "device_id", id, "by", Principal(r.Context()))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"device": dev, "secret": secret, "mqtt": mqttAccount(dev)})
}

func (s *server) disableDevice(w http.ResponseWriter, r *http.Request) {
	s.setDisabled(w, r, s.opts.Registry.Disable)
}

func (s *server) enableDevice(w http.ResponseWriter, r *http.Request) {
	s.setDisabled(w, r, s.opts.Registry.Enable)
}

// setDisabled applies change and answers with the device as it now is,
// which the live screens are shown too.
func (s *server) setDisabled(w http.ResponseWriter, r *http.Request, change func(context.Context, string) error) {
	id := r.PathValue("id")
	if err := change(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	dev, err := s.opts.Registry.Lookup(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("device access changed", "device_id", id, "disabled", dev.Disabled, "by", Principal(r.Context()))
	s.opts.Engine.Announce(dev)
	writeJSON(w, http.StatusOK, map[string]any{"device": dev})
}

// mqttAccount is how a device signs in to the broker.
func mqttAccount(dev model.Device) map[string]string {
	return map[string]string{"username": dev.ID, "client_id": dev.ID, "topic_prefix": "devices/" + dev.ID + "/"}
}
