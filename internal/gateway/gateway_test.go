package gateway_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/gateway"
	"github.com/trx-platform/trx/internal/web"
)

func spec(t testing.TB) *gateway.Spec {
	t.Helper()
	s, err := gateway.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOperationsAreDescribed: every operation has a unique operationId, a
// summary and a tag, and names its scopes unless it is public. (That the
// document is valid OpenAPI 3.1 is checked with kin-openapi in a module of
// its own, internal/gateway/speccheck, so that the root module does not
// need it.)
func TestOperationsAreDescribed(t *testing.T) {
	ids := map[string]bool{}
	ops := spec(t).Operations()
	if len(ops) == 0 {
		t.Fatal("the document has no operations")
	}
	for _, op := range ops {
		if op.ID == "" || ids[op.ID] || op.Summary == "" || len(op.Tags) == 0 {
			t.Errorf("%s: operationId %q (unique, required), summary and a tag", op.Pattern(), op.ID)
		}
		ids[op.ID] = true
		if !op.Public() && op.PublicFlag == "" && len(op.Scopes()) == 0 {
			t.Errorf("%s names no scope", op.Pattern())
		}
	}
}

// keys are the test credentials: scopes by token.
var keys = map[string]auth.Principal{
	"reader": {UserID: "u1", KeyID: "k-reader", Scopes: []string{auth.ScopeRead}, Method: auth.MethodKey},
	"writer": {UserID: "u1", KeyID: "k-writer", Scopes: []string{auth.ScopeRead, auth.ScopeWrite}, Method: auth.MethodKey},
	"admin":  {UserID: "u2", KeyID: "k-admin", Scopes: []string{auth.ScopeAdmin}, Method: auth.MethodKey},
	"slow":   {UserID: "u3", KeyID: "k-slow", Scopes: []string{auth.ScopeRead}, Method: auth.MethodKey, RateLimit: 1, RateBurst: 2},
}

func authenticate(_ context.Context, token string) (auth.Principal, error) {
	if p, ok := keys[token]; ok {
		return p, nil
	}
	return auth.Principal{}, auth.ErrUnauthenticated
}

// backend records what reached the handlers.
type backend struct {
	calls atomic.Int32
	body  atomic.Value // string: the last body read
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.calls.Add(1)
	data, _ := io.ReadAll(r.Body)
	b.body.Store(string(data))
	p, _ := auth.FromContext(r.Context())
	w.Header().Set("X-Principal", p.KeyID)
	w.WriteHeader(299)
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newGateway(t *testing.T, mod func(*gateway.Config)) (*gateway.Gateway, *backend, *clock) {
	t.Helper()
	b := &backend{}
	c := &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	cfg := gateway.Config{Spec: spec(t), Authenticate: authenticate, Public: map[string]bool{"metrics": true}, Now: c.now}
	if mod != nil {
		mod(&cfg)
	}
	return gateway.New(cfg, b), b, c
}

type reply struct {
	code int
	hdr  http.Header
	body string
}

func do(h http.Handler, key, method, target, body string, hdr ...string) reply {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.RemoteAddr = "192.0.2.1:1234"
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	web.WithRequestID(h).ServeHTTP(w, r)
	return reply{w.Code, w.Header(), w.Body.String()}
}

func problem(t *testing.T, r reply) web.Problem {
	t.Helper()
	if ct := r.hdr.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%d %q: not a problem: %s", r.code, ct, r.body)
	}
	var p web.Problem
	if err := json.Unmarshal([]byte(r.body), &p); err != nil || p.Status != r.code || p.RequestID == "" {
		t.Fatalf("problem %s: %v", r.body, err)
	}
	return p
}

func TestAuthentication(t *testing.T) {
	g, b, _ := newGateway(t, nil)
	cases := []struct {
		name, key, method, path string
		want                    int
	}{
		{"public health", "", "GET", "/healthz", 299},
		{"public metrics", "", "GET", "/metrics", 299},
		{"missing", "", "GET", "/api/v1/transactions", 401},
		{"unknown", "nope", "GET", "/api/v1/transactions", 401},
		{"read", "reader", "GET", "/api/v1/transactions", 299},
		{"read cannot write", "reader", "DELETE", "/api/v1/transactions/x", 403},
		{"write", "writer", "DELETE", "/api/v1/transactions/x", 299},
		{"write is not admin", "writer", "DELETE", "/api/v1/stocks/ACME", 403},
		{"admin", "admin", "DELETE", "/api/v1/stocks/ACME", 299},
		{"connections need admin to read", "reader", "GET", "/api/v1/connections", 403},
		{"docs need credentials", "", "GET", "/api/docs", 401},
		{"undocumented goes on", "", "GET", "/api/v1/nothing", 299},
	}
	for _, c := range cases {
		before := b.calls.Load()
		r := do(g, c.key, c.method, c.path, "")
		if r.code != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, r.code, c.want, r.body)
			continue
		}
		if c.want != 299 {
			problem(t, r)
			if b.calls.Load() != before {
				t.Errorf("%s: the handler ran", c.name)
			}
			if c.want == 401 && !strings.HasPrefix(r.hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", c.name, r.hdr.Get("WWW-Authenticate"))
			}
		}
		if c.want == 299 && c.key != "" && r.hdr.Get("X-Principal") != keys[c.key].KeyID {
			t.Errorf("%s: the principal did not reach the handler", c.name)
		}
	}
	if r := do(g, "", "GET", "/api/v1/transactions", "", "Authorization", "Basic abc"); r.code != 401 || !strings.Contains(problem(t, r).Detail, "malformed") {
		t.Errorf("malformed header: %d %s", r.code, r.body)
	}
	// The WebSocket takes the credential as ?token= too, other routes not.
	if r := do(g, "", "GET", "/ws?token=reader", ""); r.code != 299 {
		t.Errorf("/ws?token=: %d", r.code)
	}
	if r := do(g, "", "GET", "/api/v1/transactions?token=reader", ""); r.code != 401 {
		t.Errorf("?token= outside /ws: %d", r.code)
	}
	// Metrics behind credentials when configured so.
	g2, _, _ := newGateway(t, func(c *gateway.Config) { c.Public = nil })
	if r := do(g2, "", "GET", "/metrics", ""); r.code != 401 {
		t.Errorf("private metrics without credentials: %d", r.code)
	}
	if r := do(g2, "reader", "GET", "/metrics", ""); r.code != 403 {
		t.Errorf("private metrics with a read key: %d", r.code)
	}
	if r := do(g2, "admin", "GET", "/metrics", ""); r.code != 299 {
		t.Errorf("private metrics with an admin key: %d", r.code)
	}
}

