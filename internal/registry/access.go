package registry

import (
	"context"
	"strings"

	"github.com/ywtg/hub/internal/model"
)

// Access is what a client asks to do with a topic.
type Access int

// What a broker may ask about.
const (
	// Publish is sending a message to a topic.
	Publish Access = iota + 1
	// Subscribe is subscribing to a topic filter.
	Subscribe
	// Read is receiving a message published on a topic (Mosquitto asks
	// before each delivery; the embedded broker asks it as it asks Subscribe).
	Read
)

func (a Access) String() string {
	switch a {
	case Publish:
		return "publish"
	case Subscribe:
		return "subscribe"
	case Read:
		return "read"
	}
	return "unknown"
}

// TopicAllowed is the device topic ACL of SPEC §3, the one rule every broker
// path applies: a device publishes only under devices/{its id}/, never to its
// own commands topic (that is the hub's to send), and subscribes to — and so
// receives — only its commands, as devices/{id}/commands or
// devices/{id}/commands/#. Wildcards are never part of a topic it may publish.
func TopicAllowed(id, topic string, a Access) bool {
	if id == "" {
		return false
	}
	own := "devices/" + id + "/"
	switch a {
	case Publish:
		rest, ok := strings.CutPrefix(topic, own)
		return ok && rest != "" && rest != "commands" && !strings.ContainsAny(rest, "+#")
	case Subscribe, Read:
		return topic == own+"commands" || topic == own+"commands/#"
	}
	return false
}

// Authorize decides whether the device may use topic as asked: it must be
// registered, not disabled, and the topic allowed by TopicAllowed. A refusal
// is a *model.Rejection naming its reason; any other error is the store's.
func (r *Registry) Authorize(ctx context.Context, id, topic string, a Access) error {
	if _, err := r.enabled(ctx, id); err != nil {
		return err
	}
	if !TopicAllowed(id, topic, a) {
		return model.Reject(model.ReasonACLDenied, "device %s may not %s %s", id, a.verb(), topic)
	}
	return nil
}

func (a Access) verb() string {
	switch a {
	case Publish:
		return "publish to"
	case Subscribe:
		return "subscribe to"
	case Read:
		return "receive"
	}
	return "use"
}

// ClientIDAllowed is the rule on a device's MQTT client id, which every broker
// path applies at connect: the client id is the device id (or empty, for the
// broker to assign one). A broker lets a new connection with a session's
// client id take that session over, so a device choosing another device's
// client id could end its session and inherit its subscriptions.
func ClientIDAllowed(id, clientID string) error {
	if clientID == "" || clientID == id {
		return nil
	}
	return model.Reject(model.ReasonClientID, "client id %q is not device %s's id: a device connects with its own id as client id", clientID, id)
}
