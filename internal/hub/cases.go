package hub

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ywtg/hub/deploy/demo"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/dispatch/webhook"
	"github.com/ywtg/hub/internal/model"
)

// loadCatalogue reads --catalogue, or the demo league's. "{hub}" in a
// webhook URL becomes this hub's own base URL with --demo, which serves the
// agency inboxes there; without it those agencies poll.
func (h *Hub) loadCatalogue() (*dispatch.Catalogue, error) {
	var b []byte
	var err error
	if h.opts.Catalogue == "" {
		b, err = fs.ReadFile(demo.FS, "dispatch.yaml")
	} else {
		b, err = os.ReadFile(h.opts.Catalogue)
	}
	if err != nil {
		return nil, err
	}
	base := ""
	if h.opts.Demo { // only the demo serves the inboxes
		base = "http://" + loopback(h.HTTPAddr())
	}
	return dispatch.ParseCatalogue(b, base)
}

// startCases brings up the case loop: the catalogue, the signing key, the
// service (which now hears the engine's incidents) and the webhook worker.
func (h *Hub) startCases(ctx context.Context) error {
	cat, err := h.loadCatalogue()
	if err != nil {
		return fmt.Errorf("dispatch catalogue: %w", err)
	}
	keyFile := h.opts.WebhookKey
	if keyFile == "" {
		keyFile = filepath.Join(h.opts.DataDir, "webhook-sm2.pem")
	}
	key, err := webhook.LoadOrCreateKey(keyFile)
	if err != nil {
		return fmt.Errorf("webhook key %s: %w", keyFile, err)
	}
	pub, err := webhook.PublicKeyPEM(key)
	if err != nil {
		return err
	}
	keys, err := h.piiKeys()
	if err != nil {
		return err
	}
	h.webhooks = webhook.New(webhook.Options{Outbox: h.store, Key: key, Logger: h.log.With("component", "webhook")})
	h.cases, err = dispatch.New(ctx, dispatch.Options{Catalogue: cat, Store: h.store, Regions: h.regions,
		Incidents: h.engine, Live: h.live, Delivered: h.webhooks.Notify, WebhookKey: pub, Keys: keys, Logger: h.log})
	if err != nil {
		return fmt.Errorf("dispatch: %w", err)
	}
	h.webhookPub = &key.PublicKey
	return nil
}

// offerIncident passes the engine's incident changes to the case loop once
// it is up.
func (h *Hub) offerIncident(in model.Incident) {
	if c := h.cases; c != nil {
		c.OfferIncident(in)
	}
}

// runCases starts the loop's workers on the background context.
func (h *Hub) runCases(ctx context.Context) {
	h.bg.Add(2)
	go func() { defer h.bg.Done(); h.cases.Run(ctx) }()
	go func() { defer h.bg.Done(); h.webhooks.Run(ctx) }()
}

// Cases exposes the case loop to embedders (tests, the demo).
func (h *Hub) Cases() *dispatch.Service { return h.cases }
