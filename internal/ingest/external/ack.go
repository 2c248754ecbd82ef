package external

import (
	"errors"
	"hash/fnv"
	"sync/atomic"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/ywtg/hub/internal/ingest"
)

// errAbandoned answers a message whose connection is gone: it is not handled
// (the broker will redeliver it) and its result is never looked at.
var errAbandoned = errors.New("external: connection gone; message abandoned")

// pending is one message between its arrival and its acknowledgement.
type pending struct {
	msg      paho.Message
	gen      uint64
	deviceID string
	done     chan error // the Handler's result; buffered
}

// Stats are the subscriber's counters since Start.
type Stats struct {
	Received   int64 // messages delivered by the broker (redeliveries included)
	Acked      int64 // PUBACKs issued: the message was stored (or ignored)
	Failed     int64 // Handler errors, each of which dropped the connection
	Abandoned  int64 // not acknowledged because their connection failed or closed; the broker redelivers them
	Ignored    int64 // on a topic that is not a device topic: acknowledged, not handled
	Reconnects int64 // connections made after the first
}

type counters struct {
	received, acked, failed, abandoned, ignored, reconnects atomic.Int64
}

// Stats returns a snapshot of the counters.
func (s *Subscriber) Stats() Stats {
	c := &s.stats
	return Stats{
		Received: c.received.Load(), Acked: c.acked.Load(), Failed: c.failed.Load(),
		Abandoned: c.abandoned.Load(), Ignored: c.ignored.Load(), Reconnects: c.reconnects.Load(),
	}
}

// onMessage is paho's callback, called for one message at a time in arrival
// order. It only queues: blocking here on the durable write would make every
// message its own commit. When InFlight messages wait it blocks, and the
// broker's window and TCP push back on the devices' traffic.
func (s *Subscriber) onMessage(_ paho.Client, m paho.Message) {
	s.stats.received.Add(1)
	p := &pending{msg: m, gen: s.gen.Load(), done: make(chan error, 1)}
	id, _, ok := ingest.ParseTopic(m.Topic())
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if s.closing {
		s.stats.abandoned.Add(1)
		return
	}
	if !ok { // e.g. devices//telemetry: nobody's; acknowledged in turn so the broker forgets it
		s.stats.ignored.Add(1)
		s.log.Debug("message on a non-device topic ignored", "topic", m.Topic())
		p.done <- nil
		s.fifo <- p
		return
	}
	p.deviceID = id
	s.fifo <- p
	s.shards[shardOf(id, len(s.shards))] <- p
}

// Workers are sharded by device: one device's messages are stored one after
// another in arrival order — as the embedded broker does — so the engine
// sees each device's readings in order, while different devices proceed in
// parallel and share group commits. Every queued message is also in the
// FIFO, which holds at most InFlight, so a shard queue of InFlight+1 never
// blocks onMessage (which holds inMu).
const maxShards = 1024

func newShards(inFlight int) []chan *pending {
	shards := make([]chan *pending, min(inFlight, maxShards))
	for i := range shards {
		shards[i] = make(chan *pending, inFlight+1)
	}
	return shards
}

func shardOf(deviceID string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(deviceID))
	return int(h.Sum32() % uint32(n))
}

func (s *Subscriber) startWorkers() {
	s.workers.Add(len(s.shards))
	for _, shard := range s.shards {
		go func() {
			defer s.workers.Done()
			for p := range shard {
				if s.stale(p.gen) {
					p.done <- errAbandoned
					continue
				}
				s.handle(p)
			}
		}()
	}
	go s.ackLoop()
}

// handle passes p to the Handler. An AsyncHandler (the pipeline) queues it
// and returns at once: the shard's next message follows it into the same or
// the next commit, still in order, instead of waiting a whole commit.
func (s *Subscriber) handle(p *pending) {
	if ah, ok := s.opts.Handler.(AsyncHandler); ok {
		res := ah.HandleAsync(s.hctx, p.deviceID, p.msg.Topic(), p.msg.Payload())
		go func() { p.done <- <-res }()
		return
	}
	p.done <- s.opts.Handler.Handle(s.hctx, p.deviceID, p.msg.Topic(), p.msg.Payload())
}

// stale reports whether messages of connection gen may no longer be
// acknowledged: the connection is gone, or a message on it failed and
// everything after that one must be redelivered.
func (s *Subscriber) stale(gen uint64) bool {
	return gen != s.gen.Load() || gen == s.failedGen.Load()
}

// ackLoop acknowledges messages strictly in arrival order (MQTT 3.1.1 §4.6),
// each once its Handler call has returned nil.
func (s *Subscriber) ackLoop() {
	defer close(s.ackDone)
	for p := range s.fifo {
		if s.stale(p.gen) {
			s.stats.abandoned.Add(1)
			continue
		}
		err := <-p.done
		if errors.Is(err, errAbandoned) {
			s.stats.abandoned.Add(1)
			continue
		}
		if err != nil {
			s.fail(p, err)
			continue
		}
		if s.stale(p.gen) { // the connection went while the message was stored
			s.stats.abandoned.Add(1)
			continue
		}
		p.msg.Ack()
		s.stats.acked.Add(1)
	}
}

// fail stops acknowledgements on p's connection and drops it.
func (s *Subscriber) fail(p *pending, err error) {
	s.stats.failed.Add(1)
	s.stats.abandoned.Add(1)
	s.failedGen.Store(p.gen)
	s.log.Error("message not stored; reconnecting so the broker redelivers it",
		"device_id", p.deviceID, "topic", p.msg.Topic(), "err", err)
	s.dropConn(p.gen)
}
