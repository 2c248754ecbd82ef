package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/dispatch/webhook"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// fakeOutbox is the store's outbox in memory.
type fakeOutbox struct {
	mu   sync.Mutex
	msgs map[int64]model.OutboxMessage
}

func newFakeOutbox(ms ...model.OutboxMessage) *fakeOutbox {
	f := &fakeOutbox{msgs: map[int64]model.OutboxMessage{}}
	f.add(ms...)
	return f
}

func (f *fakeOutbox) add(ms ...model.OutboxMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range ms {
		f.msgs[m.ID] = m
	}
}

func (f *fakeOutbox) get(id int64) model.OutboxMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs[id]
}

func (f *fakeOutbox) ListOutbox(_ context.Context, flt store.OutboxFilter) ([]model.OutboxMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.OutboxMessage
	for _, id := range slices.Sorted(func(yield func(int64) bool) {
		for id := range f.msgs {
			if !yield(id) {
				return
			}
		}
	}) {
		m := f.msgs[id]
		switch {
		case flt.Pending && !m.DeliveredAt.IsZero(),
			flt.Pending && !flt.DueBy.IsZero() && m.NextAt.After(flt.DueBy),
			flt.CaseID != 0 && m.CaseID != flt.CaseID,
			flt.AgencyID != "" && m.AgencyID != flt.AgencyID:
			continue
		}
		out = append(out, m)
		if flt.Limit > 0 && len(out) == flt.Limit {
			break
		}
	}
	return out, nil
}

func (f *fakeOutbox) UpdateOutbox(_ context.Context, m model.OutboxMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs[m.ID] = m
	return nil
}

// clock is a time the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// hit is one request the receiver got.
type hit struct {
	path                                string
	key, event, delivery, ua, ctype, ts string
	body                                []byte
	verr                                error // VerifyRequest's verdict
}

// receiver is an agency's endpoint: it verifies every request with the
// published public key and answers with respond's status and body.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	hits    []hit
	respond func(path string, n int) (int, string) // n: this path's hits so far, this one included
}

func newReceiver(t *testing.T, key *sm2.PrivateKey, clk *clock, respond func(string, int) (int, string)) *receiver {
	t.Helper()
	pemBytes, err := webhook.PublicKeyPEM(key)
	require.NoError(t, err)
	pub, err := webhook.ParsePublicKeyPEM(pemBytes)
	require.NoError(t, err)
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, verr := webhook.VerifyRequest(pub, r, clk.now(), 5*time.Minute)
		h := hit{path: r.URL.Path, key: r.Header.Get("Idempotency-Key"), event: r.Header.Get("X-Hub-Event"),
			delivery: r.Header.Get("X-Hub-Delivery"), ua: r.Header.Get("User-Agent"),
			ctype: r.Header.Get("Content-Type"), ts: r.Header.Get("X-Hub-Timestamp"), body: body, verr: verr}
		rc.mu.Lock()
		rc.hits = append(rc.hits, h)
		n := 0
		for _, x := range rc.hits {
			if x.path == h.path {
				n++
			}
		}
		rc.mu.Unlock()
		if verr != nil {
			http.Error(w, verr.Error(), http.StatusUnauthorized)
			return
		}
		status, text := rc.respond(r.URL.Path, n)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) got() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.hits)
}

var t0 = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

func newWorker(t *testing.T, key *sm2.PrivateKey, out webhook.Outbox, clk *clock, client *http.Client) *webhook.Worker {
	t.Helper()
	return webhook.New(webhook.Options{
		Outbox:  out,
		Key:     key,
		Client:  client,
		Now:     clk.now,
		Backoff: webhook.ExpBackoff(2*time.Second, 10*time.Minute, 0),
		Logger:  slog.New(slog.DiscardHandler),
	})
}

func testKey(t *testing.T) *sm2.PrivateKey {
	t.Helper()
	k, err := webhook.GenerateKey()
	require.NoError(t, err)
	return k
}

