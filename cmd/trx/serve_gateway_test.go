package main

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/trx-platform/trx/internal/cli"
	"github.com/trx-platform/trx/internal/gateway"
	"github.com/trx-platform/trx/internal/web"
)

const testJWTSecret = "a-test-secret-of-at-least-32-bytes!!"

// gw is a client of a trx serve in a test.
type gw struct {
	t    *testing.T
	base string
	dir  string
}

type gwReply struct {
	code int
	hdr  http.Header
	body []byte
}

func (g gw) do(key, method, path, body string, hdr ...string) gwReply {
	g.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.base+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return gwReply{res.StatusCode, res.Header, b}
}

// id creates something and returns the id of the answer.
func (g gw) id(key, method, path, body string) string {
	g.t.Helper()
	r := g.do(key, method, path, body)
	var v struct{ ID string }
	if r.code >= 300 || json.Unmarshal(r.body, &v) != nil || v.ID == "" {
		g.t.Fatalf("%s %s: %d %s", method, path, r.code, r.body)
	}
	return v.ID
}

// cli runs a trx command on the server's data directory and returns its
// stdout.
func (g gw) cli(args ...string) string {
	g.t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--data", g.dir)
	if err := run(context.Background(), args, testEnv(nil, &out, &errb)); err != nil {
		g.t.Fatalf("trx %v: %v\n%s", args, err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func startGW(t *testing.T, c gatewayConfig) (gw, string) {
	t.Helper()
	dir := t.TempDir()
	addr, admin, _ := startServeWith(t, serveConfig{DataDir: dir, Gateway: c})
	if admin == "" {
		t.Fatal("no first key")
	}
	return gw{t: t, base: "http://" + addr, dir: dir}, admin
}

func jwtFor(t *testing.T, sub, scope string, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "scope": scope, "exp": exp.Unix()}).SignedString([]byte(testJWTSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func loadSpec(t *testing.T) *gateway.Spec {
	t.Helper()
	s, err := gateway.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestRoutesMatchOpenAPI fails when the routes trx serve registers and
// the OpenAPI document disagree: every documented operation must reach a
// route (not the ServeMux's own 404/405 nor the /api/ catch-all), and
// every route pattern in the code must be documented.
func TestRoutesMatchOpenAPI(t *testing.T) {
	g, admin := startGW(t, gatewayConfig{NoValidation: true}) // straight to the handlers
	documented := map[string]bool{}
	for _, op := range loadSpec(t).Operations() {
		documented[op.Pattern()] = true
		path := pathParam.ReplaceAllString(op.Path, "x")
		r := g.do(admin, op.Method, path, "")
		var p web.Problem
		_ = json.Unmarshal(r.body, &p)
		switch {
		case r.code == http.StatusMethodNotAllowed,
			r.code == http.StatusNotFound && strings.HasPrefix(p.Detail, "no API route"),
			r.code == http.StatusNotFound && strings.HasPrefix(r.hdr.Get("Content-Type"), "text/plain"):
			t.Errorf("%s is documented, but no route serves it (%d %s)", op.Pattern(), r.code, r.body)
		}
	}

	// Every pattern literal in the code's routes is documented.
	pattern := regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE) (/\S*)$`)
	api := func(path string) bool {
		return strings.HasPrefix(path, "/api/") || path == "/ws" || path == "/healthz" || path == "/readyz" || path == "/metrics"
	}
	found := 0
	for _, root := range []string{"../../internal", "."} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() && d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if m := pattern.FindStringSubmatch(s); m != nil && api(m[2]) {
					found++
					if !documented[s] && !strings.HasPrefix(path, filepath.Join("..", "..", "internal", "gateway")) {
						t.Errorf("%s: route %q is not in the OpenAPI document", path, s)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 40 {
		t.Fatalf("found only %d route patterns in the code; is the scan broken?", found)
	}
}

// TestAuthEveryRoute: for every documented operation, missing,
// malformed, unknown, revoked and expired credentials are 401 and a
// credential without the operation's scope 403, before any handler runs;
// another user's valid credential on a user's resources is 404.
func TestAuthEveryRoute(t *testing.T) {
	g, admin := startGW(t, gatewayConfig{JWTSecret: testJWTSecret})
	alice := g.cli("users", "add", "alice")
	aliceRead := g.cli("keys", "create", "--user", "alice", "--scopes", "read")
	aliceWrite := g.cli("keys", "create", "--user", "alice", "--scopes", "write")
	bob := g.cli("users", "add", "bob")
	g.cli("users", "add", "ops", "--scopes", "admin")
	revoked := g.cli("keys", "create", "--user", "ops", "--scopes", "admin")
	var keys struct{ Items []struct{ ID, Prefix string } }
	r := g.do(admin, "GET", "/api/v1/keys?user=ops", "")
	if err := json.Unmarshal(r.body, &keys); err != nil || len(keys.Items) != 2 {
		t.Fatalf("ops's keys: %d %s", r.code, r.body)
	}
	for _, k := range keys.Items {
		if strings.HasPrefix(revoked, k.Prefix) {
			g.cli("keys", "revoke", k.ID)
		}
	}
	if r := g.do(revoked, "GET", "/api/v1/keys", ""); r.code != 401 {
		t.Fatalf("revoked key: %d", r.code)
	}

	// Alice's resources.
	ids := map[string]string{
		"/api/v1/transactions/":    g.id(alice, "POST", "/api/v1/transactions", `{"amount":"-3.20","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`),
		"/api/v1/categories/":      g.id(alice, "POST", "/api/v1/categories", `{"name":"Pets"}`),
		"/api/v1/classifier/jobs/": g.id(alice, "POST", "/api/v1/classifier/jobs", ""),
		"/api/v1/keys/":            g.id(alice, "POST", "/api/v1/keys", `{"scopes":["read"]}`),
		"/api/v1/connections/":     "x",
		"/api/v1/stocks/":          "ACME",
	}
	ids["/api/v1/rules/"] = g.id(alice, "POST", "/api/v1/rules", `{"name":"coffee","conditions":[{"field":"description","op":"contains","value":"coffee"}],"category_id":"food_and_drink"}`)
	ids["/api/v1/accounts/"] = g.id(alice, "POST", "/api/v1/accounts", `{"name":"Cheque","kind":"checking","currency":"EUR"}`)
	ids["/api/v1/imports/"] = g.id(alice, "POST", "/api/v1/imports?preset=za-bank-statements&account_id="+ids["/api/v1/accounts/"],
		"date,description,amount\n2026-11-27,Tea,-3.20\n")
	path := func(p string) string {
		return pathParam.ReplaceAllStringFunc(p, func(string) string {
			for prefix, id := range ids {
				if strings.HasPrefix(p, prefix) && id != "" {
					return id
				}
			}
			return "x"
		})
	}
	bodies := map[string]string{
		"PUT /api/v1/transactions/{id}":          `{"amount":"-3.20","currency":"EUR","description":"Tea","booked_at":"2026-11-27"}`,
		"PATCH /api/v1/transactions/{id}":        `{"description":"Tea"}`,
		"PUT /api/v1/transactions/{id}/category": `{"category_id":"travel"}`,
		"PATCH /api/v1/categories/{id}":          `{"name":"Cats"}`,
		"PATCH /api/v1/rules/{id}":               `{"name":"tea"}`,
		"PATCH /api/v1/accounts/{id}":            `{"name":"Everyday"}`,
	}
	expired := jwtFor(t, "alice", "read write admin", time.Now().Add(-time.Hour))
	otherIssuer := func() string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice", "scope": "read write", "exp": time.Now().Add(time.Hour).Unix()}).
			SignedString([]byte("another secret that is long enough!!"))
		return s
	}()
	checked, crossUser := 0, 0
	for _, op := range loadSpec(t).Operations() {
		if op.Public() || op.PublicFlag == "metrics" {
			continue
		}
		checked++
		p, body := path(op.Path), bodies[op.Pattern()]
		need := op.Scopes()[0]
		wrongKey, wrongScope := map[string][2]string{
			"read":  {aliceWrite, "write"},
			"write": {aliceRead, "read"},
			"admin": {alice, "read write"},
		}[need][0], map[string][2]string{
			"read":  {aliceWrite, "write"},
			"write": {aliceRead, "read"},
			"admin": {alice, "read write"},
		}[need][1]
		for _, c := range []struct {
			name   string
			header string // Authorization
			want   int
		}{
			{"missing", "", 401},
			{"malformed", "Basic YWxpY2U6c2VjcmV0", 401},
			{"empty bearer", "Bearer ", 401},
			{"unknown key", "Bearer trx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401},
			{"revoked key", "Bearer " + revoked, 401},
			{"expired JWT", "Bearer " + expired, 401},
			{"JWT of another issuer's key", "Bearer " + otherIssuer, 401},
			{"key without the scope", "Bearer " + wrongKey, 403},
			{"JWT without the scope", "Bearer " + jwtFor(t, "alice", wrongScope, time.Now().Add(time.Hour)), 403},
		} {
			r := g.do("", op.Method, p, body, "Authorization", c.header)
			if r.code != c.want {
				t.Errorf("%s %s: %s: %d, want %d: %s", op.Method, p, c.name, r.code, c.want, r.body)
				continue
			}
			var prob web.Problem
			if err := json.Unmarshal(r.body, &prob); err != nil || prob.Status != c.want || r.hdr.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s: %s: not a problem: %s", op.Method, p, c.name, r.body)
			}
		}
		// Valid credentials get past the front door.
		if r := g.do(admin, op.Method, p, body); r.code == 401 || r.code == 403 {
			t.Errorf("%s %s with the admin key: %d %s", op.Method, p, r.code, r.body)
		}
		// Bob's valid key on alice's resources: as if they did not exist.
		if strings.Contains(op.Path, "{id}") && !strings.HasPrefix(op.Path, "/api/v1/connections") {
			crossUser++
			if r := g.do(bob, op.Method, p, body); r.code != 404 {
				t.Errorf("%s %s with bob's key: %d, want 404: %s", op.Method, p, r.code, r.body)
			}
		}
	}
	if checked < 50 || crossUser < 18 {
		t.Fatalf("checked %d operations, %d with another user's key", checked, crossUser)
	}
	// Alice's own credentials (key and JWT) do reach her resources.
	tx := ids["/api/v1/transactions/"]
	for _, cred := range []string{alice, jwtFor(t, "alice", "read", time.Now().Add(time.Hour))} {
		if r := g.do(cred, "GET", "/api/v1/transactions/"+tx, ""); r.code != 200 {
			t.Fatalf("alice's transaction: %d %s", r.code, r.body)
		}
	}
}

func TestJWTAndWebSocket(t *testing.T) {
	g, _ := startGW(t, gatewayConfig{JWTSecret: testJWTSecret, JWTAutoCreate: true})
	tok := jwtFor(t, "dora@example.com", "trx:read trx:write", time.Now().Add(time.Hour))
	// dora is created on first use (--jwt-auto-create) and is a user like
	// any other.
	id := g.id(tok, "POST", "/api/v1/transactions", `{"amount":"-1.00","currency":"EUR","description":"Bus","booked_at":"2026-11-27"}`)
	if r := g.do(tok, "GET", "/api/v1/transactions/"+id, ""); r.code != 200 {
		t.Fatalf("get with a JWT: %d %s", r.code, r.body)
	}
	// The WebSocket takes the token in the query (browsers cannot set
	// headers) and is refused without it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := "ws" + strings.TrimPrefix(g.base, "http") + "/ws"
	if _, res, err := websocket.Dial(ctx, ws, nil); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("/ws without a token: %v %v", res, err)
	}
	c, _, err := websocket.Dial(ctx, ws+"?token="+tok, nil)
	if err != nil {
		t.Fatalf("/ws with a JWT: %v", err)
	}
	defer c.CloseNow()
	_, msg, err := c.Read(ctx)
	if err != nil || !strings.Contains(string(msg), `"welcome"`) {
		t.Fatalf("welcome: %s %v", msg, err)
	}
	// An API key of dora's made with the JWT works as well.
	var k struct{ Key string }
	r := g.do(tok, "POST", "/api/v1/keys", `{"scopes":["read"]}`)
	if json.Unmarshal(r.body, &k) != nil || k.Key == "" {
		t.Fatalf("key from a JWT: %d %s", r.code, r.body)
	}
	if r := g.do(k.Key, "GET", "/api/v1/transactions/"+id, ""); r.code != 200 {
		t.Fatalf("dora's key: %d", r.code)
	}
}

func TestThrottlingServe(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	g, admin := startGW(t, gatewayConfig{RateLimit: 1, RateBurst: 2, now: clock})
	list := func(key string) gwReply { return g.do(key, "GET", "/api/v1/transactions", "") }
	for i, want := range []int{200, 200, 429} {
		if r := list(admin); r.code != want {
			t.Fatalf("request %d: %d, want %d", i+1, r.code, want)
		}
	}
	r := list(admin)
	if r.code != 429 || r.hdr.Get("Retry-After") != "1" || r.hdr.Get("RateLimit-Remaining") != "0" || r.hdr.Get("RateLimit-Limit") != "2" {
		t.Fatalf("429: %d %v", r.code, r.hdr)
	}
	// The probes are never throttled.
	if r := g.do("", "GET", "/healthz", ""); r.code != 200 {
		t.Fatalf("healthz: %d", r.code)
	}
	// After the window, the burst is back.
	now.Add(int64(2 * time.Second))
	for i := range 2 {
		if r := list(admin); r.code != 200 {
			t.Fatalf("request %d after the window: %d", i+1, r.code)
		}
	}
	// A key with its own, larger limit (set by an admin).
	var k struct{ Key string }
	now.Add(int64(2 * time.Second))
	if r := g.do(admin, "POST", "/api/v1/keys", `{"scopes":["read"],"rate_limit":10,"rate_burst":5}`); json.Unmarshal(r.body, &k) != nil || k.Key == "" {
		t.Fatalf("key with a limit: %d %s", r.code, r.body)
	}
	for i := range 5 {
		if r := list(k.Key); r.code != 200 {
			t.Fatalf("own limit, request %d: %d", i+1, r.code)
		}
	}
	if r := list(k.Key); r.code != 429 || r.hdr.Get("RateLimit-Limit") != "5" {
		t.Fatalf("own limit exceeded: %d %v", r.code, r.hdr)
	}
}

func TestKeysCLI(t *testing.T) {
	g, _ := startGW(t, gatewayConfig{})
	g.cli("users", "add", "erin")
	key := g.cli("keys", "create", "--user", "erin", "--scopes", "read", "--label", "laptop", "--rate-limit", "5", "--rate-burst", "10")
	if !keyRE.MatchString(key) {
		t.Fatalf("keys create printed %q", key)
	}
	if r := g.do(key, "GET", "/api/v1/transactions", ""); r.code != 200 {
		t.Fatalf("new key: %d", r.code)
	}
	out := g.cli("keys", "list", "--user", "erin")
	if !strings.Contains(out, "laptop") || !strings.Contains(out, "5/s burst 10") || strings.Contains(out, key) {
		t.Fatalf("keys list:\n%s", out)
	}
	var id string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "laptop") {
			id = strings.Fields(line)[0]
		}
	}
	g.cli("keys", "revoke", id)
	if r := g.do(key, "GET", "/api/v1/transactions", ""); r.code != 401 {
		t.Fatalf("revoked key: %d", r.code)
	}
	if out := g.cli("keys", "list", "--user", "erin"); !strings.Contains(out, time.Now().UTC().Format("2006-01-02")) {
		t.Fatalf("revocation not listed:\n%s", out)
	}
	var errb bytes.Buffer
	if err := run(context.Background(), []string{"keys", "revoke", "nope", "--data", g.dir}, testEnv(nil, io.Discard, &errb)); err == nil {
		t.Fatal("revoking an unknown key succeeded")
	}
	if err := run(context.Background(), []string{"keys", "create", "--data", g.dir}, testEnv(nil, io.Discard, &errb)); err == nil {
		t.Fatal("create without --user succeeded")
	}
}

