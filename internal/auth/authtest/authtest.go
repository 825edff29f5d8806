// Package authtest makes users for tests: an auth.Service on a test
// database and one read-write API key per user named, and the API-key
// middleware for test servers of any feature's API.
package authtest

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authapi"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
)

// Require is the middleware trx serve puts in front of the routes
// (authapi.Require), for the test servers of other features, which do not
// wire auth's subpackages themselves.
func Require(svc *auth.Service, log *slog.Logger) func(http.Handler) http.Handler {
	return authapi.Require(svc, log)
}

// Users returns the auth service on db and, in order, a key of each new
// user named.
func Users(t testing.TB, db *sqldb.DB, names ...string) (*auth.Service, []string) {
	t.Helper()
	svc := auth.NewService(authsql.New(db))
	keys := make([]string, len(names))
	for i, n := range names {
		_, key, err := svc.AddUser(context.Background(), n, nil)
		if err != nil {
			t.Fatalf("add user %s: %v", n, err)
		}
		keys[i] = key
	}
	return svc, keys
}
