package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestExportImportCommands: trx export --all of a server's data, imported
// with trx import --all into a new installation (a new data directory, or
// on MySQL a new database), serves the same transactions to the same
// keys; on both engines.
func TestExportImportCommands(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) { testExportImportCommands(t, d) })
	}
}

func testExportImportCommands(t *testing.T, d sqldb.Dialect) {
	dir := t.TempDir()
	// where names the installation: --data DIR on SQLite (its database and
	// event stream), --db URL as well on MySQL.
	where := func(dir, url string) []string {
		if d == sqldb.MySQL {
			return []string{"--data", dir, "--db", url}
		}
		return []string{"--data", dir}
	}
	url := ""
	if d == sqldb.MySQL {
		url = sqldbtest.URL(t, d)
	}
	addr, admin, stop := startServeWith(t, serveConfig{DataDir: dir, DB: url})
	mustAPI(t, addr, admin, "POST", "/api/v1/transactions", `{"amount":"-3.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`, 201)
	mustAPI(t, addr, admin, "POST", "/api/v1/transactions", `{"amount":"-1200","currency":"JPY","description":"Ramen","booked_at":"2026-11-28"}`, 201)
	mustAPI(t, addr, admin, "POST", "/api/v1/categories", `{"name":"Pets"}`, 201)
	before := transactions(t, addr, admin)
	viaAPI := mustAPI(t, addr, admin, "GET", "/api/v1/export", "", 200)

	file := filepath.Join(t.TempDir(), "all.ndjson")
	runTrx(t, append([]string{"export", "--all", "--out", file}, where(dir, url)...)...)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The route and the command write the same records (headers aside).
	body := func(s string) string { return s[strings.Index(s, "\n"):] }
	if body(string(data)) != body(viaAPI) {
		t.Errorf("GET /api/v1/export and trx export --all differ:\n%s\n%s", viaAPI, data)
	}

	fresh := filepath.Join(t.TempDir(), "fresh")
	freshURL := ""
	if d == sqldb.MySQL {
		freshURL = sqldbtest.URL(t, d)
	}
	if out := runTrx(t, append([]string{"import", "--all", file}, where(fresh, freshURL)...)...); !strings.Contains(out, "2 transaction") || !strings.Contains(out, "1 category") {
		t.Fatalf("trx import printed %q", out)
	}
	addr2, firstKey, _ := startServeWith(t, serveConfig{DataDir: fresh, DB: freshURL})
	if firstKey != "" {
		t.Fatal("the imported server created a first user")
	}
	if after := transactions(t, addr2, admin); after != before {
		t.Fatalf("imported transactions differ:\n%s\n%s", before, after)
	}

	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"import", "--all", "--data", t.TempDir()}, testEnv(nil, &out, &errOut))
	if err == nil || !strings.Contains(err.Error(), "name one export file") {
		t.Fatalf("trx import --all without a file: %v", err)
	}
}