func TestGatewayFlags(t *testing.T) {
	var cfg gatewayConfig
	fs := cli.NewFlagSet("serve", "serve", testEnv(map[string]string{"TRX_METRICS_PUBLIC": "false", "TRX_RATE_LIMIT": "2.5"}, io.Discard, io.Discard))
	gatewayFlags(fs, &cfg)
	if err := fs.Parse([]string{"--validate-requests=false", "--cors-origins", "https://a.example", "--max-header-bytes", "1024"}); err != nil {
		t.Fatal(err)
	}
	if !cfg.MetricsPrivate || !cfg.NoValidation || cfg.RateLimit != 2.5 || cfg.CORSOrigins != "https://a.example" || cfg.MaxHeaderBytes != 1024 ||
		cfg.ReadTimeout != defReadTimeout {
		t.Fatalf("%+v", cfg)
	}
	var zero gatewayConfig
	if d := zero.withDefaults(); d.ReadHeaderTimeout != defReadHeaderTimeout || d.MaxHeaderBytes != defMaxHeaderBytes || d.IdleTimeout != defIdleTimeout {
		t.Fatalf("defaults %+v", d)
	}
	// Private metrics and public docs.
	g, admin := startGW(t, gatewayConfig{MetricsPrivate: true, DocsPublic: true, CORSOrigins: "https://app.example"})
	if r := g.do("", "GET", "/metrics", ""); r.code != 401 {
		t.Fatalf("private metrics: %d", r.code)
	}
	if r := g.do(admin, "GET", "/metrics", ""); r.code != 200 {
		t.Fatalf("metrics with the admin key: %d", r.code)
	}
	if r := g.do("", "GET", "/api/docs", ""); r.code != 200 || !bytes.Contains(r.body, []byte("/api/v1/transactions")) {
		t.Fatalf("public docs: %d", r.code)
	}
	if r := g.do("", "GET", "/api/v1/openapi.json", ""); r.code != 200 {
		t.Fatalf("public openapi.json: %d", r.code)
	}
	r := g.do("", "OPTIONS", "/api/v1/transactions", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
	if r.code != 204 || r.hdr.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("preflight: %d %v", r.code, r.hdr)
	}
	// Bad shapes are 400 problem+json, with field errors, before handlers.
	r = g.do(admin, "POST", "/api/v1/transactions", `{"amount":-3.2,"currency":"EUR","description":"x","booked_at":"2026-11-27","tip":1}`)
	var p web.Problem
	if r.code != 400 || json.Unmarshal(r.body, &p) != nil || len(p.Errors) != 2 || p.RequestID == "" {
		t.Fatalf("bad shape: %d %s", r.code, r.body)
	}
}
