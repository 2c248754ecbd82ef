package api

import (
	"context"
	"net/http"

	"github.com/ywtg/hub/internal/dispatch"
	"github.com/ywtg/hub/internal/model"
)

// Roles a route may allow: the 一网统管 set of SPEC §6 (ids from dispatch).
const (
	RoleViewer     = dispatch.RoleViewer
	RoleOperator   = dispatch.RoleOperator
	RoleChief      = dispatch.RoleChief
	RoleDispatcher = dispatch.RoleDispatcher
	RoleAgency     = dispatch.RoleAgency
	RoleSupervisor = dispatch.RoleSupervisor
	RoleGrid       = dispatch.RoleGrid
	RoleAdmin      = dispatch.RoleAdmin
)

// monitorRoles may watch devices, alarms, incidents and the live screen.
var monitorRoles = []string{RoleViewer, RoleOperator, RoleChief, RoleDispatcher, RoleSupervisor, RoleGrid, RoleAdmin}

// Authorizer decides whether a request may use a route allowing roles, and
// puts the caller in the request context.
type Authorizer interface {
	Wrap(roles []string, next http.Handler) http.Handler
}

// OpenAccess lets everyone in as "anonymous" with the admin role. It is the
// default until API tokens exist (issue 7); deploy the hub only on a closed
// network until then.
type OpenAccess struct{}

// Wrap implements Authorizer.
func (OpenAccess) Wrap(_ []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := dispatch.Actor{Name: "anonymous", Role: RoleAdmin}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), who)))
	})
}

type principalKey struct{}

// WithPrincipal records who is calling.
func WithPrincipal(ctx context.Context, who dispatch.Actor) context.Context {
	return context.WithValue(ctx, principalKey{}, who)
}

// Caller returns who is calling; the zero Actor if unknown.
func Caller(ctx context.Context) dispatch.Actor {
	a, _ := ctx.Value(principalKey{}).(dispatch.Actor)
	return a
}

// Principal returns the caller's name, "" if unknown.
func Principal(ctx context.Context) string { return Caller(ctx).Name }

// AuditLog appends entries to the tamper-evident audit chain (the store's
// AppendAudit sets their Seq and hashes).
type AuditLog interface {
	AppendAudit(ctx context.Context, es ...model.AuditEntry) ([]model.AuditEntry, error)
}
