package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// Issue 11 end to end: per-user events survive NATS being down (the
// outbox), a stopped database answers 503 with Retry-After, /readyz tells
// the truth about a database that cannot write.

// TestCreateWhileNATSDownIsDelivered: a create while NATS is down answers
// 201 (it does not wait for NATS), and its transaction.created reaches the
// user's connection once NATS is back (it used to be published inside the
// request, with a 2 s timeout, and dropped), on both engines (the outbox
// is each engine's SQL). Meanwhile /readyz fails naming the event stream,
// and is ready again once NATS is back.
func TestCreateWhileNATSDownIsDelivered(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			port, store := freePort(t), t.TempDir()
			ns := startNATS(t, port, store)
			defer func() { ns.Shutdown() }()
			cfg := serveConfig{DataDir: t.TempDir()}
			if d == sqldb.MySQL {
				cfg.DB = sqldbtest.URL(t, d)
			}
			cfg.Notify.NATS = "nats://127.0.0.1:" + strconv.Itoa(port)
			addr, admin, stop := startServeWith(t, cfg)
			defer stop() //nolint:errcheck // also stopped by cleanup
			c, _, err := dialWS(t, addr, admin, "")
			if err != nil {
				t.Fatal(err)
			}

			ns.Shutdown()
			ns.WaitForShutdown()
			body := mustAPI(t, addr, admin, "POST", "/api/v1/transactions",
				`{"amount":"-4.20","currency":"EUR","description":"while NATS was down","booked_at":"2026-11-27"}`, 201)
			var created struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &created); err != nil || created.ID == "" {
				t.Fatalf("create: %s", body)
			}
			if code, body := readyz(t, addr); code != http.StatusServiceUnavailable || !strings.Contains(body, "the event stream cannot take publishes") {
				t.Fatalf("readyz with NATS down: %d %s, want 503 naming the event stream", code, body)
			}
			ns = startNATS(t, port, store)
			for {
				m := c.next() // bounded: next waits at most 30 s
				if m["type"] != "transaction.created" {
					continue
				}
				data, _ := m["data"].(map[string]any)
				if data == nil || data["id"] != created.ID {
					t.Fatalf("transaction.created for another transaction: %v", m)
				}
				break
			}
			for deadline := time.Now().Add(60 * time.Second); ; { // a bound, not a speed check
				code, body := readyz(t, addr)
				if code == http.StatusOK {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("readyz 60 s after NATS came back: %d %s", code, body)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// TestStoppedDatabaseIs503: when MySQL goes away, the API answers
// 503 unavailable with Retry-After, not 500, and /readyz fails naming the
// database without its internals.
func TestStoppedDatabaseIs503(t *testing.T) {
	base := sqldbtest.URL(t, sqldb.MySQL)
	c, err := sqldb.MySQLConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	p := sqldbtest.NewProxy(t, c.Addr)
	addr, key, stop := startServeWith(t, serveConfig{DataDir: t.TempDir(), DB: p.MySQLURL(t, base)})
	defer stop() //nolint:errcheck // also stopped by cleanup
	create := `{"amount":"-1.00","currency":"EUR","description":"x","booked_at":"2026-11-27"}`
	mustAPI(t, addr, key, "POST", "/api/v1/transactions", create, 201)
	p.Stop()

	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/transactions", strings.NewReader(create))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var prob struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	}
	_ = json.NewDecoder(res.Body).Decode(&prob)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || prob.Type != "urn:trx:problem:unavailable" {
		t.Fatalf("create with the database gone: %d, Retry-After %q, %+v; want 503 unavailable with Retry-After",
			res.StatusCode, res.Header.Get("Retry-After"), prob)
	}
	code, body := readyz(t, addr)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "database cannot take writes") || strings.Contains(body, p.Addr()) {
		t.Fatalf("readyz with the database gone: %d %s", code, body)
	}
}

// TestReadyzOnReadOnlyDatabase: a database that turns read-only under a
// running trx (here SQLite's write connection with query_only; the MySQL
// side of the probe is in internal/sqldb) answers pings and reads but
// refuses writes: /readyz fails naming the database (it used to only
// ping), and /healthz, the liveness probe, stays 200.
func TestReadyzOnReadOnlyDatabase(t *testing.T) {
	cfg := serveConfig{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Migrate: true, MaxOpenConns: 8, ShutdownTimeout: 5 * time.Second}
	cfg.Notify.EventRetention, cfg.Notify.WSQueue = time.Hour, 256
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := newServer(ctx, cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-s.Started():
	case err := <-done:
		t.Fatalf("serve stopped at start: %v", err)
	}
	addr := s.Addr()
	if code, body := readyz(t, addr); code != http.StatusOK {
		t.Fatalf("readyz on a writable database: %d %s", code, body)
	}
	if _, err := s.db.Write.Exec(`PRAGMA query_only = 1`); err != nil { // SQLite's one write connection
		t.Fatal(err)
	}
	code, body := readyz(t, addr)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "the database cannot take writes") || strings.Contains(body, "SQLITE") {
		t.Fatalf("readyz on a read-only database: %d %s", code, body)
	}
	if res, err := http.Get("http://" + addr + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz (liveness) on a read-only database: %v %v", res, err)
	}
}

// TestFullDatabaseIs503: a create on a database that cannot grow (SQLite's
// write connection capped by max_page_count, as a full disk caps it)
// answers 503 unavailable with Retry-After, not 500, and /readyz then
// fails naming the database, though its probe's update in place would
// still succeed.
func TestFullDatabaseIs503(t *testing.T) {
	cfg := serveConfig{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Migrate: true, MaxOpenConns: 8, ShutdownTimeout: 5 * time.Second}
	cfg.Notify.EventRetention, cfg.Notify.WSQueue = time.Hour, 256
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	s, err := newServer(ctx, cfg, slog.New(slog.DiscardHandler), &out)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-s.Started():
	case err := <-done:
		t.Fatalf("serve stopped at start: %v", err)
	}
	addr, key := s.Addr(), firstKey(t, out.String())
	var pages int
	if err := s.db.Write.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Write.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages+8)); err != nil { // SQLite's one write connection
		t.Fatal(err)
	}
	item := `{"amount":"-1.00","currency":"EUR","description":"` + strings.Repeat("x", 200) + `","booked_at":"2026-11-27"}`
	batch := `{"items":[` + strings.TrimSuffix(strings.Repeat(item+",", 500), ",") + `]}`
	code := 0
	for i := 0; i < 100 && code != http.StatusServiceUnavailable; i++ { // a few batches fill 8 pages
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/transactions/batch", strings.NewReader(batch))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		code = res.StatusCode
		if code != http.StatusCreated && code != http.StatusServiceUnavailable {
			t.Fatalf("a batch create on a filling database: %d, want 201 until full, then 503", code)
		}
		if code == http.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
	}
	if code != http.StatusServiceUnavailable {
		t.Fatal("the database never filled up")
	}
	if code, body := readyz(t, addr); code != http.StatusServiceUnavailable || !strings.Contains(body, "the database cannot take writes") {
		t.Fatalf("readyz on a full database: %d %s", code, body)
	}
}

func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/readyz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String()
}
