package ingest

import (
	"context"
	"log/slog"
	"sync"

	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// Writer is the storage ingest needs: one durable transaction per batch.
type Writer interface {
	WriteBatch(ctx context.Context, b store.Batch) (store.BatchResult, error)
}

// Sink receives what was newly stored, in commit order, after the commit.
// It must not block for long: the engine queues and returns.
type Sink interface {
	Stored(readings []model.Reading, events []model.Event, statuses []model.Status)
}

type request struct {
	batch store.Batch
	done  chan error
}

// groupWriter commits requests in groups: it takes whatever is queued (up to
// maxRows), writes it in one transaction, then answers every waiter. At low
// load a request is written at once; at high load many share one commit.
type groupWriter struct {
	w       Writer
	sink    Sink
	log     *slog.Logger
	counts  *Counters
	maxRows int
	in      chan *request
	wg      sync.WaitGroup

	mu     sync.RWMutex // guards closed against sends on a closed channel
	closed bool
}

func newGroupWriter(w Writer, sink Sink, log *slog.Logger, counts *Counters, maxRows int) *groupWriter {
	g := &groupWriter{w: w, sink: sink, log: log, counts: counts, maxRows: maxRows, in: make(chan *request, maxRows)}
	g.wg.Add(1)
	go g.loop()
	return g
}

// submit queues b and waits until it is durable (nil) or failed.
func (g *groupWriter) submit(ctx context.Context, b store.Batch) error {
	done := g.enqueue(ctx, b)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enqueue queues b and returns at once; the channel yields nil once b is
// durable, or the error. Requests are committed in the order they were
// enqueued, so one caller's requests stay in its order.
func (g *groupWriter) enqueue(ctx context.Context, b store.Batch) <-chan error {
	r := &request{batch: b, done: make(chan error, 1)}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		r.done <- ErrClosed
		return r.done
	}
	select {
	case g.in <- r: // the loop keeps draining, so close waits at most one send
	case <-ctx.Done():
		r.done <- ctx.Err()
	}
	return r.done
}

// close stops taking requests and returns once every queued one is written.
// A submit racing with close gets ErrClosed, never a panic.
func (g *groupWriter) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.in)
	}
	g.mu.Unlock()
	g.wg.Wait()
}

func (g *groupWriter) loop() {
	defer g.wg.Done()
	for first := range g.in {
		group := []*request{first}
		rows := size(first.batch)
	drain:
		for rows < g.maxRows {
			select {
			case r, ok := <-g.in:
				if !ok {
					break drain
				}
				group = append(group, r)
				rows += size(r.batch)
			default:
				break drain
			}
		}
		g.commit(group)
	}
}

func size(b store.Batch) int {
	return len(b.Readings) + len(b.Events) + len(b.Statuses) + len(b.DeadLetters)
}

func (g *groupWriter) commit(group []*request) {
	var all store.Batch
	for _, r := range group {
		all.Readings = append(all.Readings, r.batch.Readings...)
		all.Events = append(all.Events, r.batch.Events...)
		all.Statuses = append(all.Statuses, r.batch.Statuses...)
		all.DeadLetters = append(all.DeadLetters, r.batch.DeadLetters...)
	}
	// The write must finish even while the hub shuts down: callers are waiting.
	res, err := g.w.WriteBatch(context.Background(), all)
	if err != nil {
		g.counts.add(CountStoreError, 1)
		g.log.Error("batch write failed", "rows", size(all), "err", err)
	} else {
		g.deliver(all, res)
	}
	for _, r := range group {
		r.done <- err
	}
}

func (g *groupWriter) deliver(all store.Batch, res store.BatchResult) {
	readings := all.Readings[:0:0]
	for i, r := range all.Readings {
		if res.Inserted[i] {
			readings = append(readings, r)
		}
	}
	events := all.Events[:0:0]
	for i, e := range all.Events {
		if res.EventNew[i] {
			events = append(events, e)
		}
	}
	g.counts.add(CountReadings, int64(len(readings)))
	g.counts.add(CountDuplicates, int64(len(all.Readings)-len(readings)))
	g.counts.add(CountEvents, int64(len(events)))
	g.counts.add(CountStatuses, int64(len(all.Statuses)))
	for _, d := range all.DeadLetters {
		g.counts.add("rejected_"+d.Reason, 1)
	}
	g.counts.add(CountRejected, int64(len(all.DeadLetters)))
	if g.sink != nil && len(readings)+len(events)+len(all.Statuses) > 0 {
		g.sink.Stored(readings, events, all.Statuses)
	}
}
