package gateway_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/gateway"
)

// sessions is a fake session check: "s-good" is a read+write session
// whose CSRF token is "t-good".
func sessions(_ context.Context, secret, method, csrf string) (auth.Principal, error) {
	if secret != "s-good" {
		return auth.Principal{}, auth.ErrNoSession
	}
	if method != "GET" && method != "HEAD" && method != "OPTIONS" && csrf != "t-good" {
		return auth.Principal{}, auth.ErrCSRF
	}
	return auth.Principal{UserID: "u9", SessionID: "sess-1", Method: auth.MethodSession, Scopes: []string{auth.ScopeRead, auth.ScopeWrite}}, nil
}

// TestSessionCookie: the gateway accepts the session cookie where the
// document takes the session scheme, refuses a change without the CSRF
// token (403, type csrf), lets a bearer header win, and does not take the
// cookie on /ws.
func TestSessionCookie(t *testing.T) {
	g, b, _ := newGateway(t, func(c *gateway.Config) { c.Sessions = sessions })
	cookie := auth.SessionCookie + "=s-good"
	cases := []struct {
		name, key, method, path string
		hdr                     []string
		want                    int
	}{
		{"read with the cookie", "", "GET", "/api/v1/transactions", []string{"Cookie", cookie}, 299},
		{"write without CSRF", "", "DELETE", "/api/v1/transactions/x", []string{"Cookie", cookie}, 403},
		{"write with a wrong CSRF", "", "DELETE", "/api/v1/transactions/x", []string{"Cookie", cookie, auth.CSRFHeader, "t-bad"}, 403},
		{"write with CSRF", "", "DELETE", "/api/v1/transactions/x", []string{"Cookie", cookie, auth.CSRFHeader, "t-good"}, 299},
		{"a write session is not admin", "", "DELETE", "/api/v1/stocks/ACME", []string{"Cookie", cookie, auth.CSRFHeader, "t-good"}, 403},
		{"an unknown cookie", "", "GET", "/api/v1/transactions", []string{"Cookie", auth.SessionCookie + "=s-bad"}, 401},
		{"another cookie is no credential", "", "GET", "/api/v1/transactions", []string{"Cookie", "other=s-good"}, 401},
		{"bearer wins over the cookie", "reader", "DELETE", "/api/v1/transactions/x", []string{"Cookie", cookie, auth.CSRFHeader, "t-good"}, 403},
		{"a bad bearer is not saved by the cookie", "nope", "GET", "/api/v1/transactions", []string{"Cookie", cookie}, 401},
		{"ws-ticket with the cookie and CSRF", "", "POST", "/api/v1/ws-ticket", []string{"Cookie", cookie, auth.CSRFHeader, "t-good"}, 299},
		{"no cookie on /ws", "", "GET", "/ws", []string{"Cookie", cookie}, 401},
		{"sign-in is public", "", "POST", "/api/v1/sessions", []string{}, 299},
	}
	for _, c := range cases {
		before := b.calls.Load()
		body := ""
		if c.path == "/api/v1/sessions" {
			body = `{"name":"alice","password":"pw"}`
		}
		r := do(g, c.key, c.method, c.path, body, c.hdr...)
		if r.code != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, r.code, c.want, r.body)
			continue
		}
		if c.want == 299 {
			continue
		}
		p := problem(t, r)
		if b.calls.Load() != before {
			t.Errorf("%s: the handler ran", c.name)
		}
		if csrf := c.want == 403 && c.key == "" && c.path != "/api/v1/stocks/ACME"; csrf != (p.Type == gateway.CSRFProblem) {
			t.Errorf("%s: problem type %q", c.name, p.Type)
		}
	}
}

// TestHTTPS: Secure cookies only over TLS, or from a trusted proxy that
// says https.
func TestHTTPS(t *testing.T) {
	ps, err := gateway.ParseProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, peer string
		proto      []string
		tls, want  bool
	}{
		{"plain", "192.0.2.1:1", nil, false, false},
		{"tls", "192.0.2.1:1", nil, true, true},
		{"untrusted says https", "192.0.2.1:1", []string{"https"}, false, false},
		{"trusted says https", "10.1.2.3:1", []string{"https"}, false, true},
		{"trusted says HTTPS", "10.1.2.3:1", []string{"HTTPS"}, false, true},
		{"trusted says http", "10.1.2.3:1", []string{"http"}, false, false},
		{"trusted, last hop http", "10.1.2.3:1", []string{"https, http"}, false, false},
		{"trusted, nothing said", "10.1.2.3:1", nil, false, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.proto {
			r.Header.Add("X-Forwarded-Proto", v)
		}
		if c.tls {
			r = httptest.NewRequest("GET", "https://trx.example/", nil)
			r.RemoteAddr = c.peer
		}
		if got := ps.HTTPS(r); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}
