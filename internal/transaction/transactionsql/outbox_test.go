package transactionsql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// The per-user events outbox: a write's events exist exactly when the
// write does (same database transaction), on both engines.

func outboxEnv(t *testing.T, d sqldb.Dialect) (*transaction.Service, *transactionsql.Outbox, string) {
	t.Helper()
	db := sqldbtest.Open(t, d)
	users := auth.NewService(authsql.New(db))
	u, _, err := users.AddUser(context.Background(), "u"+uuid.NewString()[:8], []string{auth.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return transaction.NewService(transactionsql.New(db, transactionsql.WithOutbox())), transactionsql.NewOutbox(db), u.ID
}

func pending(t *testing.T, o *transactionsql.Outbox) []transaction.Event {
	t.Helper()
	es, err := o.Pending(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func draft(desc string) transaction.Draft {
	return transaction.Draft{Amount: "-1.50", Currency: "EUR", Description: desc, BookedAt: "2026-11-27"}
}

func TestOutbox(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			svc, out, user := outboxEnv(t, d)

			// A create records transaction.created with the transaction.
			tx, err := svc.Create(ctx, user, draft("coffee"), nil)
			if err != nil {
				t.Fatal(err)
			}
			es := pending(t, out)
			if len(es) != 1 || es[0].Type != transaction.EventCreated || es[0].UserID != user {
				t.Fatalf("after a create the outbox holds %+v", es)
			}
			var res transaction.Resource
			if err := json.Unmarshal(es[0].Data, &res); err != nil || res.ID != tx.ID || res.Description != "coffee" {
				t.Fatalf("event data %s (%v), want the transaction", es[0].Data, err)
			}

			// An idempotent retry records nothing more; a batch records one
			// event a row; a failed batch (a duplicate id) records none.
			idem := &transaction.Idempotency{Key: "k1", RequestHash: "h"}
			if _, err := svc.CreateBatch(ctx, user, []transaction.Draft{draft("a"), draft("b")}, idem); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.CreateBatch(ctx, user, []transaction.Draft{draft("a"), draft("b")}, idem); err != nil {
				t.Fatal(err)
			}
			if n := len(pending(t, out)); n != 3 {
				t.Fatalf("after a batch of 2 and its retry: %d events, want 3", n)
			}

			// A categorization records transaction.categorized with the new
			// state; a change that is not one records nothing.
			if _, err := svc.Update(ctx, user, tx.ID, transaction.Patch{Description: ptr("espresso")}, 0); err != nil {
				t.Fatal(err)
			}
			if n := len(pending(t, out)); n != 3 {
				t.Fatalf("a description change recorded an event: %d", n)
			}
			if _, err := svc.SetCategory(ctx, user, tx.ID, transaction.Categorization{CategoryID: "food", Source: transaction.SourceManual}, 0); err != nil {
				t.Fatal(err)
			}
			es = pending(t, out)
			last := es[len(es)-1]
			if len(es) != 4 || last.Type != transaction.EventCategorized {
				t.Fatalf("after a categorization: %+v", es)
			}
			if err := json.Unmarshal(last.Data, &res); err != nil || res.CategoryID == nil || *res.CategoryID != "food" || res.Description != "espresso" {
				t.Fatalf("categorized event data %s", last.Data)
			}

			// SetCategories (the classifier's bulk path) records one per row
			// changed, as it stands after the change.
			changed, err := svc.SetCategories(ctx, user, []transaction.CategoryChange{
				{ID: tx.ID, Categorization: transaction.Categorization{CategoryID: "travel", Source: transaction.SourceManual}},
			})
			if err != nil || len(changed) != 1 {
				t.Fatalf("set categories: %v %v", changed, err)
			}
			es = pending(t, out)
			last = es[len(es)-1]
			if err := json.Unmarshal(last.Data, &res); len(es) != 5 || err != nil || *res.CategoryID != "travel" || res.Version != 4 {
				t.Fatalf("bulk categorized event %s (of %d), want travel at version 4", last.Data, len(es))
			}

			// The relay's side: ids in order; marked ones are no longer
			// pending; purge drops only published ones.
			for i := 1; i < len(es); i++ {
				if es[i].ID <= es[i-1].ID {
					t.Fatalf("events out of id order: %d after %d", es[i].ID, es[i-1].ID)
				}
			}
			if err := out.MarkPublished(ctx, []int64{es[0].ID, es[1].ID}, time.Now()); err != nil {
				t.Fatal(err)
			}
			if n := len(pending(t, out)); n != 3 {
				t.Fatalf("%d pending after marking 2 of 5", n)
			}
			if n, err := out.PurgePublished(ctx, time.Now().Add(time.Hour)); err != nil || n != 2 {
				t.Fatalf("purged %d (%v), want the 2 published", n, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// InsertBatches is one database transaction: the batches put before a
// failure are rolled back with their events, and a fill that succeeds
// stores every batch and records one event per transaction.
func TestInsertBatchesIsAtomic(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			users := auth.NewService(authsql.New(db))
			u, _, err := users.AddUser(ctx, "u"+uuid.NewString()[:8], nil)
			if err != nil {
				t.Fatal(err)
			}
			s, o := transactionsql.New(db, transactionsql.WithOutbox()), transactionsql.NewOutbox(db)
			batch := func(n int) ([]transaction.Transaction, []transaction.Event) {
				at := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
				txs := make([]transaction.Transaction, n)
				for i := range txs {
					txs[i] = transaction.Transaction{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Amount: -int64(i + 1), Currency: "EUR",
						Description: "row", BookedAt: at, CreatedAt: at, UpdatedAt: at, Version: 1}
				}
				events, err := transaction.NewEvents(transaction.EventCreated, at, txs)
				if err != nil {
					t.Fatal(err)
				}
				return txs, events
			}
			stop := errors.New("stop")
			err = s.InsertBatches(ctx, u.ID, 700, func(put func([]transaction.Transaction, []transaction.Event) error) error {
				if err := put(batch(450)); err != nil {
					return err
				}
				return stop
			})
			if !errors.Is(err, stop) {
				t.Fatalf("InsertBatches: %v, want the fill's error", err)
			}
			if rows, err := s.List(ctx, transaction.Query{UserID: u.ID, Limit: transaction.MaxPageSize}); err != nil || len(rows) != 0 {
				t.Fatalf("a failed fill left %d rows (%v)", len(rows), err)
			}
			if es := pending(t, o); len(es) != 0 {
				t.Fatalf("a failed fill left %d events", len(es))
			}
			err = s.InsertBatches(ctx, u.ID, 700, func(put func([]transaction.Transaction, []transaction.Event) error) error {
				if err := put(batch(450)); err != nil {
					return err
				}
				return put(batch(250))
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions WHERE user_id = ?`, u.ID).Scan(&n); err != nil || n != 700 {
				t.Fatalf("stored %d rows (%v), want 700", n, err)
			}
			if es := pending(t, o); len(es) != 700 {
				t.Fatalf("recorded %d events, want 700", len(es))
			}
			// More than announced is refused (the row cap counted n).
			err = s.InsertBatches(ctx, u.ID, 1, func(put func([]transaction.Transaction, []transaction.Event) error) error {
				return put(batch(2))
			})
			if err == nil {
				t.Fatal("InsertBatches took more transactions than announced")
			}
		})
	}
}

// InsertBatches (large statements) stores the same rows, search index and
// events as Insert a row at a time: two databases get the same
// transactions, one each way, and must read back alike.
func TestInsertBatchesStoresWhatInsertDoes(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			// More rows than one large statement takes, in two puts: the
			// first is split in two statements.
			const n, first = 2300, 2000
			type env struct {
				s    *transactionsql.Store
				o    *transactionsql.Outbox
				user string
			}
			open := func() env {
				db := sqldbtest.Open(t, d)
				u, _, err := auth.NewService(authsql.New(db)).AddUser(ctx, "u"+uuid.NewString()[:8], nil)
				if err != nil {
					t.Fatal(err)
				}
				return env{transactionsql.New(db, transactionsql.WithOutbox()), transactionsql.NewOutbox(db), u.ID}
			}
			single, batched := open(), open()
			at := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
			txs := make([]transaction.Transaction, n)
			for i := range txs {
				txs[i] = transaction.Transaction{ID: uuid.Must(uuid.NewV7()).String(), Amount: -int64(i*7 + 1), Currency: []string{"EUR", "ZAR"}[i%2],
					Description: fmt.Sprintf("Shop %d purchase %c", i, 'a'+rune(i%26)), BookedAt: at.AddDate(0, -i%12, -i%28),
					CreatedAt: at, UpdatedAt: at, Version: 1, ImportID: "imp1", ImportKey: fmt.Sprintf("k%d", i)}
				if i%3 == 0 {
					txs[i].Counterparty = "Counterparty " + strconv.Itoa(i)
					txs[i].CategoryID, txs[i].CategorySource, txs[i].CategoryConfidence = "food", transaction.SourceModel, 7500
				}
			}
			of := func(user string, txs []transaction.Transaction) ([]transaction.Transaction, []transaction.Event) {
				mine := slices.Clone(txs)
				for i := range mine {
					mine[i].UserID = user
				}
				events, err := transaction.NewEvents(transaction.EventCreated, at, mine)
				if err != nil {
					t.Fatal(err)
				}
				return mine, events
			}
			for i := range txs {
				one, events := of(single.user, txs[i:i+1])
				if _, err := single.s.Insert(ctx, one, nil, events); err != nil {
					t.Fatal(err)
				}
			}
			err := batched.s.InsertBatches(ctx, batched.user, n, func(put func([]transaction.Transaction, []transaction.Event) error) error {
				if err := put(of(batched.user, txs[:first])); err != nil {
					return err
				}
				return put(of(batched.user, txs[first:]))
			})
			if err != nil {
				t.Fatal(err)
			}

			// The rows (all columns but the user's id), and the search
			// index (through the triggers) for a text some rows hold.
			read := func(e env, text string) []transaction.Transaction {
				var out []transaction.Transaction
				q := transaction.Query{UserID: e.user, Text: text, Limit: transaction.MaxPageSize}
				for {
					p, err := e.s.List(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range p {
						r.UserID = ""
						out = append(out, r)
					}
					if len(p) < q.Limit {
						return out
					}
					last := p[len(p)-1]
					q.After = &transaction.Position{BookedAt: last.BookedAt, ID: last.ID}
				}
			}
			for _, text := range []string{"", "purchase q", "shop 1", "SHOP 22"} {
				want, got := read(single, text), read(batched, text)
				if text == "" && len(want) != n {
					t.Fatalf("the single-row inserts stored %d rows, want %d", len(want), n)
				}
				if text != "" && len(want) == 0 {
					t.Fatalf("search %q finds nothing: the comparison would be empty", text)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("search %q: InsertBatches stored %d rows unlike Insert's %d", text, len(got), len(want))
				}
			}

			// The events: one a row, in the same order, with the same data
			// (the user's id aside).
			wantEv, gotEv := pending(t, single.o), pending(t, batched.o)
			if len(wantEv) != n || len(gotEv) != n {
				t.Fatalf("events: %d batched, %d single, want %d", len(gotEv), len(wantEv), n)
			}
			for i := range wantEv {
				w, g := wantEv[i], gotEv[i]
				if g.Type != w.Type || !g.At.Equal(w.At) || strings.ReplaceAll(string(g.Data), batched.user, single.user) != string(w.Data) {
					t.Fatalf("event %d: batched %s %s %s, single %s %s %s", i, g.Type, g.At, g.Data, w.Type, w.At, w.Data)
				}
			}
		})
	}
}
