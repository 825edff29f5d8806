package authsql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestMigration0010Scopes: users that exist when migration 0010 runs get
// the admin scope for their sessions if they hold a live admin key, read
// and write otherwise (a revoked admin key does not count).
func TestMigration0010Scopes(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.OpenEmpty(t, d)
			ms, err := sqldb.Migrations(d)
			if err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.Write.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%.60s: %v", q, err)
				}
			}
			var m10 *sqldb.Migration
			for i, m := range ms {
				if m.Version == 10 {
					m10 = &ms[i]
					break
				}
				for _, st := range m.Statements {
					exec(st)
				}
			}
			if m10 == nil || m10.Name != "sessions" {
				t.Fatal("no migration 0010_sessions")
			}
			const at = "2026-12-01T00:00:00.000000Z"
			for i, u := range []struct{ name, scopes, revoked string }{
				{"root", "admin", ""}, {"ops", "read,admin", ""}, {"alice", "read,write", ""}, {"gone", "admin", at}, {"nokeys", "", ""},
			} {
				id := "0190000" + string(rune('0'+i)) + "-0000-7000-8000-000000000000"
				exec(`INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)`, id, u.name, at)
				if u.scopes == "" {
					continue
				}
				var revoked any
				if u.revoked != "" {
					revoked = u.revoked
				}
				exec(`INSERT INTO api_keys (id, user_id, digest, prefix, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					"k"+id[1:], id, strings.Repeat(string(rune('a'+i)), 64), "trx_x", u.scopes, at, revoked)
			}
			for _, st := range m10.Statements {
				exec(st)
			}
			store := authsql.New(db)
			for name, want := range map[string]string{"root": "admin", "ops": "admin", "alice": "read,write", "gone": "read,write", "nokeys": "read,write"} {
				u, hash, err := store.Credentials(ctx, name)
				if err != nil || hash != "" || strings.Join(u.Scopes, ",") != want {
					t.Errorf("%s: %v %q %v, want %s", name, u.Scopes, hash, err, want)
				}
			}
		})
	}
}
