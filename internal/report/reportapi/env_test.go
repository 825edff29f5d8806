package reportapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/apitest"
	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// apiEnv is the transactions and report APIs on a fresh database with two
// users (apitest), as trx serve mounts them.
type apiEnv struct {
	t          *testing.T
	srv        *httptest.Server
	alice, bob string // API keys (read and write)
	aliceRead  string // a read-only key of alice
}

func newEnv(t *testing.T, d sqldb.Dialect, cfg reportapi.Config) *apiEnv {
	t.Helper()
	e := apitest.New(t, d)
	aliceRead, err := e.Users.AddKey(context.Background(), "alice", []string{auth.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	srv := e.Start(func(mux *http.ServeMux, authn func(http.Handler) http.Handler) {
		transactionapi.Routes(mux, transaction.NewService(transactionsql.New(e.DB)), authn, e.Log)
		reportapi.Routes(mux, transactionsql.New(e.DB), authn, e.Log, cfg)
	})
	return &apiEnv{t: t, srv: srv, alice: e.Alice, bob: e.Bob, aliceRead: aliceRead}
}

type response = webtest.Response

// do sends a request as the holder of key (none if empty) with a body of
// contentType (none if empty); see webtest.Do for body.
func (e *apiEnv) do(key, method, path, contentType string, body any) response {
	e.t.Helper()
	return apitest.Do(e.t, e.srv, key, method, path, body, "Content-Type", contentType)
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
