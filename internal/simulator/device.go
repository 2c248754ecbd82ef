package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
	"github.com/ywtg/hub/internal/model"
)

const (
	firmware             = "sim-1.0"
	connectTimeout       = 10 * time.Second
	maxReconnectInterval = 30 * time.Second
	maxInFlight          = 64 // unacknowledged publishes per device
	disconnectQuiesceMS  = 250
	maxPendingActions    = 16 // scenario steps waiting for the publishing loop
)

// device is one simulated device: its MQTT client, its generator and its
// publishing loop.
type device struct {
	opts   Options
	fd     FleetDevice
	gen    *Generator
	timing *rand.Rand // jitter only; kept apart so timing never shifts the signals
	secret string
	hasKey bool
	period time.Duration
	st     *stats
	client mqtt.Client

	battery  float64
	connects atomic.Int64
	up       atomic.Bool
	gone     atomic.Bool // run has returned, or never will publish: no credentials
	inflight chan struct{}
	acks     sync.WaitGroup
	actions  chan action // scenario steps, run by publishLoop

	statusMu sync.Mutex // orders online/offline status publishes
	stopping bool
}

func newDevice(opts Options, fd FleetDevice, st *stats) (*device, error) {
	p := opts.Profiles[fd.Kind]
	gen, err := NewGenerator(fd, p, deviceRand(opts.Seed, fd.ID, 0))
	if err != nil {
		return nil, err
	}
	rate := opts.Rate
	if rate == 0 {
		rate = 1 / p.IntervalS
	}
	d := &device{
		opts: opts, fd: fd, gen: gen, st: st,
		timing:   deviceRand(opts.Seed, fd.ID, 0x9e3779b97f4a7c15),
		period:   max(time.Duration(float64(time.Second)/rate), time.Millisecond),
		inflight: make(chan struct{}, maxInFlight),
		actions:  make(chan action, maxPendingActions),
	}
	gen.period = d.period.Seconds()
	d.secret, d.hasKey = opts.Credentials[fd.ID]
	d.gone.Store(!d.hasKey)
	d.battery = float64(60 + d.timing.IntN(41))
	d.client = mqtt.NewClient(d.clientOptions())
	return d, nil
}

func (d *device) topic(leaf string) string { return "devices/" + d.fd.ID + "/" + leaf }

func (d *device) clientOptions() *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().
		AddBroker(d.opts.BrokerURL).
		SetClientID(d.fd.ID).SetUsername(d.fd.ID).SetPassword(d.secret).
		SetCleanSession(false).SetStore(newCopyStore()).SetProtocolVersion(4).SetOrderMatters(false).
		SetConnectTimeout(connectTimeout).SetKeepAlive(30 * time.Second).SetWriteTimeout(d.opts.AckTimeout).
		// The first connect is retried by connect (which can tell a refused
		// password from an unreachable broker); paho reconnects after that.
		SetConnectRetry(false).SetAutoReconnect(true).SetMaxReconnectInterval(maxReconnectInterval).
		SetOnConnectHandler(d.onConnect).
		SetConnectionLostHandler(d.onLost).
		SetReconnectingHandler(func(_ mqtt.Client, o *mqtt.ClientOptions) { d.setWill(o) })
	d.setWill(o)
	return o
}

// setWill refreshes the last will, whose ts is the time of the connect
// that registered it (the broker sends it later, unchanged).
func (d *device) setWill(o *mqtt.ClientOptions) {
	o.SetBinaryWill(d.topic("status"), d.status(model.StateOffline), 1, true)
}

func (d *device) status(state string) []byte {
	s := map[string]any{"state": state, "ts": time.Now().Format(TimeLayout)}
	if state == model.StateOnline {
		s["fw"], s["battery_pct"] = firmware, d.battery
	}
	b, _ := json.Marshal(s)
	return b
}

// run is the device's whole life: wait its turn, connect, publish until
// ctx is done, then go offline.
func (d *device) run(ctx context.Context, delay time.Duration) {
	defer d.gone.Store(true)
	if !d.hasKey {
		d.st.connectFailure(d.fd, "missing_credentials")
		return
	}
	if !sleepCtx(ctx, delay) {
		d.st.connectFailure(d.fd, "stopped_before_connecting")
		return
	}
	if !d.connect(ctx) {
		return
	}
	d.publishLoop(ctx)
	d.stop()
}

// connect makes the first connection, retrying an unreachable broker with
// backoff until ctx is done and giving up at once on a refusal.
func (d *device) connect(ctx context.Context) bool {
	backoff := time.Second
	for {
		tok := d.client.Connect()
		select {
		case <-tok.Done():
		case <-ctx.Done():
			if tok.WaitTimeout(connectTimeout) && tok.Error() == nil {
				d.stop()
				return false
			}
			d.st.connectFailure(d.fd, "stopped_before_connecting")
			return false
		}
		err := tok.Error()
		if err == nil {
			d.publishStatus(model.StateOnline)
			return true
		}
		if reason, refused := refusal(err); refused {
			d.opts.Logger.Warn("connect refused", "device_id", d.fd.ID, "reason", reason, "err", err)
			d.st.connectFailure(d.fd, reason)
			return false
		}
		d.st.addError("connect_error")
		d.opts.Logger.Debug("connect failed, retrying", "device_id", d.fd.ID, "err", err, "backoff", backoff)
		if !sleepCtx(ctx, backoff/2+time.Duration(d.timing.Int64N(int64(backoff)))) {
			d.st.connectFailure(d.fd, "unreachable: "+err.Error())
			return false
		}
		backoff = min(2*backoff, maxReconnectInterval)
	}
}

