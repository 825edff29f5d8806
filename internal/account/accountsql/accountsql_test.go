package accountsql_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
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
)

func newAccount(user, name string) account.Account {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	return account.Account{ID: uuid.Must(uuid.NewV7()).String(), UserID: user, Name: name, Kind: "checking", Currency: "EUR",
		CreatedAt: now, UpdatedAt: now, Version: 1}
}

// TestRowCap: accounts past the cap are a 409 naming it, counted in the
// insert's transaction so that concurrent creates cannot pass it; by
// default the cap is account.MaxAccounts.
func TestRowCap(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			db := sqldbtest.Open(t, d)
			ctx := context.Background()
			u, _, err := auth.NewService(authsql.New(db)).AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			s := accountsql.New(db, accountsql.WithRowCap(sqldb.RowCap{Max: 4, What: "accounts", Name: "--max-user-accounts"}))
			var wg sync.WaitGroup
			errs := make(chan error, 10)
			for i := range 10 {
				wg.Go(func() { errs <- s.Insert(ctx, newAccount(u.ID, fmt.Sprintf("account %d", i))) })
			}
			wg.Wait()
			close(errs)
			ok := 0
			for err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, sqldb.ErrRowCap) || fault.KindOf(err) != fault.Conflict || !strings.Contains(fault.Message(err), "--max-user-accounts"):
					t.Errorf("past the cap: %v, want a 409 naming --max-user-accounts", err)
				}
			}
			if n, err := s.Count(ctx, u.ID); err != nil || ok != 4 || n != 4 {
				t.Fatalf("%d created, %d stored (%v); want 4 and 4", ok, n, err)
			}
			if err := accountsql.New(db).Insert(ctx, newAccount(u.ID, "under the default")); err != nil {
				t.Fatalf("the default cap is %d: %v", account.MaxAccounts, err)
			}
		})
	}
}
