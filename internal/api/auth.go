package api

import (
	"context"
	"net/http"
)

// Roles a route may allow. The full 一网统管 set (值班员, 值班长, 派遣员,
// agency users, 监督员, 网格员) arrives with tokens; these three cover the
// skeleton's routes.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleAdmin    = "admin"
)

// Authorizer decides whether a request may use a route allowing roles, and
// puts the caller's name in the request context.
type Authorizer interface {
	Wrap(roles []string, next http.Handler) http.Handler
}

// OpenAccess lets everyone in as "anonymous". It is the skeleton's default
// until API tokens exist; deploy the hub only on a closed network until then.
type OpenAccess struct{}

// Wrap implements Authorizer.
func (OpenAccess) Wrap(_ []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), "anonymous")))
	})
}

type principalKey struct{}

// WithPrincipal records who is calling.
func WithPrincipal(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, principalKey{}, who)
}

// Principal returns who is calling, "" if unknown.
func Principal(ctx context.Context) string {
	s, _ := ctx.Value(principalKey{}).(string)
	return s
}