func TestValidation(t *testing.T) {
	g, b, _ := newGateway(t, nil)
	tx := `{"amount":"-1.00","currency":"EUR","description":"x","booked_at":"2026-11-27"}`
	bad := []struct {
		name, method, path, body string
		fields                   []string // field names reported
	}{
		{"not JSON", "POST", "/api/v1/transactions", `{"amount":`, nil},
		{"empty", "POST", "/api/v1/transactions", ` `, nil},
		{"wrong types and missing", "POST", "/api/v1/transactions", `{"amount":12,"currency":"EUR","booked_at":"2026-11-27"}`, []string{"amount", "description"}},
		{"unknown field", "POST", "/api/v1/transactions", `{"amount":"1","currency":"EUR","description":"x","booked_at":"2026-11-27","colour":"red"}`, []string{"colour"}},
		{"nested", "POST", "/api/v1/transactions/batch", `{"items":[` + tx + `,{"amount":"1","currency":7,"description":"x","booked_at":"x"}]}`, []string{"items[1].currency"}},
		{"not an object", "POST", "/api/v1/classify", `[1]`, []string{"body"}},
		{"enum", "POST", "/api/v1/keys", `{"scopes":["root"]}`, []string{"scopes[0]"}},
		{"query type", "GET", "/api/v1/transactions?limit=ten", "", []string{"limit"}},
		{"query minimum", "GET", "/api/v1/transactions?limit=0", "", []string{"limit"}},
		{"query boolean", "GET", "/api/v1/transactions?uncategorized=maybe", "", []string{"uncategorized"}},
		{"malformed query", "GET", "/api/v1/transactions?from=%zz", "", []string{"query"}},
		{"malformed query, route without parameters", "GET", "/api/v1/categories?a=1;b=2", "", []string{"query"}},
		{"patch null description", "PATCH", "/api/v1/transactions/x", `{"description":null}`, []string{"description"}},
	}
	for _, c := range bad {
		r := do(g, "admin", c.method, c.path, c.body)
		if r.code != 400 {
			t.Errorf("%s: %d, want 400: %s", c.name, r.code, r.body)
			continue
		}
		p := problem(t, r)
		var got []string
		for _, f := range p.Errors {
			got = append(got, f.Field)
			if f.Rule == "" || f.Detail == "" {
				t.Errorf("%s: field error %+v lacks a rule or detail", c.name, f)
			}
		}
		if c.fields != nil && strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%s: fields %v, want %v (%s)", c.name, got, c.fields, r.body)
		}
	}
	if n := b.calls.Load(); n != 0 {
		t.Fatalf("a handler ran for %d bad requests", n)
	}
	good := []struct{ method, path, body string }{
		{"POST", "/api/v1/transactions", tx},
		{"PATCH", "/api/v1/transactions/x", `{"counterparty":null,"category_id":null}`},
		{"POST", "/api/v1/classifier/jobs", ""},                            // optional body
		{"GET", "/api/v1/transactions?uncategorized=1&limit=%2B5&q=x", ""}, // as lenient as the handler
		{"POST", "/api/v1/connections/broadcast", `"any JSON"`},
		{"GET", "/api/v1/transactions?colour=red", ""}, // unknown parameters are the handler's to refuse
	}
	for _, c := range good {
		if r := do(g, "admin", c.method, c.path, c.body); r.code != 299 {
			t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, r.code, r.body)
		}
		if got := b.body.Load(); got != c.body {
			t.Errorf("%s %s: the handler read %q, want the body as sent", c.method, c.path, got)
		}
	}
	// Another media type is the handler's to refuse (as it does, with its
	// own message); so is a body over the limit, which is 413 here.
	r := httptest.NewRequest("POST", "/api/v1/transactions", strings.NewReader("amount=1"))
	r.Header.Set("Authorization", "Bearer admin")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != 299 {
		t.Errorf("form body: %d", w.Code)
	}
	big := `{"description":"` + strings.Repeat("x", web.MaxBody) + `"}`
	if r := do(g, "admin", "PATCH", "/api/v1/transactions/x", big); r.code != 413 {
		t.Errorf("big body: %d", r.code)
	}
	// Validation off: only routing, authentication and throttling.
	g2, _, _ := newGateway(t, func(c *gateway.Config) { c.NoValidation = true })
	if r := do(g2, "admin", "POST", "/api/v1/transactions", `{"amount":12}`); r.code != 299 {
		t.Errorf("validation off: %d", r.code)
	}
}

