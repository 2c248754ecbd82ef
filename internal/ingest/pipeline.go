// Package ingest turns what devices send into durable readings, events and
// statuses. It owns the device contract's edge: topic parsing, validation
// against the device's profile, dedupe, dead letters with reasons, and the
// group-committed writes that let a message be acknowledged only once it is
// stored. Protocol decoders live in subpackages (jsonmqtt; later hj212,
// sl651); the embedded broker's hooks are in hooks.go. It knows nothing of
// alarms: newly stored data goes to a Sink.
package ingest

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ywtg/hub/internal/ingest/jsonmqtt"
	"golang.org/x/time/rate"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
)

// Devices looks up a registered device by id.
type Devices interface {
	Lookup(ctx context.Context, id string) (model.Device, error)
}

// Options configures a Pipeline.
type Options struct {
	Profiles   profile.Set
	Devices    Devices
	Store      Writer
	Sink       Sink
	Logger     *slog.Logger
	MaxBatch   int           // rows per commit; default 2000
	MaxFuture  time.Duration // how far ahead of the hub clock a ts may be; default 5 min
	MaxPayload int           // bytes; default 256 KiB
	// MaxValues bounds the metric values in one message, all its samples
	// together; default 1000.
	MaxValues int
	// DeviceRate and DeviceBurst bound the messages a device may publish
	// per second (DeviceRate 0: unlimited). Messages over it are kept as
	// dead letters, counted as rate_limited.
	DeviceRate  float64
	DeviceBurst int
	Now         func() time.Time
}

// Pipeline validates and stores device messages.
type Pipeline struct {
	opts     Options
	w        *groupWriter
	counts   Counters
	limiters sync.Map // device id → *rate.Limiter
}

// New starts a pipeline; Close stops it.
func New(opts Options) *Pipeline {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 2000
	}
	if opts.MaxFuture <= 0 {
		opts.MaxFuture = 5 * time.Minute
	}
	if opts.MaxPayload <= 0 {
		opts.MaxPayload = 256 << 10
	}
	if opts.MaxValues <= 0 {
		opts.MaxValues = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	p := &Pipeline{opts: opts}
	p.w = newGroupWriter(opts.Store, opts.Sink, opts.Logger, &p.counts, opts.MaxBatch)
	return p
}

// Counters exposes the pipeline's counters.
func (p *Pipeline) Counters() *Counters { return &p.counts }

// Close writes everything queued, then stops.
func (p *Pipeline) Close() { p.w.close() }

// Handle processes one message published by the authenticated device
// deviceID on topic. It returns nil once the message is durable — stored, or
// stored as a dead letter — and an error only when nothing could be stored, in
// which case the message must not be acknowledged.
func (p *Pipeline) Handle(ctx context.Context, deviceID, topic string, payload []byte) error {
	select {
	case err := <-p.HandleAsync(ctx, deviceID, topic, payload):
		return err
	case <-ctx.Done(): // the caller stops waiting: it must not acknowledge
		return errors.Join(ErrStore, ctx.Err())
	}
}

// HandleAsync is Handle without the wait: it decodes and queues the message
// and returns a channel that yields Handle's result once the message is
// durable. Messages queued one after another by one caller are stored, and
// reach the Sink, in that order, so a caller that keeps a device's messages
// in sequence need not wait for each commit.
func (p *Pipeline) HandleAsync(ctx context.Context, deviceID, topic string, payload []byte) <-chan error {
	b := p.decode(ctx, deviceID, topic, payload)
	out := make(chan error, 1)
	done := p.w.enqueue(ctx, b)
	go func() {
		if err := <-done; err != nil {
			out <- errors.Join(ErrStore, err)
			return
		}
		out <- nil
	}()
	return out
}

// Refuse records a message refused before it reached the pipeline (ACL,
// authentication) as a dead letter.
func (p *Pipeline) Refuse(ctx context.Context, deviceID, topic, reason, detail string, payload []byte) error {
	dl := p.deadLetter(deviceID, topic, &model.Rejection{Reason: reason, Detail: detail}, payload)
	return p.w.submit(ctx, storeBatchDL(dl))
}

// Offline records that a device went offline without saying so (it
// disconnected without a will).
func (p *Pipeline) Offline(ctx context.Context, deviceID string) error {
	if _, err := p.opts.Devices.Lookup(ctx, deviceID); err != nil {
		return nil // never admitted: nothing to mark
	}
	st := model.Status{DeviceID: deviceID, State: model.StateOffline, TS: p.opts.Now().UTC()}
	return p.w.submit(ctx, storeBatchStatus(st))
}

// Topic kinds under devices/{id}/.
const (
	TopicTelemetry = "telemetry"
	TopicEvents    = "events"
	TopicStatus    = "status"
	TopicCmdAck    = "commands/ack"
)

// ParseTopic splits devices/{id}/{kind}; ok is false for anything else.
func ParseTopic(topic string) (id, kind string, ok bool) {
	rest, found := strings.CutPrefix(topic, "devices/")
	if !found {
		return "", "", false
	}
	id, kind, found = strings.Cut(rest, "/")
	if !found || id == "" {
		return "", "", false
	}
	switch kind {
	case TopicTelemetry, TopicEvents, TopicStatus, TopicCmdAck:
		return id, kind, true
	}
	return "", "", false
}

