package reportapi_test

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
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/txapi"
	"github.com/trx-platform/trx/internal/transaction/txsql"
	"github.com/trx-platform/trx/internal/web"
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
	users := auth.NewService(authsql.New(db))
	ctx := context.Background()
	_, alice, err := users.AddUser(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	aliceRead, err := users.AddKey(ctx, "alice", []string{auth.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	_, bob, err := users.AddUser(ctx, "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	authn := auth.Require(users, log)
	txapi.Routes(mux, transaction.NewService(txsql.New(db)), authn, log)
	reportapi.Routes(mux, txsql.New(db), authn, log, cfg)
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(t, mux)))
	t.Cleanup(srv.Close)
	return &apiEnv{t: t, srv: srv, alice: alice, bob: bob, aliceRead: aliceRead}
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

// do sends a request; body may be nil, a string or []byte (sent as is,
// as contentType) or a value (sent as JSON).
func (e *apiEnv) do(key, method, path, contentType string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
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
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
