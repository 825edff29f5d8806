package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authapi"
	"github.com/trx-platform/trx/internal/auth/authjwt"
	"github.com/trx-platform/trx/internal/dashboard"
	"github.com/trx-platform/trx/internal/envflag"
	"github.com/trx-platform/trx/internal/gateway"
)

// gatewayConfig is the part of serveConfig for the front door: JWT
// authentication, throttling, CORS, validation and the HTTP server's
// limits. Its zero value is usable (tests build it so): throttling and CORS
// off, validation on, /metrics public, the documented default limits.
type gatewayConfig struct {
	JWTSecret     string
	JWKSURL       string
	JWTIssuer     string
	JWTAudience   string
	JWTUserClaim  string
	JWTAutoCreate bool
	JWTLeeway     time.Duration
	// JWTMaxLifetime refuses tokens that live longer (0: any);
	// JWTKeyMaxLifetime bounds the API keys a JWT principal creates (0:
	// none). AuthCacheTTL is how long a principal is cached (0: not).
	JWTMaxLifetime    time.Duration
	JWTKeyMaxLifetime time.Duration
	AuthCacheTTL      time.Duration
	// SessionIdle and SessionMax end a password session unused for that
	// long, and that long after sign-in (0: the auth defaults).
	SessionIdle time.Duration
	SessionMax  time.Duration

	MetricsPrivate bool // --metrics-public=false
	DocsPublic     bool
	NoValidation   bool // --validate-requests=false

	// The rates: a negative one (the flags' "auto") is off when the
	// listen address is loopback and the Throttle* defaults otherwise.
	RateLimit      float64
	RateBurst      int
	IPRateLimit    float64
	IPRateBurst    int
	Concurrency    int // expensive requests at once per user, per gateway (0: DefaultConcurrency)
	TrustedProxies string
	CORSOrigins    string

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int

	now func() time.Time // tests inject a clock
}

// The HTTP server's defaults.
const (
	defReadHeaderTimeout = 10 * time.Second
	defReadTimeout       = 60 * time.Second
	defWriteTimeout      = 60 * time.Second
	defIdleTimeout       = 120 * time.Second
	defMaxHeaderBytes    = 64 << 10
)

