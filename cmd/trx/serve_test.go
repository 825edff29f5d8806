package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/cli"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var keyRE = regexp.MustCompile(`trx_[A-Za-z0-9_-]{43}`)

// testEnv returns an env whose getenv reads vars.
func testEnv(vars map[string]string, stdout, stderr io.Writer) env {
	return env{Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr}
}

// startServe runs `trx serve` in-process on a fresh data directory and
// returns its address, the first user's key, and a stop function that
// cancels it (as SIGTERM does) and returns run's error.
func startServe(t *testing.T, dataDir string) (addr, key string, stop func() error) {
	t.Helper()
	return startServeWith(t, serveConfig{DataDir: dataDir})
}

// startServeWith is startServe with more of the configuration given.
func startServeWith(t *testing.T, cfg serveConfig) (addr, key string, stop func() error) {
	t.Helper()
	s, key, stop := startServer(t, cfg)
	return s.Addr(), key, stop
}

// startServer is startServeWith for benchmarks too, returning the server
// itself (whose handler a benchmark calls without the network).
func startServer(t testing.TB, cfg serveConfig) (s *server, key string, stop func() error) {
	t.Helper()
	cfg.Addr, cfg.Migrate, cfg.ShutdownTimeout = "127.0.0.1:0", true, 5*time.Second
	if cfg.MaxOpenConns == 0 {
		cfg.MaxOpenConns = 8
	}
	if cfg.Notify.EventRetention == 0 {
		cfg.Notify.EventRetention = time.Hour
	}
	if cfg.Notify.WSQueue == 0 {
		cfg.Notify.WSQueue = 256
	}
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	s, err := newServer(ctx, cfg, slog.New(slog.DiscardHandler), &out)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case <-s.Started():
	case err := <-done:
		t.Fatalf("serve stopped at start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the notifier was not ready within 30 s")
	}
	// Not on a terminal, the first key goes to a file; the output says where.
	key = keyRE.FindString(out.String())
	if m := keyFileRE.FindStringSubmatch(out.String()); key == "" && m != nil {
		b, err := os.ReadFile(m[1])
		if err != nil {
			t.Fatal(err)
		}
		key = keyRE.FindString(string(b))
	}
	return s, key, stop
}

var keyFileRE = regexp.MustCompile(`Its API key is in (\S+) `)

