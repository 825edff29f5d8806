package authapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authapi"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/gateway"
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/web"
)

// clock is a settable clock: expiry is tested by moving it, not by sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// cheap are argon2id parameters that keep the tests fast; the format
// and the code path are those of the defaults.
var cheap = auth.PasswordParams{Memory: 64, Time: 1, Threads: 1}

const (
	idle   = time.Hour
	maxTTL = 24 * time.Hour
)

type sessionEnv struct {
	t     *testing.T
	svc   *auth.Service
	srv   *httptest.Server
	clock *clock
}

func newSessionEnv(t *testing.T, d sqldb.Dialect, tls bool, opts authapi.SessionOptions) *sessionEnv {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
	// A cache of an hour: only invalidations can end a cached session in time.
	svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)), auth.WithCache(time.Hour, 0), auth.WithSessions(auth.SessionConfig{
		IdleTTL: idle, MaxTTL: maxTTL, Password: cheap,
		Backoff: auth.BackoffConfig{NameFree: 3, IPFree: 6, Base: time.Second, Max: time.Minute, Forget: time.Hour}}),
		auth.WithClock(c.Now))
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	authn := authapi.Require(svc, log)
	authapi.Routes(mux, svc, authn, log)
	authapi.SessionRoutes(mux, svc, authn, opts, log)
	h := web.WithRequestID(gatewaytest.Observe(t, mux))
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &sessionEnv{t: t, svc: svc, srv: srv, clock: c}
}

// user adds a user with a password and returns its API key.
func (e *sessionEnv) user(name, pw string, scopes ...string) string {
	e.t.Helper()
	ctx := context.Background()
	_, key, err := e.svc.AddUser(ctx, name, scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	if pw != "" {
		if err := e.svc.SetPassword(ctx, name, pw); err != nil {
			e.t.Fatal(err)
		}
	}
	return key
}

type reply struct {
	code   int
	header http.Header
	body   []byte
}

func (r reply) problem() web.Problem {
	var p web.Problem
	_ = json.Unmarshal(r.body, &p)
	return p
}

// do sends a request; hdr holds headers ("Cookie", "X-CSRF-Token", …).
func (e *sessionEnv) do(method, path, body string, hdr map[string]string) reply {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, b}
}

type signedIn struct {
	authapi.SessionResource
	cookie *http.Cookie
}

// hdr is the headers of a request made with the session, with its CSRF
// token when csrf.
func (s signedIn) hdr(csrf bool) map[string]string {
	h := map[string]string{"Cookie": s.cookie.Name + "=" + s.cookie.Value}
	if csrf {
		h[auth.CSRFHeader] = s.CSRFToken
	}
	return h
}

func (e *sessionEnv) signIn(name, pw string, hdr map[string]string) (signedIn, reply) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": pw})
	r := e.do("POST", "/api/v1/sessions", string(body), hdr)
	var s signedIn
	if r.code != http.StatusCreated {
		return s, r
	}
	if err := json.Unmarshal(r.body, &s.SessionResource); err != nil {
		e.t.Fatalf("sign-in answer %s: %v", r.body, err)
	}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == auth.SessionCookie {
			s.cookie = c
		}
	}
	if s.cookie == nil {
		e.t.Fatalf("sign-in set no %s cookie: %v", auth.SessionCookie, r.header)
	}
	return s, r
}

func (e *sessionEnv) mustSignIn(name, pw string) signedIn {
	e.t.Helper()
	s, r := e.signIn(name, pw, nil)
	if r.code != http.StatusCreated {
		e.t.Fatalf("sign in %s: %d %s", name, r.code, r.body)
	}
	return s
}

// alive reports whether the session still authenticates (on a route that
// reads nothing of sessions itself: the middleware alone decides).
func (e *sessionEnv) alive(s signedIn) bool {
	e.t.Helper()
	r := e.do("GET", "/api/v1/keys", "", s.hdr(false))
	if r.code != http.StatusOK && r.code != http.StatusUnauthorized {
		e.t.Fatalf("with the session: %d %s", r.code, r.body)
	}
	return r.code == http.StatusOK
}

