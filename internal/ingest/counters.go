package ingest

import (
	"sort"
	"strconv"
	"sync"
)

// Counters counts what ingest accepted and refused, by reason. Safe for
// concurrent use; the API and /metrics read snapshots.
type Counters struct {
	mu sync.Mutex
	m  map[string]int64
}

// Counter names besides the dead-letter reasons.
const (
	CountReadings   = "readings_stored"
	CountDuplicates = "readings_duplicate"
	CountEvents     = "events_stored"
	CountStatuses   = "statuses_stored"
	CountRejected   = "messages_rejected"
	CountConnects   = "connects_accepted"
	CountStoreError = "store_errors"
)

func (c *Counters) add(name string, n int64) {
	if n == 0 {
		return
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[name] += n
	c.mu.Unlock()
}

// Snapshot returns a copy of every counter.
func (c *Counters) Snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// Get returns one counter.
func (c *Counters) Get(name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name]
}

// Names returns the counter names in order.
func (c *Counters) Names() []string {
	s := c.Snapshot()
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