func gatewayFlags(fs *envflag.FlagSet, cfg *gatewayConfig) {
	fs.SecretVar(&cfg.JWTSecret, "jwt-secret", "", "accept JWT bearer tokens signed HS256 with this secret (at least 32 bytes)")
	fs.URLVar(&cfg.JWKSURL, "jwks-url", "", "accept JWT bearer tokens signed RS256/ES256 (and RS384/512, ES384/512) by the keys published at this JWKS URL (cached 10 minutes)")
	fs.StringVar(&cfg.JWTIssuer, "jwt-issuer", "", "required iss claim of JWTs (empty: not checked)")
	fs.StringVar(&cfg.JWTAudience, "jwt-audience", "", "required aud claim of JWTs (empty: not checked)")
	fs.StringVar(&cfg.JWTUserClaim, "jwt-user-claim", "sub", "JWT claim whose value is the trx user's name")
	fs.BoolVar(&cfg.JWTAutoCreate, "jwt-auto-create", false, "create a trx user (without API keys) the first time a valid JWT names an unknown one")
	fs.DurationVar(&cfg.JWTLeeway, "jwt-leeway", 30*time.Second, "clock skew allowed on exp and nbf")
	fs.DurationVar(&cfg.JWTMaxLifetime, "jwt-max-lifetime", 0, "refuse JWTs that live longer than this (exp - iat); 0: any lifetime")
	fs.DurationVar(&cfg.JWTKeyMaxLifetime, "jwt-key-max-lifetime", 30*24*time.Hour, "API keys created with a JWT expire within this (never-expiring keys cannot be minted with a token); 0: no limit")
	fs.DurationVar(&cfg.AuthCacheTTL, "auth-cache-ttl", 5*time.Second, "how long a key's principal is cached in each process; a revocation reaches the other replicas at once over NATS, and this bounds it when NATS is down; 0: no cache")
	fs.DurationVar(&cfg.SessionIdle, "session-idle", auth.DefaultSessionIdle, "a password sign-in's session ends when unused for this long (give every process the same value)")
	fs.DurationVar(&cfg.SessionMax, "session-max", auth.DefaultSessionMax, "a password sign-in's session ends this long after sign-in, however much it is used")
	fs.NotBoolVar(&cfg.MetricsPrivate, "metrics-public", true, "serve /metrics without credentials; when false it needs an admin credential")
	fs.BoolVar(&cfg.DocsPublic, "docs-public", false, "serve /api/v1/openapi.json and /api/docs without credentials")
	fs.NotBoolVar(&cfg.NoValidation, "validate-requests", true, "validate requests against the OpenAPI document before any handler runs")
	fs.RateVar(&cfg.RateLimit, "rate-limit", "requests per second per API key (per user for a JWT) on each gateway replica; auto: off on a loopback --addr, "+
		strconv.FormatFloat(ThrottleKeyRate, 'g', -1, 64)+" otherwise; 0: unlimited (a key's own rate_limit still applies)")
	fs.IntVar(&cfg.RateBurst, "rate-burst", 0, "bucket size per API key (default: two seconds' worth of --rate-limit)")
	fs.RateVar(&cfg.IPRateLimit, "ip-rate-limit", "requests per second per client IP on each gateway replica, checked before authentication; auto: off on a loopback --addr, "+
		strconv.FormatFloat(ThrottleIPRate, 'g', -1, 64)+" otherwise; 0: unlimited")
	fs.IntVar(&cfg.IPRateBurst, "ip-rate-burst", 0, "bucket size per client IP (default: two seconds' worth of --ip-rate-limit)")
	fs.IntVar(&cfg.Concurrency, "user-concurrency", DefaultConcurrency, "expensive requests (reports, classify, batches, rule dry runs and applies, jobs, imports, exports) one user runs at once on each gateway replica; more are 429")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", "", "comma-separated IPs or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (empty: trust none)")
	fs.StringVar(&cfg.CORSOrigins, "cors-origins", "", "comma-separated browser origins allowed to call the API, e.g. https://app.example.com, or * (empty: no CORS)")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", defReadHeaderTimeout, "how long a client may take to send request headers")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", defReadTimeout, "how long a client may take to send a whole request (body included)")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", defWriteTimeout, "how long a response may take (WebSockets are exempt)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", defIdleTimeout, "how long an idle keep-alive connection stays open")
	fs.IntVar(&cfg.MaxHeaderBytes, "max-header-bytes", defMaxHeaderBytes, "largest request header block, in bytes (larger: 431)")
}

// Throttling when --rate-limit and --ip-rate-limit are auto and the
// listen address is not loopback (requests per second; bursts of two
// seconds' worth), and the per-user concurrency of expensive routes.
const (
	ThrottleKeyRate    = 50
	ThrottleIPRate     = 100
	DefaultConcurrency = 4
)

// throttling returns the per-key and per-IP limits for a process that
// listens on addr: the flags' values, or for an "auto" one, none on a
// loopback address (a laptop's trx serve stays friction-free) and the
// Throttle* rates on any other (a container, a server).
func (c gatewayConfig) throttling(addr string) (key, ip gateway.Limit) {
	open := !loopback(addr)
	pick := func(rate float64, burst int, def float64) gateway.Limit {
		if rate < 0 {
			rate = 0
			if open {
				rate = def
			}
		}
		if burst <= 0 && rate > 0 {
			burst = int(math.Ceil(2 * rate))
		}
		return gateway.Limit{Rate: rate, Burst: burst}
	}
	return pick(c.RateLimit, c.RateBurst, ThrottleKeyRate), pick(c.IPRateLimit, c.IPRateBurst, ThrottleIPRate)
}

// loopback reports whether a listen address is on the loopback interface
// only (127.0.0.1, ::1, localhost); an empty host (":8080") listens on all.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withDefaults fills the zero limits of c with the defaults.
func (c gatewayConfig) withDefaults() gatewayConfig {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&c.ReadHeaderTimeout, defReadHeaderTimeout)
	set(&c.ReadTimeout, defReadTimeout)
	set(&c.WriteTimeout, defWriteTimeout)
	set(&c.IdleTimeout, defIdleTimeout)
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = defMaxHeaderBytes
	}
	return c
}

