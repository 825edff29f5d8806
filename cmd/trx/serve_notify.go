package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/envflag"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/metrics"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/stock"
	"github.com/trx-platform/trx/internal/stock/stockapi"
	"github.com/trx-platform/trx/internal/stock/stocksql"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// notifyConfig is the part of serveConfig for stocks, the change stream and
// the notifier.
type notifyConfig struct {
	NATS           string
	NATSStream     string
	NATSPrefix     string
	EventRetention time.Duration
	NATSReplicas   int
	Node           string
	WSOrigins      string
	WSQueue        int
	WSWriteTimeout time.Duration
	WSPing         time.Duration
	Heartbeat      time.Duration
	WSLimits       wsLimitsConfig
}

func notifyFlags(fs *envflag.FlagSet, cfg *notifyConfig) {
	fs.URLVar(&cfg.NATS, "nats", "", "NATS URL(s) of a JetStream cluster, e.g. nats://10.0.0.5:4222; empty runs an embedded NATS server with its files in --data/nats")
	fs.StringVar(&cfg.NATSStream, "nats-stream", "TRX", "JetStream stream that holds trx's events")
	fs.StringVar(&cfg.NATSPrefix, "nats-prefix", "trx", "first token of trx's NATS subjects; separate installations sharing a cluster use separate prefixes and streams")
	fs.IntVar(&cfg.NATSReplicas, "nats-replicas", 1, "replicas of the stream on a NATS cluster (3 survives the loss of one server); applies when trx creates or updates the stream")
	fs.DurationVar(&cfg.EventRetention, "event-retention", 24*time.Hour, "how long captured changes stay in the stream (clients can resume within it) and in the stock_changes table")
	fs.StringVar(&cfg.Node, "node", "", "this process's notifier node name, unique among live nodes (default: random)")
	fs.StringVar(&cfg.WSOrigins, "ws-origins", "", "comma-separated browser origins (host patterns) allowed to open /ws besides the server's own host, e.g. app.example.com,*.example.org")
	fs.DurationVar(&cfg.Heartbeat, "node-heartbeat", 10*time.Second, "how often a notifier node renews its liveness; the others delete its connections' rows after 3 missed renewals (a crashed node)")
	fs.DurationVar(&cfg.WSWriteTimeout, "ws-write-timeout", 10*time.Second, "how long one frame write to a WebSocket client may block; a client whose socket takes nothing for this long is dropped (1001)")
	fs.DurationVar(&cfg.WSPing, "ws-ping-interval", 30*time.Second, "how often each WebSocket client is pinged; one that does not answer within 10 s is closed (1001). Keep it under the idle timeout of any proxy in front")
	fs.IntVar(&cfg.WSQueue, "ws-queue", 256, "messages queued per WebSocket client; a client that falls this far behind is closed with code 4001 and can resume")
	wsLimitFlags(fs, &cfg.WSLimits)
}

// openBus connects to NATS (or starts the embedded server).
func (s *server) openBus(ctx context.Context) (*event.Bus, error) {
	cfg := s.cfg.Notify
	bus, err := event.Open(ctx, event.Config{URL: cfg.NATS, DataDir: s.cfg.DataDir, Stream: cfg.NATSStream,
		Prefix: cfg.NATSPrefix, Retention: cfg.EventRetention, Replicas: cfg.NATSReplicas, Log: s.log,
		Headers: s.tel.Headers}) // stock changes carry their trace context
	if err != nil {
		return nil, err
	}
	where := "embedded"
	if cfg.NATS != "" {
		where = cfg.NATS
	}
	s.log.Info("event_stream_ready", "nats", where, "stream", bus.Stream, "event_retention", cfg.EventRetention)
	return bus, nil
}

// newNotifier builds the change-capture path and the notifier: the stocks
// API (whose writes record change rows), the relay that publishes the rows
// to the stream, and the node that serves WebSocket clients from it.
func newNotifier(_ context.Context, sh *shared) (component, error) {
	cfg := sh.cfg.Notify
	node := notify.NewNode(notify.Config{Node: cfg.Node, QueueSize: cfg.WSQueue, OriginPatterns: splitList(cfg.WSOrigins), Limits: wsLimits(sh), Credentials: sh.users, Tickets: sh.users.RedeemTicket,
		Heartbeat: cfg.Heartbeat, WriteTimeout: cfg.WSWriteTimeout, PingInterval: cfg.WSPing,
		Tracer: sh.tel.Tracer("notify"), Propagator: sh.tel.Propagator()},
		sh.bus, notifysql.New(sh.db), sh.users.Authenticate, sh.reg, sh.log)
	// One relay publishes both outboxes: the stock change rows and the
	// per-user events (see relay.WithUserEvents).
	rel := relay.New(relay.Config{Node: node.Name(), Retention: cfg.EventRetention, Metrics: metrics.NewRelay(sh.reg)},
		stocksql.NewChanges(sh.db), tracedStocks(sh.bus, sh.tel), sh.db, sh.log,
		relay.WithUserEvents(transactionsql.NewOutbox(sh.db), sh.bus), relay.WithLiveness(sh.bus))
	stocks := stock.NewService(stocksql.New(sh.db), rel.Wake)
	sh.log.Info("notifier_ready", "node", node.Name())
	return component{
		routes: func(mux *http.ServeMux, wrap middleware) {
			stockapi.Routes(mux, stocks, wrap, sh.log)
			notify.Routes(mux, node, wrap, sh.log)
			mux.Handle("GET /ws", node.Handler())
		},
		jobs:    []job{{"notifier", node.Run}, {"relay", rel.Run}},
		started: node.Ready(),
		ready: func(ctx context.Context) error {
			if err := node.Check(ctx); err != nil {
				return &fault.Error{Kind: fault.Unavailable, Msg: "the live feed is not running", Err: err}
			}
			if err := rel.Check(ctx); err != nil {
				return &fault.Error{Kind: fault.Unavailable, Msg: "the relay is stuck", Err: err}
			}
			return nil
		},
	}, nil
}

// remoteNotifier is the notifier's routes in a gateway that forwards them
// (the WebSocket upgrade included).
func remoteNotifier(sh *shared) component {
	return component{routes: func(mux *http.ServeMux, wrap middleware) {
		stockapi.Routes(mux, nil, wrap, sh.log)
		notify.Routes(mux, nil, wrap, sh.log)
		mux.Handle("GET /ws", sh.proxy.To(compNotifier))
	}}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
