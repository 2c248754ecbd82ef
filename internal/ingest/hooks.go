package ingest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/ywtg/hub/internal/model"
)

// Authenticator checks a device's MQTT credentials. The error, when not nil,
// is a *model.Rejection naming the reason (unknown device, wrong secret,
// disabled).
type Authenticator interface {
	Authenticate(ctx context.Context, id, secret string) error
}

// Hook plugs the pipeline into the embedded mochi-mqtt broker: it
// authenticates devices, enforces the per-device topic ACL, and ingests every
// publish before the broker acknowledges it.
type Hook struct {
	mqtt.HookBase
	Pipeline *Pipeline
	Auth     Authenticator
	Log      *slog.Logger
	// Ctx bounds the work done for a message; the hub's root context.
	Ctx context.Context
}

// ID names the hook for mochi.
func (h *Hook) ID() string { return "hub-ingest" }

// Provides declares the events this hook handles.
func (h *Hook) Provides(b byte) bool {
	return bytes.Contains([]byte{
		mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnPublish, mqtt.OnWillSent, mqtt.OnDisconnect,
	}, []byte{b})
}

// OnConnectAuthenticate admits a device whose username is its id and whose
// password is its secret. Refusals are counted and kept as dead letters.
func (h *Hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	id := string(pk.Connect.Username)
	err := h.Auth.Authenticate(h.Ctx, id, string(pk.Connect.Password))
	if err == nil {
		h.Pipeline.counts.add(CountConnects, 1)
		return true
	}
	reason, detail := model.ReasonAuthFailed, err.Error()
	var rej *model.Rejection
	if errors.As(err, &rej) {
		reason, detail = rej.Reason, rej.Detail
	}
	h.Log.Warn("device connection refused", "device_id", id, "remote", cl.Net.Remote, "reason", reason)
	if rerr := h.Pipeline.Refuse(h.Ctx, id, "", reason, detail+" (connection refused from "+cl.Net.Remote+")", nil); rerr != nil {
		h.Log.Error("dead letter not stored", "err", rerr)
	}
	return false
}

// OnACLCheck lets a device publish only under devices/{own id}/ (not to its
// own command topic) and subscribe only to its own commands.
func (h *Hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	id := string(cl.Properties.Username)
	own := "devices/" + id + "/"
	if !write {
		return topic == own+"commands" || topic == own+"commands/#"
	}
	if strings.HasPrefix(topic, own) && topic != own+"commands" {
		return true
	}
	detail := "device " + id + " may not publish to " + topic
	h.Log.Warn("publish refused by ACL", "device_id", id, "topic", topic)
	if err := h.Pipeline.Refuse(h.Ctx, id, topic, model.ReasonACLDenied, detail, nil); err != nil {
		h.Log.Error("dead letter not stored", "err", err)
	}
	return false
}

// OnPublish stores the message before mochi sends PUBACK. If nothing could be
// stored the packet is rejected unacknowledged and the client disconnected, so
// it redelivers after reconnecting.
func (h *Hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	err := h.Pipeline.Handle(h.Ctx, string(cl.Properties.Username), pk.TopicName, pk.Payload)
	if err != nil {
		h.Log.Error("publish not stored; not acknowledged", "device_id", string(cl.Properties.Username), "err", err)
		cl.Stop(err)
		return pk, packets.ErrRejectPacket
	}
	return pk, nil
}

// OnWillSent ingests a device's last will (its offline status), which mochi
// publishes without passing through OnPublish.
func (h *Hook) OnWillSent(cl *mqtt.Client, pk packets.Packet) {
	if err := h.Pipeline.Handle(h.Ctx, string(cl.Properties.Username), pk.TopicName, pk.Payload); err != nil {
		h.Log.Error("last will not stored", "device_id", string(cl.Properties.Username), "err", err)
	}
}

// OnDisconnect marks a device offline however it left (a will, if any, has
// already been ingested by OnWillSent and says the same). A
// session taken over by a reconnect of the same device is not a departure,
// nor is the broker shutting down.
func (h *Hook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	if cl.IsTakenOver() || errors.Is(err, packets.ErrServerShuttingDown) || len(cl.Properties.Username) == 0 {
		return
	}
	if err := h.Pipeline.Offline(h.Ctx, string(cl.Properties.Username)); err != nil && !errors.Is(err, context.Canceled) {
		h.Log.Error("offline status not stored", "device_id", string(cl.Properties.Username), "err", err)
	}
}
