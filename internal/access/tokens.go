// Package access issues, checks and revokes the API's bearer tokens. A token
// is "ywt_<id>_<secret>": the id (12 hex digits) finds its row, and only a
// salted SM3 hash of the secret is kept, so a copy of the database lets no
// one in. Each token carries one role and, for an agency user, its agency.
package access

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/secret"
	"github.com/ywtg/hub/internal/store"
)

// RoleBroker is the role of the token an external MQTT broker (EMQX,
// Mosquitto with mosquitto-go-auth) holds to ask the hub who may connect
// and publish where; it may use nothing else.
const RoleBroker = "broker"

// Roles a token may carry: the 一网统管 roles of SPEC §6, and the broker's.
var Roles = []string{dispatch.RoleOperator, dispatch.RoleChief, dispatch.RoleDispatcher, dispatch.RoleAgency,
	dispatch.RoleSupervisor, dispatch.RoleGrid, dispatch.RoleViewer, dispatch.RoleAdmin, RoleBroker}

// Prefix starts every token, so that a leaked one is recognisable by secret
// scanners.
const Prefix = "ywt_"

// ErrUnauthorized matches every *Refusal: a token that was not accepted.
var ErrUnauthorized = errors.New("unauthorized")

// Reasons a token is refused, as counted and answered.
const (
	ReasonMissing     = "token_missing"
	ReasonMalformed   = "token_malformed"
	ReasonUnknown     = "token_unknown"
	ReasonWrongSecret = "token_wrong_secret"
	ReasonRevoked     = "token_revoked"
	ReasonExpired     = "token_expired"
)

// Refusal is why a token was not accepted.
type Refusal struct {
	Reason string // one of the Reason… ids
	Detail string
}

func (r *Refusal) Error() string { return r.Detail }

// Is makes every Refusal match ErrUnauthorized.
func (r *Refusal) Is(target error) bool { return target == ErrUnauthorized }

