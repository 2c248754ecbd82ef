// Package hub assembles the process: store, device registry, region index,
// ingest pipeline behind the embedded MQTT broker, event engine, live
// fan-out, HTTP API and screen — and, with Demo, the demo league's fleet.
// It owns start-up and the order of shutdown, nothing else: every behaviour
// lives in the packages it wires.
package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/tjfoc/gmsm/sm2"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/api"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/dispatch/webhook"
	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/gis"
	"github.com/ywtg/hub/internal/ingest"
	"github.com/ywtg/hub/internal/ingest/external"
	"github.com/ywtg/hub/internal/live"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/registry"
	"github.com/ywtg/hub/web/screen"
)

// Options configures the hub. The zero value plus defaults() is the
// embedded shape: broker on :1883, HTTP on :8080, SQLite in ./data.
type Options struct {
	HTTPAddr   string
	MQTTAddr   string
	DataDir    string
	DB         string // postgres:// DSN, SQLite file path, or "" for DataDir/hub.db
	DevicesDir string // "" = the built-in profiles
	RegionsDir string // "" = the demo league's regions
	// MQTTURL replaces the embedded broker with an external one (Mosquitto 2,
	// EMQX): tcp://host:1883. The hub subscribes with a persistent session.
	MQTTURL      string
	MQTTUsername string
	MQTTPassword string
	MQTTClientID string // stable per hub: the broker keeps its session
	MQTTShare    string // "" or a group: $share/<group>/devices/+/…
	Demo         bool
	// PprofAddr serves net/http/pprof on its own listener ("" = off); keep
	// it on loopback or an admin network.
	PprofAddr string
	// RetentionDays: readings older than this are dropped nightly; 0 keeps all.
	RetentionDays int
	DemoRate      float64 // samples per second per demo device; 0 = each profile's interval
	// Catalogue is the dispatch catalogue (categories, agencies, plans,
	// resources); "" = the demo league's.
	Catalogue string
	// WebhookKey is the SM2 key file webhooks are signed with; "" =
	// DataDir/webhook-sm2.pem, created on first start.
	WebhookKey string
	// PIIKeys is the SM4 key file that seals reporters' contacts; "" =
	// DataDir/pii-sm4.keys, created on first start. PIIKeyList, when set
	// (HUB_PII_KEYS, "1:<hex>;2:<hex>"), is used instead of any file.
	PIIKeys    string
	PIIKeyList string
	// AuditKey is the SM2 key file the audit chain's checkpoints are signed
	// with; "" = DataDir/audit-sm2.pem, created on first start.
	AuditKey string
	// AuditCheckpoint is the cron spec on which the audit chain's head is
	// signed, and once more at shutdown; "" = never (the command line's
	// default is every 15 minutes).
	AuditCheckpoint string
	// OpenAccess lets every caller in as an administrator, with no token: a
	// closed lab network only. Otherwise every route needs a live API token.
	OpenAccess bool
	// TokenRate and TokenBurst limit API requests per token (0: unlimited).
	TokenRate  float64
	TokenBurst int
	// DeviceRate and DeviceBurst limit the messages a device may publish
	// per second (0: unlimited); MaxValues bounds the metric values in one
	// message (0: 1000).
	DeviceRate  float64
	DeviceBurst int
	MaxValues   int
	// TLSCert and TLSKey (PEM files) switch HTTP to HTTPS; MQTTTLSAddr then
	// also serves MQTT over TLS on the embedded broker, e.g. ":8883".
	TLSCert, TLSKey string
	MQTTTLSAddr     string
	Logger          *slog.Logger
}