// countingBody fails the test if it is read before the handler runs.
type countingBody struct {
	left    int64
	started *atomic.Bool
	t       *testing.T
}

func (c *countingBody) Read(p []byte) (int, error) {
	if !c.started.Load() {
		c.t.Error("the streamed body was read before the handler ran")
	}
	if c.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), c.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	c.left -= n
	return int(n), nil
}

func (c *countingBody) Close() error { return nil }

func TestStreamedBodyIsNotBuffered(t *testing.T) {
	var started atomic.Bool
	var read int64
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Store(true)
		n, _ := io.Copy(io.Discard, r.Body)
		read = n
		w.WriteHeader(200)
	})
	g := gateway.New(gateway.Config{Spec: spec(t), Authenticate: authenticate}, next)
	for _, ct := range []string{"text/csv", "application/json"} {
		body := &countingBody{left: 5 << 20, started: &started, t: t}
		started.Store(false)
		r := httptest.NewRequest("POST", "/api/v1/report?group_by=month", nil)
		r.Body, r.ContentLength = body, 5<<20
		r.Header.Set("Authorization", "Bearer writer")
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		if w.Code != 200 || read != 5<<20 {
			t.Fatalf("%s: %d, handler read %d bytes", ct, w.Code, read)
		}
	}
	// Its query parameters are still checked.
	r := httptest.NewRequest("POST", "/api/v1/report?group_by=month&group_by=x", strings.NewReader("[]"))
	r.Header.Set("Authorization", "Bearer writer")
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != 200 { // repetition is the handler's to refuse
		t.Fatalf("report with repeated group_by: %d", w.Code)
	}
}

