// Package webhook delivers the durable outbox to the agencies: each pending
// model.OutboxMessage is POSTed to its agency's URL, signed with the hub's
// SM2 key, and retried with exponential backoff until the agency answers
// 2xx. Receivers verify with VerifyRequest; docs/webhooks.md is the
// agencies' guide.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Outbox is the store's side of the outbox (dispatch.Store has it).
type Outbox interface {
	// ListOutbox returns webhooks, oldest first.
	ListOutbox(ctx context.Context, f store.OutboxFilter) ([]model.OutboxMessage, error)
	// UpdateOutbox records a delivery attempt: Attempts, NextAt,
	// DeliveredAt and LastError.
	UpdateOutbox(ctx context.Context, m model.OutboxMessage) error
}

// NoWebhook is the LastError of a message marked delivered without a POST
// because its agency has no webhook URL.
const NoWebhook = "no webhook: the agency polls its queue"

// Defaults of Options.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultBatch      = 50
	DefaultPoll       = 2 * time.Second
	DefaultBackoffMin = 2 * time.Second
	DefaultBackoffMax = 10 * time.Minute
	DefaultJitter     = 0.2
)

// Options configures a Worker. Outbox and Key are required.
type Options struct {
	Outbox Outbox
	Key    *sm2.PrivateKey
	// Client posts the webhooks; nil: DefaultTimeout, and redirects are
	// not followed (a 3xx is a failed attempt).
	Client *http.Client
	Now    func() time.Time
	// Backoff is the wait before retry after the attempt-th failed attempt
	// (attempt >= 1); nil: DefaultBackoff.
	Backoff func(attempt int) time.Duration
	Batch   int           // messages per pass; default DefaultBatch
	Poll    time.Duration // Run's pass interval; default DefaultPoll
	Logger  *slog.Logger
}

// Worker delivers the outbox. Passes never overlap, so one Worker may be
// flushed from several goroutines; run one Worker per database.
type Worker struct {
	opts   Options
	log    *slog.Logger
	notify chan struct{}
	pass   sync.Mutex

	delivered atomic.Uint64
	failed    atomic.Uint64
}

// New returns a Worker; it panics without Options.Outbox or Options.Key.
func New(opts Options) *Worker {
	if opts.Outbox == nil || opts.Key == nil {
		panic("webhook: Options.Outbox and Options.Key are required")
	}
	if opts.Client == nil {
		opts.Client = &http.Client{
			Timeout: DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Worker{opts: opts, log: opts.Logger, notify: make(chan struct{}, 1)}
}

// DefaultBackoff is 2 s · 2^(attempt-1), capped at 10 min, ±20 % jitter.
func DefaultBackoff(attempt int) time.Duration {
	return backoff(DefaultBackoffMin, DefaultBackoffMax, DefaultJitter, attempt)
}

// ExpBackoff returns a schedule of base · 2^(attempt-1) capped at ceiling,
// then spread by ±jitter (a fraction; 0 disables it, as tests do). The cap
// applies before the jitter, so the longest wait is ceiling · (1+jitter).
func ExpBackoff(base, ceiling time.Duration, jitter float64) func(attempt int) time.Duration {
	return func(attempt int) time.Duration { return backoff(base, ceiling, jitter, attempt) }
}

func backoff(base, ceiling time.Duration, jitter float64, attempt int) time.Duration {
	if base <= 0 {
		base = time.Second
	}
	ceiling = max(ceiling, base)
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		if d > ceiling/2 {
			d = ceiling // and no overflow
			break
		}
		d *= 2
	}
	if jitter > 0 {
		d = time.Duration(float64(d) * (1 + jitter*(2*rand.Float64()-1)))
	}
	return d
}

// Notify asks Run for a pass now. It never blocks; calls made while a pass
// is pending coalesce into one.
func (w *Worker) Notify() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// Stats returns how many messages were delivered and how many attempts
// failed since New.
func (w *Worker) Stats() (delivered, failed uint64) {
	return w.delivered.Load(), w.failed.Load()
}

// Run makes a pass at once, then every Poll and on each Notify, until ctx
// is done. A pass that filled its batch and delivered something is followed
// by another at once, to drain a backlog.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.opts.Poll)
	defer t.Stop()
	for {
		delivered, _, full, err := w.flush(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("webhook pass failed", "err", err)
		}
		if ctx.Err() != nil {
			return
		}
		if full && delivered > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.notify:
		}
	}
}