func (o *Options) defaults() {
	if o.HTTPAddr == "" {
		o.HTTPAddr = ":8080"
	}
	if o.MQTTAddr == "" {
		o.MQTTAddr = ":1883"
	}
	if o.DataDir == "" {
		o.DataDir = "./data"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Hub is a running hub.
type Hub struct {
	opts     Options
	log      *slog.Logger
	store    Store
	profiles profile.Set
	regions  *gis.Index
	registry *registry.Registry
	pipeline *ingest.Pipeline
	engine   *engine.Engine
	cases    *dispatch.Service
	webhooks *webhook.Worker
	audit    *checkpoints // signs the audit chain's head; nil: off
	// webhookPub verifies the hub's own webhooks (the demo's agency inboxes).
	webhookPub *sm2.PublicKey
	tokens     *access.Tokens
	auth       api.Authorizer
	tokenAuth  *api.TokenAuth // nil with OpenAccess
	apiOpts    api.Options
	live       *live.Hub
	broker     *mqtt.Server         // the embedded broker, or nil
	sub        *external.Subscriber // the external broker's subscription, or nil
	http       *http.Server
	pprof      *http.Server
	httpLn     net.Listener
	httpTLS    bool
	mqttLn     net.Listener
	mqttTLSLn  net.Listener // MQTT over TLS, or nil
	mqttHost   string       // the external broker's host:port, if any

	cancel    context.CancelFunc // stops the engine and background jobs
	stopJobs  func()
	bg        sync.WaitGroup
	demoStop  context.CancelFunc
	demoDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Run starts the hub and serves until ctx ends, then shuts down in order.
func Run(ctx context.Context, opts Options) error {
	h, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return h.Close()
}

// Start brings every part up and returns once the hub is serving.
func Start(ctx context.Context, opts Options) (_ *Hub, err error) {
	opts.defaults()
	h := &Hub{opts: opts, log: opts.Logger}
	defer func() {
		if err != nil {
			h.Close()
		}
	}()
	if err := h.openData(ctx); err != nil {
		return nil, err
	}
	if err := h.startAudit(); err != nil {
		return nil, err
	}
	if err := h.listen(); err != nil {
		return nil, err
	}
	if err := h.startCases(ctx); err != nil {
		return nil, err
	}
	h.startPipeline()
	if err := h.startIntake(ctx); err != nil {
		return nil, err
	}
	h.startAccess()
	h.startHTTP()
	if opts.PprofAddr != "" {
		if err := h.startPprof(opts.PprofAddr); err != nil {
			return nil, err
		}
	}
	if opts.Demo {
		if err := h.startDemo(ctx); err != nil {
			return nil, err
		}
		if !opts.OpenAccess {
			if err := h.demoTokens(ctx); err != nil {
				return nil, err
			}
		}
	}
	h.log.Info("hub started", "http", h.HTTPAddr(), "mqtt", h.MQTTAddr(), "store", cmp.Or(redact(opts.DB), opts.DataDir),
		"devices", len(h.registry.List()), "demo", opts.Demo)
	return h, nil
}

// openData opens the store and loads profiles, regions, devices and state.
func (h *Hub) openData(ctx context.Context) error {
	var err error
	if h.profiles, err = loadProfiles(h.opts.DevicesDir); err != nil {
		return err
	}
	if h.regions, err = loadRegions(h.opts.RegionsDir); err != nil {
		return err
	}
	if h.store, err = openStore(ctx, h.opts.DB, h.opts.DataDir); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// GIS staff find the regions beside devices and alarms in the store.
	if err := h.store.PutRegions(ctx, h.regions.Regions()); err != nil {
		return fmt.Errorf("regions: %w", err)
	}
	h.registry = registry.New(h.store, locator{h.regions}, h.profiles)
	if err := h.registry.Load(ctx); err != nil {
		return fmt.Errorf("devices: %w", err)
	}
	h.live = live.New(live.Options{Epoch: live.EpochNow(), Logger: h.log, Patch: []string{engine.EntityDevice}})
	h.engine = engine.New(engine.Options{Profiles: h.profiles, Store: h.store, Devices: h.registry, Live: h.live, Logger: h.log,
		Regions: h.regions, OnIncident: h.offerIncident})
	if err := h.engine.Load(ctx); err != nil {
		return fmt.Errorf("engine state: %w", err)
	}
	return nil
}

func (h *Hub) listen() error {
	var err error
	if h.opts.MQTTURL == "" { // the embedded broker's port; an external broker has its own
		if h.mqttLn, err = net.Listen("tcp", h.opts.MQTTAddr); err != nil {
			return fmt.Errorf("mqtt listener: %w", err)
		}
	}
	if h.httpLn, err = net.Listen("tcp", h.opts.HTTPAddr); err != nil {
		return fmt.Errorf("http listener: %w", err)
	}
	return h.listenTLS()
}

func (h *Hub) startPipeline() {
	// Background work gets its own context: it must outlive the caller's
	// cancellation long enough to drain in order.
	bgCtx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.engine.Start(bgCtx)
	h.runCases(bgCtx)
	h.pipeline = ingest.New(ingest.Options{Profiles: h.profiles, Devices: h.registry, Store: h.store, Sink: h.engine, Logger: h.log,
		DeviceRate: h.opts.DeviceRate, DeviceBurst: h.opts.DeviceBurst, MaxValues: h.opts.MaxValues})
	for _, d := range h.engine.Views() {
		h.live.Upsert(engine.EntityDevice, d.ID, d)
	}
	for _, a := range h.engine.ActiveAlarms() {
		h.live.Upsert(engine.EntityAlarm, fmt.Sprint(a.ID), a)
	}
	h.bg.Add(1)
	go h.publishStats(bgCtx)
	h.stopJobs = h.startJobs(bgCtx)
	h.registry.OnChange(h.engine.Announce) // and the screens show it
	h.bg.Add(1)
	go func() { // what `hub devices …` changed in another process takes effect within seconds
		defer h.bg.Done()
		h.registry.Watch(bgCtx, 5*time.Second, func(err error) { h.log.Warn("device reload failed", "err", err) })
	}()
}

// startIntake connects device traffic to the pipeline: the embedded broker,
// or a subscription on the external one.
func (h *Hub) startIntake(ctx context.Context) error {
	if h.opts.MQTTURL == "" {
		return h.startBroker()
	}
	u, err := url.Parse(h.opts.MQTTURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--mqtt-url %q: want tcp://host:port", h.opts.MQTTURL)
	}
	h.mqttHost = u.Host
	h.sub, err = external.Start(ctx, external.Options{URL: h.opts.MQTTURL, ClientID: h.opts.MQTTClientID,
		Username: h.opts.MQTTUsername, Password: h.opts.MQTTPassword, Share: h.opts.MQTTShare,
		Handler: h.pipeline, Logger: h.log.With("component", "mqtt")})
	if err != nil {
		return fmt.Errorf("external broker %s: %w", h.opts.MQTTURL, err)
	}
	return nil
}

func (h *Hub) startBroker() error {
	mqttLog := slog.New(quieter{h.log.Handler(), slog.LevelError}).With("component", "mqtt")
	h.broker = mqtt.New(&mqtt.Options{InlineClient: true, Logger: mqttLog})
	h.registry.OnRevoke(func(id string) { // a rotated or disabled device is cut off at once
		if n := ingest.EndSessions(h.broker, id); n > 0 {
			h.log.Info("device sessions ended", "device_id", id, "sessions", n)
		}
	})
	hook := &ingest.Hook{Pipeline: h.pipeline, Auth: h.registry, Log: h.log, Ctx: context.Background()}
	if err := h.broker.AddHook(hook, nil); err != nil {
		return err
	}
	if err := h.broker.AddListener(listeners.NewNet("tcp", h.mqttLn)); err != nil {
		return err
	}
	if h.mqttTLSLn != nil {
		if err := h.broker.AddListener(listeners.NewNet("tls", h.mqttTLSLn)); err != nil {
			return err
		}
	}
	go func() {
		if err := h.broker.Serve(); err != nil {
			h.log.Error("mqtt broker stopped", "err", err)
		}
	}()
	return nil
}

func (h *Hub) startHTTP() {
	h.apiOpts = api.Options{Registry: h.registry, Engine: h.engine, Store: h.store,
		Dispatch: h.cases, Profiles: h.profiles, Regions: h.regions.GeoJSON(), Counters: h.counters, Live: h.live,
		Broker: api.BrokerOptions{Devices: h.registry, Refusals: h.pipeline, Username: h.opts.MQTTUsername, Password: h.opts.MQTTPassword},
		Screen: screen.FS(), Ready: h.ready, Logger: h.log, Auth: h.auth, Audit: auditLog(h.store), Tokens: h.tokens}
	var handler http.Handler = api.New(h.apiOpts)
	if h.opts.Demo {
		handler = h.demoInboxes(handler)
	}
	h.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := h.http.Serve(h.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("http server stopped", "err", err)
		}
	}()
}

// Routes lists the API's endpoints with the roles each allows.
func (h *Hub) Routes() []api.Route { return api.Routes(h.apiOpts) }

// HTTPAddr is the address the HTTP server listens on (useful with port 0).
func (h *Hub) HTTPAddr() string { return h.httpLn.Addr().String() }

// MQTTAddr is where devices connect: the embedded broker's listener, or the
// external broker's host:port.
func (h *Hub) MQTTAddr() string {
	if h.mqttHost != "" {
		return h.mqttHost
	}
	return h.mqttLn.Addr().String()
}

// ready reports whether the hub can take device traffic: the store answers
// (checked by the API) and, with an external broker, the subscription is up.
func (h *Hub) ready(ctx context.Context) error {
	if h.sub != nil && !h.sub.Connected() {
		return errors.New("not connected to the external MQTT broker")
	}
	return nil
}

// Registry exposes device provisioning to embedders (tests, the demo).
func (h *Hub) Registry() *registry.Registry { return h.registry }

// Close shuts down in order: the demo fleet; HTTP and screens; the broker
// (no more messages in); the pipeline (flush every pending write); the engine
// (evaluate what was stored); the store.
func (h *Hub) Close() error {
	h.closeOnce.Do(func() { h.closeErr = h.shutdown() })
	return h.closeErr
}

func (h *Hub) shutdown() error {
	var errs []error
	if h.demoStop != nil {
		h.demoStop()
		<-h.demoDone
	}
	if h.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, h.http.Shutdown(ctx))
		cancel()
	} else if h.httpLn != nil {
		h.httpLn.Close()
	}
	if h.pprof != nil {
		h.pprof.Close()
	}
	if h.live != nil {
		h.live.Close()
	}
	if h.sub != nil {
		h.sub.Close() // waits for in-flight messages to be stored and acknowledged
	}
	if h.broker != nil {
		errs = append(errs, h.broker.Close())
	} else if h.mqttLn != nil {
		h.mqttLn.Close()
	}
	if h.pipeline != nil {
		h.pipeline.Close()
	}
	if h.stopJobs != nil {
		h.stopJobs()
	}
	if h.cancel != nil {
		h.cancel()
		h.engine.Wait()
		h.bg.Wait()
	}
	h.checkpointAtShutdown()
	if h.store != nil {
		errs = append(errs, h.store.Close())
	}
	h.log.Info("hub stopped")
	return errors.Join(errs...)
}
