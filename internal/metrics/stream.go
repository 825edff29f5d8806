package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Relay is the change relay's metrics: leadership, what it published, how
// long after the commit (the seed's DynamoDB Streams IteratorAge), and the
// backlog of changes not yet published. It implements relay.Observer.
type Relay struct {
	leader    prometheus.Gauge
	published prometheus.Counter
	failures  prometheus.Counter
	lag       prometheus.Histogram

	mu      sync.Mutex
	backlog int
	oldest  time.Time // of the oldest change not yet published; zero: none
	now     func() time.Time
}

// NewRelay registers the relay's metrics on reg.
func NewRelay(reg prometheus.Registerer) *Relay {
	r := &Relay{
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_relay_leader", Help: "1 while this process holds the relay lease and publishes captured changes, else 0.",
		}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trx_relay_published_total", Help: "Captured changes published to the event stream.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trx_relay_publish_failures_total", Help: "Relay rounds that failed (reading, publishing or marking changes).",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "trx_relay_publish_lag_seconds",
			Help:    "Time from a change's database commit to its publication on the stream (the seed's IteratorAge).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		now: time.Now,
	}
	reg.MustRegister(r.leader, r.published, r.failures, r.lag,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "trx_relay_backlog_changes",
			Help: "Captured changes the leader found not yet published at its last round (at most one batch).",
		}, func() float64 {
			r.mu.Lock()
			defer r.mu.Unlock()
			return float64(r.backlog)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "trx_relay_backlog_age_seconds",
			Help: "Age of the oldest captured change not yet published (0: none pending); grows while the relay is stuck.",
		}, func() float64 {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.oldest.IsZero() {
				return 0
			}
			return max(0, r.now().Sub(r.oldest).Seconds())
		}))
	return r
}

// Leader records whether this process holds the relay lease; a process
// that stops leading stops reporting a backlog (the new leader does).
func (r *Relay) Leader(on bool) {
	v := 0.0
	if on {
		v = 1
	}
	r.leader.Set(v)
	if !on {
		r.Round(0, time.Time{})
	}
}

// Round records what a round found pending: how many changes, and when
// the oldest was committed (zero when none).
func (r *Relay) Round(pending int, oldest time.Time) {
	r.mu.Lock()
	r.backlog, r.oldest = pending, oldest
	r.mu.Unlock()
}

// Published records a change published to the stream, committed at
// changedAt.
func (r *Relay) Published(changedAt time.Time) {
	r.published.Inc()
	if !changedAt.IsZero() {
		r.lag.Observe(max(0, r.now().Sub(changedAt).Seconds()))
	}
}

// Failed records a failed round.
func (r *Relay) Failed() { r.failures.Inc() }

// RegisterNATS exports the state of the process's NATS connection:
// trx_nats_connected (1 connected, 0 disconnected or reconnecting) and
// trx_nats_reconnects_total.
func RegisterNATS(reg prometheus.Registerer, connected func() bool, reconnects func() uint64) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "trx_nats_connected", Help: "1 while this process is connected to NATS, else 0.",
		}, func() float64 {
			if connected() {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "trx_nats_reconnects_total", Help: "Times this process's NATS connection reconnected.",
		}, func() float64 { return float64(reconnects()) }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
