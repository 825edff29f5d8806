package auth

import (
	"context"

	"github.com/trx-platform/trx/internal/fault"
)

type ctxKey struct{}

// FromContext returns the principal that authenticated the request
// (authapi.Require or the gateway stored it).
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// WithPrincipal returns ctx carrying p (for tests and in-process callers).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// CheckMethodScope returns a Forbidden error unless p may use the HTTP
// method: reads (GET, HEAD) need the read scope, other methods write.
func CheckMethodScope(p Principal, method string) error {
	need := ScopeWrite
	if method == "GET" || method == "HEAD" {
		need = ScopeRead
	}
	return CheckScope(p, need)
}

// CheckScope returns a Forbidden error unless p holds scope.
func CheckScope(p Principal, scope string) error {
	if p.Has(scope) {
		return nil
	}
	what := "API key"
	switch p.Method {
	case MethodJWT:
		what = "token"
	case MethodSession:
		what = "session (the user's scopes)"
	}
	return fault.Errorf(fault.Forbidden, "this %s lacks the %q scope", what, scope)
}

// CheckAdmin returns a Forbidden error saying that action ("changing
// stocks") needs the admin scope, unless the principal of ctx holds it.
func CheckAdmin(ctx context.Context, action string) error {
	if p, _ := FromContext(ctx); p.Has(ScopeAdmin) {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "%s needs an API key with the admin scope", action)
}
