package ingest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ywtg/hub/internal/ingest"
	"github.com/ywtg/hub/internal/model"
)

// now is the hub clock in every test; sampleTS is ten minutes before it.
var now = time.Date(2026, 7, 21, 0, 10, 0, 0, time.UTC)

const sampleTS = "2026-07-21T08:00:00+08:00"

func telemetry(seq int, values string) string {
	return fmt.Sprintf(`{"ts":%q,"seq":%d,"values":%s}`, sampleTS, seq, values)
}

func TestHandleStores(t *testing.T) {
	set := loadProfiles(t)
	ts := time.Date(2026, 7, 21, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		desc, device, topic, payload string
		check                        func(t *testing.T, w written, c *ingest.Counters)
	}{
		{desc: "telemetry", device: "hy-1", topic: "devices/hy-1/telemetry",
			payload: `{"ts":"` + sampleTS + `","seq":9,"values":{"water_level_m":1050.42,"rain_mm":0.5},"flags":{"water_level_m":"N"}}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Equal(t, []model.Reading{{DeviceID: "hy-1", TS: ts, Seq: 9,
					Values: map[string]float64{"water_level_m": 1050.42, "rain_mm": 0.5}, Flags: map[string]string{"water_level_m": "N"}}}, w.readings)
				require.EqualValues(t, 1, c.Get(ingest.CountReadings))
			}},
		{desc: "telemetry exactly at the future limit", device: "aq-1", topic: "devices/aq-1/telemetry",
			payload: `{"ts":"2026-07-21T00:15:00Z","values":{"pm25_ugm3":35}}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Len(t, w.readings, 1)
			}},
		{desc: "event", device: "cam-1", topic: "devices/cam-1/events",
			payload: `{"ts":"` + sampleTS + `","type":"smoke","confidence":0.91,"bearing_deg":123.4}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Equal(t, []model.Event{{DeviceID: "cam-1", TS: ts, Type: "smoke",
					Fields: map[string]any{"confidence": 0.91, "bearing_deg": 123.4}}}, w.events)
				require.EqualValues(t, 1, c.Get(ingest.CountEvents))
			}},
		{desc: "status keeps its own ts", device: "el-1", topic: "devices/el-1/status",
			payload: `{"state":"online","ts":"` + sampleTS + `","fw":"2.1"}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Equal(t, []model.Status{{DeviceID: "el-1", State: model.StateOnline, TS: ts, FW: "2.1"}}, w.statuses)
				require.EqualValues(t, 1, c.Get(ingest.CountStatuses))
			}},
		{desc: "a will without ts is stamped with the hub clock", device: "el-1", topic: "devices/el-1/status",
			payload: `{"state":"offline"}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Equal(t, []model.Status{{DeviceID: "el-1", State: model.StateOffline, TS: now}}, w.statuses)
			}},
		{desc: "a status from the future is stamped with the hub clock", device: "el-1", topic: "devices/el-1/status",
			payload: `{"state":"online","ts":"2030-01-01T00:00:00Z"}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Equal(t, []model.Status{{DeviceID: "el-1", State: model.StateOnline, TS: now}}, w.statuses)
			}},
		{desc: "a status from a clock never set is stamped with the hub clock", device: "el-1", topic: "devices/el-1/status",
			payload: `{"state":"offline","ts":"1970-01-01T00:00:00Z"}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Equal(t, []model.Status{{DeviceID: "el-1", State: model.StateOffline, TS: now}}, w.statuses)
			}},
		{desc: "command ack is accepted and not stored", device: "el-1", topic: "devices/el-1/commands/ack",
			payload: `{"id":"c1","ok":true}`,
			check: func(t *testing.T, w written, c *ingest.Counters) {
				require.Empty(t, w.readings)
				require.Empty(t, w.events)
				require.Empty(t, w.statuses)
				require.Empty(t, w.deadLetters)
			}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, set, nil)
			require.NoError(t, r.p.Handle(context.Background(), tc.device, tc.topic, []byte(tc.payload)))
			w := r.w.snapshot()
			require.Empty(t, w.deadLetters, "%+v", w.deadLetters)
			require.Zero(t, r.p.Counters().Get(ingest.CountRejected))
			tc.check(t, w, r.p.Counters())
			readings, events, statuses := r.sink.snapshot()
			require.Equal(t, w.readings, readings, "the sink sees what was stored")
			require.Equal(t, w.events, events)
			require.Equal(t, w.statuses, statuses)
		})
	}
}

func TestHandleDeadLetters(t *testing.T) {
	set := loadProfiles(t)
	for _, tc := range []struct {
		desc, device, topic, payload, reason string
	}{
		{"malformed JSON", "hy-1", "devices/hy-1/telemetry", `{"ts":"` + sampleTS + `","values":{`, model.ReasonMalformed},
		{"not JSON at all", "hy-1", "devices/hy-1/telemetry", `water_level=3`, model.ReasonMalformed},
		{"empty payload", "hy-1", "devices/hy-1/telemetry", ``, model.ReasonMalformed},
		{"unknown metric", "hy-1", "devices/hy-1/telemetry", telemetry(1, `{"salinity_psu":3}`), model.ReasonUnknownMetric},
		{"below the physical range", "hy-1", "devices/hy-1/telemetry", telemetry(1, `{"rain_mm":-4}`), model.ReasonOutOfRange},
		{"above the physical range", "aq-1", "devices/aq-1/telemetry", telemetry(1, `{"ph":14.01}`), model.ReasonOutOfRange},
		{"int out of range", "el-1", "devices/el-1/telemetry", telemetry(1, `{"floor":201}`), model.ReasonOutOfRange},
		{"not a number", "hy-1", "devices/hy-1/telemetry", telemetry(1, `{"rain_mm":"lots"}`), model.ReasonBadValue},
		{"future timestamp", "hy-1", "devices/hy-1/telemetry", `{"ts":"2026-07-21T00:15:01Z","values":{"rain_mm":1}}`, model.ReasonFutureTimestamp},
		{"clock never set", "hy-1", "devices/hy-1/telemetry", `{"ts":"1970-01-01T00:00:00Z","values":{"rain_mm":1}}`, model.ReasonBadTimestamp},
		{"missing timestamp", "hy-1", "devices/hy-1/telemetry", `{"values":{"rain_mm":1}}`, model.ReasonBadTimestamp},
		{"unknown event type", "cam-1", "devices/cam-1/events", `{"ts":"` + sampleTS + `","type":"ufo"}`, model.ReasonUnknownEvent},
		{"event out of range", "cam-1", "devices/cam-1/events", `{"ts":"` + sampleTS + `","type":"smoke","confidence":3,"bearing_deg":1}`, model.ReasonOutOfRange},
		{"future event", "cam-1", "devices/cam-1/events", `{"ts":"2026-07-22T00:00:00Z","type":"lens_blocked"}`, model.ReasonFutureTimestamp},
		{"event before 2000", "cam-1", "devices/cam-1/events", `{"ts":"1999-12-31T23:59:59Z","type":"lens_blocked"}`, model.ReasonBadTimestamp},
		{"bad status", "el-1", "devices/el-1/status", `{"state":"asleep"}`, model.ReasonBadValue},
		{"topic of another device", "hy-1", "devices/aq-1/telemetry", telemetry(1, `{"pm25_ugm3":3}`), model.ReasonACLDenied},
		{"unknown topic leaf", "hy-1", "devices/hy-1/config", `{}`, model.ReasonBadTopic},
		{"command topic", "hy-1", "devices/hy-1/commands", `{}`, model.ReasonBadTopic},
		{"not under devices/", "hy-1", "sensors/hy-1/telemetry", telemetry(1, `{"rain_mm":1}`), model.ReasonBadTopic},
		{"unregistered device", "ghost", "devices/ghost/telemetry", telemetry(1, `{"rain_mm":1}`), model.ReasonUnknownDevice},
		{"device kind without a profile", "wx-1", "devices/wx-1/telemetry", telemetry(1, `{"temp_c":1}`), model.ReasonUnknownDevice},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, set, nil)
			require.NoError(t, r.p.Handle(context.Background(), tc.device, tc.topic, []byte(tc.payload)),
				"a refused message is durable as a dead letter")
			w := r.w.snapshot()
			require.Empty(t, w.readings)
			require.Empty(t, w.events)
			require.Empty(t, w.statuses)
			require.Len(t, w.deadLetters, 1)
			dl := w.deadLetters[0]
			require.Equal(t, model.DeadLetter{TS: now, DeviceID: tc.device, Topic: tc.topic, Reason: tc.reason,
				Detail: dl.Detail, Payload: tc.payload}, dl)
			require.NotEmpty(t, dl.Detail)
			c := r.p.Counters()
			require.EqualValues(t, 1, c.Get("rejected_"+tc.reason))
			require.EqualValues(t, 1, c.Get(ingest.CountRejected))
			require.Zero(t, c.Get(ingest.CountReadings))
			readings, events, statuses := r.sink.snapshot()
			require.Empty(t, readings)
			require.Empty(t, events)
			require.Empty(t, statuses)
		})
	}
}

func TestHandleKeepsPayloads(t *testing.T) {
	set := loadProfiles(t)
	garbage := []byte{0xff, 0xfe, 0x00, 0x01, '{', 0x80}
	big := bytes.Repeat([]byte("x"), 256<<10+1)
	bigUTF8 := []byte(strings.Repeat("水", 6000)) // 18,000 bytes: cut inside a rune at 16 KiB
	for _, tc := range []struct {
		desc    string
		payload []byte
		reason  string
		kept    string
	}{
		{"binary garbage kept as base64", garbage, model.ReasonMalformed, "base64:" + base64.StdEncoding.EncodeToString(garbage)},
		{"oversized payload kept up to 16 KiB", big, model.ReasonTooLarge, string(big[:16<<10])},
		{"UTF-8 cut inside a rune falls back to base64", bigUTF8, model.ReasonMalformed,
			"base64:" + base64.StdEncoding.EncodeToString(bigUTF8[:16<<10])},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, set, nil)
			require.NoError(t, r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", tc.payload))
			w := r.w.snapshot()
			require.Len(t, w.deadLetters, 1)
			require.Equal(t, tc.reason, w.deadLetters[0].Reason)
			require.Equal(t, tc.kept, w.deadLetters[0].Payload)
		})
	}
	t.Run("limit is configurable and checked before anything else", func(t *testing.T) {
		r := newRig(t, set, func(o *ingest.Options) { o.MaxPayload = 16 })
		require.NoError(t, r.p.Handle(context.Background(), "ghost", "nowhere", []byte(strings.Repeat("a", 17))))
		require.NoError(t, r.p.Handle(context.Background(), "hy-1", "devices/hy-1/status", []byte(`{"state":"online"}`)))
		w := r.w.snapshot()
		require.Len(t, w.deadLetters, 2)
		require.Equal(t, model.ReasonTooLarge, w.deadLetters[0].Reason)
		require.Equal(t, model.ReasonTooLarge, w.deadLetters[1].Reason, "18 bytes is above a 16-byte limit")
	})
}

func TestHandleArrayWithOneBadSample(t *testing.T) {
	set := loadProfiles(t)
	r := newRig(t, set, nil)
	bad := `{"ts":"` + sampleTS + `","seq":2,"values":{"water_level_m":99999}}`
	payload := "[" + telemetry(1, `{"water_level_m":1050.1}`) + "," + bad + "," + telemetry(3, `{"water_level_m":1050.3}`) + "]"
	require.NoError(t, r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", []byte(payload)))
	w := r.w.snapshot()
	require.Len(t, w.readings, 2)
	require.EqualValues(t, 1, w.readings[0].Seq)
	require.EqualValues(t, 3, w.readings[1].Seq)
	require.Len(t, w.deadLetters, 1)
	require.Equal(t, model.ReasonOutOfRange, w.deadLetters[0].Reason)
	require.Equal(t, bad, w.deadLetters[0].Payload, "the dead letter keeps the refused sample")
	c := r.p.Counters()
	require.EqualValues(t, 2, c.Get(ingest.CountReadings))
	require.EqualValues(t, 1, c.Get("rejected_"+model.ReasonOutOfRange))
	readings, _, _ := r.sink.snapshot()
	require.Len(t, readings, 2)
}

func TestHandleStoreFailure(t *testing.T) {
	set := loadProfiles(t)
	diskFull := errors.New("disk full")
	for _, tc := range []struct {
		desc, topic, payload string
	}{
		{"telemetry", "devices/hy-1/telemetry", telemetry(1, `{"rain_mm":1}`)},
		{"a message that is only a dead letter", "devices/hy-1/telemetry", `nonsense`},
		{"status", "devices/hy-1/status", `{"state":"online"}`},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, set, nil)
			r.w.setFail(diskFull)
			err := r.p.Handle(context.Background(), "hy-1", tc.topic, []byte(tc.payload))
			require.ErrorIs(t, err, ingest.ErrStore)
			require.ErrorIs(t, err, diskFull)
			c := r.p.Counters()
			require.EqualValues(t, 1, c.Get(ingest.CountStoreError))
			require.Zero(t, c.Get(ingest.CountReadings))
			require.Zero(t, c.Get(ingest.CountRejected), "nothing was stored, so nothing counts as rejected")
			readings, events, statuses := r.sink.snapshot()
			require.Empty(t, readings)
			require.Empty(t, events)
			require.Empty(t, statuses)

			r.w.setFail(nil) // the store is back: the redelivery goes through
			require.NoError(t, r.p.Handle(context.Background(), "hy-1", tc.topic, []byte(tc.payload)))
			require.EqualValues(t, 1, c.Get(ingest.CountStoreError))
		})
	}
}

func TestHandleDuplicates(t *testing.T) {
	set := loadProfiles(t)
	for _, tc := range []struct {
		desc      string
		payloads  []string
		stored    int64
		duplicate int64
	}{
		{"QoS1 redelivery", []string{telemetry(5, `{"rain_mm":1}`), telemetry(5, `{"rain_mm":1}`)}, 1, 1},
		{"same ts, another seq is new", []string{telemetry(5, `{"rain_mm":1}`), telemetry(6, `{"rain_mm":1}`)}, 2, 0},
		{"duplicate inside one array", []string{"[" + telemetry(5, `{"rain_mm":1}`) + "," + telemetry(5, `{"rain_mm":2}`) + "]"}, 1, 1},
		{"replay overlapping what was stored", []string{telemetry(1, `{"rain_mm":1}`),
			"[" + telemetry(1, `{"rain_mm":1}`) + "," + telemetry(2, `{"rain_mm":1}`) + "]"}, 2, 1},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := newRig(t, set, nil)
			for _, p := range tc.payloads {
				require.NoError(t, r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", []byte(p)))
			}
			c := r.p.Counters()
			require.Equal(t, tc.stored, c.Get(ingest.CountReadings))
			require.Equal(t, tc.duplicate, c.Get(ingest.CountDuplicates))
			readings, _, _ := r.sink.snapshot()
			require.Len(t, readings, int(tc.stored), "the sink never sees a duplicate")
			seen := map[string]bool{}
			for _, rd := range readings {
				k := fmt.Sprint(rd.TS.UnixNano(), rd.Seq)
				require.False(t, seen[k], "reading %s passed to the sink twice", k)
				seen[k] = true
			}
		})
	}
	t.Run("repeated event", func(t *testing.T) {
		r := newRig(t, set, nil)
		ev := []byte(`{"ts":"` + sampleTS + `","type":"lens_blocked"}`)
		require.NoError(t, r.p.Handle(context.Background(), "cam-1", "devices/cam-1/events", ev))
		require.NoError(t, r.p.Handle(context.Background(), "cam-1", "devices/cam-1/events", ev))
		require.EqualValues(t, 1, r.p.Counters().Get(ingest.CountEvents))
		_, events, _ := r.sink.snapshot()
		require.Len(t, events, 1)
	})
}

// 50 goroutines × 100 messages; goroutines g and g+25 send the same messages,
// as a broker redelivering under load would.
func TestHandleConcurrent(t *testing.T) {
	set := loadProfiles(t)
	r := newRig(t, set, func(o *ingest.Options) { o.MaxBatch = 64 })
	const goroutines, perG = 50, 100
	ids := []string{"hy-1", "aq-1", "el-1"}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perG)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := g % (goroutines / 2)
			id := ids[src%len(ids)]
			metric := map[string]string{"hy-1": "rain_mm", "aq-1": "pm25_ugm3", "el-1": "floor"}[id]
			for i := range perG {
				p := telemetry(src*perG+i, fmt.Sprintf(`{%q:%d}`, metric, i%50))
				errs <- r.p.Handle(context.Background(), id, "devices/"+id+"/telemetry", []byte(p))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	const unique = goroutines / 2 * perG
	c := r.p.Counters()
	require.EqualValues(t, unique, c.Get(ingest.CountReadings))
	require.EqualValues(t, goroutines*perG-unique, c.Get(ingest.CountDuplicates))
	require.Zero(t, c.Get(ingest.CountRejected))
	w := r.w.snapshot()
	require.Equal(t, unique, w.inserted)
	readings, _, _ := r.sink.snapshot()
	require.Len(t, readings, unique)
	seen := map[string]int{}
	for _, rd := range readings {
		seen[fmt.Sprint(rd.DeviceID, rd.Seq)]++
	}
	require.Len(t, seen, unique)
	for k, n := range seen {
		require.Equal(t, 1, n, "reading %s passed to the sink %d times", k, n)
	}
}

// Close returns only once what was handed to the writer is committed and
// every waiting caller has its answer.
func TestCloseFlushesQueued(t *testing.T) {
	set := loadProfiles(t)
	r := newRig(t, set, nil)
	r.w.gate(true)
	handle := func(seq int, errs chan<- error) {
		errs <- r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", []byte(telemetry(seq, `{"rain_mm":1}`)))
	}
	const n = 20
	errs := make(chan error, n+1)
	go handle(0, errs)
	<-r.w.entered // commit 1 (one message) is being written; the rest queue behind it
	for i := 1; i <= n; i++ {
		go handle(i, errs)
	}
	require.Eventually(t, func() bool { return r.p.Queued() == n }, 5*time.Second, time.Millisecond)
	r.w.proceed <- struct{}{}
	<-r.w.entered // commit 2 holds the other n: every Handle is waiting on it
	require.Zero(t, r.p.Queued())

	closed := make(chan struct{})
	go func() { r.close(); close(closed) }()
	r.w.proceed <- struct{}{}
	<-closed
	require.EqualValues(t, n+1, r.p.Counters().Get(ingest.CountReadings), "Close returned before the commit was done")
	readings, _, _ := r.sink.snapshot()
	require.Len(t, readings, n+1)
	for range n + 1 {
		require.NoError(t, <-errs)
	}
	require.Equal(t, 2, r.w.commits)
}

func TestHandleAfterClose(t *testing.T) {
	// Regression: Handle after Close used to panic with "send on closed channel".
	set := loadProfiles(t)
	r := newRig(t, set, nil)
	r.close()
	require.NotPanics(t, func() {
		err := r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", []byte(telemetry(1, `{"rain_mm":1}`)))
		require.ErrorIs(t, err, ingest.ErrClosed)
	})
	require.NotPanics(t, r.p.Close, "Close is idempotent")
}

// Close racing with publishers: each caller gets nil (and its reading is
// stored) or ErrClosed (and it is not acknowledged), never a panic.
func TestCloseRacingHandle(t *testing.T) {
	set := loadProfiles(t)
	r := newRig(t, set, nil)
	const goroutines, perG = 20, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[int64]bool{}
	unexpected := make(chan error, goroutines*perG)
	start := make(chan struct{})
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range perG {
				seq := int64(g*perG + i)
				err := r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", []byte(telemetry(int(seq), `{"rain_mm":1}`)))
				if err != nil {
					if !errors.Is(err, ingest.ErrClosed) || !errors.Is(err, ingest.ErrStore) {
						unexpected <- err
					}
					continue
				}
				mu.Lock()
				acked[seq] = true
				mu.Unlock()
			}
		}()
	}
	close(start)
	require.NotPanics(t, r.close)
	wg.Wait()
	close(unexpected)
	for err := range unexpected {
		require.NoError(t, err, "want nil or ErrClosed")
	}
	stored := map[int64]bool{}
	for _, rd := range r.w.snapshot().readings {
		stored[rd.Seq] = true
	}
	for seq := range acked {
		require.True(t, stored[seq], "reading %d was acknowledged but not stored", seq)
	}
	require.ErrorIs(t, r.p.Refuse(context.Background(), "hy-1", "", model.ReasonAuthFailed, "x", nil), ingest.ErrClosed)
	require.ErrorIs(t, r.p.Offline(context.Background(), "hy-1"), ingest.ErrClosed)
}

func TestHandleCancelledContext(t *testing.T) {
	set := loadProfiles(t)
	r := newRig(t, set, nil)
	r.w.gate(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.p.Handle(ctx, "hy-1", "devices/hy-1/telemetry", []byte(telemetry(1, `{"rain_mm":1}`)))
	}()
	<-r.w.entered
	cancel()
	err := <-done
	require.ErrorIs(t, err, ingest.ErrStore, "a caller that stops waiting must not acknowledge")
	require.ErrorIs(t, err, context.Canceled)
	r.w.proceed <- struct{}{}
}

func TestRefuseAndOffline(t *testing.T) {
	set := loadProfiles(t)
	r := newRig(t, set, nil)
	ctx := context.Background()
	require.NoError(t, r.p.Refuse(ctx, "hy-1", "", model.ReasonAuthFailed, "wrong secret", nil))
	require.NoError(t, r.p.Offline(ctx, "hy-1"))
	require.NoError(t, r.p.Offline(ctx, "ghost"), "a device never admitted has nothing to mark")
	w := r.w.snapshot()
	require.Equal(t, []model.DeadLetter{{TS: now, DeviceID: "hy-1", Reason: model.ReasonAuthFailed, Detail: "wrong secret"}}, w.deadLetters)
	require.Equal(t, []model.Status{{DeviceID: "hy-1", State: model.StateOffline, TS: now}}, w.statuses)
	require.EqualValues(t, 1, r.p.Counters().Get("rejected_auth_failed"))
}

func TestParseTopic(t *testing.T) {
	for _, tc := range []struct {
		desc, topic, id, kind string
		ok                    bool
	}{
		{"telemetry", "devices/hy-1/telemetry", "hy-1", ingest.TopicTelemetry, true},
		{"events", "devices/cam.2/events", "cam.2", ingest.TopicEvents, true},
		{"status", "devices/E_12/status", "E_12", ingest.TopicStatus, true},
		{"command ack", "devices/e1/commands/ack", "e1", ingest.TopicCmdAck, true},
		{"commands are hub to device", "devices/e1/commands", "", "", false},
		{"empty id", "devices//telemetry", "", "", false},
		{"no kind", "devices/e1", "", "", false},
		{"empty kind", "devices/e1/", "", "", false},
		{"unknown kind", "devices/e1/config", "", "", false},
		{"kind in capitals", "devices/e1/TELEMETRY", "", "", false},
		{"extra level", "devices/e1/telemetry/x", "", "", false},
		{"nested id", "devices/a/b/telemetry", "", "", false},
		{"trailing slash", "devices/e1/telemetry/", "", "", false},
		{"leading slash", "/devices/e1/telemetry", "", "", false},
		{"other root", "device/e1/telemetry", "", "", false},
		{"shared subscription form", "$share/hub/devices/e1/telemetry", "", "", false},
		{"wildcard", "devices/+/telemetry", "+", ingest.TopicTelemetry, true},
		{"empty", "", "", "", false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			id, kind, ok := ingest.ParseTopic(tc.topic)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.id, id)
			require.Equal(t, tc.kind, kind)
		})
	}
}

var knownReasons = []string{model.ReasonMalformed, model.ReasonUnknownMetric, model.ReasonOutOfRange, model.ReasonBadValue,
	model.ReasonFutureTimestamp, model.ReasonBadTimestamp, model.ReasonUnknownEvent, model.ReasonBadTopic,
	model.ReasonACLDenied, model.ReasonUnknownDevice, model.ReasonTooLarge}

// keptPayload is what a dead letter must hold of a refused payload.
func keptPayload(b []byte) string {
	if len(b) > 16<<10 {
		b = b[:16<<10]
	}
	if !utf8.Valid(b) {
		return "base64:" + base64.StdEncoding.EncodeToString(b)
	}
	return string(b)
}

// samplesIn is how many telemetry samples a payload holds as the contract
// reads it: the elements of a non-empty JSON array, else one.
func samplesIn(payload []byte) int {
	trimmed := bytes.TrimSpace(payload)
	var raws []json.RawMessage
	if len(trimmed) > 0 && trimmed[0] == '[' && json.Unmarshal(trimmed, &raws) == nil && len(raws) > 0 {
		return len(raws)
	}
	return 1
}

func FuzzHandle(f *testing.F) {
	set := loadProfiles(f)
	for kind, p := range set {
		id := map[string]string{"hydrology": "hy-1", "pollution": "aq-1", "elevator": "el-1", "firecam": "cam-1"}[kind]
		tel, _ := json.Marshal(p.Samples["telemetry"])
		ev, _ := json.Marshal(p.Samples["event"])
		f.Add(id, "devices/"+id+"/telemetry", tel)
		f.Add(id, "devices/"+id+"/telemetry", append(append([]byte("["), tel...), ",{}]"...))
		f.Add(id, "devices/"+id+"/events", ev)
		f.Add(id, "devices/"+id+"/status", []byte(`{"state":"online","battery_pct":50}`))
	}
	f.Add("hy-1", "devices/aq-1/telemetry", []byte(`{}`))
	f.Add("hy-1", "devices/hy-1/commands/ack", []byte(`{}`))
	f.Add("wx-1", "devices/wx-1/events", []byte(`{}`))
	f.Add("ghost", "devices/ghost/status", []byte(`{"state":"offline"}`))
	f.Add("hy-1", "devices/hy-1/telemetry", []byte{0xff, 0x00, '['})
	f.Add("hy-1", "devices/hy-1/telemetry", []byte(`[{"ts":"2099-01-01T00:00:00Z","values":{"rain_mm":1}},[],{"ts":"`+sampleTS+`","values":{"rain_mm":301}}]`))
	f.Add("hy-1", "devices/hy-1/telemetry", bytes.Repeat([]byte("["), 5000))
	f.Fuzz(func(t *testing.T, device, topic string, payload []byte) {
		r := newRig(t, set, func(o *ingest.Options) { o.MaxPayload = 8 << 10 })
		require.NoError(t, r.p.Handle(context.Background(), device, topic, payload))
		r.close()
		w := r.w.snapshot()

		for _, dl := range w.deadLetters {
			require.Contains(t, knownReasons, dl.Reason)
			require.Equal(t, device, dl.DeviceID)
			require.Equal(t, topic, dl.Topic)
			require.NotEmpty(t, dl.Detail)
			if p, ok := strings.CutPrefix(dl.Payload, "base64:"); ok && !utf8.Valid(payload) {
				_, err := base64.StdEncoding.DecodeString(p)
				require.NoError(t, err)
			} else {
				require.True(t, utf8.ValidString(dl.Payload))
			}
		}
		for _, rd := range w.readings {
			require.Equal(t, device, rd.DeviceID)
			p := set[testDevices[device].Kind]
			require.False(t, rd.TS.After(now.Add(5*time.Minute)), "future reading stored: %v", rd.TS)
			require.False(t, rd.TS.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)))
			for name, v := range rd.Values {
				m, ok := p.Metrics[name]
				require.True(t, ok, "unknown metric %q stored", name)
				require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
				if m.Min != nil {
					require.GreaterOrEqual(t, v, *m.Min, name)
				}
				if m.Max != nil {
					require.LessOrEqual(t, v, *m.Max, name)
				}
			}
		}
		readings, _, _ := r.sink.snapshot()
		require.Len(t, readings, w.inserted)

		id, kind, ok := ingest.ParseTopic(topic)
		dev, known := testDevices[device]
		_, profiled := set[dev.Kind]
		total := len(w.readings) + len(w.events) + len(w.statuses) + len(w.deadLetters)
		switch {
		case len(payload) > 8<<10 || !ok || id != device || !known || !profiled:
			require.Len(t, w.deadLetters, 1)
			require.Equal(t, 1, total)
			require.Equal(t, keptPayload(payload), w.deadLetters[0].Payload)
		case kind == ingest.TopicCmdAck:
			require.Zero(t, total)
		case kind == ingest.TopicTelemetry:
			require.Empty(t, w.events)
			require.Empty(t, w.statuses)
			require.Equal(t, samplesIn(payload), len(w.readings)+len(w.deadLetters),
				"every sample is either stored or exactly one dead letter")
		default:
			require.Equal(t, 1, total, "an event or status is stored or dead-lettered, once")
			if len(w.deadLetters) == 1 {
				require.Equal(t, keptPayload(payload), w.deadLetters[0].Payload)
			}
		}
	})
}

func TestLimits(t *testing.T) {
	set := loadProfiles(t)
	t.Run("messages per second per device", func(t *testing.T) {
		r := newRig(t, set, func(o *ingest.Options) { o.DeviceRate, o.DeviceBurst = 0.001, 3 })
		for seq := 1; seq <= 5; seq++ {
			require.NoError(t, r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry",
				[]byte(telemetry(seq, `{"water_level_m":1050.1}`))))
		}
		require.NoError(t, r.p.Handle(context.Background(), "aq-1", "devices/aq-1/status", []byte(`{"state":"online"}`)))
		w := r.w.snapshot()
		require.Len(t, w.readings, 3, "three within hy-1's burst")
		require.Len(t, w.statuses, 1, "aq-1 has its own budget")
		require.Len(t, w.deadLetters, 2, "the two over the limit are kept, not dropped")
		for _, dl := range w.deadLetters {
			require.Equal(t, model.ReasonRateLimited, dl.Reason)
			require.Equal(t, "hy-1", dl.DeviceID)
			require.Contains(t, dl.Payload, "water_level_m")
		}
		require.EqualValues(t, 2, r.p.Counters().Get("rejected_"+model.ReasonRateLimited))
	})
	t.Run("metric values per message", func(t *testing.T) {
		r := newRig(t, set, func(o *ingest.Options) { o.MaxValues = 3 })
		var samples []string
		for seq := 1; seq <= 4; seq++ {
			samples = append(samples, telemetry(seq, `{"water_level_m":1050.1}`))
		}
		require.NoError(t, r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", []byte("["+strings.Join(samples[:3], ",")+"]")))
		require.NoError(t, r.p.Handle(context.Background(), "hy-1", "devices/hy-1/telemetry", []byte("["+strings.Join(samples, ",")+"]")))
		w := r.w.snapshot()
		require.Len(t, w.readings, 3)
		require.Len(t, w.deadLetters, 1)
		require.Equal(t, model.ReasonTooManyValues, w.deadLetters[0].Reason)
		require.Contains(t, w.deadLetters[0].Detail, "4 metric values")
		require.EqualValues(t, 1, r.p.Counters().Get("rejected_"+model.ReasonTooManyValues))
	})
}