func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addr, key, stop := startServe(t, dir)
	if key == "" {
		t.Fatal("serve on an empty database printed no first API key")
	}
	base := "http://" + addr
	call := func(key, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := call("", "GET", p, ""); code != 200 {
			t.Fatalf("%s: %d %s", p, code, body)
		}
	}
	if code, _ := call("", "GET", "/api/v1/transactions", ""); code != 401 {
		t.Fatalf("no key: %d", code)
	}
	code, body := call(key, "POST", "/api/v1/transactions", `{"amount":"-12.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := call(key, "GET", "/api/v1/nope", ""); code != 404 || !strings.Contains(body, "problem") && !strings.Contains(body, "no API route") {
		t.Fatalf("unknown API route: %d %s", code, body)
	}

	// `trx users add` works against the data directory while serve runs, and
	// prints the key alone on stdout.
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"users", "add", "carol"}, testEnv(map[string]string{"TRX_DATA": dir}, &out, &errOut)); err != nil {
		t.Fatalf("users add: %v (%s)", err, errOut.String())
	}
	carol := strings.TrimSpace(out.String())
	if !keyRE.MatchString(carol) || carol != keyRE.FindString(carol) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("users add printed %q, want the key alone on one line", out.String())
	}
	if code, body := call(carol, "GET", "/api/v1/transactions", ""); code != 200 || !strings.Contains(body, `"items":[]`) {
		t.Fatalf("carol lists: %d %s", code, body)
	}
	out.Reset()
	if err := run(context.Background(), []string{"users", "add", "carol"}, testEnv(map[string]string{"TRX_DATA": dir}, &out, &errOut)); err == nil {
		t.Fatal("adding carol twice succeeded")
	}

	code, body = call("", "GET", "/metrics", "")
	for _, want := range []string{
		`trx_http_requests_total{code="201",method="POST",route="/api/v1/transactions"} 1`,
		`trx_http_request_duration_seconds_bucket{method="GET",route="/api/v1/transactions"`,
		`go_sql_wait_count_total{db_name="write"}`,
		`go_sql_in_use_connections{db_name="read"}`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Graceful shutdown: a request in flight when the signal comes finishes.
	// The request is in a handler first: with Expect: 100-continue the client
	// sends the body only once the server asks for it, which it does when a
	// handler reads the body. The body comes only after shutdown has begun.
	held := &heldBody{data: []byte(`{"items":[{"amount":"1","currency":"JPY","description":"late","booked_at":"2026-11-27"}]}`),
		started: make(chan struct{}), release: make(chan struct{})}
	slow := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/v1/transactions/batch", held)
		req.ContentLength = int64(len(held.data)) // known: the transport does not read ahead to probe it
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Expect", "100-continue")
		c := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 10 * time.Minute}}
		defer c.CloseIdleConnections()
		res, err := c.Do(req)
		if err != nil {
			slow <- -1
			return
		}
		res.Body.Close()
		slow <- res.StatusCode
	}()
	select {
	case <-held.started:
	case got := <-slow:
		t.Fatalf("the request ended (%d) before a handler read its body", got)
	case <-time.After(30 * time.Second): // a bound, not an assertion on speed
		t.Fatal("no handler read the request's body within 30 s")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	waitRefused(t, addr) // shutdown has begun: the listener is closed
	close(held.release)
	if got := <-slow; got != 201 {
		t.Fatalf("in-flight request during shutdown: %d, want 201", got)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run after shutdown = %v, want nil", err)
	}

	// Restarting on the same data keeps the data and prints no new key.
	_, key2, _ := startServe(t, dir)
	if key2 != "" {
		t.Fatal("a second start printed a new first-user key")
	}
}

// heldBody is a request body that closes started when it is first read
// and yields its data only once release is closed.
type heldBody struct {
	data     []byte
	started  chan struct{}
	release  chan struct{}
	once     sync.Once
	finished bool
}

func (b *heldBody) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.started) })
	if b.finished {
		return 0, io.EOF
	}
	<-b.release
	b.finished = true
	return copy(p, b.data), nil
}

// waitRefused waits until addr refuses connections (polling; the deadline
// is a bound, not a timing assertion).
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections 30 s after the shutdown began", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"TRX_DATA": dir}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "status"}, testEnv(vars, &out, &errOut)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "pending") {
		t.Fatalf("status on an empty database:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, testEnv(vars, &out, &errOut)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "applied 0001 init") {
		t.Fatalf("migrate:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "status"}, testEnv(vars, &out, &errOut)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pending") {
		t.Fatalf("status after migrate:\n%s", out.String())
	}
}

func TestFlagsAndEnv(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--help"}, testEnv(nil, &out, &errOut))
	if err == nil {
		t.Fatal("--help returned nil; want flag.ErrHelp")
	}
	for _, want := range []string{"-addr", "TRX_ADDR", "-data", "TRX_DATA", "-db", "TRX_DB", "127.0.0.1:8080", "./trx-data"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
	errOut.Reset()
	err = run(context.Background(), []string{"serve"}, testEnv(map[string]string{"TRX_SHUTDOWN_TIMEOUT": "soon"}, &out, &errOut))
	if err == nil || !strings.Contains(err.Error(), "TRX_SHUTDOWN_TIMEOUT") {
		t.Fatalf("bad env value: %v", err)
	}
	err = run(context.Background(), []string{"serve", "--db", "postgres://x/y"}, testEnv(nil, &out, &errOut))
	if err == nil || !strings.Contains(err.Error(), "mysql://") {
		t.Fatalf("bad --db: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, testEnv(nil, &out, &errOut)); err == nil {
		t.Fatal("unknown command succeeded")
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	var got string
	fs := cli.NewFlagSet("x", "x", testEnv(nil, io.Discard, io.Discard))
	fs.StringVar(&got, "scopes", "read", "")
	if err := fs.Parse([]string{"add", "alice", "--scopes", "admin", "--", "--not-a-flag"}); err != nil {
		t.Fatal(err)
	}
	if got != "admin" || strings.Join(fs.Args(), " ") != "add alice --not-a-flag" {
		t.Fatalf("scopes %q, args %q", got, fs.Args())
	}
}

func TestHealthcheckCommand(t *testing.T) {
	addr, _, _ := startServe(t, t.TempDir())
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr, "--ready"}, testEnv(nil, &out, &errOut)); err != nil {
		t.Fatalf("healthcheck of a running server: %v", err)
	}
	if !strings.Contains(out.String(), "ready") {
		t.Fatalf("healthcheck printed %q", out.String())
	}
	if err := run(context.Background(), []string{"healthcheck", "--addr", "127.0.0.1:1"}, testEnv(nil, &out, &errOut)); err == nil {
		t.Fatal("healthcheck of nothing succeeded")
	}
}
