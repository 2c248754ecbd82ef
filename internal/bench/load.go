package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// load is the device side: one MQTT connection per device, each keeping up
// to Window QoS1 publishes unacknowledged — saturation, not a set rate.
type load struct {
	o       Options
	url     string
	creds   map[string]string
	clients map[string]paho.Client
	acked   atomic.Int64 // readings (samples), not messages
	errors  atomic.Int64
	paused  atomic.Bool // the broker holds too much for the hub
}

// maxBacklog bounds what an external broker may hold for the hub.
const maxBacklog = 20000

// throttle pauses the devices while acknowledged-but-unstored readings
// exceed maxBacklog.
func (l *load) throttle(ctx context.Context, h *hubProc) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.paused.Store(false)
			return
		case <-t.C:
			l.paused.Store(l.acked.Load()-h.stored() > maxBacklog)
		}
	}
}

func newLoad(o Options, url string, creds map[string]string, t Target) *load {
	return &load{o: o, url: url, creds: creds, clients: map[string]paho.Client{}}
}

func (l *load) connect(ctx context.Context) error {
	for id, secret := range l.creds {
		opts := paho.NewClientOptions().AddBroker(l.url).SetClientID(id).SetUsername(id).SetPassword(secret).
			SetProtocolVersion(4).SetCleanSession(true).SetAutoReconnect(false).SetConnectTimeout(10 * time.Second).
			SetWriteTimeout(10 * time.Second).SetOrderMatters(false)
		c := paho.NewClient(opts)
		tok := c.Connect()
		if !tok.WaitTimeout(15*time.Second) || tok.Error() != nil {
			l.close()
			return fmt.Errorf("device %s could not connect: %v", id, tok.Error())
		}
		l.clients[id] = c
	}
	return ctx.Err()
}

func (l *load) close() {
	for _, c := range l.clients {
		c.Disconnect(100)
	}
}

// run publishes from every device until ctx ends; the returned channel
// closes once every device has collected its outstanding acknowledgements.
func (l *load) run(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	for id, c := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.device(ctx, id, c)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// device publishes as fast as its window allows; a collector waits for the
// acknowledgements in order and counts them.
func (l *load) device(ctx context.Context, id string, c paho.Client) {
	pending := make(chan paho.Token, l.o.Window)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for tok := range pending {
			if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
				l.errors.Add(1)
				continue
			}
			l.acked.Add(int64(l.o.Batch))
		}
	}()
	topic := "devices/" + id + "/telemetry"
	base := time.Now().Add(-time.Hour).UnixMilli() // unique, past timestamps: never "future"
	for seq := int64(1); ctx.Err() == nil; seq += int64(l.o.Batch) {
		for l.paused.Load() && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		pending <- c.Publish(topic, 1, false, payload(base, seq, l.o.Batch))
	}
	close(pending)
	<-collected
}

// payload is a hydrology sample (or an array of Batch samples), built by
// hand: the generator must not be the bottleneck.
func payload(base, seq int64, batch int) []byte {
	b := make([]byte, 0, 160*batch)
	if batch > 1 {
		b = append(b, '[')
	}
	for i := range int64(batch) {
		if i > 0 {
			b = append(b, ',')
		}
		s := seq + i
		ts := time.UnixMilli(base + s).UTC().Format("2006-01-02T15:04:05.000Z")
		b = append(b, `{"ts":"`...)
		b = append(b, ts...)
		b = append(b, `","seq":`...)
		b = strconv.AppendInt(b, s, 10)
		b = append(b, `,"values":{"water_level_m":`...)
		b = strconv.AppendFloat(b, 1086+float64(s%100)/100, 'f', 2, 64)
		b = append(b, `,"rain_mm":0.5,"flow_m3s":320.4,"supply_v":12.8}}`...)
	}
	if batch > 1 {
		b = append(b, ']')
	}
	return b
}
