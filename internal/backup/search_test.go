package backup_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/backup"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// checkSearchIndex checks that the search index of the SQLite database db
// (migration 0011) has one entry for every transaction and nothing else,
// and that it finds each of a sample of up to 50 rows (every n-th) by its
// description.
func checkSearchIndex(t *testing.T, db *sql.DB) {
	t.Helper()
	var txs, entries, all int
	if err := db.QueryRow(`SELECT COUNT(*) FROM transactions`).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM transaction_search s JOIN transactions t ON t.id = s.transaction_id AND t.user_id = s.user_id`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM transaction_search`).Scan(&all); err != nil {
		t.Fatal(err)
	}
	if entries != txs || all != txs {
		t.Errorf("search index: %d transactions, %d entries (%d in all)", txs, entries, all)
	}
	rows, err := db.Query(`SELECT s.rid, t.description FROM transactions t JOIN transaction_search s ON s.transaction_id = t.id ORDER BY s.rid`)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		rid  int64
		desc string
	}
	var sample []entry
	for i := 0; rows.Next(); i++ {
		var e entry
		if err := rows.Scan(&e.rid, &e.desc); err != nil {
			t.Fatal(err)
		}
		if i%max(1, txs/50) == 0 {
			sample = append(sample, e)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, e := range sample {
		var n int
		phrase := `"` + strings.ReplaceAll(e.desc, `"`, `""`) + `"`
		if err := db.QueryRow(`SELECT COUNT(*) FROM transaction_search_fts WHERE transaction_search_fts MATCH ? AND rowid = ?`, phrase, e.rid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("search index: entry %d does not find its description %q", e.rid, e.desc)
		}
	}
}

// TestBackupKeepsSearchIndex: the FTS5 search index survives VACUUM (the
// rowids of transactions may change there; the index is keyed by its own
// INTEGER PRIMARY KEY) and a backup and restore (VACUUM INTO), and the
// restored database goes on indexing writes.
func TestBackupKeepsSearchIndex(t *testing.T) {
	ctx := context.Background()
	db, _ := openSQLite(t)
	addUser(t, db, "u1", "alice")
	addUser(t, db, "u2", "bob")
	addTransaction(t, db.Write, "a1", "u1", -350, "Coffee at Mugg & Bean")
	addTransaction(t, db.Write, "a2", "u1", -1200, "Groceries Woolworths")
	addTransaction(t, db.Write, "a3", "u1", -990, "coffee beans")
	addTransaction(t, db.Write, "b1", "u2", -100, "Coffee for bob")
	exec(t, db.Write, `DELETE FROM transactions WHERE id = 'a2'`)
	exec(t, db.Write, `VACUUM`)

	out := filepath.Join(t.TempDir(), "b.tar")
	if _, err := backup.Snapshot(ctx, db, out, backup.Options{TrxVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	if _, err := backup.Restore(ctx, out, data, backup.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	rdb, err := sqldb.Open(ctx, sqldb.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	checkSearchIndex(t, rdb.Read)

	store := transactionsql.New(rdb)
	search := func(q string) []string {
		t.Helper()
		txs, err := store.List(ctx, transaction.Query{UserID: "u1", Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tx := range txs {
			ids = append(ids, tx.ID)
		}
		return ids
	}
	if got := search("COFFEE"); len(got) != 2 {
		t.Errorf("coffee after restore: %v, want a1 and a3", got)
	}
	addTransaction(t, rdb.Write, "a4", "u1", -500, "Late coffee")
	exec(t, rdb.Write, `UPDATE transactions SET description = 'Tea' WHERE id = 'a1'`)
	if got := search("coffee"); !slices.Equal(got, []string{"a4", "a3"}) && !slices.Equal(got, []string{"a3", "a4"}) {
		t.Errorf("coffee after writes on the restored database: %v, want a3 and a4", got)
	}
	if got := search("tea"); len(got) != 1 || got[0] != "a1" {
		t.Errorf("tea: %v, want a1", got)
	}
	checkSearchIndex(t, rdb.Read)
}