func TestFlushRetriesUntilDelivered(t *testing.T) {
	key := testKey(t)
	clk := &clock{t: t0}
	rc := newReceiver(t, key, clk, func(_ string, n int) (int, string) {
		if n <= 2 {
			return http.StatusServiceUnavailable, "busy,\n try later"
		}
		return http.StatusOK, "ok"
	})
	msg := model.OutboxMessage{ID: 7, CaseID: 42, AgencyID: "water", URL: rc.srv.URL + "/hook",
		Event: "case.dispatched", Key: "case-42-dispatched-1",
		Body:      []byte(`{"event":"case.dispatched","case":{"id":42},"sent_for":"water","idempotency_key":"case-42-dispatched-1"}`),
		CreatedAt: t0, NextAt: t0}
	out := newFakeOutbox(msg)
	w := newWorker(t, key, out, clk, rc.srv.Client())

	for _, step := range []struct {
		desc          string
		advance       time.Duration
		delivered     int
		failed        int
		attempts      int
		lastError     string // a substring; "" means empty
		nextAt        time.Time
		deliveredAt   time.Time
		hitsAfterStep int
	}{
		{desc: "first attempt gets 503", delivered: 0, failed: 1, attempts: 1,
			lastError: "HTTP 503: busy, try later", nextAt: t0.Add(2 * time.Second), hitsAfterStep: 1},
		{desc: "not due before NextAt", advance: time.Second, attempts: 1,
			lastError: "HTTP 503", nextAt: t0.Add(2 * time.Second), hitsAfterStep: 1},
		{desc: "second attempt gets 503, backoff doubles", advance: time.Second, failed: 1, attempts: 2,
			lastError: "HTTP 503", nextAt: t0.Add(6 * time.Second), hitsAfterStep: 2},
		{desc: "third attempt delivered, LastError cleared", advance: 4 * time.Second, delivered: 1, attempts: 3,
			nextAt: t0.Add(6 * time.Second), deliveredAt: t0.Add(6 * time.Second), hitsAfterStep: 3},
		{desc: "a delivered message is not sent again", advance: time.Hour, attempts: 3,
			nextAt: t0.Add(6 * time.Second), deliveredAt: t0.Add(6 * time.Second), hitsAfterStep: 3},
	} {
		t.Run(step.desc, func(t *testing.T) {
			clk.advance(step.advance)
			delivered, failed, err := w.Flush(t.Context())
			require.NoError(t, err)
			require.Equal(t, step.delivered, delivered)
			require.Equal(t, step.failed, failed)
			m := out.get(msg.ID)
			require.Equal(t, step.attempts, m.Attempts)
			if step.lastError == "" {
				require.Empty(t, m.LastError)
			} else {
				require.Contains(t, m.LastError, step.lastError)
			}
			require.True(t, step.nextAt.Equal(m.NextAt), "NextAt %v, want %v", m.NextAt, step.nextAt)
			require.True(t, step.deliveredAt.Equal(m.DeliveredAt), "DeliveredAt %v, want %v", m.DeliveredAt, step.deliveredAt)
			require.Len(t, rc.got(), step.hitsAfterStep)
		})
	}

	hits := rc.got()
	require.Len(t, hits, 3)
	sent := []time.Time{t0, t0.Add(2 * time.Second), t0.Add(6 * time.Second)}
	for i, h := range hits {
		require.NoError(t, h.verr, "attempt %d verifies", i+1)
		require.Equal(t, msg.Key, h.key, "the same Idempotency-Key on every attempt")
		require.Equal(t, msg.Body, h.body)
		require.Equal(t, "case.dispatched", h.event)
		require.Equal(t, "7", h.delivery)
		require.Equal(t, "ywtg-hub-webhook/1", h.ua)
		require.Equal(t, "application/json", h.ctype)
		require.Equal(t, strconv.FormatInt(sent[i].Unix(), 10), h.ts, "signed at send time")
	}
	delivered, failed := w.Stats()
	require.Equal(t, uint64(1), delivered)
	require.Equal(t, uint64(2), failed)
}

