package authapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// Require authenticates every request with an "Authorization: Bearer KEY"
// header (an API key, or a JWT when the service has a token verifier) or,
// without that header, the session cookie (auth.SessionCookie, whose
// requests that change state must carry auth.CSRFHeader: 403 otherwise),
// and stores the principal in the context (auth.FromContext); without
// valid credentials the answer is 401 problem+json. Reads need the read scope,
// other methods write. A request that already carries a principal (the
// gateway authenticated it in this process) is not authenticated again;
// its scope is still checked.
func Require(svc *auth.Service, log *slog.Logger) func(http.Handler) http.Handler {
	return RequireObserved(svc, log, nil)
}

// RequireObserved is Require that calls failed (when not nil) with the
// reason of each request it refuses: "missing" (no Authorization header),
// "malformed", "invalid" (unknown, revoked or expired credentials),
// "scope" or "error" (the check itself failed), for metrics.
func RequireObserved(svc *auth.Service, log *slog.Logger, failed func(reason string)) func(http.Handler) http.Handler {
	return require(svc, log, failed, func(r *http.Request) string {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return auth.ScopeRead
		}
		return auth.ScopeWrite
	})
}

// require is RequireObserved with the scope each request needs.
func require(svc *auth.Service, log *slog.Logger, failed func(reason string), scope func(*http.Request) string) func(http.Handler) http.Handler {
	if failed == nil {
		failed = func(string) {}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, ok := auth.FromContext(r.Context()); ok {
				if err := auth.CheckScope(p, scope(r)); err != nil {
					failed("scope")
					web.Error(w, r, log, err)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" && r.Header.Get("Authorization") == "" {
				serveSession(w, r, svc, log, failed, scope(r), c.Value, next)
				return
			}
			key, ok := web.Bearer(r.Header.Get("Authorization"))
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="trx"`)
				if r.Header.Get("Authorization") != "" {
					failed("malformed")
				} else {
					failed("missing")
				}
				web.Error(w, r, log, auth.ErrUnauthenticated)
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
			if err := auth.CheckScope(p, scope(r)); err != nil {
				failed("scope")
				web.Error(w, r, log, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
}

// serveSession authenticates r by its session cookie.
func serveSession(w http.ResponseWriter, r *http.Request, svc *auth.Service, log *slog.Logger, failed func(string), scope, secret string, next http.Handler) {
	p, err := svc.AuthenticateSession(r.Context(), secret, r.Method, r.Header.Get(auth.CSRFHeader))
	if err != nil {
		switch fault.KindOf(err) {
		case fault.Unauthenticated:
			failed("invalid")
		case fault.Forbidden:
			failed("csrf")
		default:
			failed("error")
		}
		WriteAuthError(w, r, log, err)
		return
	}
	if err := auth.CheckScope(p, scope); err != nil {
		failed("scope")
		web.Error(w, r, log, err)
		return
	}
	next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
}

// CSRFProblem is the problem type of a refused CSRF check.
const CSRFProblem = web.ProblemBase + "csrf"

// WriteAuthError writes err as problem+json, a CSRF refusal (auth.ErrCSRF)
// with the type CSRFProblem.
func WriteAuthError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if errors.Is(err, auth.ErrCSRF) {
		web.WriteProblem(w, r, web.Problem{Type: CSRFProblem, Status: http.StatusForbidden, Detail: fault.Message(err)})
		return
	}
	web.Error(w, r, log, err)
}
