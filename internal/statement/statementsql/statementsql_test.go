package statementsql_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/account/accountsql"
	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/statement/statementsql"
)

// TestRowCap: an import past the user's cap is a 409 naming it; another
// user's imports do not count.
func TestRowCap(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			db := sqldbtest.Open(t, d)
			ctx := context.Background()
			users := auth.NewService(authsql.New(db))
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			var accounts []account.Account
			for _, name := range []string{"alice", "bob"} {
				u, _, err := users.AddUser(ctx, name, nil)
				if err != nil {
					t.Fatal(err)
				}
				a := account.Account{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: "Cheque", Kind: "checking", Currency: "EUR",
					CreatedAt: now, UpdatedAt: now, Version: 1}
				if err := accountsql.New(db).Insert(ctx, a); err != nil {
					t.Fatal(err)
				}
				accounts = append(accounts, a)
			}
			s := statementsql.New(db, statementsql.WithRowCap(sqldb.RowCap{Max: 2, What: "imports", Name: "--max-user-imports"}))
			imp := func(a account.Account) error {
				return s.CreateImport(ctx, statement.Import{ID: uuid.Must(uuid.NewV7()).String(), UserID: a.UserID, AccountID: a.ID,
					State: statement.StateDone, Format: statement.FormatCSV, CreatedAt: now, UpdatedAt: now, HeartbeatAt: now})
			}
			for range 2 {
				if err := imp(accounts[0]); err != nil {
					t.Fatal(err)
				}
			}
			err := imp(accounts[0])
			if !errors.Is(err, sqldb.ErrRowCap) || fault.KindOf(err) != fault.Conflict || !strings.Contains(fault.Message(err), "--max-user-imports") {
				t.Fatalf("a third import: %v, want a 409 naming --max-user-imports", err)
			}
			if err := imp(accounts[1]); err != nil {
				t.Fatalf("bob's first import: %v", err)
			}
			if got, err := s.Imports(ctx, accounts[0].UserID, "", 100); err != nil || len(got) != 2 {
				t.Fatalf("alice's imports: %d (%v), want the 2 under the cap", len(got), err)
			}
		})
	}
}
