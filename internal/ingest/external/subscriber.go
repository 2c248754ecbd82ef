package external

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Timeouts of the protocol exchanges the subscriber waits for.
const (
	subscribeTimeout  = 10 * time.Second
	disconnectQuiesce = 1000 // ms: lets the last PUBACKs reach the broker
	writeTimeout      = 10 * time.Second
)

// Subscriber is a running subscription; Close stops it.
type Subscriber struct {
	opts   Options
	log    *slog.Logger
	client paho.Client
	hctx   context.Context // the Handler's: Start's values, never cancelled

	// gen numbers the network connections; a message carries the gen it
	// arrived on and is acknowledged only on that connection. paho delivers
	// every message of a connection before it dials the next, so a
	// callback always sees the gen of its own connection.
	gen           atomic.Uint64
	failedGen     atomic.Uint64 // a connection whose acknowledgements stopped at a failure
	subscribedGen atomic.Uint64 // the last connection whose subscription the broker granted
	connMu        sync.Mutex
	conn          *droppable // the connection of gen

	inMu    sync.Mutex // serializes enqueueing against Close
	closing bool
	fifo    chan *pending   // arrival order; read by ackLoop
	shards  []chan *pending // one per worker; a device's messages all go to one
	workers sync.WaitGroup
	ackDone chan struct{}

	ready     chan struct{} // closed on the first granted subscription
	readyOnce sync.Once
	connects  atomic.Int64
	closeOnce sync.Once
	stats     counters
}

// Start connects to the broker, retrying with backoff until ctx ends, and
// returns once the subscription is granted. ctx bounds only that: the
// subscriber then runs, reconnecting by itself, until Close. The Handler is
// called with a context that keeps ctx's values but is never cancelled, so
// that Close can let the messages in flight finish.
func Start(ctx context.Context, o Options) (*Subscriber, error) {
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	s := &Subscriber{
		opts:    o,
		log:     o.Logger.With("broker", redact(o.URL), "client_id", o.ClientID),
		hctx:    context.WithoutCancel(ctx),
		fifo:    make(chan *pending, o.InFlight),
		shards:  newShards(o.InFlight),
		ackDone: make(chan struct{}),
		ready:   make(chan struct{}),
	}
	s.client = paho.NewClient(s.clientOptions())
	s.startWorkers()
	if err := s.connect(ctx); err != nil {
		s.Close()
		return nil, err
	}
	select {
	case <-s.ready:
		return s, nil
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("%w: %w (subscription not granted)", ErrSubscribe, ctx.Err())
	}
}

func (s *Subscriber) clientOptions() *paho.ClientOptions {
	o := paho.NewClientOptions().
		AddBroker(s.opts.URL).
		SetClientID(s.opts.ClientID).
		SetUsername(s.opts.Username).
		SetPassword(s.opts.Password).
		SetCleanSession(false). // the broker keeps our QoS1 messages while we are away
		SetOrderMatters(true).  // one callback at a time, in arrival order
		SetAutoAckDisabled(true).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(s.opts.MaxReconnectInterval).
		SetConnectTimeout(s.opts.ConnectTimeout).
		SetWriteTimeout(writeTimeout).
		SetDefaultPublishHandler(s.onMessage).
		SetOnConnectHandler(s.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			s.log.Warn("mqtt connection lost", "err", err)
		}).
		SetCustomOpenConnectionFn(s.dial)
	// Messages are routed by the default handler, not by subscription
	// callbacks: a resumed session delivers its backlog before OnConnect has
	// subscribed, and paho drops, unacknowledged, what no route matches.
	return o
}

// connect makes the first connection. paho's ConnectRetry would retry at a
// fixed interval and ignore ctx; this backs off and stops when ctx ends.
// After it, paho's AutoReconnect takes over.
func (s *Subscriber) connect(ctx context.Context) error {
	wait := time.Second
	for {
		tok := s.client.Connect()
		tok.Wait() // bounded by ConnectTimeout
		err := tok.Error()
		if err == nil {
			return nil
		}
		s.log.Warn("mqtt connect failed; retrying", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %s: %w (last error: %v)", ErrConnect, redact(s.opts.URL), ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, s.opts.MaxReconnectInterval)
	}
}

// onConnect (re)subscribes on every connection: a persistent session keeps
// subscriptions, but a session the broker lost (restart without
// persistence, expiry) does not.
func (s *Subscriber) onConnect(c paho.Client) {
	gen := s.gen.Load()
	if s.connects.Add(1) > 1 {
		s.stats.reconnects.Add(1)
	}
	if err := s.subscribe(c); err != nil {
		s.log.Error("mqtt subscribe failed; reconnecting", "err", err)
		s.dropConn(gen)
		return
	}
	s.subscribedGen.Store(gen)
	s.readyOnce.Do(func() { close(s.ready) })
	s.log.Info("mqtt subscribed", "share", s.opts.Share, "reconnects", s.stats.reconnects.Load())
}

func (s *Subscriber) subscribe(c paho.Client) error {
	filters := s.opts.filters()
	tok := c.SubscribeMultiple(filters, nil)
	if !tok.WaitTimeout(subscribeTimeout) {
		return fmt.Errorf("%w: no SUBACK within %v", ErrSubscribe, subscribeTimeout)
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("%w: %w", ErrSubscribe, err)
	}
	st, ok := tok.(*paho.SubscribeToken)
	if !ok {
		return fmt.Errorf("%w: unexpected token %T", ErrSubscribe, tok)
	}
	granted := st.Result()
	for f := range filters {
		if q, ok := granted[f]; !ok || q > 2 { // 0x80: refused
			return fmt.Errorf("%w: %s", ErrSubscribe, f)
		}
	}
	return nil
}

// Connected reports whether the subscriber is connected and subscribed on
// its current connection; the hub's /readyz uses it.
func (s *Subscriber) Connected() bool {
	return s.client.IsConnectionOpen() && s.subscribedGen.Load() == s.gen.Load()
}

// Close stops taking messages, waits until those already taken are stored
// and acknowledged, and disconnects. Messages that arrive meanwhile stay
// unacknowledged in the session and are redelivered on the next start. Call
// it before closing the Handler's pipeline.
func (s *Subscriber) Close() {
	s.closeOnce.Do(func() {
		s.inMu.Lock()
		s.closing = true
		close(s.fifo)
		for _, sh := range s.shards {
			close(sh)
		}
		s.inMu.Unlock()
		<-s.ackDone
		s.workers.Wait()
		if s.client.IsConnected() {
			s.client.Disconnect(disconnectQuiesce)
		}
		st := s.Stats()
		s.log.Info("mqtt subscriber closed", "received", st.Received, "acked", st.Acked, "failed", st.Failed)
	})
}

// redact drops a password from a URL for logs and errors.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
