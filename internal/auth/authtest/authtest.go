// Package authtest makes users for tests: an auth.Service on a test
// database and one read-write API key per user named.
package authtest

import (
	"context"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
)

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
