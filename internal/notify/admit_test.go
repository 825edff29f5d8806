package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// gatedRegistry holds each write that adds connections until the test
// lets it go (or fails it).
type gatedRegistry struct {
	notify.Registry
	entered chan []notify.Record
	release chan error
}

func (g *gatedRegistry) Apply(ctx context.Context, adds []notify.Record, removes []string) error {
	if len(adds) > 0 {
		g.entered <- adds
		if err := <-g.release; err != nil {
			return err
		}
	}
	return g.Registry.Apply(ctx, adds, removes)
}

// TestUpgradeDoesNotWaitForTheRegistry: the upgrade's handler returns
// while the connection's row is still being written (no synchronous write
// per connect); the welcome comes only once the row is written (the
// connection is listed before its id is known), and a row that cannot be
// written closes the connection with 1011.
func TestUpgradeDoesNotWaitForTheRegistry(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	reg := &gatedRegistry{Registry: notifysql.New(sqldbtest.Open(t, sqldb.SQLite)), entered: make(chan []notify.Record, 1), release: make(chan error)}
	authn := func(_ context.Context, token string) (auth.Principal, error) {
		return auth.Principal{UserID: "u-" + token, KeyID: token, Method: auth.MethodKey}, nil
	}
	node := notify.NewNode(notify.Config{Node: "n1"}, bus, reg, authn, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- node.Run(ctx) }()
	<-node.Ready()
	returned := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		node.Handler().ServeHTTP(w, r)
		returned <- struct{}{}
	}))
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"

	dial := func(token string) *websocket.Conn {
		t.Helper()
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer dcancel()
		conn, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.CloseNow() })
		return conn
	}
	conn := dial("alice")
	adds := <-reg.entered // the row's write has begun, and waits
	if len(adds) != 1 || adds[0].UserID != "u-alice" {
		t.Fatalf("registry got %+v", adds)
	}
	<-returned // the handler returned while the write still waits
	if n := node.Hub().Len(); n != 0 {
		t.Fatalf("%d clients in the hub before their row is written", n)
	}
	reg.release <- nil
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	_, data, err := conn.Read(rctx)
	if err != nil || !strings.Contains(string(data), `"welcome"`) {
		t.Fatalf("first message %s, %v; want the welcome", data, err)
	}
	if n := node.Hub().Len(); n != 1 {
		t.Fatalf("%d clients in the hub after the welcome, want 1", n)
	}

	// A row that cannot be written: the connection closes with 1011.
	bad := dial("bob")
	<-reg.entered
	reg.release <- errors.New("database down")
	_, _, err = bad.Read(rctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusInternalError {
		t.Fatalf("closed with %v (%v), want 1011", got, err)
	}
}
