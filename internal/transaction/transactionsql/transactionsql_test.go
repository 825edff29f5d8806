package transactionsql_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// The store suite: one set of cases, run on SQLite always and on
// MariaDB/MySQL when TRX_TEST_MYSQL_DSN is set (sqldbtest.Engines).

type storeEnv struct {
	t          *testing.T
	db         *sqldb.DB
	s          *transactionsql.Store
	alice, bob string // user ids
}

func newStoreEnv(t *testing.T, d sqldb.Dialect) *storeEnv {
	t.Helper()
	db := sqldbtest.Open(t, d)
	users := auth.NewService(authsql.New(db))
	e := &storeEnv{t: t, db: db, s: transactionsql.New(db)}
	for _, name := range []string{"alice", "bob"} {
		u, _, err := users.AddUser(context.Background(), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if name == "alice" {
			e.alice = u.ID
		} else {
			e.bob = u.ID
		}
	}
	return e
}

func forEachEngine(t *testing.T, f func(t *testing.T, e *storeEnv)) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) { f(t, newStoreEnv(t, d)) })
	}
}

var base = time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)

// tx returns a transaction of user, booked days after base.
func tx(user string, days int, amount int64, currency, desc string) transaction.Transaction {
	return transaction.Transaction{ID: uuid.Must(uuid.NewV7()).String(), UserID: user, Amount: amount, Currency: currency,
		Description: desc, BookedAt: base.AddDate(0, 0, days), CreatedAt: base, UpdatedAt: base, Version: 1}
}

func (e *storeEnv) insert(txs ...transaction.Transaction) {
	e.t.Helper()
	if prior, err := e.s.Insert(context.Background(), txs, nil, nil); err != nil || prior != nil {
		e.t.Fatalf("insert: %v, prior %v", err, prior)
	}
}

func (e *storeEnv) list(q transaction.Query) []string {
	e.t.Helper()
	if q.Limit == 0 {
		q.Limit = transaction.MaxPageSize
	}
	got, err := e.s.List(context.Background(), q)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(got))
	for i, t := range got {
		out[i] = t.Description
	}
	return out
}

func TestStoreRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		ctx := context.Background()
		full := tx(e.alice, 0, -350, "EUR", "Coffee “Blue Bottle” 😀")
		full.Counterparty, full.CategoryID = "Blue Bottle", "food_and_drink"
		full.CategorySource, full.CategoryConfidence, full.CategoryRuleID = transaction.SourceRule, 9500, "r1"
		full.UpdatedAt = base.Add(time.Microsecond)
		bare := tx(e.alice, 1, 1_000_000_000_000, "JPY", "Salary")
		manual := tx(e.alice, 2, -1, "BHD", "Manual")
		manual.CategoryID, manual.CategorySource, manual.CategoryConfidence = "travel", transaction.SourceManual, 1234
		e.insert(full, bare, manual)
		manual.CategoryConfidence = 0 // only automatic decisions keep a confidence
		for _, want := range []transaction.Transaction{full, bare, manual} {
			got, err := e.s.Get(ctx, e.alice, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s read back (-stored +read):\n%s", want.Description, diff)
			}
		}
		for _, tc := range []struct{ name, user, id string }{
			{"another user's", e.bob, full.ID},
			{"a missing", e.alice, uuid.Must(uuid.NewV7()).String()},
		} {
			if _, err := e.s.Get(ctx, tc.user, tc.id); !errors.Is(err, transaction.ErrNotFound) {
				t.Errorf("get of %s row: %v, want ErrNotFound", tc.name, err)
			}
		}
	})
}

