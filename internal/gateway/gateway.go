package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// Authenticator turns a bearer credential (an API key or a JWT) into a
// principal; auth.Service.Authenticate is one.
type Authenticator func(ctx context.Context, token string) (auth.Principal, error)

// Config is the gateway's policy.
type Config struct {
	Spec *Spec
	// Authenticate checks credentials; nil leaves authentication to the
	// routes (and skips per-key throttling).
	Authenticate Authenticator
	// Tickets checks a WebSocket ticket (the wsTicket scheme: /ws?ticket=)
	// without using it up: the notifier redeems it (auth.Service.
	// PeekTicket). Nil: tickets are refused here.
	Tickets Authenticator
	// Sessions checks a session cookie (auth.SessionCookie) on the
	// operations that take the session scheme, with the request's method
	// and CSRF header (auth.Service.AuthenticateSession); it is used only
	// when the request has no Authorization header. Nil: cookies are
	// ignored here.
	Sessions func(ctx context.Context, secret, method, csrf string) (auth.Principal, error)
	// Public lists the x-trx-public-flag names that are on: "metrics"
	// makes /metrics public, "docs" the OpenAPI document and docs page.
	Public map[string]bool
	// KeyLimit is the default bucket per API key (per user for a JWT); a
	// key's own rate_limit/rate_burst override it. IPLimit is per client
	// IP, checked before authentication. Zero rates mean no limit.
	KeyLimit Limit
	IPLimit  Limit
	// Concurrency is how many expensive operations (x-trx-expensive) one
	// user runs at once through this gateway (0: 4); more are 429.
	Concurrency int
	// Proxies are trusted to report the client's IP in X-Forwarded-For.
	Proxies Proxies
	CORS    CORS
	// NoValidation turns request validation off (routing, authentication
	// and throttling stay).
	NoValidation bool
	// MaxBody is the largest JSON body the gateway buffers to validate
	// (default web.MaxBody, the handlers' limit).
	MaxBody int64
	Now     func() time.Time // default time.Now; tests inject a clock
	Log     *slog.Logger
	// Metrics is told of throttling decisions and authentication
	// failures (nil: nobody); metrics.Gateway is one.
	Metrics Observer
}

// Observer counts the gateway's decisions.
type Observer interface {
	Throttle(bucket string, allowed bool) // bucket: "ip" or "key"
	AuthFailure(reason string)            // missing, malformed, invalid, scope or error
}

type noObserver struct{}

func (noObserver) Throttle(string, bool) {}
func (noObserver) AuthFailure(string)    {}

// Gateway applies a Config to requests.
type Gateway struct {
	cfg   Config
	log   *slog.Logger
	keys  *Buckets
	ips   *Buckets
	slots *Slots
	mux   *http.ServeMux // the document's operations, for routing
	next  http.Handler
}

type opKey struct{}

// OperationOf returns the documented operation the gateway routed r to.
func OperationOf(r *http.Request) *Operation {
	op, _ := r.Context().Value(opKey{}).(*Operation)
	return op
}

// New returns the gateway in front of next (the routes, or a proxy to
// them).
func New(cfg Config, next http.Handler) *Gateway {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = web.MaxBody
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noObserver{}
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	g := &Gateway{cfg: cfg, log: cfg.Log, keys: NewBuckets(), ips: NewBuckets(), slots: NewSlots(cfg.Concurrency), mux: http.NewServeMux(), next: next}
	for _, op := range cfg.Spec.Operations() {
		g.mux.Handle(op.Pattern(), g.operation(op))
	}
	g.mux.Handle("/", g.undocumented())
	return g
}

// ServeHTTP routes r through the document's operations. The ServeMux
// that routes sets r.Pattern on r itself, so metrics and access logs
// further out see the route of requests the gateway refuses, too.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isPreflight(r) && len(g.cfg.CORS.Origins) > 0 {
		if !g.cfg.CORS.preflight(w, r, g.allowedMethods(r)) {
			web.Problemf(w, r, http.StatusForbidden, "CORS: origin or method not allowed")
		}
		return
	}
	g.cfg.CORS.headers(w, r)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w = &apiHeaders{ResponseWriter: w}
	}
	g.mux.ServeHTTP(w, r)
}

