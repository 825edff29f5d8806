package main

import (
	"context"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
)

// TestKeysListEscapes: a label stored raw before labels refused control
// characters cannot drive the operator's terminal through trx keys list.
func TestKeysListEscapes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(authsql.New(db))
	u, _, err := svc.AddUser(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, `UPDATE api_keys SET label = ? WHERE user_id = ?`, "ci\x1b]0;owned\a\x1b[2J\u202e", u.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var out, errOut strings.Builder
	if err := run(ctx, []string{"keys", "list", "--user", "alice", "--data", dir}, testEnv(nil, &out, &errOut)); err != nil {
		t.Fatalf("keys list: %v %s", err, errOut.String())
	}
	if strings.ContainsAny(out.String(), "\x1b\a\u202e") || !strings.Contains(out.String(), `ci\x1b]0;owned\a\x1b[2J\u202e`) {
		t.Fatalf("keys list printed %q", out.String())
	}
}