// TestStoreInsertIsAtomic: a batch larger than one INSERT statement is
// stored whole, and a batch that fails part way stores nothing.
func TestStoreInsertIsAtomic(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		ctx := context.Background()
		var many []transaction.Transaction
		for i := range 450 {
			many = append(many, tx(e.alice, i%30, int64(-i), "EUR", fmt.Sprintf("row %03d", i)))
		}
		e.insert(many...)
		if got := e.list(transaction.Query{UserID: e.alice}); len(got) != 450 {
			t.Fatalf("listed %d rows after inserting 450", len(got))
		}
		ids := make([]string, len(many))
		for i, m := range many {
			ids[i] = m.ID
		}
		got, err := e.s.GetMany(ctx, e.alice, ids)
		if err != nil || len(got) != 450 {
			t.Fatalf("GetMany of 450: %d rows (%v)", len(got), err)
		}
		// The 300th row repeats an existing id: the whole batch fails, in
		// both paths (with and without an idempotency key).
		for _, idem := range []*transaction.IdempotencyRecord{nil, {UserID: e.bob, Key: "k", RequestHash: "h", Response: []byte("[]"), CreatedAt: base}} {
			var batch []transaction.Transaction
			for i := range 400 {
				batch = append(batch, tx(e.bob, 0, 1, "EUR", "bob"))
				if i == 299 {
					batch[i].ID = many[0].ID
				}
			}
			if _, err := e.s.Insert(ctx, batch, idem, nil); err == nil {
				t.Fatal("a batch with a duplicate id was stored")
			}
			if got := e.list(transaction.Query{UserID: e.bob}); len(got) != 0 {
				t.Fatalf("a failed batch (idempotency %v) left %d rows", idem != nil, len(got))
			}
		}
		// The failed claim of "k" was rolled back with its batch.
		if prior, err := e.s.Insert(ctx, []transaction.Transaction{tx(e.bob, 0, 1, "EUR", "bob")},
			&transaction.IdempotencyRecord{UserID: e.bob, Key: "k", RequestHash: "h2", Response: []byte("[]"), CreatedAt: base}, nil); err != nil || prior != nil {
			t.Fatalf("claiming the key of a failed batch: prior %v (%v), want it free", prior, err)
		}
	})
}

func TestStoreIdempotencyKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		ctx := context.Background()
		rec := &transaction.IdempotencyRecord{UserID: e.alice, Key: "coffee", RequestHash: "h1", Response: []byte(`[{"id":"first"}]`), CreatedAt: base}
		first := tx(e.alice, 0, -350, "EUR", "first")
		if prior, err := e.s.Insert(ctx, []transaction.Transaction{first}, rec, nil); err != nil || prior != nil {
			t.Fatalf("first claim: prior %v (%v)", prior, err)
		}
		again := *rec
		again.RequestHash, again.Response = "h2", []byte(`[]`)
		prior, err := e.s.Insert(ctx, []transaction.Transaction{tx(e.alice, 0, -350, "EUR", "second")}, &again, nil)
		if err != nil || prior == nil {
			t.Fatalf("second claim: prior %v (%v), want the first record", prior, err)
		}
		if prior.RequestHash != "h1" || string(prior.Response) != string(rec.Response) || !prior.CreatedAt.Equal(base) {
			t.Fatalf("prior record %+v, want the first one", prior)
		}
		if got := e.list(transaction.Query{UserID: e.alice}); !cmp.Equal(got, []string{"first"}) {
			t.Fatalf("rows %v, want only the first", got)
		}
		// Keys are per user.
		bobs := *rec
		bobs.UserID = e.bob
		if prior, err := e.s.Insert(ctx, []transaction.Transaction{tx(e.bob, 0, 1, "EUR", "bob")}, &bobs, nil); err != nil || prior != nil {
			t.Fatalf("bob's same key: prior %v (%v), want a claim of his own", prior, err)
		}
		// Purge forgets keys created before the time given.
		if n, err := e.s.PurgeIdempotency(ctx, base); err != nil || n != 0 {
			t.Fatalf("purge before the keys were made: %d (%v)", n, err)
		}
		if n, err := e.s.PurgeIdempotency(ctx, base.Add(time.Second)); err != nil || n != 2 {
			t.Fatalf("purge after: %d (%v), want 2", n, err)
		}
		if prior, err := e.s.Insert(ctx, []transaction.Transaction{tx(e.alice, 0, 1, "EUR", "after purge")}, rec, nil); err != nil || prior != nil {
			t.Fatalf("a purged key: prior %v (%v), want it free", prior, err)
		}
	})
}