func TestThrottling(t *testing.T) {
	g, _, clk := newGateway(t, func(c *gateway.Config) {
		c.KeyLimit = gateway.Limit{Rate: 2, Burst: 3}
		c.IPLimit = gateway.Limit{Rate: 100, Burst: 100}
	})
	get := func(key string) reply { return do(g, key, "GET", "/api/v1/transactions", "") }
	// A burst of 3 passes, the 4th is 429.
	for i := range 3 {
		r := get("reader")
		if r.code != 299 {
			t.Fatalf("request %d of the burst: %d", i+1, r.code)
		}
		if got := r.hdr.Get("RateLimit-Remaining"); got != strconv.Itoa(2-i) || r.hdr.Get("RateLimit-Limit") != "3" {
			t.Fatalf("request %d: RateLimit-Remaining %q, -Limit %q", i+1, got, r.hdr.Get("RateLimit-Limit"))
		}
	}
	r := get("reader")
	if r.code != 429 {
		t.Fatalf("over the burst: %d", r.code)
	}
	p := problem(t, r)
	if p.Type != web.ProblemBase+"rate-limited" || !strings.Contains(p.Detail, "per gateway replica") {
		t.Fatalf("429 problem %+v", p)
	}
	if r.hdr.Get("Retry-After") != "1" || r.hdr.Get("RateLimit-Remaining") != "0" || r.hdr.Get("RateLimit-Reset") != "2" ||
		r.hdr.Get("RateLimit-Policy") != "3;w=2" {
		t.Fatalf("429 headers %v", r.hdr)
	}
	// Another key has its own bucket.
	if r := get("writer"); r.code != 299 {
		t.Fatalf("another key: %d", r.code)
	}
	// Half a second refills one token: one more request, then 429 again.
	clk.t = clk.t.Add(500 * time.Millisecond)
	if r := get("reader"); r.code != 299 {
		t.Fatalf("after 0.5 s: %d", r.code)
	}
	if r := get("reader"); r.code != 429 {
		t.Fatalf("second after 0.5 s: %d", r.code)
	}
	// After the window the whole burst is back.
	clk.t = clk.t.Add(2 * time.Second)
	for i := range 3 {
		if r := get("reader"); r.code != 299 {
			t.Fatalf("request %d after the window: %d", i+1, r.code)
		}
	}
	// A key's own override: 1/s, burst 2.
	for i, want := range []int{299, 299, 429} {
		if r := get("slow"); r.code != want {
			t.Fatalf("override request %d: %d, want %d", i+1, r.code, want)
		}
	}
	// Public probes are never throttled.
	for range 10 {
		if r := do(g, "", "GET", "/healthz", ""); r.code != 299 {
			t.Fatalf("healthz: %d", r.code)
		}
	}
}

func TestThrottlingPerIP(t *testing.T) {
	proxies, err := gateway.ParseProxies("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	g, b, clk := newGateway(t, func(c *gateway.Config) {
		c.IPLimit = gateway.Limit{Rate: 1, Burst: 2}
		c.Proxies = proxies
	})
	from := func(xff string) int {
		return do(g, "", "GET", "/api/v1/transactions", "", "X-Forwarded-For", xff).code
	}
	// Before authentication: unauthenticated floods are throttled too.
	if a, b2, c := from("203.0.113.7"), from("203.0.113.7"), from("203.0.113.7"); a != 401 || b2 != 401 || c != 429 {
		t.Fatalf("one client: %d %d %d", a, b2, c)
	}
	// Another client behind the same (trusted) proxy chain has its own.
	if c := from("203.0.113.8, 10.1.2.3"); c != 401 {
		t.Fatalf("another client: %d", c)
	}
	// An untrusted hop cannot pick a fresh address: the rightmost
	// untrusted one counts.
	if a, b2 := from("198.51.100.1, 203.0.113.7"), from("198.51.100.2, 203.0.113.7"); a != 429 || b2 != 429 {
		t.Fatalf("spoofed left hops: %d %d", a, b2)
	}
	clk.t = clk.t.Add(2 * time.Second)
	if c := from("203.0.113.7"); c != 401 {
		t.Fatalf("after the window: %d", c)
	}
	if b.calls.Load() != 0 {
		t.Fatal("a handler ran")
	}
}