func TestFlushFailures(t *testing.T) {
	key := testKey(t)
	clk := &clock{t: t0}
	rc := newReceiver(t, key, clk, func(path string, _ int) (int, string) {
		switch path {
		case "/gone":
			return http.StatusNotFound, ""
		case "/long":
			return http.StatusInternalServerError, strings.Repeat("错", 300)
		case "/moved":
			return http.StatusFound, "see elsewhere"
		}
		return http.StatusOK, ""
	})
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	for _, tc := range []struct {
		desc    string
		url     string
		want    string // LastError's prefix
		maxLen  int    // 0: no check
		without string // must not appear in LastError
	}{
		{desc: "status without a body", url: rc.srv.URL + "/gone", want: "HTTP 404"},
		{desc: "long body is cut to an excerpt", url: rc.srv.URL + "/long", want: "HTTP 500: 错错", maxLen: 250},
		{desc: "redirects are not followed", url: rc.srv.URL + "/moved", want: "HTTP 302: see elsewhere"},
		{desc: "transport error keeps the URL's secrets out", url: closedURL + "/hook?token=s3cret", want: "post: ", without: "s3cret"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			out := newFakeOutbox(model.OutboxMessage{ID: 1, CaseID: 1, AgencyID: "a", URL: tc.url,
				Event: "case.dispatched", Key: "k1", Body: []byte(`{}`), NextAt: t0})
			w := newWorker(t, key, out, clk, nil) // the default client
			delivered, failed, err := w.Flush(t.Context())
			require.NoError(t, err)
			require.Equal(t, 0, delivered)
			require.Equal(t, 1, failed)
			m := out.get(1)
			require.Equal(t, 1, m.Attempts)
			require.True(t, m.DeliveredAt.IsZero())
			require.True(t, strings.HasPrefix(m.LastError, tc.want), "LastError %q", m.LastError)
			if tc.maxLen > 0 {
				require.LessOrEqual(t, len(m.LastError), tc.maxLen)
				require.True(t, strings.HasSuffix(m.LastError, "…"))
			}
			if tc.without != "" {
				require.NotContains(t, m.LastError, tc.without)
			}
			require.True(t, m.NextAt.Equal(clk.now().Add(2*time.Second)))
		})
	}
}

func TestFlushKeepsAgencyOrder(t *testing.T) {
	key := testKey(t)
	clk := &clock{t: t0}
	var mu sync.Mutex
	waterDown := true
	rc := newReceiver(t, key, clk, func(path string, _ int) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		if path == "/water" && waterDown {
			return http.StatusBadGateway, ""
		}
		return http.StatusNoContent, ""
	})
	msg := func(id int64, agency string) model.OutboxMessage {
		return model.OutboxMessage{ID: id, CaseID: 100 + id, AgencyID: agency, URL: rc.srv.URL + "/" + agency,
			Event: "case.dispatched", Key: "k" + strconv.FormatInt(id, 10), Body: []byte(`{}`), NextAt: t0}
	}
	out := newFakeOutbox(msg(1, "water"), msg(2, "water"), msg(3, "fire"), msg(4, "water"), msg(5, "fire"))
	w := newWorker(t, key, out, clk, rc.srv.Client())
	deliveries := func(path string) []string {
		var ids []string
		for _, h := range rc.got() {
			if h.path == path {
				ids = append(ids, h.delivery)
			}
		}
		return ids
	}

	for _, step := range []struct {
		desc      string
		advance   time.Duration
		recover   bool
		delivered int
		failed    int
		water     []string // X-Hub-Delivery of every request to water so far
		fire      []string
	}{
		{desc: "water's first message fails and holds back its later ones; fire goes on",
			delivered: 2, failed: 1, water: []string{"1"}, fire: []string{"3", "5"}},
		{desc: "once water is back and the retry is due, its messages go in order",
			advance: 2 * time.Second, recover: true, delivered: 3,
			water: []string{"1", "1", "2", "4"}, fire: []string{"3", "5"}},
	} {
		t.Run(step.desc, func(t *testing.T) {
			clk.advance(step.advance)
			if step.recover {
				mu.Lock()
				waterDown = false
				mu.Unlock()
			}
			delivered, failed, err := w.Flush(t.Context())
			require.NoError(t, err)
			require.Equal(t, step.delivered, delivered)
			require.Equal(t, step.failed, failed)
			require.Equal(t, step.water, deliveries("/water"))
			require.Equal(t, step.fire, deliveries("/fire"))
		})
		if t.Failed() {
			return
		}
		if step.failed > 0 {
			for _, id := range []int64{2, 4} {
				m := out.get(id)
				require.Zero(t, m.Attempts, "message %d was held back, not attempted", id)
				require.True(t, m.NextAt.Equal(t0), "message %d keeps its NextAt", id)
			}
		}
	}
}

