package classifierapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authtest"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// apiEnv is the transactions and classifier APIs on a fresh database with
// two users, wired as trx serve wires them.
type apiEnv struct {
	t          *testing.T
	db         *sqldb.DB
	users      *auth.Service
	srv        *httptest.Server
	svc        *classifier.Service
	alice, bob string // API keys
}

func newEnv(t *testing.T, d sqldb.Dialect) *apiEnv {
	t.Helper()
	db := sqldbtest.Open(t, d)
	users, keys := authtest.Users(t, db, "alice", "bob")
	alice, bob := keys[0], keys[1]
	e := &apiEnv{t: t, db: db, users: users, alice: alice, bob: bob}
	e.srv, e.svc = e.replica()
	return e
}

// replica starts another trx process's classifier and transactions APIs on
// the same database: what it caches is its own.
func (e *apiEnv) replica() (*httptest.Server, *classifier.Service) {
	t := e.t
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	txs := transaction.NewService(transactionsql.New(e.db))
	cls := classifier.NewService(ctx, classifiersql.New(e.db), txs, nil, log)
	txs.SetClassifier(cls)
	mux := http.NewServeMux()
	authn := auth.Require(e.users, log)
	transactionapi.Routes(mux, txs, authn, log)
	classifierapi.Routes(mux, cls, authn, log)
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(t, mux)))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		cls.Wait()
	})
	return srv, cls
}

type response = webtest.Response

// do sends a request as the holder of key; see webtest.Do for body and hdr.
func (e *apiEnv) do(key, method, path string, body any, hdr ...string) response {
	e.t.Helper()
	return webtest.Do(e.t, e.srv.Client(), e.srv.URL, key, method, path, body, hdr...)
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
	r := e.do(key, method, path, body, hdr...)
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	if out != nil {
		r.Decode(e.t, out)
	}
	return r
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