// Flush makes one pass over the pending messages due by Now(), oldest
// first, and returns how many were delivered (messages without a URL
// included) and how many attempts failed. A failed attempt holds back the
// same agency's later messages for the rest of the pass (they keep their
// NextAt), so a pass never delivers an agency's messages out of order. A
// later pass may still deliver them while the failed one waits for its
// retry; receivers order updates by the case's version. The error is a
// store failure or ctx ending; the pass stops there.
func (w *Worker) Flush(ctx context.Context) (delivered, failed int, err error) {
	delivered, failed, _, err = w.flush(ctx)
	return delivered, failed, err
}

func (w *Worker) flush(ctx context.Context) (delivered, failed int, full bool, err error) {
	w.pass.Lock()
	defer w.pass.Unlock()
	msgs, err := w.opts.Outbox.ListOutbox(ctx, store.OutboxFilter{
		Pending: true, DueBy: w.opts.Now(), Limit: w.opts.Batch})
	if err != nil {
		return 0, 0, false, fmt.Errorf("webhook: list outbox: %w", err)
	}
	full = len(msgs) >= w.opts.Batch
	held := map[string]bool{} // agencies with a failed attempt in this pass
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return delivered, failed, full, err
		}
		if held[m.AgencyID] || !m.DeliveredAt.IsZero() {
			continue
		}
		ok, err := w.deliver(ctx, m)
		if err != nil {
			return delivered, failed, full, err
		}
		if ok {
			delivered++
		} else {
			failed++
			held[m.AgencyID] = true
		}
	}
	return delivered, failed, full, nil
}

// deliver makes one attempt at m and records it. The error is ctx ending
// before the attempt completed (nothing is recorded) or a store failure.
func (w *Worker) deliver(ctx context.Context, m model.OutboxMessage) (bool, error) {
	attrs := func(extra ...any) []any {
		return append([]any{"case_id", m.CaseID, "agency_id", m.AgencyID, "attempt", m.Attempts,
			"event", m.Event, "delivery_id", m.ID}, extra...)
	}
	if m.URL == "" {
		m.DeliveredAt = w.opts.Now()
		m.LastError = NoWebhook
		if err := w.record(ctx, m); err != nil {
			return false, err
		}
		w.delivered.Add(1)
		w.log.Debug("webhook not sent: agency polls its queue", attrs()...)
		return true, nil
	}

	sendErr := w.post(ctx, m)
	if sendErr != nil && ctx.Err() != nil {
		return false, ctx.Err() // shutting down: the attempt does not count
	}
	now := w.opts.Now()
	m.Attempts++
	if sendErr == nil {
		m.DeliveredAt = now
		m.LastError = "" // LastError describes why a message is not delivered yet
		if err := w.record(ctx, m); err != nil {
			return false, err
		}
		w.delivered.Add(1)
		w.log.Info("webhook delivered", attrs()...)
		return true, nil
	}
	m.LastError = sendErr.Error()
	m.NextAt = now.Add(w.opts.Backoff(m.Attempts))
	if err := w.record(ctx, m); err != nil {
		return false, err
	}
	w.failed.Add(1)
	w.log.Warn("webhook delivery failed", attrs("err", m.LastError, "next_at", m.NextAt)...)
	return false, nil
}

// record saves an attempt. It outlives ctx by a little, so that a delivery
// made just before shutdown is not sent again.
func (w *Worker) record(ctx context.Context, m model.OutboxMessage) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.opts.Outbox.UpdateOutbox(ctx, m); err != nil {
		return fmt.Errorf("webhook: update outbox message %d: %w", m.ID, err)
	}
	return nil
}

// post signs m with the current time and sends it; nil means a 2xx answer.
func (w *Worker) post(ctx context.Context, m model.OutboxMessage) error {
	ts := strconv.FormatInt(w.opts.Now().Unix(), 10)
	sig, err := Sign(w.opts.Key, ts, m.Body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return fmt.Errorf("bad webhook URL: %v", unwrapURL(err))
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, SignaturePrefix+sig)
	h.Set(HeaderIdempotency, m.Key)
	h.Set(HeaderEvent, m.Event)
	h.Set(HeaderDelivery, strconv.FormatInt(m.ID, 10))
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("post: %v", unwrapURL(err))
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, excerptLen+1))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	if ex := excerpt(head); ex != "" {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, ex)
	}
	return fmt.Errorf("HTTP %d", resp.StatusCode)
}

// unwrapURL drops the *url.Error wrapper, whose message repeats the URL
// (which may carry an agency's token) into LastError and the logs.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

const excerptLen = 200

// excerpt is the start of a response body on one line, valid UTF-8, at most
// excerptLen bytes plus an ellipsis.
func excerpt(b []byte) string {
	cut := len(b) > excerptLen
	if cut {
		b = b[:excerptLen] // a rune cut in two is dropped as invalid below
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
	if cut && s != "" {
		s += "…"
	}
	return s
}