func refuse(reason, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// ErrInvalid is a token request that cannot be issued (unknown role, an
// agency user without a known agency).
var ErrInvalid = errors.New("invalid token request")

// Store keeps tokens.
type Store interface {
	CreateToken(ctx context.Context, t model.APIToken) error
	GetToken(ctx context.Context, id string) (model.APIToken, error)
	ListTokens(ctx context.Context) ([]model.APIToken, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// Options configures Tokens.
type Options struct {
	Store Store
	// Agency reports whether an agency id exists (nil: any non-empty id).
	Agency func(id string) bool
	// Recheck is how long a checked token is trusted before its row is read
	// again, so a revocation made by another process (hub tokens revoke)
	// takes effect within it. Default 5 s; revocations through this Tokens
	// take effect at once.
	Recheck time.Duration
	Now     func() time.Time
}

// Tokens issues and checks tokens.
type Tokens struct {
	opts  Options
	mu    sync.Mutex
	known map[string]checked // by token id
}

type checked struct {
	tok     model.APIToken
	at      time.Time // when the row was read
	touched time.Time // last_used last written
}

// New returns Tokens over opts.Store.
func New(opts Options) *Tokens {
	if opts.Recheck == 0 {
		opts.Recheck = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Tokens{opts: opts, known: map[string]checked{}}
}

// Request asks for a token.
type Request struct {
	Name     string        `json:"name"`
	Role     string        `json:"role"`
	AgencyID string        `json:"agency_id,omitempty"`
	TTL      time.Duration `json:"-"` // 0: no expiry
}

// Issue creates a token and returns it with the full secret, shown only
// this once.
func (t *Tokens) Issue(ctx context.Context, r Request, by string) (model.APIToken, string, error) {
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Name == "":
		return model.APIToken{}, "", fmt.Errorf("%w: a token needs a name saying who holds it", ErrInvalid)
	case len([]rune(r.Name)) > 100:
		return model.APIToken{}, "", fmt.Errorf("%w: name longer than 100 characters", ErrInvalid)
	case !slices.Contains(Roles, r.Role):
		return model.APIToken{}, "", fmt.Errorf("%w: unknown role %q (roles: %s)", ErrInvalid, r.Role, strings.Join(Roles, ", "))
	case r.Role == dispatch.RoleAgency && r.AgencyID == "":
		return model.APIToken{}, "", fmt.Errorf("%w: an agency user's token needs its agency", ErrInvalid)
	case r.Role != dispatch.RoleAgency && r.AgencyID != "":
		return model.APIToken{}, "", fmt.Errorf("%w: only an agency user's token has an agency", ErrInvalid)
	case r.AgencyID != "" && t.opts.Agency != nil && !t.opts.Agency(r.AgencyID):
		return model.APIToken{}, "", fmt.Errorf("%w: no agency %q in the catalogue", ErrInvalid, r.AgencyID)
	case r.TTL < 0:
		return model.APIToken{}, "", fmt.Errorf("%w: negative lifetime", ErrInvalid)
	}
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return model.APIToken{}, "", err
	}
	plain, hash, err := secret.New(32)
	if err != nil {
		return model.APIToken{}, "", err
	}
	now := t.opts.Now().UTC().Truncate(time.Millisecond)
	tok := model.APIToken{ID: hex.EncodeToString(id), Name: r.Name, Role: r.Role, AgencyID: r.AgencyID,
		Hash: hash, CreatedAt: now, CreatedBy: by}
	if r.TTL > 0 {
		tok.ExpiresAt = now.Add(r.TTL)
	}
	if err := t.opts.Store.CreateToken(ctx, tok); err != nil {
		return model.APIToken{}, "", err
	}
	return tok, Prefix + tok.ID + "_" + plain, nil
}

// Check returns the live token that raw is; a *Refusal when it is not, or
// the store's error.
func (t *Tokens) Check(ctx context.Context, raw string) (model.APIToken, error) {
	id, plain, ok := split(raw)
	if !ok {
		return model.APIToken{}, refuse(ReasonMalformed, "malformed token (want %s<id>_<secret>)", Prefix)
	}
	now := t.opts.Now()
	t.mu.Lock()
	c, hit := t.known[id]
	t.mu.Unlock()
	if !hit || now.Sub(c.at) > t.opts.Recheck {
		tok, err := t.opts.Store.GetToken(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return model.APIToken{}, refuse(ReasonUnknown, "unknown token %s", id)
		}
		if err != nil {
			return model.APIToken{}, err
		}
		c = checked{tok: tok, at: now, touched: c.touched}
		t.mu.Lock()
		t.known[id] = c
		t.mu.Unlock()
	}
	tok := c.tok
	if !secret.Check(tok.Hash, plain) {
		return model.APIToken{}, refuse(ReasonWrongSecret, "wrong secret for token %s", id)
	}
	if !tok.RevokedAt.IsZero() {
		return model.APIToken{}, refuse(ReasonRevoked, "token %s was revoked at %s", id, tok.RevokedAt.Format(time.RFC3339))
	}
	if !tok.ExpiresAt.IsZero() && !now.Before(tok.ExpiresAt) {
		return model.APIToken{}, refuse(ReasonExpired, "token %s expired at %s", id, tok.ExpiresAt.Format(time.RFC3339))
	}
	if now.Sub(c.touched) > time.Minute { // last_used, at most once a minute per token
		if err := t.opts.Store.TouchToken(ctx, id, now); err == nil {
			t.mu.Lock()
			if k, ok := t.known[id]; ok {
				k.touched = now
				t.known[id] = k
			}
			t.mu.Unlock()
		}
	}
	return tok, nil
}

// Revoke ends a token at once; store.ErrNotFound if there is none.
func (t *Tokens) Revoke(ctx context.Context, id string) error {
	if err := t.opts.Store.RevokeToken(ctx, id, t.opts.Now().UTC()); err != nil {
		return err
	}
	t.mu.Lock()
	delete(t.known, id)
	t.mu.Unlock()
	return nil
}

// List returns every token, revoked ones included (never a secret).
func (t *Tokens) List(ctx context.Context) ([]model.APIToken, error) {
	return t.opts.Store.ListTokens(ctx)
}

// split parses "ywt_<12 hex>_<secret>".
func split(raw string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(raw, Prefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || len(id) != 12 || secret == "" || len(secret) > 100 {
		return "", "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", "", false
	}
	return id, secret, true
}
