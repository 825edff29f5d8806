package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/cli"
	"github.com/trx-platform/trx/internal/sqldb"
)

// TestStartupLogsHideSecrets: no secret a flag carries appears in what
// trx serve logs at start (the NATS password was logged as
// event_stream_ready nats=nats://user:pass@…, --upstream and --jwks-url
// raw), nor in the error main prints when the start fails.
func TestStartupLogsHideSecrets(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true, Username: "trxuser", Password: "natsPassw0rdSecret"})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(ns.Shutdown)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"keys":[]}`)) }))
	t.Cleanup(jwks.Close)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "internal-secret")
	const internal = "Q7vTz2Lr0Yt5WmZa7Kc3Nf9Hd1Ps6Ub4"
	if err := os.WriteFile(secretFile, []byte(internal+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	natsURL := strings.Replace(ns.ClientURL(), "nats://", "nats://trxuser:natsPassw0rdSecret@", 1)
	secrets := []string{"natsPassw0rdSecret", "upstreamPassSecret", "querySigSecret", "jwksTokenSecret", internal}
	args := []string{"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--components", "gateway",
		"--nats", natsURL, "--nats-prefix", "sectest", "--nats-stream", "SECTEST",
		"--upstream", "transactions=http://svc:upstreamPassSecret@127.0.0.1:9/?sig=querySigSecret",
		"--jwks-url", jwks.URL + "/keys?token=jwksTokenSecret", "--internal-secret-file", secretFile}
	var out, logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), testEnv(nil, &out, &logs)) }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), "msg=listening") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve stopped: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	all := logs.String() + out.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("the startup output holds the secret %q:\n%s", s, all)
		}
	}
	for _, want := range []string{"event_stream_ready", "nats=nats://xxxxx@", "jwt_audience_not_checked", "internal_secret_set=true"} {
		if !strings.Contains(all, want) {
			t.Errorf("the log lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(out.String(), "trx_") {
		t.Errorf("a split gateway printed a key: %s", out.String())
	}

	// A start that fails quotes the URL in its error: main prints it redacted.
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--db", "mysql://root:dbPassSecret@127.0.0.1:1/trx?password=dbQuerySecret&tls=false"}, testEnv(nil, &out, &logs))
	if err == nil {
		t.Fatal("serve on an unreachable database started")
	}
	if msg := cli.RedactURLs(err.Error()); strings.Contains(msg, "dbPassSecret") || strings.Contains(msg, "dbQuerySecret") {
		t.Fatalf("main would print %q", msg)
	}
	if strings.Contains(logs.String(), "dbPassSecret") || strings.Contains(logs.String(), "dbQuerySecret") {
		t.Fatalf("the log holds the database password:\n%s", logs.String())
	}
}

// TestBootstrapAdmin: only the all-in-one serve (or --bootstrap-admin)
// creates the first user; when stdout is not a terminal the key goes to a
// 0600 file in the data directory, and neither stdout nor the log holds it.
func TestBootstrapAdmin(t *testing.T) {
	ctx := context.Background()
	users := func(t *testing.T, dir string) int {
		t.Helper()
		db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n, err := auth.NewService(authsql.New(db)).CountUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	start := func(t *testing.T, cfg serveConfig) (string, string) {
		t.Helper()
		cfg.Addr, cfg.Migrate, cfg.MaxOpenConns = "127.0.0.1:0", true, 4
		var out, logs syncBuffer
		log, _ := cli.NewLogger(&logs, "info", "text")
		s, err := newServer(ctx, cfg, log, &out)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range s.parts {
			if p.stop != nil {
				p.stop()
			}
		}
		if s.bus != nil {
			s.bus.Close()
		}
		s.ln.Close()
		s.db.Close()
		return out.String(), logs.String()
	}
	t.Run("service", func(t *testing.T) {
		dir := t.TempDir()
		var c components
		_ = c.Set("transactions")
		out, _ := start(t, serveConfig{DataDir: dir, Components: c})
		if out != "" || users(t, dir) != 0 {
			t.Fatalf("a transactions service bootstrapped: %q, %d users", out, users(t, dir))
		}
	})
	for name, cfg := range map[string]serveConfig{
		"all-in-one":        {},
		"--bootstrap-admin": {BootstrapAdmin: true, Components: components{compTransactions: true}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg.DataDir = dir
			out, logs := start(t, cfg)
			if users(t, dir) != 1 {
				t.Fatal("no first user")
			}
			path := filepath.Join(dir, keyFileName)
			abs, _ := filepath.Abs(path)
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", st, err)
			}
			b, _ := os.ReadFile(path)
			key := keyRE.FindString(string(b))
			if key == "" {
				t.Fatalf("key file holds %q", b)
			}
			if strings.Contains(out, key) || strings.Contains(logs, key) || strings.Contains(out, "trx_") {
				t.Fatalf("the key is in stdout or the log:\n%s\n%s", out, logs)
			}
			if !strings.Contains(out, abs) || !strings.Contains(logs, "key_file="+abs) {
				t.Fatalf("the path is not said:\n%s\n%s", out, logs)
			}
		})
	}
}

// TestThrottlingDefaults: with the rate flags on auto, a loopback serve is
// not throttled and any other address is; explicit values win.
func TestThrottlingDefaults(t *testing.T) {
	auto := gatewayConfig{RateLimit: -1, IPRateLimit: -1}
	for addr, on := range map[string]bool{"127.0.0.1:8080": false, "[::1]:8080": false, "localhost:8080": false,
		"0.0.0.0:8080": true, ":8080": true, "10.0.0.5:8080": true, "[::]:8080": true} {
		key, ip := auto.throttling(addr)
		if key.On() != on || ip.On() != on {
			t.Errorf("%s: key %+v ip %+v, want on=%v", addr, key, ip, on)
		}
		if on && (key.Rate != ThrottleKeyRate || ip.Rate != ThrottleIPRate || key.Burst != 2*ThrottleKeyRate) {
			t.Errorf("%s: key %+v ip %+v", addr, key, ip)
		}
	}
	off := gatewayConfig{RateLimit: 0, IPRateLimit: 0}
	if k, i := off.throttling("0.0.0.0:8080"); k.On() || i.On() {
		t.Error("explicit 0 is throttled")
	}
	set := gatewayConfig{RateLimit: 5, IPRateLimit: 7, IPRateBurst: 9}
	if k, i := set.throttling("127.0.0.1:8080"); k.Rate != 5 || k.Burst != 10 || i.Rate != 7 || i.Burst != 9 {
		t.Errorf("explicit: %+v %+v", k, i)
	}
	// The flags default to auto, also through their environment twins.
	for env, want := range map[string]float64{"": -1, "auto": -1, "12.5": 12.5, "0": 0} {
		var cfg gatewayConfig
		fs := cli.NewFlagSet("serve", "serve", testEnv(map[string]string{"TRX_RATE_LIMIT": env}, nil, &strings.Builder{}))
		if env == "" {
			fs = cli.NewFlagSet("serve", "serve", testEnv(nil, nil, &strings.Builder{}))
		}
		gatewayFlags(fs, &cfg)
		if err := fs.Parse(nil); err != nil || cfg.RateLimit != want || cfg.IPRateLimit != -1 {
			t.Errorf("TRX_RATE_LIMIT=%q: %v %v", env, cfg.RateLimit, err)
		}
	}
}

// TestInternalSecret: a short or placeholder secret is refused (the
// committed deploy files hold CHANGE-ME ones); --internal-secret-file
// reads one.
func TestInternalSecret(t *testing.T) {
	for _, bad := range []string{"s3cret", "CHANGE-ME-example-internal-secret", "change-me-please-0123456789abcdefghijkl",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "your-secret-EXAMPLE-0123456789abcdefgh"} {
		cfg := serveConfig{InternalSecret: bad}
		if err := cfg.loadInternalSecret(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	good := "Q7vTz2Lr0Yt5WmZa7Kc3Nf9Hd1Ps6Ub4"
	if err := (&serveConfig{InternalSecret: good}).loadInternalSecret(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(path, []byte(good+"\n"), 0o600)
	cfg := serveConfig{internalSecretFile: path}
	if err := cfg.loadInternalSecret(); err != nil || cfg.InternalSecret != good {
		t.Fatalf("from a file: %q %v", cfg.InternalSecret, err)
	}
	if err := (&serveConfig{internalSecretFile: path, InternalSecret: good}).loadInternalSecret(); err == nil {
		t.Fatal("both accepted")
	}
}

// firstKey returns the first user's key from what trx serve printed: the
// key itself on a terminal, else the file it names.
func firstKey(t *testing.T, out string) string {
	t.Helper()
	if k := keyRE.FindString(out); k != "" {
		return k
	}
	m := keyFileRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("serve printed neither a key nor its file:\n%s", out)
	}
	b, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return keyRE.FindString(string(b))
}