// apiHeaders sets the headers of every API answer as its status is
// written (replacing what a forwarded service sent, so that none is
// doubled): API answers hold a user's data, so no cache (a shared proxy,
// the browser's) keeps them (Cache-Control: no-store), and no browser
// sniffs them into another type (X-Content-Type-Options: nosniff).
type apiHeaders struct {
	http.ResponseWriter
	wrote bool
}

func (a *apiHeaders) WriteHeader(code int) {
	if !a.wrote {
		a.wrote = true
		h := a.ResponseWriter.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *apiHeaders) Write(b []byte) (int, error) {
	if !a.wrote {
		a.WriteHeader(http.StatusOK)
	}
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (a *apiHeaders) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// allowedMethods lists the documented methods of r's path.
func (g *Gateway) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := g.mux.Handler(probe); pattern != "" && pattern != "/" {
			out = append(out, m)
		}
	}
	return out
}

// undocumented passes requests that match no documented operation on to
// the routes (whose answer is 404 or 405), throttled per IP.
func (g *Gateway) undocumented() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.throttle(w, r, "ip:"+g.cfg.Proxies.ClientIP(r), g.cfg.IPLimit) {
			return
		}
		r.Pattern = "" // as if the routes' own ServeMux matched nothing yet
		g.next.ServeHTTP(w, r)
	})
}

func (g *Gateway) operation(op *Operation) http.Handler {
	public := op.Public()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !public && !g.throttle(w, r, "ip:"+g.cfg.Proxies.ClientIP(r), g.cfg.IPLimit) {
			return
		}
		ctx := context.WithValue(r.Context(), opKey{}, op)
		if !public && !(op.PublicFlag != "" && g.cfg.Public[op.PublicFlag]) && g.cfg.Authenticate != nil {
			p, err := g.authenticate(w, r, op)
			if err != nil {
				g.writeAuthError(w, r, err)
				return
			}
			l := g.cfg.KeyLimit
			if p.RateLimit > 0 {
				l.Rate = p.RateLimit
			}
			if p.RateBurst > 0 {
				l.Burst = p.RateBurst
			}
			if !g.throttle(w, r, "key:"+p.Subject(), l) {
				return
			}
			if op.Expensive {
				if !g.slots.TryTake(p.UserID) {
					w.Header().Set("Retry-After", "1")
					web.WriteProblem(w, r, web.Problem{Status: http.StatusTooManyRequests,
						Detail: "you run " + strconv.Itoa(g.cfg.Concurrency) + " expensive requests (reports, classification, batches, rule runs, jobs, imports, exports) at once already, the most one user may; retry when one is done"})
					return
				}
				defer g.slots.Give(p.UserID)
			}
			ctx = auth.WithPrincipal(ctx, p)
		}
		if !g.cfg.NoValidation {
			doc, err := validate(r, op, g.cfg.MaxBody)
			if err != nil {
				web.Error(w, r, g.log, err)
				return
			}
			if doc != nil { // the handlers here take it without parsing the body again
				ctx = web.WithDecodedBody(ctx, *doc)
			}
		}
		r2 := r.WithContext(ctx)
		g.next.ServeHTTP(w, r2)
		if r2.Pattern != "" {
			r.Pattern = r2.Pattern // the route that served it
		}
	})
}

