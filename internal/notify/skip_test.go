package notify_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestUserEventsWithoutConnectionSkipped: a per-user event whose user has
// no connection on the node is dropped before it is decoded (even one
// that would not decode), and the feed goes on past it; the user's own
// events reach their connection.
func TestUserEventsWithoutConnectionSkipped(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	authn := func(_ context.Context, token string) (auth.Principal, error) {
		return auth.Principal{UserID: "u-" + token, KeyID: token, Method: auth.MethodKey}, nil
	}
	reg := prometheus.NewRegistry()
	node := notify.NewNode(notify.Config{Node: "n1"}, bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)), authn,
		reg, slog.New(slog.DiscardHandler))
	skipped := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "trx_notify_user_events_skipped_total" {
				return mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatal("no trx_notify_user_events_skipped_total")
		return 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- node.Run(ctx) }()
	select {
	case <-node.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("node stopped at start: %v", err)
	}
	srv := httptest.NewServer(node.Handler())
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"

	alice := mustDial(t, url, "alice", "")
	userEvent := func(id int64, user string) {
		t.Helper()
		e := event.UserEvent{ID: id, Type: "transaction.created", UserID: user, At: time.Now().UTC(), Data: json.RawMessage(`{"id":"t"}`)}
		if err := bus.PublishUserEvent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	userEvent(1, "u-bob")
	userEvent(2, "u-bob")
	// Not even valid JSON: decoding it would fail; it is never decoded.
	if _, err := bus.JS.Publish(context.Background(), bus.UserSubject("u-bob", "transaction_created"), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	userEvent(3, "u-alice")
	if m := alice.next(); m["type"] != "transaction.created" || m["sequence"].(float64) != 4 {
		t.Fatalf("alice got %v, want her event at sequence 4", m)
	}
	// The feed is ordered: bob's three came before alice's.
	if got := skipped(); got != 3 {
		t.Fatalf("skipped %v, want bob's 3", got)
	}
	bob := mustDial(t, url, "bob", "")
	userEvent(4, "u-bob")
	if m := bob.next(); m["type"] != "transaction.created" || m["sequence"].(float64) != 5 {
		t.Fatalf("bob got %v, want his event at sequence 5", m)
	}
	if got := skipped(); got != 3 {
		t.Fatalf("skipped %v after bob connected, want still 3", got)
	}
}
