package txapi_test

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
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/txapi"
	"github.com/trx-platform/trx/internal/transaction/txsql"
	"github.com/trx-platform/trx/internal/web"
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
	users := auth.NewService(authsql.New(db))
	ctx := context.Background()
	_, alice, err := users.AddUser(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, bob, err := users.AddUser(ctx, "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	txapi.Routes(mux, transaction.NewService(txsql.New(db)), auth.Require(users, log), log)
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(t, mux)))
	t.Cleanup(srv.Close)
	return &apiEnv{t: t, srv: srv, alice: alice, bob: bob}
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
	if p.Status != r.Status || p.Detail == "" || p.Type == "" {
		t.Fatalf("problem %+v does not match status %d or lacks a detail", p, r.Status)
	}
	return p
}

// do sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON). hdr is pairs of header names and values.
func (e *apiEnv) do(key, method, path string, body any, hdr ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
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

func (e *apiEnv) create(key string, in map[string]any, hdr ...string) txapi.Resource {
	e.t.Helper()
	r := e.do(key, "POST", "/api/v1/transactions", in, hdr...)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create %v: status %d: %s", in, r.Status, r.Body)
	}
	var res txapi.Resource
	r.decode(e.t, &res)
	return res
}

func tx(amount, currency, desc, booked string) map[string]any {
	return map[string]any{"amount": amount, "currency": currency, "description": desc, "booked_at": booked}
}

type listPage struct {
	Items      []txapi.Resource `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}