// authenticate checks r's credentials for op: the Authorization header,
// or for operations that take it (the WebSocket) the token parameter.
func (g *Gateway) authenticate(w http.ResponseWriter, r *http.Request, op *Operation) (auth.Principal, error) {
	token, ok := web.Bearer(r.Header.Get("Authorization"))
	check := g.cfg.Authenticate
	if !ok && r.Header.Get("Authorization") == "" && op.acceptsScheme("wsToken") {
		token = r.URL.Query().Get("token")
		ok = token != ""
	}
	if !ok && r.Header.Get("Authorization") == "" && op.acceptsScheme("wsTicket") && g.cfg.Tickets != nil {
		token = r.URL.Query().Get("ticket")
		ok, check = token != "", g.cfg.Tickets
	}
	if !ok && r.Header.Get("Authorization") == "" && op.acceptsScheme("session") && g.cfg.Sessions != nil {
		if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
			return g.authenticateSession(w, r, op, c.Value)
		}
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="trx"`)
		if r.Header.Get("Authorization") != "" {
			g.cfg.Metrics.AuthFailure("malformed")
			return auth.Principal{}, fault.New(fault.Unauthenticated, "malformed Authorization header; send Authorization: Bearer <credential>")
		}
		g.cfg.Metrics.AuthFailure("missing")
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	p, err := check(r.Context(), token)
	if err != nil {
		reason := "error"
		if fault.KindOf(err) == fault.Unauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="trx", error="invalid_token"`)
			reason = "invalid"
		}
		g.cfg.Metrics.AuthFailure(reason)
		return p, err
	}
	return p, g.checkScopes(w, op, p)
}

// checkScopes refuses p unless it holds every scope op needs.
func (g *Gateway) checkScopes(w http.ResponseWriter, op *Operation, p auth.Principal) error {
	for _, s := range op.Scopes() {
		if err := auth.CheckScope(p, s); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="trx", error="insufficient_scope", scope="`+strings.Join(op.Scopes(), " ")+`"`)
			g.cfg.Metrics.AuthFailure("scope")
			return err
		}
	}
	return nil
}

// authenticateSession checks a session cookie and, for a method that
// changes state, its CSRF header.
func (g *Gateway) authenticateSession(w http.ResponseWriter, r *http.Request, op *Operation, secret string) (auth.Principal, error) {
	p, err := g.cfg.Sessions(r.Context(), secret, r.Method, r.Header.Get(auth.CSRFHeader))
	if err != nil {
		switch {
		case errors.Is(err, auth.ErrCSRF):
			g.cfg.Metrics.AuthFailure("csrf")
		case fault.KindOf(err) == fault.Unauthenticated:
			g.cfg.Metrics.AuthFailure("invalid")
		default:
			g.cfg.Metrics.AuthFailure("error")
		}
		return p, err
	}
	return p, g.checkScopes(w, op, p)
}

// CSRFProblem is the problem type of a change made with the session
// cookie without the session's CSRF token.
const CSRFProblem = web.ProblemBase + "csrf"

// writeAuthError writes err, a CSRF refusal with the type CSRFProblem.
func (g *Gateway) writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, auth.ErrCSRF) {
		web.WriteProblem(w, r, web.Problem{Type: CSRFProblem, Status: http.StatusForbidden, Detail: fault.Message(err)})
		return
	}
	web.Error(w, r, g.log, err)
}

// throttle takes a token from key's bucket; over the limit it answers 429
// and returns false. The RateLimit headers of the tighter bucket are set.
func (g *Gateway) throttle(w http.ResponseWriter, r *http.Request, key string, l Limit) bool {
	if !l.On() {
		return true
	}
	b := g.keys
	if strings.HasPrefix(key, "ip:") {
		b = g.ips
	}
	d := b.Take(key, l, g.cfg.Now())
	if b == g.ips {
		g.cfg.Metrics.Throttle("ip", d.Allowed)
	} else {
		g.cfg.Metrics.Throttle("key", d.Allowed)
	}
	// The tighter bucket's headers win (no parse, and no error value made,
	// when this is the first bucket of the request).
	if prevS := w.Header().Get("RateLimit-Remaining"); prevS == "" || !d.Allowed {
		setRateHeaders(w.Header(), d)
	} else if prev, err := strconv.Atoi(prevS); err != nil || d.Remaining < prev {
		setRateHeaders(w.Header(), d)
	}
	if d.Allowed {
		return true
	}
	what := "this API key"
	if b == g.ips {
		what = "this client address"
	}
	web.WriteProblem(w, r, web.Problem{Status: http.StatusTooManyRequests,
		Detail: "too many requests from " + what + "; retry after " + ceilSeconds(d.RetryAfter) + " s (limits are per gateway replica)"})
	return false
}
