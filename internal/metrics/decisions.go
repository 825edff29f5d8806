package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Auth reasons: why a request's credentials were refused.
const (
	AuthMissing   = "missing"   // no Authorization header (nor token)
	AuthMalformed = "malformed" // an Authorization header that is not "Bearer X"
	AuthInvalid   = "invalid"   // unknown, revoked or expired key; a token that does not verify
	AuthScope     = "scope"     // valid credentials without the scope the operation needs
	AuthError     = "error"     // the check itself failed (the database, the identity provider)
	AuthCSRF      = "csrf"      // a change made with the session cookie without its X-CSRF-Token
)

// Gateway counts the front door's decisions: throttling per bucket and
// authentication failures by reason. It implements gateway.Observer and
// is the hook authapi.RequireObserved calls.
type Gateway struct {
	throttle *prometheus.CounterVec
	auth     *prometheus.CounterVec
}

// NewGateway registers the gateway's decision counters on reg, every
// label combination at zero.
func NewGateway(reg prometheus.Registerer) *Gateway {
	g := &Gateway{
		throttle: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trx_gateway_throttle_decisions_total",
			Help: "Token bucket decisions of the gateway, by bucket (ip, key) and decision (allowed, throttled).",
		}, []string{"bucket", "decision"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trx_auth_failures_total",
			Help: "Requests refused by authentication, by reason (missing, malformed, invalid, scope, csrf, error).",
		}, []string{"reason"}),
	}
	reg.MustRegister(g.throttle, g.auth)
	for _, b := range []string{"ip", "key"} {
		for _, d := range []string{"allowed", "throttled"} {
			g.throttle.WithLabelValues(b, d)
		}
	}
	for _, r := range []string{AuthMissing, AuthMalformed, AuthInvalid, AuthScope, AuthCSRF, AuthError} {
		g.auth.WithLabelValues(r)
	}
	return g
}

// Throttle counts one decision of bucket ("ip" or "key").
func (g *Gateway) Throttle(bucket string, allowed bool) {
	if bucket != "ip" {
		bucket = "key"
	}
	d := "allowed"
	if !allowed {
		d = "throttled"
	}
	g.throttle.WithLabelValues(bucket, d).Inc()
}

// AuthFailure counts one refused request; an unknown reason counts as
// AuthError.
func (g *Gateway) AuthFailure(reason string) {
	switch reason {
	case AuthMissing, AuthMalformed, AuthInvalid, AuthScope, AuthCSRF:
	default:
		reason = AuthError
	}
	g.auth.WithLabelValues(reason).Inc()
}

// Classifier counts the classifier's automatic decisions and its jobs. It
// implements classifier.Observer.
type Classifier struct {
	decisions *prometheus.CounterVec
	started   prometheus.Counter
	finished  *prometheus.CounterVec
	running   prometheus.Gauge
}

// NewClassifier registers the classifier's counters on reg, every label
// at zero.
func NewClassifier(reg prometheus.Registerer) *Classifier {
	c := &Classifier{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trx_classifier_decisions_total",
			Help: "Automatic categorization decisions (classify, on create, jobs), by source: rule, merchant (memory), model (the user's), builtin, or none (below the threshold).",
		}, []string{"source"}),
		started: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trx_classifier_jobs_started_total", Help: "Categorization jobs started.",
		}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trx_classifier_jobs_finished_total", Help: "Categorization jobs finished, by state (done, failed, canceled).",
		}, []string{"state"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_classifier_jobs_running", Help: "Categorization jobs running in this process now.",
		}),
	}
	reg.MustRegister(c.decisions, c.started, c.finished, c.running)
	for _, s := range []string{"rule", "merchant", "model", "builtin", "none"} {
		c.decisions.WithLabelValues(s)
	}
	for _, s := range []string{"done", "failed", "canceled"} {
		c.finished.WithLabelValues(s)
	}
	return c
}

// Decided counts one decision by its source ("" for none).
func (c *Classifier) Decided(source string) {
	if source == "" {
		source = "none"
	}
	c.decisions.WithLabelValues(source).Inc()
}

// JobStarted counts a job that starts.
func (c *Classifier) JobStarted() { c.started.Inc(); c.running.Inc() }

// JobFinished counts a job that ends in state.
func (c *Classifier) JobFinished(state string) {
	c.running.Dec()
	c.finished.WithLabelValues(state).Inc()
}
