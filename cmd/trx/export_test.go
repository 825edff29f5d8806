package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportImportCommands: trx export --all of a server's data, imported
// with trx import --all into a new data directory, serves the same
// transactions to the same keys.
func TestExportImportCommands(t *testing.T) {
	dir := t.TempDir()
	addr, admin, stop := startServe(t, dir)
	mustAPI(t, addr, admin, "POST", "/api/v1/transactions", `{"amount":"-3.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`, 201)
	mustAPI(t, addr, admin, "POST", "/api/v1/transactions", `{"amount":"-1200","currency":"JPY","description":"Ramen","booked_at":"2026-11-28"}`, 201)
	mustAPI(t, addr, admin, "POST", "/api/v1/categories", `{"name":"Pets"}`, 201)
	before := transactions(t, addr, admin)
	viaAPI := mustAPI(t, addr, admin, "GET", "/api/v1/export", "", 200)

	file := filepath.Join(t.TempDir(), "all.ndjson")
	runTrx(t, "export", "--all", "--data", dir, "--out", file)
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
	if out := runTrx(t, "import", "--all", file, "--data", fresh); !strings.Contains(out, "2 transaction") || !strings.Contains(out, "1 category") {
		t.Fatalf("trx import printed %q", out)
	}
	addr2, firstKey, _ := startServe(t, fresh)
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
