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
// header and stores the principal in the context; without a valid key the
// answer is 401 problem+json. Reads need the read scope, other methods write.
func Require(svc *Service, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, ok := bearer(r.Header.Get("Authorization"))
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="trx"`)
				web.Error(w, r, log, ErrUnauthenticated)
				return
			}
			p, err := svc.Authenticate(r.Context(), key)
			if err != nil {
				if fault.KindOf(err) == fault.Unauthenticated {
					w.Header().Set("WWW-Authenticate", `Bearer realm="trx", error="invalid_token"`)
				}
				web.Error(w, r, log, err)
				return
			}
			need := ScopeWrite
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				need = ScopeRead
			}
			if !p.Has(need) {
				web.Error(w, r, log, fault.Errorf(fault.Forbidden, "this API key lacks the %q scope", need))
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

func bearer(h string) (string, bool) {
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	key = strings.TrimSpace(key)
	return key, key != ""
}
