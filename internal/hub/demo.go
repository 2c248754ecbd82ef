package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"

	"github.com/ywtg/hub/deploy/demo"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/internal/simulator"
)

// startDemo provisions the demo league's fleet (new devices are registered,
// known ones get a fresh secret, since only hashes are kept) and runs the
// simulator in-process against the embedded broker, over real MQTT.
func (h *Hub) startDemo(ctx context.Context) error {
	b, err := fs.ReadFile(demo.FS, "fleet.yaml")
	if err != nil {
		return err
	}
	fleet, err := simulator.LoadFleet(b, h.profiles)
	if err != nil {
		return fmt.Errorf("demo fleet: %w", err)
	}
	creds := make(map[string]string, len(fleet.Devices))
	for _, d := range fleet.Devices {
		if creds[d.ID], err = h.provision(ctx, d); err != nil {
			return fmt.Errorf("demo device %s: %w", d.ID, err)
		}
	}
	simCtx, stop := context.WithCancel(context.Background())
	h.demoStop, h.demoDone = stop, make(chan struct{})
	go func() {
		defer close(h.demoDone)
		sum, err := simulator.Run(simCtx, simulator.Options{BrokerURL: "tcp://" + loopback(h.MQTTAddr()), Fleet: fleet,
			Profiles: h.profiles, Credentials: creds, Rate: h.opts.DemoRate, Logger: h.log.With("component", "demo")})
		if err != nil && !errors.Is(err, context.Canceled) {
			h.log.Error("demo fleet stopped", "err", err)
		}
		h.log.Info("demo fleet stopped", "summary", sum.String())
	}()
	h.log.Info("demo fleet started", "devices", len(fleet.Devices))
	return nil
}

func (h *Hub) provision(ctx context.Context, d simulator.FleetDevice) (string, error) {
	_, secret, err := h.registry.Add(ctx, model.Device{ID: d.ID, Kind: d.Kind, Name: d.Name, Operator: d.Operator,
		Lon: d.Lon, Lat: d.Lat, RuleOverrides: d.RuleOverrides, Params: d.Params})
	if err == nil {
		return secret, nil
	}
	if _, lerr := h.registry.Lookup(ctx, d.ID); errors.Is(lerr, registry.ErrUnknownDevice) {
		return "", err
	}
	return h.registry.Rotate(ctx, d.ID)
}

// loopback turns a listen address (":1883", "[::]:1883") into one to dial.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
