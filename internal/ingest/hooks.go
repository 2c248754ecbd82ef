package ingest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/registry"
)

// Authenticator checks a device's MQTT credentials and its use of topics (the
// registry, which the broker HTTP endpoints ask too, so that every broker
// decides alike). A refusal is a *model.Rejection naming the reason (unknown
// device, wrong secret, disabled, ACL).
type Authenticator interface {
	Authenticate(ctx context.Context, id, secret string) error
	Authorize(ctx context.Context, id, topic string, a registry.Access) error
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
		mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSubscribe, mqtt.OnPublish, mqtt.OnWillSent, mqtt.OnDisconnect,
	}, []byte{b})
}

// OnConnectAuthenticate admits a device whose username is its id and whose
// password is its secret. Refusals are counted and kept as dead letters.
func (h *Hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	id := string(pk.Connect.Username)
	err := h.Auth.Authenticate(h.Ctx, id, string(pk.Connect.Password))
	if err == nil {
		err = registry.ClientIDAllowed(id, pk.Connect.ClientIdentifier)
	}
	if err == nil {
		h.Pipeline.counts.add(CountConnects, 1)
		return true
	}
	h.refuse(id, "", err, " (connection refused from "+cl.Net.Remote+")")
	return false
}

// OnACLCheck lets a device publish only under devices/{own id}/ (not to its
// own command topic) and subscribe to, or receive, only its own commands —
// registry.TopicAllowed — and a disabled device nothing, even before its
// session is ended. Refused publishes are counted and kept as dead letters;
// mochi asks the same question with write false for a subscription and for
// each delivery, so refused subscriptions are recorded by OnSubscribe.
func (h *Hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	id := string(cl.Properties.Username)
	if !write {
		return h.Auth.Authorize(h.Ctx, id, topic, registry.Subscribe) == nil
	}
	err := h.Auth.Authorize(h.Ctx, id, topic, registry.Publish)
	if err == nil {
		return true
	}
	h.refuse(id, topic, err, "")
	return false
}

// OnSubscribe records each filter OnACLCheck is about to refuse; the packet
// goes on unchanged.
func (h *Hook) OnSubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	id := string(cl.Properties.Username)
	for _, sub := range pk.Filters {
		if !mqtt.IsValidFilter(sub.Filter, false) {
			continue // refused by mochi as invalid, not by the ACL
		}
		if err := h.Auth.Authorize(h.Ctx, id, sub.Filter, registry.Subscribe); err != nil {
			h.refuse(id, sub.Filter, err, "")
		}
	}
	return pk
}

// refuse logs, counts and dead-letters a refused connection or topic.
func (h *Hook) refuse(id, topic string, err error, suffix string) {
	reason, detail := model.ReasonAuthFailed, err.Error()
	if topic != "" {
		reason = model.ReasonACLDenied
	}
	var rej *model.Rejection
	if errors.As(err, &rej) {
		reason, detail = rej.Reason, rej.Detail
	}
	h.Log.Warn("device refused by the broker", "device_id", id, "topic", topic, "reason", reason)
	if rerr := h.Pipeline.Refuse(h.Ctx, id, topic, reason, detail+suffix, nil); rerr != nil {
		h.Log.Error("dead letter not stored", "err", rerr)
	}
}

// EndSessions disconnects every session of device id from the embedded
// broker — its secret was rotated or it was disabled — and returns how many
// there were. An MQTT 5 client is told why (0x87 not authorized); MQTT 3.1.1
// has no server DISCONNECT, so its connection is closed.
func EndSessions(srv *mqtt.Server, id string) int {
	n := 0
	for _, cl := range srv.Clients.GetAll() {
		if cl.Net.Inline || string(cl.Properties.Username) != id || cl.Closed() {
			continue
		}
		if cl.Properties.ProtocolVersion == 5 {
			_ = srv.DisconnectClient(cl, packets.ErrNotAuthorized)
		} else {
			cl.Stop(packets.ErrNotAuthorized)
		}
		n++
	}
	return n
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
