package transactionapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/apitest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// apiEnv is the transactions API on a fresh database with two users
// (apitest).
type apiEnv struct {
	t          *testing.T
	srv        *httptest.Server
	alice, bob string // API keys
}

func newEnv(t *testing.T, d sqldb.Dialect) *apiEnv {
	t.Helper()
	e := apitest.New(t, d)
	srv := e.Start(func(mux *http.ServeMux, authn func(http.Handler) http.Handler) {
		transactionapi.Routes(mux, transaction.NewService(transactionsql.New(e.DB)), authn, e.Log)
	})
	return &apiEnv{t: t, srv: srv, alice: e.Alice, bob: e.Bob}
}

type response = webtest.Response

// do sends a request as the holder of key; see webtest.Do for body and hdr.
func (e *apiEnv) do(key, method, path string, body any, hdr ...string) response {
	e.t.Helper()
	return apitest.Do(e.t, e.srv, key, method, path, body, hdr...)
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
