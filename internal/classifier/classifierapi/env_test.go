package classifierapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/apitest"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// apiEnv is the transactions and classifier APIs on a fresh database with
// two users (apitest), wired as trx serve wires them.
type apiEnv struct {
	t          *testing.T
	env        *apitest.Env
	srv        *httptest.Server
	svc        *classifier.Service
	alice, bob string // API keys
}

func newEnv(t *testing.T, d sqldb.Dialect) *apiEnv {
	t.Helper()
	env := apitest.New(t, d)
	e := &apiEnv{t: t, env: env, alice: env.Alice, bob: env.Bob}
	e.srv, e.svc = e.replica()
	return e
}

// replica starts another trx process's classifier and transactions APIs on
// the same database: what it caches is its own.
func (e *apiEnv) replica() (*httptest.Server, *classifier.Service) {
	var cls *classifier.Service
	srv := e.env.Start(func(mux *http.ServeMux, authn func(http.Handler) http.Handler) {
		db, log := e.env.DB, e.env.Log
		ctx, cancel := context.WithCancel(context.Background())
		eng := classifier.NewDefaultEngine(classifiersql.New(db), nil, nil, log)
		txs := transaction.NewService(transactionsql.New(db), transaction.WithClassifier(eng))
		cls = classifier.NewFromEngine(ctx, eng, txs)
		e.t.Cleanup(func() { // after the server is closed
			cancel()
			cls.Wait()
		})
		transactionapi.Routes(mux, txs, authn, log)
		classifierapi.Routes(mux, cls, authn, log)
	})
	return srv, cls
}

type response = webtest.Response

// do sends a request as the holder of key; see webtest.Do for body and hdr.
func (e *apiEnv) do(key, method, path string, body any, hdr ...string) response {
	e.t.Helper()
	return apitest.Do(e.t, e.srv, key, method, path, body, hdr...)
}

// on returns the env with requests sent to srv (another replica).
func (e *apiEnv) on(srv *httptest.Server) *apiEnv {
	c := *e
	c.srv = srv
	return &c
}

// must sends a request and fails the test unless the status is want; it
// decodes the body into out when out is not nil.
func (e *apiEnv) must(want int, key, method, path string, body, out any, hdr ...string) response {
	e.t.Helper()
	return apitest.Must(e.t, e.srv, want, key, method, path, body, out, hdr...)
}

func (e *apiEnv) createTx(key, desc, amount string, extra ...string) transactionapi.Resource {
	e.t.Helper()
	in := map[string]any{"amount": amount, "currency": "EUR", "description": desc, "booked_at": "2026-11-27"}
	for i := 0; i+1 < len(extra); i += 2 {
		in[extra[i]] = extra[i+1]
	}
	var res transactionapi.Resource
	e.must(http.StatusCreated, key, "POST", "/api/v1/transactions", in, &res)
	return res
}

func (e *apiEnv) getTx(key, id string) transactionapi.Resource {
	e.t.Helper()
	var res transactionapi.Resource
	e.must(http.StatusOK, key, "GET", "/api/v1/transactions/"+id, nil, &res)
	return res
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
