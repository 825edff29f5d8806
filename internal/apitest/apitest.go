// Package apitest is the test environment of the HTTP API suites
// (transactionapi, classifierapi, reportapi): a fresh database of one
// engine with two users, alice and bob, and servers that mount an API's
// routes as trx serve does, behind API-key authentication and request IDs,
// with the gateway's document checking every request and answer
// (gatewaytest.Observe). It is named after net/http/httptest.
//
// A suite runs on each engine of sqldbtest.Engines: SQLite always, MariaDB
// or MySQL when TRX_TEST_MYSQL_DSN is set (under CI=true its absence fails
// the test). The suites mount their APIs themselves: a test helper, like
// any package outside a feature, does not wire the feature's subpackages
// (internal/layers).
package apitest

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
	"github.com/trx-platform/trx/internal/web"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// Env is a fresh, migrated database with two users.
type Env struct {
	T          *testing.T
	DB         *sqldb.DB
	Users      *auth.Service
	Log        *slog.Logger // discards
	Alice, Bob string       // read-write API keys of the users alice and bob
}

// New returns an Env on a fresh database of dialect d, removed when the
// test ends.
func New(t *testing.T, d sqldb.Dialect) *Env {
	t.Helper()
	db := sqldbtest.Open(t, d)
	users, keys := authtest.Users(t, db, "alice", "bob")
	return &Env{T: t, DB: db, Users: users, Log: slog.New(slog.DiscardHandler), Alice: keys[0], Bob: keys[1]}
}

// Mount registers an API's routes on mux, each behind authn.
type Mount func(mux *http.ServeMux, authn func(http.Handler) http.Handler)

// Start starts a server, as one trx process, with the routes of mounts on
// one mux. The mounts run once per server, so the services they build are
// that server's own (Start twice: two replicas on one database). The
// server is closed when the test ends, before whatever the mounts
// registered with T.Cleanup.
func (e *Env) Start(mounts ...Mount) *httptest.Server {
	e.T.Helper()
	mux := http.NewServeMux()
	authn := authtest.Require(e.Users, e.Log)
	for _, m := range mounts {
		m(mux, authn)
	}
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(e.T, mux)))
	e.T.Cleanup(srv.Close)
	return srv
}

// Do sends a request to srv as the holder of key (none if empty); see
// webtest.Do for body and hdr.
func Do(t testing.TB, srv *httptest.Server, key, method, path string, body any, hdr ...string) webtest.Response {
	t.Helper()
	return webtest.Do(t, srv.Client(), srv.URL, key, method, path, body, hdr...)
}

// Must is Do that fails the test unless the status is want; it decodes the
// body into out when out is not nil.
func Must(t testing.TB, srv *httptest.Server, want int, key, method, path string, body, out any, hdr ...string) webtest.Response {
	t.Helper()
	r := Do(t, srv, key, method, path, body, hdr...)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	if out != nil {
		r.Decode(t, out)
	}
	return r
}