func TestStoreUpdateAndDeleteCheckVersions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		ctx := context.Background()
		row := tx(e.alice, 0, -350, "EUR", "Coffee")
		e.insert(row)
		next := row
		next.Description, next.Version, next.UpdatedAt = "Tea", 2, base.Add(time.Hour)
		next.CategoryID, next.CategorySource = "food_and_drink", transaction.SourceManual
		if err := e.s.Update(ctx, next, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.Get(ctx, e.alice, row.ID); !cmp.Equal(got, next) {
			t.Fatalf("after update: %+v, want %+v", got, next)
		}
		stale := next // written as if version 1 were still stored
		if err := e.s.Update(ctx, stale, nil); !errors.Is(err, transaction.ErrVersionMismatch) {
			t.Fatalf("a stale update: %v, want ErrVersionMismatch", err)
		}
		bobs := next
		bobs.UserID, bobs.Version = e.bob, 3
		if err := e.s.Update(ctx, bobs, nil); !errors.Is(err, transaction.ErrNotFound) {
			t.Fatalf("another user's update: %v, want ErrNotFound", err)
		}
		missing := next
		missing.ID, missing.Version = uuid.Must(uuid.NewV7()).String(), 2
		if err := e.s.Update(ctx, missing, nil); !errors.Is(err, transaction.ErrNotFound) {
			t.Fatalf("update of a missing row: %v, want ErrNotFound", err)
		}
		if err := e.s.Delete(ctx, e.alice, row.ID, 1); !errors.Is(err, transaction.ErrVersionMismatch) {
			t.Fatalf("delete if version 1 of version 2: %v", err)
		}
		if err := e.s.Delete(ctx, e.bob, row.ID, 0); !errors.Is(err, transaction.ErrNotFound) {
			t.Fatalf("another user's delete: %v", err)
		}
		if err := e.s.Delete(ctx, e.alice, row.ID, 2); err != nil {
			t.Fatalf("delete if version 2: %v", err)
		}
		if err := e.s.Delete(ctx, e.alice, row.ID, 0); !errors.Is(err, transaction.ErrNotFound) {
			t.Fatalf("a second delete: %v", err)
		}
	})
}

func TestStoreListFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		rows := []transaction.Transaction{
			tx(e.alice, 0, -350, "EUR", "Coffee at Blue Bottle"),
			tx(e.alice, 1, -120000, "JPY", "Ramen"),
			tx(e.alice, 2, 250000, "EUR", "Salary"),
			tx(e.alice, 3, -1999, "USD", "100% cotton_shirt"),
			tx(e.alice, 4, -5, "BHD", "coffee beans"),
		}
		rows[0].CategoryID, rows[0].CategorySource = "food_and_drink", transaction.SourceManual
		rows[1].CategoryID, rows[1].CategorySource, rows[1].CategoryConfidence = "food_and_drink", transaction.SourceBuiltin, 7000
		e.insert(rows...)
		e.insert(tx(e.bob, 0, -350, "EUR", "Bob's coffee"))
		i64 := func(n int64) *int64 { return &n }
		for _, tc := range []struct {
			name string
			q    transaction.Query
			want []string
		}{
			{"all of one user, newest booked first", transaction.Query{},
				[]string{"coffee beans", "100% cotton_shirt", "Salary", "Ramen", "Coffee at Blue Bottle"}},
			{"from inclusive, to exclusive", transaction.Query{From: base.AddDate(0, 0, 1), To: base.AddDate(0, 0, 3)}, []string{"Salary", "Ramen"}},
			{"a category", transaction.Query{CategoryID: "food_and_drink"}, []string{"Ramen", "Coffee at Blue Bottle"}},
			{"uncategorized", transaction.Query{Uncategorized: true}, []string{"coffee beans", "100% cotton_shirt", "Salary"}},
			{"only manual", transaction.Query{OnlyManual: true}, []string{"Coffee at Blue Bottle"}},
			{"manual left out", transaction.Query{ExcludeManual: true}, []string{"coffee beans", "100% cotton_shirt", "Salary", "Ramen"}},
			{"a currency", transaction.Query{Currency: "EUR"}, []string{"Salary", "Coffee at Blue Bottle"}},
			{"text, case-insensitive", transaction.Query{Text: "COFFEE"}, []string{"coffee beans", "Coffee at Blue Bottle"}},
			{"text with LIKE's wildcards taken literally", transaction.Query{Text: "0% cotton_"}, []string{"100% cotton_shirt"}},
			{"a wildcard alone matches only itself", transaction.Query{Text: "_"}, []string{"100% cotton_shirt"}},
			{"amount bands per exponent", transaction.Query{Bands: []transaction.AmountBand{
				{Currencies: []string{"EUR", "USD"}, Min: i64(-2000), Max: i64(0)},
				{Currencies: []string{"JPY"}, Max: i64(-100000)},
			}}, []string{"100% cotton_shirt", "Ramen", "Coffee at Blue Bottle"}},
			{"a limit", transaction.Query{Limit: 2}, []string{"coffee beans", "100% cotton_shirt"}},
			{"after a position", transaction.Query{After: &transaction.Position{BookedAt: rows[2].BookedAt, ID: rows[2].ID}}, []string{"Ramen", "Coffee at Blue Bottle"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.q.UserID = e.alice
				if got := e.list(tc.q); !cmp.Equal(got, tc.want) {
					t.Errorf("listed %q, want %q", got, tc.want)
				}
			})
		}
	})
}

