package transactionapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authtest"
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// apiEnv is the transactions API on a fresh database with two users.
type apiEnv struct {
	t          *testing.T
	srv        *httptest.Server
	alice, bob string // API keys
}

func newEnv(t *testing.T, d sqldb.Dialect) *apiEnv {
	t.Helper()
	db := sqldbtest.Open(t, d)
	log := slog.New(slog.DiscardHandler)
	users, keys := authtest.Users(t, db, "alice", "bob")
	alice, bob := keys[0], keys[1]
	mux := http.NewServeMux()
	transactionapi.Routes(mux, transaction.NewService(transactionsql.New(db)), auth.Require(users, log), log)
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(t, mux)))
	t.Cleanup(srv.Close)
	return &apiEnv{t: t, srv: srv, alice: alice, bob: bob}
}

type response = webtest.Response

// do sends a request as the holder of key; see webtest.Do for body and hdr.
func (e *apiEnv) do(key, method, path string, body any, hdr ...string) response {
	e.t.Helper()
	return webtest.Do(e.t, e.srv.Client(), e.srv.URL, key, method, path, body, hdr...)
}

func (e *apiEnv) create(key string, in map[string]any, hdr ...string) transactionapi.Resource {
	e.t.Helper()
	r := e.do(key, "POST", "/api/v1/transactions", in, hdr...)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create %v: status %d: %s", in, r.Status, r.Body)
	}
	var res transactionapi.Resource
	r.Decode(e.t, &res)
	return res
}

func tx(amount, currency, desc, booked string) map[string]any {
	return map[string]any{"amount": amount, "currency": currency, "description": desc, "booked_at": booked}
}

type listPage struct {
	Items      []transactionapi.Resource `json:"items"`
	NextCursor *string                   `json:"next_cursor"`
}