// tokenOptions are the options that make the users' service accept the
// JWTs the flags describe (and use the test clock), in every process: a
// service behind a split gateway re-checks the credential it is forwarded,
// so it needs the same --jwt-* flags as the gateway.
func (s *server) tokenOptions() ([]auth.Option, error) {
	c := s.cfg.Gateway
	opts := []auth.Option{auth.WithClock(c.now)} // nil: the real clock
	if c.JWTSecret == "" && c.JWKSURL == "" {
		return opts, nil
	}
	v, err := authjwt.New(authjwt.Config{Secret: []byte(c.JWTSecret), JWKSURL: c.JWKSURL, Issuer: c.JWTIssuer,
		Audience: c.JWTAudience, UserClaim: c.JWTUserClaim, Leeway: c.JWTLeeway, MaxLifetime: c.JWTMaxLifetime, Now: c.now, Log: s.log})
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if c.JWKSURL != "" && c.JWTAudience == "" {
		// An identity provider signs tokens for all its applications: without
		// an audience check, a token it made for another one is accepted here.
		s.log.Warn("jwt_audience_not_checked", "risk", "tokens the identity provider issued for any other application are accepted",
			"fix", "set --jwt-audience to the audience your provider puts in trx's tokens")
	}
	return append(opts, auth.WithTokenVerifier(v, auth.TokenOptions{AutoCreate: c.JWTAutoCreate, KeyMaxLifetime: c.JWTKeyMaxLifetime})), nil
}

// newGateway builds the front door of a process that runs the gateway
// component: the keys API, the OpenAPI document and the dashboard on the
// mux, and the gateway's policy (validation, auth by operation scope,
// throttling, CORS) around the whole handler.
func newGateway(_ context.Context, sh *shared) (component, error) {
	c := sh.cfg.Gateway
	proxies, err := gateway.ParseProxies(c.TrustedProxies)
	if err != nil {
		return component{}, fmt.Errorf("serve: --trusted-proxies: %w", err)
	}
	if c.RateBurst < 0 || c.IPRateBurst < 0 || c.Concurrency < 0 {
		return component{}, fmt.Errorf("serve: bursts and --user-concurrency cannot be negative")
	}
	if c.SessionIdle < 0 || c.SessionMax < 0 {
		return component{}, fmt.Errorf("serve: --session-idle and --session-max cannot be negative")
	}
	keyLimit, ipLimit := c.throttling(sh.cfg.Addr)
	spec, err := gateway.LoadSpec()
	if err != nil {
		return component{}, err
	}
	docsAuthn := sh.authn
	if c.DocsPublic {
		docsAuthn = nil
	}
	// The documentation is rendered (and registered) here, so that a broken
	// document fails the start rather than the first request.
	if err := gateway.DocsRoutes(sh.mux, spec, docsAuthn); err != nil {
		return component{}, err
	}
	sh.log.Info("gateway_ready", "jwt_hs256", c.JWTSecret != "", "jwks_url", c.JWKSURL, "rate_limit", keyLimit.Rate, "rate_burst", keyLimit.Burst,
		"ip_rate_limit", ipLimit.Rate, "ip_rate_burst", ipLimit.Burst, "user_concurrency", c.Concurrency, "cors_origins", c.CORSOrigins, "validate_requests", !c.NoValidation,
		"metrics_public", !c.MetricsPrivate, "docs_public", c.DocsPublic)
	cfg := gateway.Config{
		Spec:         spec,
		Authenticate: sh.users.Authenticate,
		Tickets:      sh.users.PeekTicket,
		Sessions:     sh.users.AuthenticateSession,
		Public:       map[string]bool{"metrics": !c.MetricsPrivate, "docs": c.DocsPublic},
		KeyLimit:     keyLimit,
		IPLimit:      ipLimit,
		Concurrency:  c.Concurrency,
		Proxies:      proxies,
		CORS:         gateway.CORS{Origins: gateway.ParseOrigins(c.CORSOrigins)},
		NoValidation: c.NoValidation,
		Now:          c.now,
		Log:          sh.log,
		Metrics:      sh.gw,
	}
	for _, op := range spec.Operations() {
		sh.httpm.Init(op.Pattern()) // every documented route's series at zero
	}
	return component{
		routes: func(mux *http.ServeMux, wrap middleware) {
			authapi.Routes(mux, sh.users, wrap, sh.log)
			authapi.SessionRoutes(mux, sh.users, wrap, authapi.SessionOptions{Secure: proxies.HTTPS, ClientIP: proxies.ClientIP}, sh.log)
			dashboard.Routes(mux) // the browser dashboard at /, from the front door
		},
		wrap: func(h http.Handler) http.Handler { return gateway.New(cfg, h) },
	}, nil
}
