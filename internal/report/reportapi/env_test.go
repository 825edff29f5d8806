package reportapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authtest"
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// apiEnv is the transactions and report APIs on a fresh database, as
// trx serve mounts them, with two users.
type apiEnv struct {
	t          *testing.T
	srv        *httptest.Server
	alice, bob string // API keys (read and write)
	aliceRead  string // a read-only key of alice
}

func newEnv(t *testing.T, d sqldb.Dialect, cfg reportapi.Config) *apiEnv {
	t.Helper()
	db := sqldbtest.Open(t, d)
	log := slog.New(slog.DiscardHandler)
	users, keys := authtest.Users(t, db, "alice", "bob")
	alice, bob := keys[0], keys[1]
	ctx := context.Background()
	aliceRead, err := users.AddKey(ctx, "alice", []string{auth.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	authn := auth.Require(users, log)
	transactionapi.Routes(mux, transaction.NewService(transactionsql.New(db)), authn, log)
	reportapi.Routes(mux, transactionsql.New(db), authn, log, cfg)
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(t, mux)))
	t.Cleanup(srv.Close)
	return &apiEnv{t: t, srv: srv, alice: alice, bob: bob, aliceRead: aliceRead}
}

type response = webtest.Response

// do sends a request as the holder of key (none if empty) with a body of
// contentType (none if empty); see webtest.Do for body.
func (e *apiEnv) do(key, method, path, contentType string, body any) response {
	e.t.Helper()
	return webtest.Do(e.t, e.srv.Client(), e.srv.URL, key, method, path, body, "Content-Type", contentType)
}

// indent returns b, a JSON value, re-encoded with sorted members and
// indentation, so that two values compare as values.
func indent(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out)
}
