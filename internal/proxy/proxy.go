// Package proxy is the gateway's side of a split deployment: it forwards
// requests (WebSocket upgrades included) to the processes that run each
// service, round-robin over their replicas, retrying only idempotent
// requests that never reached a replica, and it lets a service trust only
// requests that came through a gateway (a shared secret), and the
// principal the gateway authenticated for each (a signed principal, so
// that the service does not authenticate the request again).
package proxy

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// SecretHeader carries the shared secret from the gateway to a service.
const SecretHeader = "X-Trx-Internal-Secret"

// PrincipalHeader carries the signed principal (auth.Signer) of a request
// the gateway authenticated. The gateway drops any a client sent; a
// service trusts only one that verifies.
const PrincipalHeader = "X-Trx-Principal"

// ParseUpstreams reads "name=url,name=url2,other=url3" into replicas per
// service name; a name given twice has two replicas.
func ParseUpstreams(s string) (map[string][]*url.URL, error) {
	out := map[string][]*url.URL{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, raw, ok := strings.Cut(part, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("upstream %q: want name=http://host:port", part)
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("upstream %s=%q: want an http:// or https:// URL", name, raw)
		}
		out[name] = append(out[name], u)
	}
	return out, nil
}

// Config configures a Proxy.
type Config struct {
	Upstreams map[string][]*url.URL
	// Secret, if set, is sent to every upstream in SecretHeader.
	Secret string
	// Signer, if set, signs the principal of each authenticated request
	// into PrincipalHeader (with the same internal secret), so that the
	// service trusts it instead of authenticating the request again.
	Signer *auth.Signer
	// Timeout bounds the wait for an upstream's response headers (default 30s).
	Timeout time.Duration
	// WrapTransport, if set, wraps the transport to the upstreams (tracing
	// puts a client span and the trace context on each forwarded request).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Proxy forwards requests to upstream services.
type Proxy struct {
	cfg      Config
	log      *slog.Logger
	next     map[string]*atomic.Uint64
	rp       *httputil.ReverseProxy
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

type ctxKey int

const (
	upstreamKey ctxKey = iota
	startKey
)

// New returns a Proxy; its metrics go on reg.
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) *Proxy {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	p := &Proxy{cfg: cfg, log: log, next: map[string]*atomic.Uint64{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trx_gateway_upstream_requests_total",
			Help: "Requests the gateway forwarded, by upstream service and status code (502/504 when it answered for an unreachable upstream)."},
			[]string{"upstream", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "trx_gateway_integration_latency_seconds",
			Help:    "Integration latency: time from forwarding a request to an upstream service to its response headers.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"upstream"}),
	}
	reg.MustRegister(p.requests, p.latency)
	for name := range cfg.Upstreams {
		p.next[name] = new(atomic.Uint64)
		// Unreachable-upstream ratios divide by these: they exist at zero.
		p.requests.WithLabelValues(name, "502")
		p.requests.WithLabelValues(name, "504")
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		ForceAttemptHTTP2:     false,
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      p.wrap(&retrying{base: transport, p: p}),
		FlushInterval:  -1, // stream responses (reports, WebSocket) as they come
		ErrorHandler:   p.fail,
		ModifyResponse: p.observe,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return p
}

func (p *Proxy) wrap(rt http.RoundTripper) http.RoundTripper {
	if p.cfg.WrapTransport == nil {
		return rt
	}
	return p.cfg.WrapTransport(rt)
}

// Names returns the configured upstream service names, sorted.
func (p *Proxy) Names() []string {
	out := make([]string, 0, len(p.cfg.Upstreams))
	for n := range p.cfg.Upstreams {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Has reports whether an upstream of that name is configured.
func (p *Proxy) Has(name string) bool { return len(p.cfg.Upstreams[name]) > 0 }

// To returns a handler that forwards to the named upstream.
func (p *Proxy) To(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			// A proxied WebSocket lives on past the server's HTTP timeouts.
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		}
		ctx := context.WithValue(r.Context(), upstreamKey, name)
		ctx = context.WithValue(ctx, startKey, time.Now())
		p.rp.ServeHTTP(w, r.WithContext(ctx))
	})
}

// pick returns the next replica of name, round-robin.
func (p *Proxy) pick(name string) *url.URL {
	targets := p.cfg.Upstreams[name]
	return targets[p.next[name].Add(1)%uint64(len(targets))]
}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	name, _ := pr.In.Context().Value(upstreamKey).(string)
	target := p.pick(name)
	pr.SetURL(target)
	pr.Out.Host = pr.In.Host // services see the host the client used (WebSocket origin checks)
	pr.SetXForwarded()
	if id := web.RequestID(pr.In.Context()); id != "" {
		pr.Out.Header.Set("X-Request-ID", id)
	}
	pr.Out.Header.Del(SecretHeader)
	pr.Out.Header.Del(PrincipalHeader) // only the gateway's own
	if p.cfg.Secret != "" {
		pr.Out.Header.Set(SecretHeader, p.cfg.Secret)
	}
	id := web.RequestID(pr.In.Context())
	if principal, ok := auth.FromContext(pr.In.Context()); ok && p.cfg.Signer != nil && id != "" {
		pr.Out.Header.Set(PrincipalHeader, p.cfg.Signer.Sign(principal,
			auth.Binding{RequestID: id, Method: pr.Out.Method, Path: pr.Out.URL.EscapedPath()}))
	}
}

func (p *Proxy) observe(res *http.Response) error {
	name, _ := res.Request.Context().Value(upstreamKey).(string)
	if start, ok := res.Request.Context().Value(startKey).(time.Time); ok {
		p.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
	}
	p.requests.WithLabelValues(name, strconv.Itoa(res.StatusCode)).Inc()
	return nil
}

// fail answers for an upstream that could not be reached (502) or did not
// answer in time (504), as problem+json.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	name, _ := r.Context().Value(upstreamKey).(string)
	status, what := http.StatusBadGateway, "is unreachable"
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) ||
		errors.Is(r.Context().Err(), context.DeadlineExceeded) { // the transport may return the deadline's cause instead
		status, what = http.StatusGatewayTimeout, "did not answer in time"
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	p.requests.WithLabelValues(name, strconv.Itoa(status)).Inc()
	p.log.WarnContext(r.Context(), "upstream_failed", "upstream", name, "err", err, "request_id", web.RequestID(r.Context()))
	if cause := context.Cause(r.Context()); status == http.StatusGatewayTimeout && fault.KindOf(cause) == fault.Timeout {
		web.Error(w, r, p.log, cause) // the request's own deadline (web.Deadline): the 504 names it
		return
	}
	web.Problemf(w, r, status, fmt.Sprintf("the %s service %s; retry later", name, what))
}

