package clapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/clapi"
	"github.com/trx-platform/trx/internal/classifier/clsql"
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/txapi"
	"github.com/trx-platform/trx/internal/transaction/txsql"
	"github.com/trx-platform/trx/internal/web"
)

// apiEnv is the transactions and classifier APIs on a fresh database with
// two users, wired as trx serve wires them.
type apiEnv struct {
	t          *testing.T
	srv        *httptest.Server
	svc        *classifier.Service
	alice, bob string // API keys
}

func newEnv(t *testing.T, d sqldb.Dialect) *apiEnv {
	t.Helper()
	db := sqldbtest.Open(t, d)
	log := slog.New(slog.DiscardHandler)
	users := auth.NewService(authsql.New(db))
	ctx, cancel := context.WithCancel(context.Background())
	_, alice, err := users.AddUser(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, bob, err := users.AddUser(ctx, "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	txs := transaction.NewService(txsql.New(db))
	cls := classifier.NewService(ctx, clsql.New(db), txs, nil, log)
	txs.SetClassifier(cls)
	mux := http.NewServeMux()
	authn := auth.Require(users, log)
	txapi.Routes(mux, txs, authn, log)
	clapi.Routes(mux, cls, authn, log)
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(t, mux)))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		cls.Wait()
	})
	return &apiEnv{t: t, srv: srv, svc: cls, alice: alice, bob: bob}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r response) problem(t *testing.T) web.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d: Content-Type %q, want application/problem+json; body %s", r.Status, ct, r.Body)
	}
	var p web.Problem
	r.decode(t, &p)
	return p
}

// do sends a request with body (nil, or a value sent as JSON) and header
// pairs.
func (e *apiEnv) do(key, method, path string, body any, hdr ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
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
		r.decode(e.t, out)
	}
	return r
}

func (e *apiEnv) createTx(key, desc, amount string, extra ...string) txapi.Resource {
	e.t.Helper()
	in := map[string]any{"amount": amount, "currency": "EUR", "description": desc, "booked_at": "2026-11-27"}
	for i := 0; i+1 < len(extra); i += 2 {
		in[extra[i]] = extra[i+1]
	}
	var res txapi.Resource
	e.must(http.StatusCreated, key, "POST", "/api/v1/transactions", in, &res)
	return res
}

func (e *apiEnv) getTx(key, id string) txapi.Resource {
	e.t.Helper()
	var res txapi.Resource
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
