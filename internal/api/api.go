// Package api is the hub's HTTP edge: the JSON API under /api/v1/, health and
// readiness, Prometheus metrics, the live WebSocket and the embedded screen.
// It translates HTTP to calls on the registry and the engine and maps their
// errors to statuses; it holds no business rules. Every route declares the
// roles it allows, checked by an Authorizer (open until tokens arrive).
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ywtg/hub/internal/engine"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/profile"
	"github.com/ywtg/hub/internal/store"
)

// Registry provisions and finds devices.
type Registry interface {
	Add(ctx context.Context, d model.Device) (model.Device, string, error)
	Lookup(ctx context.Context, id string) (model.Device, error)
	// Rotate, Disable and Enable change a device's credentials; its open
	// sessions are ended by whoever the registry tells (the hub's broker).
	Rotate(ctx context.Context, id string) (string, error)
	Disable(ctx context.Context, id string) error
	Enable(ctx context.Context, id string) error
}

// Engine answers for live state and alarms.
type Engine interface {
	View(dev model.Device) engine.DeviceView
	Views() []engine.DeviceView
	Ack(ctx context.Context, id int64, who string) (model.Alarm, error)
	Clear(ctx context.Context, id int64, who string) (model.Alarm, error)
	Assign(ctx context.Context, id int64, assignee, who string) (model.Alarm, error)
	Comment(ctx context.Context, id int64, who, text string) (model.AlarmComment, error)
	Comments(ctx context.Context, id int64) ([]model.AlarmComment, error)
	Incidents(ctx context.Context, f store.IncidentFilter) ([]model.Incident, error)
	Incident(ctx context.Context, id int64) (model.Incident, error)
	Online() engine.OnlineSummary
	Announce(dev model.Device)
}

// Store answers the read-only queries.
type Store interface {
	GetAlarm(ctx context.Context, id int64) (model.Alarm, error)
	ListAlarms(ctx context.Context, f store.AlarmFilter) ([]model.Alarm, error)
	ListDeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]model.DeadLetter, error)
	ListReadings(ctx context.Context, f store.ReadingFilter) ([]model.Reading, error)
	Ping(ctx context.Context) error
}

// Options wires the API.
type Options struct {
	Registry Registry
	Engine   Engine
	Store    Store
	Dispatch Dispatch // the case loop; nil: no case, report or Open311 routes
	Profiles profile.Set
	Regions  []byte                      // GeoJSON FeatureCollection for the map
	Counters func() map[string]int64     // ingest and live counters
	Live     http.Handler                // /ws/screen
	Screen   fs.FS                       // the built screen, index.html at its root
	Auth     Authorizer                  // nil: OpenAccess
	Broker   BrokerOptions               // the external broker's auth endpoints
	Audit    AuditLog                    // the audit chain; nil: nothing audited
	Tokens   Tokens                      // token administration; nil: no /api/v1/tokens
	Ready    func(context.Context) error // extra readiness (the broker link); nil: store only
	Logger   *slog.Logger
}

type server struct {
	opts  Options
	log   *slog.Logger
	table []Route
}

// Route is one endpoint and the roles it allows (nil: public).
type Route struct {
	Method, Path string
	Roles        []string
}

// Routes lists every endpoint New(opts) serves with the roles it allows, in
// registration order: the table the README's security section and the
// role tests read.
func Routes(opts Options) []Route {
	if opts.Auth == nil {
		opts.Auth = OpenAccess{}
	}
	s := &server{opts: opts, log: slog.Default()}
	s.routes(http.NewServeMux())
	return s.table
}

