package notify

import (
	"context"
	"time"

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
}

func newMetrics(reg prometheus.Registerer, hub *Hub) *metrics {
	m := &metrics{
		connects: prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_ws_connects_total", Help: "WebSocket connections accepted."}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trx_ws_disconnects_total",
			Help: "WebSocket connections ended, by reason (client, slow, too_big, bad_frame, shutdown, error)."}, []string{"reason"}),
		sent:       prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_ws_messages_sent_total", Help: "Notifications written to WebSocket clients."}),
		slowCloses: prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_ws_slow_closes_total", Help: "Clients closed because their queue was full."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "trx_ws_integration_latency_seconds",
			Help:    "Time from the database write of a change to its frame written to a client socket.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .15, .25, .5, 1, 2.5, 5, 10}}),
	}
	reg.MustRegister(m.connects, m.disconnects, m.sent, m.slowCloses, m.latency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trx_ws_connections", Help: "WebSocket clients connected to this node now."},
			func() float64 { return float64(hub.Len()) }))
	return m
}
