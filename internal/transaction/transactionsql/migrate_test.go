package transactionsql_test

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// TestMigrationBackfillsSearchIndex: rows stored before migration 0011 are
// found by a text search after it, on both engines (the migration indexes
// the existing rows), and new rows as well.
func TestMigrationBackfillsSearchIndex(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.OpenEmpty(t, d)
			migrateTo(t, db, "list_indexes")
			u, _, err := auth.NewService(authsql.New(db)).AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			s := transactionsql.New(db)
			old := []transaction.Transaction{
				tx(u.ID, 0, -350, "EUR", "Coffee at Mugg & Bean"),
				tx(u.ID, 1, -990, "EUR", "coffee beans"),
				tx(u.ID, 2, -1200, "EUR", "Groceries"),
			}
			if _, err := s.Insert(ctx, old, nil, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Insert(ctx, []transaction.Transaction{tx(u.ID, 3, -100, "EUR", "Iced coffee")}, nil, nil); err != nil {
				t.Fatal(err)
			}
			s.SetProbe(1_000_000) // the search index, not the walk
			q := transaction.Query{UserID: u.ID, Text: "COFFEE", Limit: 10}
			if path, err := s.ChoosePath(ctx, q); err != nil || path != transactionsql.PathText {
				t.Fatalf("path %d (%v), want the search index", path, err)
			}
			page, err := s.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range page {
				got = append(got, r.Description)
			}
			sort.Strings(got)
			if want := []string{"Coffee at Mugg & Bean", "Iced coffee", "coffee beans"}; !slices.Equal(got, want) {
				t.Errorf("after the migration: %q, want %q", got, want)
			}
		})
	}
}

// migrateTo applies the migrations before the one named name, as an older
// trx did.
func migrateTo(t *testing.T, db *sqldb.DB, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Status(ctx); err != nil { // creates schema_migrations
		t.Fatal(err)
	}
	ms, err := sqldb.Migrations(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	v := slices.IndexFunc(ms, func(m sqldb.Migration) bool { return m.Name == name })
	if v < 0 {
		t.Fatalf("no migration %s", name)
	}
	for _, m := range ms[:v] {
		for _, stmt := range m.Statements {
			if _, err := db.Write.ExecContext(sqldb.Unlimited(ctx), stmt); err != nil {
				t.Fatalf("migration %d: %v", m.Version, err)
			}
		}
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, sqldb.FormatTime(time.Now())); err != nil {
			t.Fatal(err)
		}
	}
}
