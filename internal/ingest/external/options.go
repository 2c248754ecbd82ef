package external

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ywtg/hub/internal/ingest"
)

// Handler stores one device message; *ingest.Pipeline is one. It returns nil
// once the message is durable and an error when nothing was stored, in which
// case the message is not acknowledged.
type Handler interface {
	Handle(ctx context.Context, deviceID, topic string, payload []byte) error
}

// AsyncHandler is a Handler that can also queue a message and report later.
// Messages queued one after another must be stored in that order.
type AsyncHandler interface {
	Handler
	HandleAsync(ctx context.Context, deviceID, topic string, payload []byte) <-chan error
}

var _ AsyncHandler = (*ingest.Pipeline)(nil)

// Options configures a Subscriber.
type Options struct {
	URL      string // tcp://host:1883, or ssl://host:8883 (with TLS)
	ClientID string // stable: the persistent session is keyed on it (default "hub-" + hostname)
	Username string
	Password string
	// Share "" subscribes plainly; "hub" subscribes to $share/hub/devices/+/…
	// so that the hubs sharing the group split the messages. Each hub still
	// needs its own ClientID.
	Share string
	// InFlight is how many messages are handed to the Handler at once; also
	// how many wait for their PUBACK. Default 1024.
	InFlight int
	Handler  Handler
	Logger   *slog.Logger

	TLS                  *tls.Config   // for ssl:// (nil: system roots)
	MaxReconnectInterval time.Duration // backoff ceiling; default 30 s
	ConnectTimeout       time.Duration // per attempt; default 10 s

	// wrapConn, when set, wraps every connection (tests watch the wire).
	wrapConn func(net.Conn) net.Conn
}

// Defaults.
const (
	defaultInFlight     = 1024
	defaultMaxReconnect = 30 * time.Second
	defaultConnTimeout  = 10 * time.Second
)

// deviceKinds are the topics the hub subscribes to under devices/+/.
var deviceKinds = []string{ingest.TopicTelemetry, ingest.TopicEvents, ingest.TopicStatus}

func (o *Options) setDefaults() error {
	if o.URL == "" {
		return fmt.Errorf("%w: URL is empty", ErrOptions)
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		return fmt.Errorf("%w: URL: %v", ErrOptions, err)
	}
	if _, ok := defaultPorts[u.Scheme]; !ok || u.Host == "" {
		return fmt.Errorf("%w: URL %q: want tcp://host:port or ssl://host:port", ErrOptions, o.URL)
	}
	if o.Handler == nil {
		return fmt.Errorf("%w: no Handler", ErrOptions)
	}
	if strings.ContainsAny(o.Share, "/+#") {
		return fmt.Errorf("%w: share group %q may not contain '/', '+' or '#'", ErrOptions, o.Share)
	}
	if o.ClientID == "" {
		host, _ := os.Hostname()
		o.ClientID = "hub-" + host
	}
	if o.InFlight <= 0 {
		o.InFlight = defaultInFlight
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxReconnectInterval <= 0 {
		o.MaxReconnectInterval = defaultMaxReconnect
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = defaultConnTimeout
	}
	return nil
}

// filters are the subscriptions, QoS1 each.
func (o *Options) filters() map[string]byte {
	f := make(map[string]byte, len(deviceKinds))
	for _, k := range deviceKinds {
		topic := "devices/+/" + k
		if o.Share != "" {
			topic = "$share/" + o.Share + "/" + topic
		}
		f[topic] = 1
	}
	return f
}

var defaultPorts = map[string]string{
	"tcp": "1883", "mqtt": "1883",
	"ssl": "8883", "tls": "8883", "mqtts": "8883", "tcps": "8883",
}