func TestSessions(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			t.Run("sign in", func(t *testing.T) { testSignIn(t, d) })
			t.Run("fixation", func(t *testing.T) { testFixation(t, d) })
			t.Run("csrf", func(t *testing.T) { testCSRF(t, d) })
			t.Run("end", func(t *testing.T) { testEndSessions(t, d) })
			t.Run("backoff", func(t *testing.T) { testBackoff(t, d) })
			t.Run("expiry", func(t *testing.T) { testExpiry(t, d) })
			t.Run("ws ticket", func(t *testing.T) { testTicketWithCookie(t, d) })
		})
	}
}

func testSignIn(t *testing.T, d sqldb.Dialect) {
	e := newSessionEnv(t, d, false, authapi.SessionOptions{})
	e.user("alice", "correct horse battery")
	e.user("root", "root password", auth.ScopeAdmin)
	e.user("nopass", "")

	s, r := e.signIn(" alice ", "correct horse battery", map[string]string{"User-Agent": "TestBrowser/1.0"}) // names are normalized
	if r.code != http.StatusCreated {
		t.Fatalf("sign in: %d %s", r.code, r.body)
	}
	c := s.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.MaxAge != int(maxTTL/time.Second) ||
		!strings.HasPrefix(c.Value, auth.SessionPrefix) {
		t.Fatalf("cookie %+v (raw %q)", c, r.header.Get("Set-Cookie"))
	}
	if s.User != "alice" || s.ID == "" || s.CSRFToken == "" || strings.Join(s.Scopes, ",") != "read,write" ||
		s.ExpiresAt != e.clock.Now().Add(idle).Format(time.RFC3339Nano) {
		t.Fatalf("session %+v", s.SessionResource)
	}
	if strings.Contains(string(r.body), c.Value) {
		t.Fatal("the answer's body holds the cookie's secret")
	}
	var cur authapi.SessionResource
	r = e.do("GET", "/api/v1/sessions/current", "", s.hdr(false))
	if err := json.Unmarshal(r.body, &cur); r.code != 200 || err != nil || cur.ID != s.ID || cur.User != "alice" {
		t.Fatalf("current: %d %s", r.code, r.body)
	}
	if cur.CSRFToken != s.CSRFToken {
		t.Fatalf("current's csrf_token %q, sign-in's %q", cur.CSRFToken, s.CSRFToken)
	}
	var list struct{ Items []authapi.SessionItem }
	r = e.do("GET", "/api/v1/sessions", "", s.hdr(false))
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Items) != 1 || !list.Items[0].Current || list.Items[0].UserAgent != "TestBrowser/1.0" {
		t.Fatalf("list: %d %s", r.code, r.body)
	}
	// The session carries the user's stored scopes.
	root := e.mustSignIn("root", "root password")
	if strings.Join(root.Scopes, ",") != "admin" {
		t.Fatalf("root's session scopes %v", root.Scopes)
	}
	if r := e.do("GET", "/api/v1/keys?user=alice", "", root.hdr(false)); r.code != 200 {
		t.Fatalf("admin session lists alice's keys: %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/api/v1/keys?user=root", "", s.hdr(false)); r.code != 403 {
		t.Fatalf("alice's session lists root's keys: %d %s", r.code, r.body)
	}

	// Wrong password, unknown name, a user without a password: one answer.
	var details []string
	for _, in := range [][2]string{{"alice", "wrong password"}, {"mallory", "correct horse battery"}, {"nopass", "anything at all"}, {"", "x"}} {
		_, r := e.signIn(in[0], in[1], nil)
		p := r.problem()
		if r.code != http.StatusUnauthorized || r.header.Get("Set-Cookie") != "" {
			t.Fatalf("%v: %d %s", in, r.code, r.body)
		}
		details = append(details, p.Detail)
	}
	for _, dt := range details {
		if dt != "name or password is wrong" {
			t.Fatalf("details differ: %q", details)
		}
	}
	// A bearer request has no current session.
	key := e.user("bob", "")
	if r := e.do("GET", "/api/v1/sessions/current", "", map[string]string{"Authorization": "Bearer " + key}); r.code != 404 {
		t.Fatalf("current with a key: %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/api/v1/sessions/current", "", nil); r.code != 401 {
		t.Fatalf("current without credentials: %d", r.code)
	}
}

// TestSecureCookie: the cookie is Secure over TLS, and behind a trusted
// proxy that says https; an untrusted peer's X-Forwarded-Proto is ignored.
func TestSecureCookie(t *testing.T) {
	tls := newSessionEnv(t, sqldb.SQLite, true, authapi.SessionOptions{})
	tls.user("alice", "correct horse battery")
	if s := tls.mustSignIn("alice", "correct horse battery"); !s.cookie.Secure {
		t.Fatalf("over TLS: %+v", s.cookie)
	}
	for _, tc := range []struct {
		trusted string
		secure  bool
	}{{"127.0.0.1", true}, {"", false}, {"10.0.0.0/8", false}} {
		proxies, err := gateway.ParseProxies(tc.trusted)
		if err != nil {
			t.Fatal(err)
		}
		e := newSessionEnv(t, sqldb.SQLite, false, authapi.SessionOptions{Secure: proxies.HTTPS, ClientIP: proxies.ClientIP})
		e.user("alice", "correct horse battery")
		s, r := e.signIn("alice", "correct horse battery", map[string]string{"X-Forwarded-Proto": "https"})
		if r.code != 201 || s.cookie.Secure != tc.secure {
			t.Errorf("trusted %q: %d secure=%v, want %v", tc.trusted, r.code, s.cookie.Secure, tc.secure)
		}
	}
}

// testFixation: a cookie the request comes with is never adopted; each
// sign-in makes a new session and ends the one it replaces.
func testFixation(t *testing.T, d sqldb.Dialect) {
	e := newSessionEnv(t, d, false, authapi.SessionOptions{})
	e.user("alice", "correct horse battery")
	planted := auth.SessionPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	s, r := e.signIn("alice", "correct horse battery", map[string]string{"Cookie": auth.SessionCookie + "=" + planted})
	if r.code != 201 || s.cookie.Value == planted {
		t.Fatalf("planted cookie adopted: %d %+v", r.code, s.cookie)
	}
	if e.alive(signedIn{cookie: &http.Cookie{Name: auth.SessionCookie, Value: planted}}) {
		t.Fatal("the planted cookie authenticates")
	}
	again, r := e.signIn("alice", "correct horse battery", s.hdr(false))
	if r.code != 201 || again.cookie.Value == s.cookie.Value || again.ID == s.ID || again.CSRFToken == s.CSRFToken {
		t.Fatalf("second sign-in reused the session: %+v / %+v", again.SessionResource, s.SessionResource)
	}
	if e.alive(s) {
		t.Fatal("the replaced session still authenticates")
	}
	if !e.alive(again) {
		t.Fatal("the new session does not authenticate")
	}
}

func testCSRF(t *testing.T, d sqldb.Dialect) {
	e := newSessionEnv(t, d, false, authapi.SessionOptions{})
	key := e.user("alice", "correct horse battery")
	s := e.mustSignIn("alice", "correct horse battery")
	other := e.mustSignIn("alice", "correct horse battery")
	for name, hdr := range map[string]map[string]string{
		"no header":              s.hdr(false),
		"another session's":      {"Cookie": auth.SessionCookie + "=" + s.cookie.Value, auth.CSRFHeader: other.CSRFToken},
		"empty":                  {"Cookie": auth.SessionCookie + "=" + s.cookie.Value, auth.CSRFHeader: ""},
		"the cookie's own value": {"Cookie": auth.SessionCookie + "=" + s.cookie.Value, auth.CSRFHeader: s.cookie.Value},
	} {
		r := e.do("POST", "/api/v1/keys", `{"label":"x"}`, hdr)
		if p := r.problem(); r.code != http.StatusForbidden || p.Type != authapi.CSRFProblem || !strings.Contains(p.Detail, auth.CSRFHeader) {
			t.Errorf("%s: %d %s", name, r.code, r.body)
		}
		if r := e.do("DELETE", "/api/v1/sessions/current", "", hdr); r.code != http.StatusForbidden {
			t.Errorf("%s: sign-out %d", name, r.code)
		}
	}
	if r := e.do("POST", "/api/v1/keys", `{"label":"x"}`, s.hdr(true)); r.code != http.StatusCreated {
		t.Fatalf("with the CSRF token: %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/api/v1/keys", "", s.hdr(false)); r.code != http.StatusOK {
		t.Fatalf("a read needs no CSRF token: %d %s", r.code, r.body)
	}
	// A bearer credential needs none, and wins over a cookie.
	both := map[string]string{"Authorization": "Bearer " + key, "Cookie": auth.SessionCookie + "=" + s.cookie.Value}
	if r := e.do("POST", "/api/v1/keys", `{"label":"y"}`, both); r.code != http.StatusCreated {
		t.Fatalf("bearer: %d %s", r.code, r.body)
	}
	bad := map[string]string{"Authorization": "Bearer trx_wrong", "Cookie": auth.SessionCookie + "=" + s.cookie.Value}
	if r := e.do("GET", "/api/v1/keys", "", bad); r.code != http.StatusUnauthorized {
		t.Fatalf("a wrong bearer key with a good cookie: %d", r.code)
	}
}

// testEndSessions: sign-out, revocation and a new password end sessions
// on the server; a cached principal does not outlive them.
func testEndSessions(t *testing.T, d sqldb.Dialect) {
	e := newSessionEnv(t, d, false, authapi.SessionOptions{})
	e.user("alice", "correct horse battery")
	e.user("bob", "bob's password")
	a, b, c := e.mustSignIn("alice", "correct horse battery"), e.mustSignIn("alice", "correct horse battery"), e.mustSignIn("alice", "correct horse battery")
	bob := e.mustSignIn("bob", "bob's password")
	for _, s := range []signedIn{a, b, c, bob} {
		if !e.alive(s) { // now cached for an hour
			t.Fatal("a new session does not authenticate")
		}
	}
	// Sign-out: 204, the cookie cleared, the session gone on the server
	// (the old cookie, replayed, is refused).
	r := e.do("DELETE", "/api/v1/sessions/current", "", a.hdr(true))
	cleared := (&http.Response{Header: r.header}).Cookies()
	if r.code != 204 || len(cleared) != 1 || cleared[0].Name != auth.SessionCookie || cleared[0].MaxAge >= 0 || cleared[0].Value != "" {
		t.Fatalf("sign-out: %d %v", r.code, r.header["Set-Cookie"])
	}
	if !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out cookie %q", r.header.Get("Set-Cookie"))
	}
	if e.alive(a) {
		t.Fatal("signed-out session still authenticates")
	}
	// Revoking another of one's sessions; another user's is a 404.
	if r := e.do("DELETE", "/api/v1/sessions/"+b.ID, "", bob.hdr(true)); r.code != 404 {
		t.Fatalf("bob revokes alice's session: %d", r.code)
	}
	var list struct{ Items []authapi.SessionItem }
	r = e.do("GET", "/api/v1/sessions", "", c.hdr(false))
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Items) != 2 {
		t.Fatalf("list: %s", r.body)
	}
	if r := e.do("DELETE", "/api/v1/sessions/"+b.ID, "", c.hdr(true)); r.code != 204 {
		t.Fatalf("revoke: %d %s", r.code, r.body)
	}
	if e.alive(b) || !e.alive(c) {
		t.Fatal("revocation ended the wrong session")
	}
	for _, id := range []string{b.ID, "not-a-uuid", "01900000-0000-7000-8000-000000000000"} {
		if r := e.do("DELETE", "/api/v1/sessions/"+id, "", c.hdr(true)); r.code != 404 {
			t.Errorf("revoke %s: %d", id, r.code)
		}
	}
	// A new password ends every session of the user (not bob's), and only
	// the new password signs in.
	if err := e.svc.SetPassword(context.Background(), "alice", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if e.alive(c) {
		t.Fatal("a session outlived the password change")
	}
	if !e.alive(bob) {
		t.Fatal("alice's new password ended bob's session")
	}
	if _, r := e.signIn("alice", "correct horse battery", nil); r.code != 401 {
		t.Fatalf("old password: %d", r.code)
	}
	e.mustSignIn("alice", "a brand new password")
}

func testBackoff(t *testing.T, d sqldb.Dialect) {
	e := newSessionEnv(t, d, false, authapi.SessionOptions{})
	e.user("alice", "correct horse battery")
	// NameFree (3) failures cost nothing; the fourth makes the next wait.
	for i := 0; i < 4; i++ {
		if _, r := e.signIn("alice", "guess", nil); r.code != 401 {
			t.Fatalf("failure %d: %d %s", i, r.code, r.body)
		}
	}
	_, r := e.signIn("alice", "correct horse battery", nil) // even the right password waits
	if p := r.problem(); r.code != 429 || r.header.Get("Retry-After") != "1" || !strings.Contains(p.Detail, "wait 1 seconds") {
		t.Fatalf("after failures: %d %q %s", r.code, r.header.Get("Retry-After"), r.body)
	}
	e.clock.Add(time.Second)
	if _, r := e.signIn("alice", "guess", nil); r.code != 401 {
		t.Fatalf("after the wait: %d", r.code)
	}
	_, r = e.signIn("alice", "guess", nil) // the wait doubled
	if r.code != 429 || r.header.Get("Retry-After") != "2" {
		t.Fatalf("doubled: %d %q", r.code, r.header.Get("Retry-After"))
	}
	e.clock.Add(2 * time.Second)
	e.mustSignIn("alice", "correct horse battery") // a success clears the name's count
	for i := 0; i < 2; i++ {
		if _, r := e.signIn("alice", "guess", nil); r.code != 401 {
			t.Fatalf("after success, failure %d: %d", i, r.code)
		}
	}
	// Per address: the success cleared the name's count, not the
	// address's, which is now 7 failures, past its 6 free ones: another
	// name from there waits too.
	_, r = e.signIn("someone-else", "guess", nil)
	if r.code != 429 {
		t.Fatalf("an address with many failures, another name: %d %s", r.code, r.body)
	}
}

func testExpiry(t *testing.T, d sqldb.Dialect) {
	e := newSessionEnv(t, d, false, authapi.SessionOptions{})
	e.user("alice", "correct horse battery")
	s := e.mustSignIn("alice", "correct horse battery")
	idleOne := e.mustSignIn("alice", "correct horse battery")
	// Used every 50 minutes, a session lives on past the idle time (1h);
	// left alone, it ends after the idle time.
	for i := 1; i <= 28; i++ { // 23h20m
		e.svc.Flush() // the last use is written beside the request
		e.clock.Add(50 * time.Minute)
		if !e.alive(s) {
			t.Fatalf("a session used every 50 min ended after %d uses", i)
		}
		if i == 2 && e.alive(idleOne) {
			t.Fatal("a session idle for 100 min still authenticates")
		}
	}
	// The absolute end (24h) comes whatever the use: 50 min after the
	// last use, 24h10m after sign-in.
	e.clock.Add(50 * time.Minute)
	if e.alive(s) {
		t.Fatal("a session outlived its absolute end")
	}
}

// testTicketWithCookie: the dashboard asks for a WebSocket ticket with the
// cookie (and CSRF token); the ticket dies with the session.
func testTicketWithCookie(t *testing.T, d sqldb.Dialect) {
	e := newSessionEnv(t, d, false, authapi.SessionOptions{})
	e.user("alice", "correct horse battery")
	s := e.mustSignIn("alice", "correct horse battery")
	if r := e.do("POST", "/api/v1/ws-ticket", "", s.hdr(false)); r.code != 403 {
		t.Fatalf("ticket without CSRF: %d", r.code)
	}
	ticket := func() string {
		r := e.do("POST", "/api/v1/ws-ticket", "", s.hdr(true))
		var out struct{ Ticket string }
		if err := json.Unmarshal(r.body, &out); r.code != 201 || err != nil {
			t.Fatalf("ticket: %d %s", r.code, r.body)
		}
		return out.Ticket
	}
	ctx := context.Background()
	p, err := e.svc.RedeemTicket(ctx, ticket())
	if err != nil || p.SessionID != s.ID || p.UserName != "alice" || p.Method != auth.MethodSession {
		t.Fatalf("redeem: %+v %v", p, err)
	}
	later := ticket()
	if r := e.do("DELETE", "/api/v1/sessions/current", "", s.hdr(true)); r.code != 204 {
		t.Fatalf("sign-out: %d", r.code)
	}
	if _, err := e.svc.RedeemTicket(ctx, later); !errors.Is(err, auth.ErrTicket) {
		t.Fatalf("a ticket of an ended session: %v", err)
	}
}
