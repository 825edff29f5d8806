package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/stock"
	"github.com/trx-platform/trx/internal/stock/stockapi"
	"github.com/trx-platform/trx/internal/stock/stocksql"
	"github.com/trx-platform/trx/internal/transaction"
)

// notifyConfig is the part of serveConfig for stocks, the change stream and
// the notifier.
type notifyConfig struct {
	NATS           string
	NATSStream     string
	NATSPrefix     string
	EventRetention time.Duration
	Node           string
	WSOrigins      string
	WSQueue        int
	Heartbeat      time.Duration
}

func notifyFlags(fs *flagSet, cfg *notifyConfig) {
	fs.stringVar(&cfg.NATS, "nats", "", "NATS URL(s) of a JetStream cluster, e.g. nats://10.0.0.5:4222; empty runs an embedded NATS server with its files in --data/nats")
	fs.stringVar(&cfg.NATSStream, "nats-stream", "TRX", "JetStream stream that holds trx's events")
	fs.stringVar(&cfg.NATSPrefix, "nats-prefix", "trx", "first token of trx's NATS subjects; separate installations sharing a cluster use separate prefixes and streams")
	fs.durationVar(&cfg.EventRetention, "event-retention", 24*time.Hour, "how long captured changes stay in the stream (clients can resume within it) and in the stock_changes table")
	fs.stringVar(&cfg.Node, "node", "", "this process's notifier node name, unique among live nodes (default: random)")
	fs.stringVar(&cfg.WSOrigins, "ws-origins", "", "comma-separated browser origins (host patterns) allowed to open /ws besides the server's own host, e.g. app.example.com,*.example.org")
	fs.durationVar(&cfg.Heartbeat, "node-heartbeat", 10*time.Second, "how often a notifier node renews its liveness; the others delete its connections' rows after 3 missed renewals (a crashed node)")
	fs.intVar(&cfg.WSQueue, "ws-queue", 256, "messages queued per WebSocket client; a client that falls this far behind is closed with code 4001 and can resume")
}

// buildBus connects to NATS (or starts the embedded server) and, when this
// process runs the transactions service, sends its users' events there.
func (s *server) buildBus(ctx context.Context) error {
	cfg := s.cfg.Notify
	bus, err := event.Open(ctx, event.Config{URL: cfg.NATS, DataDir: s.cfg.DataDir, Stream: cfg.NATSStream,
		Prefix: cfg.NATSPrefix, Retention: cfg.EventRetention})
	if err != nil {
		return err
	}
	s.bus = bus
	if s.txs != nil {
		s.txs.SetObserver(userEvents{bus: bus, log: s.log})
	}
	where := "embedded"
	if cfg.NATS != "" {
		where = cfg.NATS
	}
	s.log.Info("event_stream_ready", "nats", where, "stream", bus.Stream, "event_retention", cfg.EventRetention)
	return nil
}

// buildNotifier wires stocks, change capture, the relay and the notifier
// node into the server; buildBus has run.
func (s *server) buildNotifier(mux *http.ServeMux, users *auth.Service, authn func(http.Handler) http.Handler, reg prometheus.Registerer) {
	cfg := s.cfg.Notify
	node := notify.NewNode(notify.Config{Node: cfg.Node, QueueSize: cfg.WSQueue, OriginPatterns: splitList(cfg.WSOrigins),
		Heartbeat: cfg.Heartbeat},
		s.bus, notifysql.New(s.db), users.Authenticate, reg, s.log)
	s.relay = relay.New(relay.Config{Node: node.Name(), Retention: cfg.EventRetention},
		stocksql.NewChanges(s.db), s.bus, s.db, s.log)
	s.node = node
	stockapi.Routes(mux, stock.NewService(stocksql.New(s.db), s.relay.Wake), authn, s.log)
	notify.Routes(mux, node, authn, s.log)
	mux.Handle("GET /ws", node.Handler())
	s.log.Info("notifier_ready", "node", node.Name())
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

// notifierReady reports why the notifier cannot serve yet, if it cannot:
// it has not joined the stream, or NATS is unreachable.
func (s *server) notifierReady() error {
	if s.node == nil {
		return nil
	}
	select {
	case <-s.node.Ready():
	default:
		return errors.New("the notifier has not joined the event stream yet")
	}
	if !s.bus.NC.IsConnected() {
		return errors.New("NATS is unreachable (reconnecting)")
	}
	return nil
}

// userEvents tells each user's WebSocket connections about their own
// transactions, through the event stream: transaction.created and
// transaction.categorized, with the transaction as the API shows it.
type userEvents struct {
	bus *event.Bus
	log *slog.Logger
}

var _ transaction.Observer = userEvents{}

func (u userEvents) Created(ctx context.Context, userID string, txs []transaction.Transaction) {
	u.publish(ctx, userID, "transaction.created", txs)
}

func (u userEvents) Categorized(ctx context.Context, userID string, txs []transaction.Transaction) {
	u.publish(ctx, userID, "transaction.categorized", txs)
}

func (u userEvents) publish(ctx context.Context, userID, typ string, txs []transaction.Transaction) {
	es := make([]event.UserEvent, 0, len(txs))
	now := time.Now().UTC()
	for _, t := range txs {
		data, err := json.Marshal(transaction.NewResource(t))
		if err != nil {
			continue
		}
		es = append(es, event.UserEvent{Type: typ, UserID: userID, At: now, Data: data})
	}
	// The write is done; a slow or absent NATS must not fail it, only delay
	// the answer a little.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := u.bus.PublishUser(pctx, es...); err != nil {
		u.log.Warn("user_event_not_published", "type", typ, "count", len(es), "err", err)
	}
}
