package auth

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

type ctxKey struct{}

// FromContext returns the principal that Require stored.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// WithPrincipal returns ctx carrying p (for tests and in-process callers).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// Require authenticates every request with an "Authorization: Bearer KEY"
// header (an API key, or a JWT when the service has a token verifier) and
// stores the principal in the context; without valid credentials the
// answer is 401 problem+json. Reads need the read scope, other methods write.
// A request that already carries a principal (the gateway authenticated it
// in this process) is not authenticated again; its scope is still checked.
func Require(svc *Service, log *slog.Logger) func(http.Handler) http.Handler {
	return RequireObserved(svc, log, nil)
}

// RequireObserved is Require that calls failed (when not nil) with the
// reason of each request it refuses: "missing" (no Authorization header),
// "malformed", "invalid" (unknown, revoked or expired credentials),
// "scope" or "error" (the check itself failed), for metrics.
func RequireObserved(svc *Service, log *slog.Logger, failed func(reason string)) func(http.Handler) http.Handler {
	if failed == nil {
		failed = func(string) {}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, ok := FromContext(r.Context()); ok {
				if err := CheckMethodScope(p, r.Method); err != nil {
					failed("scope")
					web.Error(w, r, log, err)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			key, ok := Bearer(r.Header.Get("Authorization"))
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="trx"`)
				if r.Header.Get("Authorization") != "" {
					failed("malformed")
				} else {
					failed("missing")
				}
				web.Error(w, r, log, ErrUnauthenticated)
				return
			}
			p, err := svc.Authenticate(r.Context(), key)
			if err != nil {
				if fault.KindOf(err) == fault.Unauthenticated {
					w.Header().Set("WWW-Authenticate", `Bearer realm="trx", error="invalid_token"`)
					failed("invalid")
				} else {
					failed("error")
				}
				web.Error(w, r, log, err)
				return
			}
			if err := CheckMethodScope(p, r.Method); err != nil {
				failed("scope")
				web.Error(w, r, log, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// CheckMethodScope returns a Forbidden error unless p may use method:
// reads (GET, HEAD) need the read scope, other methods write.
func CheckMethodScope(p Principal, method string) error {
	need := ScopeWrite
	if method == http.MethodGet || method == http.MethodHead {
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
	if p.Method == MethodJWT {
		what = "token"
	}
	return fault.Errorf(fault.Forbidden, "this %s lacks the %q scope", what, scope)
}

// Bearer returns the credentials of an "Authorization: Bearer X" header.
func Bearer(h string) (string, bool) {
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	key = strings.TrimSpace(key)
	return key, key != ""
}