// refusal names a CONNACK refusal that retrying cannot fix.
func refusal(err error) (string, bool) {
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword):
		return "bad_credentials", true
	case errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return "not_authorized", true
	case errors.Is(err, packets.ErrorRefusedIDRejected):
		return "identifier_rejected", true
	case errors.Is(err, packets.ErrorRefusedBadProtocolVersion):
		return "bad_protocol_version", true
	}
	return "", false
}

// onConnect runs on every connection. The first connection's online status
// is published by connect once paho has finished resuming the session;
// after a reconnect there is no such moment to wait for, so it is sent here.
func (d *device) onConnect(mqtt.Client) {
	if d.up.CompareAndSwap(false, true) {
		d.st.setUp(+1)
	}
	if d.connects.Add(1) == 1 {
		d.st.connected(d.fd)
		return
	}
	d.st.reconnected()
	d.opts.Logger.Info("reconnected", "device_id", d.fd.ID)
	d.publishStatus(model.StateOnline)
}

// publishStatus publishes a retained status and waits for its PUBACK. After
// stop has sent offline, it sends nothing more.
func (d *device) publishStatus(state string) {
	d.statusMu.Lock()
	defer d.statusMu.Unlock()
	if d.stopping {
		return
	}
	if state == model.StateOffline {
		d.stopping = true
	}
	if !d.client.IsConnectionOpen() {
		return
	}
	tok := d.client.Publish(d.topic("status"), 1, true, d.status(state))
	if !tok.WaitTimeout(d.opts.AckTimeout) || tok.Error() != nil {
		d.st.addError("status_publish")
	}
}

func (d *device) onLost(_ mqtt.Client, err error) {
	if d.up.CompareAndSwap(true, false) {
		d.st.setUp(-1)
	}
	d.st.addError("connection_lost")
	d.opts.Logger.Warn("connection lost", "device_id", d.fd.ID, "err", err)
}

// publishLoop samples at the device's rate with ±10 % jitter, starting at a
// random point of the first period so devices do not publish in lockstep.
func (d *device) publishLoop(ctx context.Context) {
	t := time.NewTimer(time.Duration(d.timing.Int64N(int64(d.period)) + 1))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case act := <-d.actions:
			for _, ev := range act(time.Now(), d.gen) {
				d.publish(ctx, "events", ev, true)
			}
		case now := <-t.C:
			tel, events := d.gen.Tick(now)
			d.publish(ctx, "telemetry", tel, false)
			for _, ev := range events {
				d.publish(ctx, "events", ev, true)
			}
			t.Reset(time.Duration(float64(d.period) * (0.9 + 0.2*d.timing.Float64())))
		}
	}
}

// inject queues a scenario step for the publishing loop (a device still
// connecting plays it once it publishes); it reports false when the device
// has stopped or given up, or its queue is full.
func (d *device) inject(a action) bool {
	if d.gone.Load() {
		return false
	}
	select {
	case d.actions <- a:
		return true
	default:
		return false
	}
}

// publish sends one QoS 1 message and waits for its PUBACK in the
// background, at most maxInFlight at a time.
func (d *device) publish(ctx context.Context, leaf string, v any, isEvent bool) {
	payload, err := json.Marshal(v)
	if err != nil {
		d.st.sent(d.fd.Kind, isEvent)
		d.st.failed(d.fd.Kind, "marshal_error")
		return
	}
	select {
	case d.inflight <- struct{}{}:
	case <-ctx.Done():
		return
	}
	d.st.sent(d.fd.Kind, isEvent)
	if !d.client.IsConnectionOpen() {
		<-d.inflight
		d.st.failed(d.fd.Kind, "not_connected")
		return
	}
	tok := d.client.Publish(d.topic(leaf), 1, false, payload)
	d.acks.Go(func() {
		defer func() { <-d.inflight }()
		switch {
		case !tok.WaitTimeout(d.opts.AckTimeout):
			d.st.failed(d.fd.Kind, "puback_timeout")
		case tok.Error() != nil:
			d.st.failed(d.fd.Kind, publishErrorKind(tok.Error()))
		default:
			d.st.acked(d.fd.Kind)
		}
	})
}

func publishErrorKind(err error) string {
	switch {
	case errors.Is(err, mqtt.ErrNotConnected):
		return "not_connected"
	case strings.Contains(err.Error(), "timeout"):
		return "publish_timeout"
	}
	return "publish_error"
}

// stop waits for outstanding PUBACKs, publishes the retained offline status
// (a clean disconnect does not fire the will) and disconnects.
func (d *device) stop() {
	d.acks.Wait()
	d.publishStatus(model.StateOffline)
	d.client.Disconnect(disconnectQuiesceMS)
	if d.up.CompareAndSwap(true, false) {
		d.st.setUp(-1)
	}
}

// sleepCtx waits d or until ctx is done, reporting whether it waited d.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