// retrying retries a request on another replica when it never reached the
// first (the connection was refused or failed before anything was sent),
// and only for methods that are safe to repeat.
type retrying struct {
	base http.RoundTripper
	p    *Proxy
}

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(req)
	if err == nil || !retryable(req, err) {
		return res, err
	}
	name, _ := req.Context().Value(upstreamKey).(string)
	targets := t.p.cfg.Upstreams[name]
	first := 0
	for i, u := range targets {
		if u.Host == req.URL.Host {
			first = i
		}
	}
	// Try each other replica once, in order after the one that failed.
	for skip := 1; skip < len(targets) && err != nil && retryable(req, err); skip++ {
		target := targets[(first+skip)%len(targets)]
		again := req.Clone(req.Context())
		again.URL.Scheme, again.URL.Host = target.Scheme, target.Host
		res, err = t.base.RoundTrip(again)
	}
	return res, err
}

func retryable(req *http.Request, err error) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return false
	}
	if req.Header.Get("Upgrade") != "" || req.Context().Err() != nil {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Trusted lets through only requests that carry the shared secret (those
// that came through a gateway); others get 403. Health, readiness and
// metrics stay open for probes and scrapers. A request with a signed
// principal (PrincipalHeader) that verifies with signer carries that
// principal on (auth.FromContext), so the routes do not authenticate it
// again; one that does not verify (forged, expired, made for another
// request, replayed) is refused with 401 (503 when the replay check is
// full), never passed on to authenticate some other way. Without signer
// the header is refused too.
func Trusted(secret string, signer *auth.Signer, log *slog.Logger, next http.Handler) http.Handler {
	want := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			next.ServeHTTP(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), want) != 1 {
			web.Problemf(w, r, http.StatusForbidden, "this service accepts requests only through the trx gateway")
			return
		}
		signed := r.Header.Values(PrincipalHeader)
		if len(signed) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		var err error = auth.ErrSignedForged
		var p auth.Principal
		if len(signed) == 1 && signer != nil {
			p, err = signer.Verify(signed[0], auth.Binding{RequestID: web.RequestID(r.Context()), Method: r.Method, Path: r.URL.EscapedPath()})
		}
		if err != nil {
			log.WarnContext(r.Context(), "signed_principal_refused", "err", err, "request_id", web.RequestID(r.Context()))
			if fault.KindOf(err) == fault.Unauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer realm="trx", error="invalid_token"`)
			}
			web.Error(w, r, log, err)
			return
		}
		r.Header.Del(PrincipalHeader)
		r2 := r.WithContext(auth.WithPrincipal(r.Context(), p))
		next.ServeHTTP(w, r2)
		if r2.Pattern != "" {
			r.Pattern = r2.Pattern // the route that served it, for the metrics, access log and span further out
		}
	})
}
