package hub_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"
)

// Stop the hub while a device is streaming, start it again on the same
// store: every reading that was acknowledged to the device is stored. (With
// an external broker the broker acknowledges; the hub's persistent session
// then delivers what arrived while it was down.)
func TestRestartMidStreamLosesNoAcknowledgedReading(t *testing.T) {
	eachShape(t, func(t *testing.T, sh shape) {
		start := restartable(t, sh)
		h := start()
		secret := h.register(t, hydrologyStation("hy-stream"))
		c := h.connect(t, "hy-stream", secret)

		acked := stream(t, c, "hy-stream", 200*time.Millisecond)
		require.NoError(t, h.Close()) // mid-stream
		// Without the hub the embedded broker is gone and these fail; an
		// external broker acknowledges them and queues them for the hub.
		more := stream(t, c, "hy-stream", 100*time.Millisecond)
		h = start()
		t.Cleanup(func() { h.Close() })
		want := len(acked) + len(more)
		require.Greater(t, len(acked), 0, "the device got acknowledgements before the stop")
		var stored map[int64]bool
		ok := assertEventually(func() bool {
			stored = h.storedSeqs(t, "hy-stream")
			return len(stored) >= want
		})
		require.True(t, ok, "acknowledged %d, stored %d", want, len(stored))
		for _, seq := range append(acked, more...) {
			require.True(t, stored[seq], "acknowledged reading seq %d is missing", seq)
		}
	})
}

// assertEventually polls cond like require.Eventually, but lets the caller
// report the state it saw last.
func assertEventually(cond func() bool) bool {
	for end := time.Now().Add(waitLong); time.Now().Before(end); time.Sleep(tick) {
		if cond() {
			return true
		}
	}
	return cond()
}

// maxStream bounds one stream: the readings API lists at most 10,000.
const maxStream = 2000

// stream publishes QoS1 samples with a window of 16 for d (at most
// maxStream) and returns the seqs whose PUBACK arrived. Publishes that fail (the hub went away) are not
// acknowledged and not counted.
func stream(t *testing.T, c paho.Client, id string, d time.Duration) []int64 {
	t.Helper()
	var mu sync.Mutex
	var acked []int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	base := time.Now().Add(-time.Minute)
	for end, n := time.Now().Add(d), 0; time.Now().Before(end) && n < maxStream; n++ {
		seq := nextSeq()
		payload := fmt.Sprintf(`{"ts":%q,"seq":%d,"values":{"water_level_m":1069.0}}`,
			base.Add(time.Duration(seq)*time.Millisecond).UTC().Format(time.RFC3339Nano), seq)
		sem <- struct{}{}
		wg.Add(1)
		tok := c.Publish("devices/"+id+"/telemetry", 1, false, payload)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
				mu.Lock()
				acked = append(acked, seq)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return acked
}

var seqMu sync.Mutex
var seqN int64

func nextSeq() int64 {
	seqMu.Lock()
	defer seqMu.Unlock()
	seqN++
	return seqN
}

func (h *testHub) storedSeqs(t *testing.T, id string) map[int64]bool {
	var out struct {
		Readings []struct {
			Seq int64 `json:"seq"`
		} `json:"readings"`
	}
	require.Equal(t, http.StatusOK, h.call(t, http.MethodGet, "/api/v1/devices/"+id+"/readings?limit=10000", nil, &out))

	seqs := map[int64]bool{}
	for _, r := range out.Readings {
		seqs[r.Seq] = true
	}
	return seqs
}
