package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/web"
)

// HTTP holds the request metrics of a handler.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewHTTP registers the HTTP request metrics on reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	m := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trx_http_requests_total",
			Help: "HTTP requests handled, by route (the path pattern), method (or OTHER) and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trx_http_request_duration_seconds",
			Help:    "Time to handle an HTTP request, by route (the path pattern) and method (or OTHER).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_http_requests_in_flight",
			Help: "HTTP requests being handled now.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	// Error ratios divide by these: they exist at zero from the start, so
	// that a ratio is 0, not "no data", until the first error.
	m.requests.WithLabelValues(Unmatched, http.MethodGet, "500")
	m.requests.WithLabelValues(Unmatched, http.MethodGet, "404")
	return m
}

// Init creates the series of ServeMux patterns ("GET /api/v1/x/{id}")
// at zero: a request count of status 500 and 200 and the latency
// histogram, so that per-route error ratios and latency quantiles exist
// before the first request or error.
func (m *HTTP) Init(patterns ...string) {
	for _, p := range patterns {
		method, _, _ := strings.Cut(p, " ")
		route := Route(p)
		method = Method(method)
		m.requests.WithLabelValues(route, method, "200")
		m.requests.WithLabelValues(route, method, "500")
		m.duration.WithLabelValues(route, method)
	}
}

// Unmatched is the route label of requests that no pattern matched.
const Unmatched = "unmatched"

// Route returns the route label of a ServeMux pattern: its path without
// the method and host ("GET /api/v1/transactions/{id}" gives
// "/api/v1/transactions/{id}"), "/" for the exact root "/{$}", "/ui/*" for
// a subtree "/ui/", and Unmatched for none or for the catch-alls "/" and
// "/api/" that only answer 404.
func Route(pattern string) string {
	if _, rest, ok := strings.Cut(pattern, " "); ok {
		pattern = strings.TrimSpace(rest)
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:] // drop a host
	}
	switch pattern {
	case "", "/", "/api/":
		return Unmatched
	case "/{$}":
		return "/"
	}
	if p, ok := strings.CutSuffix(pattern, "{$}"); ok {
		return p
	}
	if strings.HasSuffix(pattern, "/") {
		return pattern + "*"
	}
	return pattern
}

// Method returns m if it is one of the methods of RFC 9110 or PATCH, else
// OTHER: a client cannot grow the label set by inventing methods.
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// Middleware records each request under the route of the ServeMux pattern
// that matched it, so that label values stay bounded whatever paths and
// methods callers send. next must be (or end in) the ServeMux that sets
// r.Pattern on the request it is handed.
func (m *HTTP) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		rec := web.Recorder(w)
		next.ServeHTTP(rec, r)
		route, method := Route(r.Pattern), Method(r.Method)
		status := rec.Status
		if status == 0 {
			status = http.StatusOK
		}
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	})
}