func TestFlushWithoutWebhook(t *testing.T) {
	key := testKey(t)
	clk := &clock{t: t0}
	out := newFakeOutbox(model.OutboxMessage{ID: 1, CaseID: 9, AgencyID: "grid", Event: "case.dispatched",
		Key: "k1", Body: []byte(`{}`), NextAt: t0})
	w := newWorker(t, key, out, clk, nil)

	delivered, failed, err := w.Flush(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, delivered)
	require.Zero(t, failed)
	m := out.get(1)
	require.True(t, m.DeliveredAt.Equal(t0))
	require.Equal(t, webhook.NoWebhook, m.LastError)
	require.Equal(t, "no webhook: the agency polls its queue", m.LastError)
	require.Zero(t, m.Attempts, "nothing was sent")
}

func TestBackoff(t *testing.T) {
	noJitter := webhook.ExpBackoff(2*time.Second, 10*time.Minute, 0)
	for _, tc := range []struct {
		desc    string
		attempt int
		want    time.Duration
	}{
		{desc: "attempt 0 counts as the first", attempt: 0, want: 2 * time.Second},
		{desc: "first retry", attempt: 1, want: 2 * time.Second},
		{desc: "doubles", attempt: 2, want: 4 * time.Second},
		{desc: "doubles again", attempt: 3, want: 8 * time.Second},
		{desc: "last below the cap", attempt: 9, want: 512 * time.Second},
		{desc: "capped", attempt: 10, want: 10 * time.Minute},
		{desc: "stays capped", attempt: 11, want: 10 * time.Minute},
		{desc: "no overflow", attempt: 1000, want: 10 * time.Minute},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.want, noJitter(tc.attempt))
			nominal := float64(tc.want)
			for range 50 {
				d := float64(webhook.DefaultBackoff(tc.attempt))
				require.GreaterOrEqual(t, d, 0.8*nominal)
				require.LessOrEqual(t, d, 1.2*nominal)
			}
		})
	}
}

func TestRunDeliversOnNotify(t *testing.T) {
	key := testKey(t)
	clk := &clock{t: t0}
	rc := newReceiver(t, key, clk, func(string, int) (int, string) { return http.StatusOK, "" })
	out := newFakeOutbox()
	w := webhook.New(webhook.Options{Outbox: out, Key: key, Client: rc.srv.Client(), Now: clk.now,
		Poll:   time.Hour, // only the first pass and Notify
		Logger: slog.New(slog.DiscardHandler)})

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()

	out.add(model.OutboxMessage{ID: 1, CaseID: 1, AgencyID: "a", URL: rc.srv.URL + "/a",
		Event: "case.escalated", Key: "k1", Body: []byte(`{}`), NextAt: t0})
	for range 100 {
		w.Notify() // never blocks; coalesces
	}
	require.Eventually(t, func() bool {
		delivered, _ := w.Stats()
		return delivered == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.False(t, out.get(1).DeliveredAt.IsZero())

	cancel()
	require.Eventually(t, func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}, 5*time.Second, 10*time.Millisecond, "Run returns when ctx ends")
	require.Len(t, rc.got(), 1)
}
