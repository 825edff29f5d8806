package notify

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/fault"
)

// ErrConnNotFound means no such connection.
var ErrConnNotFound = fault.New(fault.NotFound, "connection not found")

// Record is a row of the connections table (the seed's DynamoDB
// connections table).
type Record struct {
	ID            string    `json:"connection_id"`
	Node          string    `json:"node"`
	UserID        string    `json:"user_id"`
	ConnectedAt   time.Time `json:"connected_at"`
	Subscriptions []string  `json:"subscriptions"` // ["*"] for all symbols
}

// Registry records live connections and which nodes are alive, so that any
// node (or the management API) can list them and a dead node's rows are
// swept by the others.
type Registry interface {
	Add(ctx context.Context, r Record) error
	Remove(ctx context.Context, id string) error
	// Apply adds and removes connections in one write (one transaction).
	Apply(ctx context.Context, adds []Record, removes []string) error
	SetSubscriptions(ctx context.Context, id string, subs []string) error
	Get(ctx context.Context, id string) (Record, error)
	List(ctx context.Context, userID string, limit int) ([]Record, error)
	Count(ctx context.Context) (int, error)
	// Heartbeat marks node alive for ttl.
	Heartbeat(ctx context.Context, node string, ttl time.Duration) error
	// RemoveNode deletes a stopping node's rows and liveness.
	RemoveNode(ctx context.Context, node string) error
	// Sweep deletes the rows of nodes whose liveness expired.
	Sweep(ctx context.Context) (int64, error)
}

type metrics struct {
	connects    prometheus.Counter
	disconnects *prometheus.CounterVec
	sent        prometheus.Counter
	slowCloses  prometheus.Counter
	latency     prometheus.Histogram
	pending     prometheus.Gauge     // the live feed's consumer lag, in messages
	consumeLag  prometheus.Histogram // commit to this node's consumer
	skipped     prometheus.Counter   // user events with no client here, not decoded
}

// consumed records a message of the live feed: how many the stream holds
// after it (the consumer lag) and how long after its commit it arrived.
func (m *metrics) consumed(msg jetstream.Msg, changedAt time.Time) {
	if meta, err := msg.Metadata(); err == nil {
		m.pending.Set(float64(meta.NumPending))
	}
	if !changedAt.IsZero() {
		m.consumeLag.Observe(max(0, time.Since(changedAt).Seconds()))
	}
}

func newMetrics(reg prometheus.Registerer, hub *Hub) *metrics {
	m := &metrics{
		connects: prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_ws_connects_total", Help: "WebSocket connections accepted."}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trx_ws_disconnects_total",
			Help: "WebSocket connections ended, by reason (client, slow, too_big, bad_frame, policy, credential, shutdown, error)."}, []string{"reason"}),
		sent:       prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_ws_messages_sent_total", Help: "Notifications written to WebSocket clients."}),
		slowCloses: prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_ws_slow_closes_total", Help: "Clients closed because their queue was full."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "trx_ws_integration_latency_seconds",
			Help:    "Time from the database write of a change to its frame written to a client socket.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .15, .25, .5, 1, 2.5, 5, 10}}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trx_notify_consumer_pending_messages",
			Help: "Messages the stream holds beyond the last one this notifier node consumed (its consumer lag; the instance label names the node)."}),
		consumeLag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "trx_notify_consume_lag_seconds",
			Help:    "Time from a change's database commit to its arrival at this notifier node's consumer (relay, stream and delivery).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .15, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_notify_user_events_skipped_total",
			Help: "Per-user events of the live feed that no client on this node could want (none of the user's connections is here), dropped before decoding."}),
	}
	// Alerts divide by these: every reason exists at zero from the start.
	for _, r := range []string{"client", "slow", "too_big", "bad_frame", "policy", "credential", "shutdown", "error"} {
		m.disconnects.WithLabelValues(r)
	}
	reg.MustRegister(m.connects, m.disconnects, m.sent, m.slowCloses, m.latency, m.pending, m.consumeLag, m.skipped,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trx_ws_connections", Help: "WebSocket clients connected to this node now."},
			func() float64 { return float64(hub.Len()) }))
	return m
}
