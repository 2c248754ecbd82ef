package external

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/testutil/mosquittotest"
)

// countHandler stores nothing, after an optional pause standing in for a
// group commit.
type countHandler struct {
	n     atomic.Int64
	pause time.Duration
}

func (h *countHandler) Handle(context.Context, string, string, []byte) error {
	if h.pause > 0 {
		time.Sleep(h.pause)
	}
	h.n.Add(1)
	return nil
}

// BenchmarkThroughput publishes b.N QoS1 messages from several devices at
// once through a real Mosquitto and reports how many per second the
// subscriber takes in and acknowledges. One op is one message.
//
//	go test -run '^$' -bench Throughput ./internal/ingest/external/
func BenchmarkThroughput(b *testing.B) {
	cases := []struct {
		desc     string
		pause    time.Duration
		inFlight int
	}{
		{desc: "noop"},
		{desc: "1ms-store", pause: time.Millisecond},
		{desc: "1ms-store-one-at-a-time", pause: time.Millisecond, inFlight: 1},
	}
	for _, tc := range cases {
		b.Run(tc.desc, func(b *testing.B) {
			benchThroughput(b, &countHandler{pause: tc.pause}, tc.inFlight)
		})
	}
}

func benchThroughput(b *testing.B, h *countHandler, inFlight int) {
	const devices = 8
	br := mosquittotest.Start(b)
	o := hubOptions(b, br, h)
	o.InFlight = inFlight
	s := startSub(b, o)
	pubs := make([]paho.Client, devices)
	for i := range pubs {
		pubs[i] = newDevice(b, br, fmt.Sprintf("bench-%d", i)).client
	}
	payload := []byte(`{"ts":"2026-01-01T00:00:00Z","seq":1,"values":{"water_level_m":1032.41}}`)
	done := make(chan error, devices)

	b.ResetTimer()
	start := time.Now()
	for i, c := range pubs {
		n := b.N / devices
		if i < b.N%devices {
			n++
		}
		go func() { done <- publishWindowed(c, fmt.Sprintf("devices/bench-%d/telemetry", i), payload, n) }()
	}
	for range pubs {
		require.NoError(b, <-done)
	}
	require.Eventually(b, func() bool { return s.Stats().Acked == int64(b.N) }, 10*time.Minute, time.Millisecond)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	require.Equal(b, int64(b.N), h.n.Load())
}

// publishWindowed publishes n QoS1 messages keeping at most window of them
// waiting for their PUBACK, as a buffering station would.
func publishWindowed(c paho.Client, topic string, payload []byte, n int) error {
	const window = 500
	toks := make([]paho.Token, 0, window)
	for range n {
		if len(toks) == window {
			if err := waitToken(toks[0]); err != nil {
				return err
			}
			toks = toks[1:]
		}
		toks = append(toks, c.Publish(topic, 1, false, payload))
	}
	for _, t := range toks {
		if err := waitToken(t); err != nil {
			return err
		}
	}
	return nil
}

func waitToken(t paho.Token) error {
	if !t.WaitTimeout(time.Minute) {
		return fmt.Errorf("no PUBACK within a minute")
	}
	return t.Error()
}