// TestStoreKeysetPaging: rows booked at the same instant are ordered by id,
// and paging by (booked_at, id) visits every row once, whatever is
// inserted meanwhile.
func TestStoreKeysetPaging(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		var want []string
		for i := range 7 {
			r := tx(e.alice, i%2, 1, "EUR", fmt.Sprintf("r%d", i))
			want = append(want, r.ID)
			e.insert(r)
		}
		var got []string
		q := transaction.Query{UserID: e.alice, Limit: 3}
		for page := 0; ; page++ {
			rows, err := e.s.List(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				break
			}
			if page == 0 { // a newer row than every position: never visited
				e.insert(tx(e.alice, 5, 1, "EUR", "late"))
			}
			for _, r := range rows {
				got = append(got, r.ID)
			}
			last := rows[len(rows)-1]
			q.After = &transaction.Position{BookedAt: last.BookedAt, ID: last.ID}
		}
		if len(got) != len(want) {
			t.Fatalf("paged %d rows, want %d", len(got), len(want))
		}
		sort.Strings(want)
		sorted := slices.Clone(got)
		sort.Strings(sorted)
		if !cmp.Equal(sorted, want) {
			t.Fatalf("paged %v, want each of %v once", got, want)
		}
	})
}

func TestStoreCategories(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		ctx := context.Background()
		manual := tx(e.alice, 0, -1, "EUR", "manual")
		manual.CategoryID, manual.CategorySource = "travel", transaction.SourceManual
		auto := tx(e.alice, 1, -1, "EUR", "auto")
		none := tx(e.alice, 2, -1, "EUR", "none")
		e.insert(manual, auto, none)
		at := base.Add(time.Hour)
		changed, err := e.s.SetCategories(ctx, e.alice, []transaction.CategoryChange{
			{ID: manual.ID, Categorization: transaction.Categorization{CategoryID: "food_and_drink", Source: transaction.SourceRule, Confidence: 10000, RuleID: "r1"}},
			{ID: auto.ID, Categorization: transaction.Categorization{CategoryID: "food_and_drink", Source: transaction.SourceRule, Confidence: 10000, RuleID: "r1"}},
			{ID: none.ID, Categorization: transaction.Categorization{CategoryID: "travel", Source: transaction.SourceManual}},
		}, at, "")
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(changed, []string{auto.ID, none.ID}) {
			t.Fatalf("changed %v, want the automatic change to skip the manual row", changed)
		}
		got, _ := e.s.Get(ctx, e.alice, auto.ID)
		if got.CategoryID != "food_and_drink" || got.CategorySource != transaction.SourceRule || got.CategoryRuleID != "r1" ||
			got.CategoryConfidence != 10000 || got.Version != 2 || !got.UpdatedAt.Equal(at) {
			t.Fatalf("categorized row: %+v", got)
		}
		if got, _ := e.s.Get(ctx, e.alice, manual.ID); got.CategoryID != "travel" || got.Version != 1 {
			t.Fatalf("the manual row changed: %+v", got)
		}
		if changed, err := e.s.SetCategories(ctx, e.bob, []transaction.CategoryChange{
			{ID: auto.ID, Categorization: transaction.Categorization{CategoryID: "travel", Source: transaction.SourceManual}}}, at, ""); err != nil || len(changed) != 0 {
			t.Fatalf("bob categorizing alice's row: %v (%v)", changed, err)
		}
		for cat, want := range map[string]int64{"travel": 2, "food_and_drink": 1, "medical": 0} {
			if n, err := e.s.CountCategory(ctx, e.alice, cat); err != nil || n != want {
				t.Errorf("count %s: %d (%v), want %d", cat, n, err, want)
			}
		}
		// Reassigning to "" forgets automatic decisions and keeps manual
		// ones as cleared by hand; to a category, it keeps who decided.
		if n, err := e.s.ReassignCategory(ctx, e.alice, "food_and_drink", "", at); err != nil || n != 1 {
			t.Fatalf("reassign to none: %d (%v)", n, err)
		}
		if got, _ := e.s.Get(ctx, e.alice, auto.ID); got.CategoryID != "" || got.CategorySource != "" || got.CategoryRuleID != "" || got.CategoryConfidence != 0 || got.Version != 3 {
			t.Fatalf("an automatic decision reassigned to none: %+v", got)
		}
		if n, err := e.s.ReassignCategory(ctx, e.alice, "travel", "", at); err != nil || n != 2 {
			t.Fatalf("reassign travel to none: %d (%v)", n, err)
		}
		if got, _ := e.s.Get(ctx, e.alice, manual.ID); got.CategoryID != "" || got.CategorySource != transaction.SourceManual {
			t.Fatalf("a manual choice reassigned to none: %+v, want cleared by hand", got)
		}
		if n, err := e.s.ReassignCategory(ctx, e.bob, "travel", "medical", at); err != nil || n != 0 {
			t.Fatalf("bob's reassign: %d (%v)", n, err)
		}
	})
}

