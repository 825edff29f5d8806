package notify_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/web"
)

// ghostRegistry counts one more live node than answers (a node that died
// within its liveness TTL), and holds a connection on it. Its answers do
// not depend on the caller's context, so that only the NATS waits can
// notice a context that has ended.
type ghostRegistry struct {
	notify.Registry
	live int
}

func (g ghostRegistry) LiveNodes(context.Context) (int, error) { return g.live, nil }

func (g ghostRegistry) Get(ctx context.Context, id string) (notify.Record, error) {
	if id == "c-ghost" {
		return notify.Record{ID: id, Node: "ghost", UserID: "u1", ConnectedAt: time.Now(), Subscriptions: []string{"*"}}, nil
	}
	return g.Registry.Get(ctx, id)
}

// TestManagementFollowsRequestDeadline: the management API's waits on
// NATS end with the request. A request whose deadline (web.Deadline's,
// naming --request-timeout) has passed when the handler waits is answered
// with that deadline, a 504 naming the flag: a broadcast does not go on
// waiting out its 3 seconds for a node that will not reply (and answer a
// count to nobody), and a message to a connection on a node that does not
// answer is not a 503 "node did not answer" when it was the caller's time
// that ran out.
func TestManagementFollowsRequestDeadline(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	reg := ghostRegistry{Registry: notifysql.New(sqldbtest.Open(t, sqldb.SQLite)), live: 2}
	n := startNode(t, "n1", bus, reg)
	mux := http.NewServeMux()
	admin := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := auth.Principal{UserID: "admin", Scopes: []string{auth.ScopeAdmin}}
			h.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
	notify.Routes(mux, n.node, admin, slog.New(slog.DiscardHandler))
	cause := fault.New(fault.Timeout, "the request ran past its time limit of 1s, set by --request-timeout and was stopped")
	for _, tt := range []struct{ name, path, body string }{
		{"broadcast", "/api/v1/connections/broadcast", `{"hello":"all"}`},
		{"message to a node that does not answer", "/api/v1/connections/c-ghost/messages", `{"hello":"you"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A deadline already past: the handler meets it at its first wait.
			ctx, cancel := context.WithDeadlineCause(context.Background(), time.Now().Add(-time.Second), cause)
			defer cancel()
			req := httptest.NewRequestWithContext(ctx, "POST", tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			if w.Code != http.StatusGatewayTimeout {
				t.Fatalf("status %d, want 504: %s", w.Code, w.Body)
			}
			var p web.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != "urn:trx:problem:timeout" || !strings.Contains(p.Detail, "set by --request-timeout") {
				t.Errorf("problem %+v: want the request deadline named", p)
			}
		})
	}
}
