package transactionsql_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// TestRowCap: an insert that would take a user past the cap is refused
// whole with a 409 naming it, other users are not affected, and concurrent
// inserts cannot pass it together (counted in the insert's transaction).
func TestRowCap(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newStoreEnv(t, d)
			capped := transactionsql.New(e.db, transactionsql.WithRowCap(sqldb.RowCap{Max: 3, What: "transactions", Name: "--max-user-transactions"}))
			ctx := context.Background()
			if _, err := capped.Insert(ctx, []transaction.Transaction{tx(e.alice, 0, 1, "EUR", "a"), tx(e.alice, 0, 2, "EUR", "b")}, nil, nil); err != nil {
				t.Fatal(err)
			}
			_, err := capped.Insert(ctx, []transaction.Transaction{tx(e.alice, 0, 3, "EUR", "c"), tx(e.alice, 0, 4, "EUR", "d")}, nil, nil)
			if !errors.Is(err, sqldb.ErrRowCap) || fault.KindOf(err) != fault.Conflict || !strings.Contains(fault.Message(err), "--max-user-transactions") ||
				!strings.Contains(fault.Message(err), "limit of 3") {
				t.Fatalf("past the cap: %v, want a 409 naming the limit and its flag", err)
			}
			if n := e.count(e.alice); n != 2 {
				t.Fatalf("%d rows after a refused insert, want 2 (all or none)", n)
			}
			idem := &transaction.IdempotencyRecord{UserID: e.alice, Key: "k", RequestHash: "h", Response: []byte("[]"), CreatedAt: base}
			if _, err := capped.Insert(ctx, []transaction.Transaction{tx(e.alice, 0, 3, "EUR", "c")}, idem, nil); err != nil {
				t.Fatalf("up to the cap: %v", err)
			}
			if _, err := capped.Insert(ctx, []transaction.Transaction{tx(e.alice, 0, 5, "EUR", "e")}, nil, nil); !errors.Is(err, sqldb.ErrRowCap) ||
				!strings.Contains(fault.Message(err), "you have 3 transactions; the limit is 3 per user") {
				t.Fatalf("at the cap: %v", err)
			}
			if prior, err := capped.Insert(ctx, []transaction.Transaction{tx(e.alice, 0, 3, "EUR", "c")}, idem, nil); err != nil || prior == nil {
				t.Fatalf("a retry of a create that was stored: %v, prior %v; want the first answer, not the cap", err, prior)
			}

			// Bob, concurrently: exactly the cap's worth gets in.
			var wg sync.WaitGroup
			errs := make(chan error, 12)
			for i := range 12 {
				wg.Go(func() {
					_, err := capped.Insert(ctx, []transaction.Transaction{tx(e.bob, i, 1, "EUR", "race")}, nil, nil)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			ok, refused := 0, 0
			for err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, sqldb.ErrRowCap):
					refused++
				default:
					t.Errorf("concurrent insert: %v", err)
				}
			}
			if n := e.count(e.bob); ok != 3 || refused != 9 || n != 3 {
				t.Fatalf("concurrent inserts: %d stored, %d refused, %d rows; want 3, 9, 3", ok, refused, n)
			}
		})
	}
}

// count is how many transactions user has.
func (e *storeEnv) count(user string) int {
	e.t.Helper()
	got, err := e.s.List(context.Background(), transaction.Query{UserID: user, Limit: transaction.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(got)
}
