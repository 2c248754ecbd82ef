package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ywtg/hub/internal/access"
	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

// RoleBroker is the external MQTT broker's role: it may use only the broker
// authentication endpoints.
const RoleBroker = access.RoleBroker

// Reasons a request is refused before its handler, as counted.
const (
	ReasonForbidden   = "forbidden"
	ReasonRateLimited = "rate_limited"
)

// TokenChecker says which live token a raw bearer token is.
type TokenChecker interface {
	Check(ctx context.Context, raw string) (model.APIToken, error)
}

// TokenAuth admits callers by bearer token: "Authorization: Bearer
// ywt_…", or ?access_token= where a header cannot be set (a browser's
// WebSocket, a broker's URL), or Open311's api_key. A route's roles decide
// the rest: 401 without a live token, 403 for a role the route does not
// allow, 429 over the token's request rate. Every refusal is counted by
// reason; every mutating call, allowed or not, is appended to the audit
// chain with who made it and how it ended.
type TokenAuth struct {
	Tokens TokenChecker
	Audit  AuditLog // nil: not audited
	// Rate and Burst limit requests per token (Rate 0: unlimited).
	Rate   rate.Limit
	Burst  int
	Logger *slog.Logger

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	counts   sync.Map // reason → *atomic.Int64
}

// Counts returns the refusals by reason ("auth_" + reason) and the audit
// entries that could not be written.
func (a *TokenAuth) Counts() map[string]int64 {
	out := map[string]int64{}
	a.counts.Range(func(k, v any) bool {
		out["auth_"+k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

func (a *TokenAuth) count(reason string) {
	v, _ := a.counts.LoadOrStore(reason, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// Wrap implements Authorizer.
func (a *TokenAuth) Wrap(roles []string, next http.Handler) http.Handler {
	allowed := strings.Join(roles, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		tok, reason, err := a.admit(r, roles)
		switch {
		case err == nil:
			who := dispatch.Actor{Name: tok.Name, Role: tok.Role, Agency: tok.AgencyID}
			next.ServeHTTP(rec, r.WithContext(WithPrincipal(r.Context(), who)))
		case reason == ReasonForbidden:
			writeRefusal(rec, r, http.StatusForbidden, "forbidden",
				fmt.Sprintf("role %s may not %s %s (allowed: %s)", tok.Role, r.Method, r.URL.Path, allowed))
		case reason == ReasonRateLimited:
			rec.Header().Set("Retry-After", "1")
			writeRefusal(rec, r, http.StatusTooManyRequests, "rate_limited",
				fmt.Sprintf("token %s is over %g requests per second", tok.ID, float64(a.Rate)))
		case reason != "":
			rec.Header().Set("WWW-Authenticate", `Bearer realm="hub"`)
			writeRefusal(rec, r, http.StatusUnauthorized, "unauthorized", err.Error())
		default:
			a.logger().Error("token check failed", "err", err)
			writeRefusal(rec, r, http.StatusServiceUnavailable, "unavailable", "tokens cannot be checked now; retry")
		}
		if reason != "" {
			a.count(reason)
		}
		// The broker's checks are questions, not changes: one per connect
		// and publish, answered and counted (refusals as dead letters) by the
		// broker endpoints themselves; only a refused broker call is audited.
		broker := tok.Role == RoleBroker && reason == ""
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !broker {
			a.audit(r, tok, reason, rec.status())
		}
	})
}

// admit finds the caller's token and checks its role and rate. reason is
// set for every refusal that is the caller's doing; err alone is the
// hub's failure.
func (a *TokenAuth) admit(r *http.Request, roles []string) (model.APIToken, string, error) {
	raw := bearer(r)
	if raw == "" {
		return model.APIToken{}, access.ReasonMissing, errors.New(
			"this endpoint needs a token: send Authorization: Bearer ywt_…")
	}
	tok, err := a.Tokens.Check(r.Context(), raw)
	if err != nil {
		var ref *access.Refusal
		if errors.As(err, &ref) {
			return tok, ref.Reason, err
		}
		return tok, "", err
	}
	if !slices.Contains(roles, tok.Role) {
		return tok, ReasonForbidden, errors.New(ReasonForbidden)
	}
	// A broker asks once per connect and publish of every device: its token
	// is not rate-limited (devices are, per device, in ingest).
	if a.Rate > 0 && tok.Role != RoleBroker && !a.limiter(tok.ID).Allow() {
		return tok, ReasonRateLimited, errors.New(ReasonRateLimited)
	}
	return tok, "", nil
}

func (a *TokenAuth) limiter(id string) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.limiters == nil {
		a.limiters = map[string]*rate.Limiter{}
	}
	l, ok := a.limiters[id]
	if !ok {
		l = rate.NewLimiter(a.Rate, max(a.Burst, 1))
		a.limiters[id] = l
	}
	return l
}

// audit appends a mutating call to the chain: who, what, and how it ended
// (the status, or the refusal's reason).
func (a *TokenAuth) audit(r *http.Request, tok model.APIToken, reason string, status int) {
	if a.Audit == nil {
		return
	}
	outcome := strconv.Itoa(status)
	if reason != "" {
		outcome += " " + reason
	}
	detail, _ := json.Marshal(map[string]any{"token": tok.ID, "agency": tok.AgencyID, "status": status})
	e := model.AuditEntry{At: time.Now(), Actor: tok.Name, Role: tok.Role, Action: "api.request",
		Target: r.Method + " " + r.URL.Path, Outcome: outcome, Remote: r.RemoteAddr, Detail: detail}
	if tok.ID == "" {
		e.Actor = "anonymous"
	}
	// The request may be cancelled once answered; the entry must still land.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if _, err := a.Audit.AppendAudit(ctx, e); err != nil {
		a.count("audit_failed")
		a.logger().Error("audit entry not written", "target", e.Target, "actor", e.Actor, "err", err)
	}
}

func (a *TokenAuth) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// bearer returns the raw token of a request: the Authorization header, else
// ?access_token=, else Open311's api_key (query or form).
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	if tok := r.URL.Query().Get("access_token"); tok != "" {
		return tok
	}
	if strings.HasPrefix(r.URL.Path, open311Prefix) {
		if tok := r.URL.Query().Get("api_key"); tok != "" {
			return tok
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
			if err := r.ParseForm(); err == nil {
				return r.PostForm.Get("api_key")
			}
		}
	}
	return ""
}

// writeRefusal answers in the route's error shape: Open311's list, or the
// API's {"error": …}.
func writeRefusal(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if strings.HasPrefix(r.URL.Path, open311Prefix) {
		open311Err(w, status, msg)
		return
	}
	writeError(w, status, code, msg)
}

// statusRecorder remembers the status a handler answered with. It passes
// Hijack through for the WebSocket upgrade.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}

// Unwrap lets http.ResponseController reach the connection (Flush).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack hands the connection to the WebSocket upgrader, which asks for
// http.Hijacker itself.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.code = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// Tokens issues, lists and revokes API tokens.
type Tokens interface {
	Issue(ctx context.Context, r access.Request, by string) (model.APIToken, string, error)
	List(ctx context.Context) ([]model.APIToken, error)
	Revoke(ctx context.Context, id string) error
}

// tokenRoutes serves token administration, admin only.
func (s *server) tokenRoutes(mux *http.ServeMux) {
	admin := []string{RoleAdmin}
	s.handle(mux, "GET /api/v1/tokens", admin, func(w http.ResponseWriter, r *http.Request) {
		ts, err := s.opts.Tokens.List(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, nonNil(ts))
	})
	s.handle(mux, "POST /api/v1/tokens", admin, func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			access.Request
			ExpiresIn string `json:"expires_in"` // a Go duration, e.g. "720h"; "" never
		}
		if !decode(w, r, &req) {
			return
		}
		if req.ExpiresIn != "" {
			d, err := time.ParseDuration(req.ExpiresIn)
			if err != nil || d <= 0 {
				writeError(w, http.StatusBadRequest, "invalid", "expires_in must be a positive duration such as 720h")
				return
			}
			req.TTL = d
		}
		tok, secret, err := s.opts.Tokens.Issue(r.Context(), req.Request, Principal(r.Context()))
		if errors.Is(err, access.ErrInvalid) {
			writeError(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, struct {
			model.APIToken
			Token string `json:"token"`
			Note  string `json:"note"`
		}{tok, secret, "the token is shown only once; only its SM3 hash is stored"})
	})
	s.handle(mux, "DELETE /api/v1/tokens/{id}", admin, func(w http.ResponseWriter, r *http.Request) {
		err := s.opts.Tokens.Revoke(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", "no token "+r.PathValue("id"))
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
