package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
)

// runTrx runs the trx command line in-process and returns its stdout, or
// fails the test.
func runTrx(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, testEnv(nil, &out, &errOut)); err != nil {
		t.Fatalf("trx %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// transactions lists the caller's transactions (their JSON, in order).
func transactions(t *testing.T, addr, key string) string {
	t.Helper()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(mustAPI(t, addr, key, "GET", "/api/v1/transactions?limit=500", "", 200)), &page); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, it := range page.Items {
		b.Write(it)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestBackupRestoreServe: a backup taken from a running server, restored
// into a new data directory, serves the same data to the same keys; what
// was written after the backup is not there; and a WebSocket client that
// resumes with a sequence of the old server is told to resync.
func TestBackupRestoreServe(t *testing.T) {
	dir := t.TempDir()
	addr, admin, stop := startServe(t, dir)
	for i := range 3 {
		mustAPI(t, addr, admin, "POST", "/api/v1/transactions",
			fmt.Sprintf(`{"amount":"-%d.50","currency":"EUR","description":"Coffee %d","booked_at":"2026-11-2%d"}`, i+1, i, i), 201)
	}
	ws, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, addr, admin, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme Corp","price":"100","currency":"USD"}`, 201)
	mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", `{"price":"110"}`, 200)
	seen := ws.stockEvents(2)
	oldSeq := uint64(seen[1]["sequence"].(float64))
	before := transactions(t, addr, admin)

	archive := filepath.Join(t.TempDir(), "b.tar")
	if out := runTrx(t, "backup", "--data", dir, "--out", archive); !strings.HasPrefix(out, archive+"\n") {
		t.Fatalf("trx backup printed %q", out)
	}
	mustAPI(t, addr, admin, "POST", "/api/v1/transactions", `{"amount":"-9.99","currency":"EUR","description":"after the backup","booked_at":"2026-11-30"}`, 201)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if out := runTrx(t, "restore", archive, "--data", restored); !strings.Contains(out, "next sequence is") {
		t.Fatalf("trx restore printed %q", out)
	}
	addr2, firstKey, _ := startServe(t, restored)
	if firstKey != "" {
		t.Fatal("the restored server created a first user: it saw no users")
	}
	if after := transactions(t, addr2, admin); after != before {
		t.Fatalf("restored transactions differ:\nbefore the backup\n%s\nafter the restore\n%s", before, after)
	}
	if got := mustAPI(t, addr2, admin, "GET", "/api/v1/stocks/ACME", "", 200); !strings.Contains(got, `"110.00"`) {
		t.Fatalf("restored stock: %s", got)
	}
	back, _, err := dialWS(t, addr2, admin, fmt.Sprintf("since=%d", oldSeq))
	if err != nil {
		t.Fatal(err)
	}
	for {
		m := back.next()
		if m["type"] == "stock.changed" && uint64(m["sequence"].(float64)) <= oldSeq {
			t.Fatalf("after the restore, an old sequence came again: %v", m)
		}
		if m["type"] == "resumed" {
			t.Fatalf("a client with the old sequence %d was told it missed nothing: %v", oldSeq, m)
		}
		if m["type"] == "resync_required" {
			if first := uint64(m["first_sequence"].(float64)); first <= oldSeq+1 {
				t.Fatalf("resync_required with first sequence %d, not past the old %d", first, oldSeq)
			}
			break
		}
	}

	// The restore refuses a directory that is not empty.
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"restore", archive, "--data", restored}, testEnv(nil, &out, &errOut))
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a used directory: %v", err)
	}
}

// TestRestorePublishesPending: a stock change that was captured but not
// yet published when the backup was taken (here: written while the server
// was stopped) is published by the restored server, as the first message
// of the new stream; one published before the backup is not published
// again. A client resuming from just before the stream's new first
// sequence gets exactly that change.
func TestRestorePublishesPending(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	addr, admin, stop := startServe(t, dir)
	ws, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, addr, admin, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme Corp","price":"100","currency":"USD"}`, 201)
	ws.stockEvents(1) // published before the backup
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO stocks (symbol, name, price_micros, currency, updated_at) VALUES ('PEND', 'Pending Ltd', 5000000, 'USD', ?)`,
		sqldb.FormatTime(time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	archive := filepath.Join(t.TempDir(), "b.tar")
	if out := runTrx(t, "backup", "--data", dir, "--out", archive); !strings.Contains(out, "1 not yet published") {
		t.Fatalf("trx backup printed %q, want one change not yet published", out)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	out := runTrx(t, "restore", archive, "--data", restored)
	var first uint64
	if i := strings.Index(out, "its next sequence is "); i < 0 {
		t.Fatalf("trx restore printed %q", out)
	} else if _, err := fmt.Sscanf(out[i:], "its next sequence is %d,", &first); err != nil {
		t.Fatalf("trx restore printed %q: %v", out, err)
	}
	addr2, _, _ := startServe(t, restored)
	back, _, err := dialWS(t, addr2, admin, fmt.Sprintf("since=%d", first-1))
	if err != nil {
		t.Fatal(err)
	}
	got := back.stockEvents(1)[0]
	if got["symbol"] != "PEND" || got["operation"] != "insert" || uint64(got["sequence"].(float64)) != first {
		t.Fatalf("first message of the restored stream %v, want PEND's insert at sequence %d", got, first)
	}
}

// TestBackupRefusesMySQL: trx backup on MySQL explains the engine's tools.
func TestBackupRefusesMySQL(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"backup", "--db", "mysql://root@127.0.0.1:1/trx"}, testEnv(nil, &out, &errOut))
	if err == nil || !strings.Contains(err.Error(), "mysqldump --single-transaction") {
		t.Fatalf("trx backup on MySQL: %v", err)
	}
}