// New returns the hub's HTTP handler.
func New(opts Options) http.Handler {
	if opts.Auth == nil {
		opts.Auth = OpenAccess{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &server{opts: opts, log: opts.Logger}
	mux := http.NewServeMux()
	s.routes(mux)
	return apiErrors(mux)
}

// apiErrors answers what no route matches under /api/ in JSON, like every
// other API error: 405 with Allow when the path exists for other methods,
// else 404. ServeMux alone would answer in plain text.
func apiErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" || !strings.HasPrefix(r.URL.Path, "/api/") {
			mux.ServeHTTP(w, r)
			return
		}
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "GET /" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
				r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allow, ", "))
			return
		}
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// alarmRoles work alarms (ack, clear, assign, comment): the duty desk.
var alarmRoles = []string{RoleOperator, RoleChief, RoleAdmin}

func (s *server) routes(mux *http.ServeMux) {
	// Who may do what (README, Security): the monitoring views are for every
	// command-centre role but not for agency users, who see their own cases
	// only; alarms are worked by the duty desk; devices and tokens are the
	// administrator's.
	read := monitorRoles
	operate := alarmRoles
	admin := []string{RoleAdmin}
	s.handle(mux, "GET /healthz", nil, s.healthz)
	s.handle(mux, "GET /readyz", nil, s.readyz)
	s.handle(mux, "GET /metrics", nil, s.metrics)
	s.handle(mux, "GET /api/v1/devices", read, s.listDevices)
	s.handle(mux, "POST /api/v1/devices", admin, s.addDevice)
	s.handle(mux, "GET /api/v1/devices/{id}", read, s.getDevice)
	s.handle(mux, "GET /api/v1/devices/{id}/readings", read, s.deviceReadings)
	s.handle(mux, "POST /api/v1/devices/{id}/rotate", admin, s.rotateDevice)
	s.handle(mux, "POST /api/v1/devices/{id}/disable", admin, s.disableDevice)
	s.handle(mux, "POST /api/v1/devices/{id}/enable", admin, s.enableDevice)
	s.brokerRoutes(mux)
	s.handle(mux, "GET /api/v1/alarms", read, s.listAlarms)
	s.handle(mux, "GET /api/v1/alarms/{id}", read, s.getAlarm)
	s.handle(mux, "POST /api/v1/alarms/{id}/ack", operate, s.ackAlarm)
	s.handle(mux, "POST /api/v1/alarms/{id}/clear", operate, s.clearAlarm)
	s.handle(mux, "POST /api/v1/alarms/{id}/assign", operate, s.assignAlarm)
	s.handle(mux, "GET /api/v1/alarms/{id}/comments", read, s.listComments)
	s.handle(mux, "POST /api/v1/alarms/{id}/comments", operate, s.addComment)
	s.handle(mux, "GET /api/v1/incidents", read, s.listIncidents)
	s.handle(mux, "GET /api/v1/incidents/{id}", read, s.getIncident)
	s.handle(mux, "GET /api/v1/online", read, s.online)
	s.handle(mux, "GET /api/v1/deadletters", read, s.listDeadLetters)
	s.handle(mux, "GET /api/v1/regions.geojson", read, s.regions)
	s.handle(mux, "GET /api/v1/profiles", read, s.profiles)
	s.handle(mux, "GET /api/v1/stats", read, s.stats)
	if s.opts.Dispatch != nil {
		s.caseRoutes(mux)
		s.reportRoutes(mux)
		s.open311Routes(mux)
	}
	if s.opts.Tokens != nil {
		s.tokenRoutes(mux)
	}
	s.auditRoutes(mux)
	if s.opts.Live != nil {
		s.handle(mux, "GET /ws/screen", read, s.opts.Live.ServeHTTP)
	}
	files := http.NotFoundHandler()
	if s.opts.Screen != nil {
		files = http.FileServerFS(s.opts.Screen)
	}
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// handle registers h behind the authorizer with the roles it allows (nil:
// public).
func (s *server) handle(mux *http.ServeMux, pattern string, roles []string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.table = append(s.table, Route{Method: method, Path: path, Roles: roles})
	if roles == nil {
		mux.HandleFunc(pattern, h)
		return
	}
	mux.Handle(pattern, s.opts.Auth.Wrap(roles, h))
}