// TestStoreEach: every row of a user in a range, oldest booked first, with
// the columns totals use; an error from the callback stops the scan.
func TestStoreEach(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		ctx := context.Background()
		rows := []transaction.Transaction{tx(e.alice, 2, -1, "EUR", "c"), tx(e.alice, 0, 2, "JPY", "a"), tx(e.alice, 1, -3, "USD", "b")}
		rows[0].CategoryID, rows[0].CategorySource = "travel", transaction.SourceManual
		e.insert(rows...)
		e.insert(tx(e.bob, 1, 9, "EUR", "bob"))
		legs := []transaction.Transaction{tx(e.alice, 3, -500, "EUR", "to savings"), tx(e.alice, 3, 500, "EUR", "to savings")}
		legs[0].TransferID, legs[1].TransferID = "0197a3c1-0000-7000-8000-000000000001", "0197a3c1-0000-7000-8000-000000000001"
		e.insert(legs...)
		each := func(sp transaction.Span) []transaction.Transaction {
			var got []transaction.Transaction
			if err := e.s.Each(ctx, e.alice, sp, func(t transaction.Transaction) error {
				got = append(got, t)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		want := []transaction.Transaction{
			{ID: rows[2].ID, UserID: e.alice, Amount: -3, Currency: "USD", BookedAt: rows[2].BookedAt},
			{ID: rows[0].ID, UserID: e.alice, Amount: -1, Currency: "EUR", BookedAt: rows[0].BookedAt, CategoryID: "travel"},
		}
		if diff := cmp.Diff(want, each(transaction.Span{From: base.AddDate(0, 0, 1)})); diff != "" {
			t.Fatalf("each from day 1, transfers left out (-want +got):\n%s", diff)
		}
		got := each(transaction.Span{From: base.AddDate(0, 0, 1), Transfers: true})
		if len(got) != 4 || got[2].TransferID != legs[0].TransferID || got[3].TransferID != legs[0].TransferID || got[2].Amount+got[3].Amount != 0 {
			t.Fatalf("each from day 1 with transfers: %+v, want the two rows and both legs after them", got)
		}
		stop := errors.New("stop")
		n := 0
		if err := e.s.Each(ctx, e.alice, transaction.Span{}, func(transaction.Transaction) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Fatalf("a failing callback: %v after %d rows, want its error after 1", err, n)
		}
	})
}

// TestStoreTransfer: the legs of a transfer are read and deleted together,
// and only for their user.
func TestStoreTransfer(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *storeEnv) {
		ctx := context.Background()
		id := uuid.Must(uuid.NewV7()).String()
		legs := []transaction.Transaction{tx(e.alice, 0, 700, "EUR", "move"), tx(e.alice, 0, -700, "EUR", "move")}
		legs[0].TransferID, legs[1].TransferID = id, id
		other := tx(e.alice, 0, -700, "EUR", "not a transfer")
		e.insert(append(legs, other)...)
		got, err := e.s.TransferLegs(ctx, e.alice, id)
		if err != nil || len(got) != 2 || got[0].ID != legs[1].ID || got[1].ID != legs[0].ID {
			t.Fatalf("legs: %+v (%v), want the out leg then the in leg", got, err)
		}
		if got, err := e.s.TransferLegs(ctx, e.bob, id); err != nil || len(got) != 0 {
			t.Fatalf("bob reads alice's transfer: %+v (%v)", got, err)
		}
		if n, err := e.s.DeleteTransfer(ctx, e.bob, id); err != nil || n != 0 {
			t.Fatalf("bob deletes alice's transfer: %d (%v)", n, err)
		}
		if n, err := e.s.DeleteTransfer(ctx, e.alice, id); err != nil || n != 2 {
			t.Fatalf("delete: %d (%v), want both legs", n, err)
		}
		for _, l := range legs {
			if _, err := e.s.Get(ctx, e.alice, l.ID); !errors.Is(err, transaction.ErrNotFound) {
				t.Fatalf("a deleted leg: %v", err)
			}
		}
		if _, err := e.s.Get(ctx, e.alice, other.ID); err != nil {
			t.Fatalf("the other transaction went with the transfer: %v", err)
		}
	})
}