func TestClientIP(t *testing.T) {
	ps, _ := gateway.ParseProxies("10.0.0.0/8,::1")
	cases := []struct{ remote, xff, want string }{
		{"198.51.100.9:5", "1.2.3.4", "198.51.100.9"}, // untrusted peer: XFF ignored
		{"10.0.0.1:5", "1.2.3.4", "1.2.3.4"},
		{"10.0.0.1:5", "1.2.3.4, 10.9.9.9", "1.2.3.4"},
		{"10.0.0.1:5", "5.6.7.8, 1.2.3.4", "1.2.3.4"},
		{"10.0.0.1:5", "", "10.0.0.1"},
		{"10.0.0.1:5", "garbage, 1.2.3.4", "1.2.3.4"},
		{"10.0.0.1:5", "1.2.3.4, garbage", "10.0.0.1"},
		{"[::1]:5", "2001:db8::1", "2001:db8::1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := ps.ClientIP(r); got != c.want {
			t.Errorf("%s %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if _, err := gateway.ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("bad prefix accepted")
	}
}

func TestBucketsAreBounded(t *testing.T) {
	b := gateway.NewBuckets()
	b.Max = 100
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := gateway.Limit{Rate: 10, Burst: 10}
	for i := range 1000 {
		b.Take("ip:"+strconv.Itoa(i), l, now)
		if b.Len() > 100 {
			t.Fatalf("%d buckets after %d keys", b.Len(), i+1)
		}
	}
	// Idle buckets, refilled, are dropped at the next sweep.
	now = now.Add(2 * time.Minute)
	b.Take("fresh", l, now)
	if b.Len() != 1 {
		t.Fatalf("%d buckets after a sweep, want 1", b.Len())
	}
}

func TestCORS(t *testing.T) {
	g, b, _ := newGateway(t, func(c *gateway.Config) { c.CORS = gateway.CORS{Origins: []string{"https://app.example.com"}} })
	pre := func(origin, method string) reply {
		return do(g, "", "OPTIONS", "/api/v1/transactions/x", "", "Origin", origin, "Access-Control-Request-Method", method,
			"Access-Control-Request-Headers", "authorization, if-match")
	}
	r := pre("https://app.example.com", "PATCH")
	if r.code != 204 || r.hdr.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		r.hdr.Get("Access-Control-Allow-Methods") != "GET, PUT, DELETE, PATCH" ||
		!strings.Contains(r.hdr.Get("Access-Control-Allow-Headers"), "If-Match") {
		t.Fatalf("preflight: %d %v", r.code, r.hdr)
	}
	if r := pre("https://evil.example", "PATCH"); r.code != 403 || r.hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin: %d %v", r.code, r.hdr)
	}
	if r := pre("https://app.example.com", "POST"); r.code != 403 {
		t.Fatalf("undocumented method: %d", r.code)
	}
	r = do(g, "reader", "GET", "/api/v1/transactions", "", "Origin", "https://app.example.com")
	if r.hdr.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(r.hdr.Get("Access-Control-Expose-Headers"), "RateLimit-Remaining") {
		t.Fatalf("actual request: %v", r.hdr)
	}
	if r.hdr.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatal("credentials allowed")
	}
	if b.calls.Load() != 1 {
		t.Fatalf("handler calls %d, want 1 (preflights are answered by the gateway)", b.calls.Load())
	}
}

func TestDocsPage(t *testing.T) {
	s := spec(t)
	mux := http.NewServeMux()
	if err := gateway.DocsRoutes(mux, s, nil); err != nil {
		t.Fatal(err)
	}
	r := do(mux, "", "GET", "/api/docs", "")
	if r.code != 200 || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("docs: %d %v", r.code, r.hdr)
	}
	if strings.Contains(strings.ToLower(r.body), "<script") || strings.Contains(r.body, "http://") || strings.Contains(r.body, "https://cdn") {
		t.Fatal("the docs page loads scripts or remote resources")
	}
	// The one inline style is allowed by its hash; nothing else is.
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no style")
	}
	sum := sha256.Sum256([]byte(m[1]))
	csp := r.hdr.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Fatalf("CSP %q does not allow exactly the inline style", csp)
	}
	for _, op := range s.Operations() {
		if !strings.Contains(r.body, `id="`+op.ID+`"`) || !strings.Contains(r.body, "<code>"+op.Path+"</code>") {
			t.Errorf("the page lacks %s", op.Pattern())
		}
	}
	r = do(mux, "", "GET", "/api/v1/openapi.json", "")
	var doc map[string]any
	if r.code != 200 || json.Unmarshal([]byte(r.body), &doc) != nil || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d %.100s", r.code, r.body)
	}
}

// BenchmarkOverhead is the gateway's own cost on a GET (routing,
// authentication with an in-memory authenticator, both buckets) and on a
// POST with a validated JSON body, against the handler alone.
func BenchmarkOverhead(b *testing.B) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	g := gateway.New(gateway.Config{Spec: spec(b), Authenticate: authenticate,
		KeyLimit: gateway.Limit{Rate: 1e9, Burst: 1e9}, IPLimit: gateway.Limit{Rate: 1e9, Burst: 1e9}}, next)
	tx := `{"amount":"-1.00","currency":"EUR","description":"Coffee","counterparty":"Cafe","booked_at":"2026-11-27"}`
	for _, c := range []struct {
		name, method, path, body string
		h                        http.Handler
	}{
		{"direct/GET", "GET", "/api/v1/transactions/0190?x=1", "", next},
		{"gateway/GET", "GET", "/api/v1/transactions/0190", "", g},
		{"gateway/GET-list-params", "GET", "/api/v1/transactions?limit=50&uncategorized=true&currency=EUR", "", g},
		{"gateway/POST", "POST", "/api/v1/transactions", tx, g},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
				r.RemoteAddr = "192.0.2.1:1"
				r.Header.Set("Authorization", "Bearer writer")
				r.Header.Set("Content-Type", "application/json")
				c.h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