func (p *Pipeline) decode(ctx context.Context, deviceID, topic string, payload []byte) (b batch) {
	reject := func(rej *model.Rejection) batch {
		return storeBatchDL(p.deadLetter(deviceID, topic, rej, payload))
	}
	if len(payload) > p.opts.MaxPayload {
		return reject(model.Reject(model.ReasonTooLarge, "%d bytes, limit %d", len(payload), p.opts.MaxPayload))
	}
	id, kind, ok := ParseTopic(topic)
	if !ok {
		return reject(model.Reject(model.ReasonBadTopic, "topic %q is not devices/{id}/telemetry|events|status|commands/ack", topic))
	}
	if id != deviceID {
		return reject(model.Reject(model.ReasonACLDenied, "device %s may not publish under devices/%s/", deviceID, id))
	}
	if !p.allow(deviceID) {
		return reject(model.Reject(model.ReasonRateLimited, "device %s is over %g messages per second", deviceID, p.opts.DeviceRate))
	}
	dev, err := p.opts.Devices.Lookup(ctx, deviceID)
	if err != nil {
		return reject(model.Reject(model.ReasonUnknownDevice, "%v", err))
	}
	prof, ok := p.opts.Profiles[dev.Kind]
	if !ok {
		return reject(model.Reject(model.ReasonUnknownDevice, "device %s has kind %q with no profile", deviceID, dev.Kind))
	}
	switch kind {
	case TopicTelemetry:
		return p.decodeTelemetry(deviceID, topic, prof, payload)
	case TopicEvents:
		return p.decodeEvent(deviceID, topic, prof, payload)
	case TopicStatus:
		return p.decodeStatus(deviceID, topic, payload)
	}
	return batch{} // command acks are accepted and not stored yet
}

func (p *Pipeline) decodeTelemetry(deviceID, topic string, prof *profile.Profile, payload []byte) (b batch) {
	samples, rej := jsonmqtt.DecodeTelemetry(deviceID, prof, payload)
	if rej != nil {
		return storeBatchDL(p.deadLetter(deviceID, topic, rej, payload))
	}
	values := 0
	for _, s := range samples {
		values += len(s.Reading.Values)
	}
	if values > p.opts.MaxValues {
		return storeBatchDL(p.deadLetter(deviceID, topic,
			model.Reject(model.ReasonTooManyValues, "%d metric values in one message, limit %d", values, p.opts.MaxValues), payload))
	}
	now := p.opts.Now()
	for _, s := range samples {
		rej := s.Err
		if rej == nil {
			rej = validateReading(prof, s.Reading, now, p.opts.MaxFuture)
		}
		if rej != nil {
			b.DeadLetters = append(b.DeadLetters, p.deadLetter(deviceID, topic, rej, s.Raw))
			continue
		}
		b.Readings = append(b.Readings, s.Reading)
	}
	return b
}

func (p *Pipeline) decodeEvent(deviceID, topic string, prof *profile.Profile, payload []byte) batch {
	ev, rej := jsonmqtt.DecodeEvent(deviceID, prof, payload)
	if rej == nil {
		rej = validateTS(ev.TS, p.opts.Now(), p.opts.MaxFuture)
	}
	if rej != nil {
		return storeBatchDL(p.deadLetter(deviceID, topic, rej, payload))
	}
	return batch{Events: []model.Event{ev}}
}

func (p *Pipeline) decodeStatus(deviceID, topic string, payload []byte) batch {
	st, rej := jsonmqtt.DecodeStatus(deviceID, payload)
	if rej != nil {
		return storeBatchDL(p.deadLetter(deviceID, topic, rej, payload))
	}
	now := p.opts.Now().UTC()
	// A will's ts is when it was set, not when it fired, and a device with an
	// unset clock says 1970: the hub's clock orders statuses then.
	if validateTS(st.TS, now, p.opts.MaxFuture) != nil {
		st.TS = now
	}
	return batch{Statuses: []model.Status{st}}
}

// allow takes one message from the device's budget.
func (p *Pipeline) allow(deviceID string) bool {
	if p.opts.DeviceRate <= 0 {
		return true
	}
	l, ok := p.limiters.Load(deviceID)
	if !ok {
		l, _ = p.limiters.LoadOrStore(deviceID, rate.NewLimiter(rate.Limit(p.opts.DeviceRate), max(p.opts.DeviceBurst, 1)))
	}
	return l.(*rate.Limiter).Allow()
}

// maxDeadPayload bounds what a dead letter keeps of the payload.
const maxDeadPayload = 16 << 10

func (p *Pipeline) deadLetter(deviceID, topic string, rej *model.Rejection, payload []byte) model.DeadLetter {
	keep := payload
	if len(keep) > maxDeadPayload {
		keep = keep[:maxDeadPayload]
	}
	s := string(keep)
	if !utf8.ValidString(s) { // keep binary garbage byte for byte
		s = "base64:" + base64.StdEncoding.EncodeToString(keep)
	}
	p.opts.Logger.Debug("message rejected", "device_id", deviceID, "topic", topic, "reason", rej.Reason, "detail", rej.Detail)
	return model.DeadLetter{TS: p.opts.Now().UTC(), DeviceID: deviceID, Topic: topic, Reason: rej.Reason, Detail: rej.Detail, Payload: s}
}
