package proxy_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/proxy"
	"github.com/trx-platform/trx/internal/web"
)

const internalSecret = "a-long-random-internal-secret-for-tests-0123456789"

// service is a split service behind Trusted: it records the principal each
// request reached its routes with, and the signed header that came in.
type service struct {
	mu        sync.Mutex
	principal *auth.Principal
	header    string
	path      string
	rid       string
}

func (s *service) last() (*auth.Principal, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.principal, s.header, s.path
}

func (s *service) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rid
}

func newService(t *testing.T, now func() time.Time) (*service, *httptest.Server) {
	t.Helper()
	svc := &service{}
	routes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc.mu.Lock()
		svc.principal = nil
		if p, ok := auth.FromContext(r.Context()); ok {
			svc.principal = &p
		}
		if r.Header.Get(proxy.PrincipalHeader) != "" {
			t.Errorf("the routes see the signed header")
		}
		svc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	trusted := proxy.Trusted(internalSecret, auth.NewSigner(internalSecret, now), slog.New(slog.DiscardHandler), routes)
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc.mu.Lock()
		svc.header, svc.path, svc.rid = r.Header.Get(proxy.PrincipalHeader), r.URL.Path, r.Header.Get("X-Request-ID")
		svc.mu.Unlock()
		trusted.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(web.WithRequestID(record))
	t.Cleanup(srv.Close)
	return svc, srv
}

// gatewayTo is a gateway's forwarding to srv, signing with the internal
// secret; with p it forwards as if the gateway had authenticated p.
func gatewayTo(t *testing.T, srv *httptest.Server) func(method, path string, p *auth.Principal, hdr ...string) int {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	px := proxy.New(proxy.Config{Upstreams: map[string][]*url.URL{"svc": {u}}, Secret: internalSecret,
		Signer: auth.NewSigner(internalSecret, nil)}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	h := web.WithRequestID(px.To("svc"))
	return func(method, path string, p *auth.Principal, hdr ...string) int {
		r := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Add(hdr[i], hdr[i+1])
		}
		if p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), *p))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
}

// direct sends a request straight to the service with the internal secret,
// as if from the gateway: the test is about the signed principal alone.
func direct(t *testing.T, srv *httptest.Server, method, path string, hdr ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, srv.URL+path, nil)
	req.Header.Set(proxy.SecretHeader, internalSecret)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func TestSignedPrincipalForwarded(t *testing.T) {
	svc, srv := newService(t, nil)
	send := gatewayTo(t, srv)
	alice := auth.Principal{UserID: "u-alice", UserName: "alice", KeyID: "k1", Scopes: []string{"read", "write"}, Method: auth.MethodKey}

	if code := send("POST", "/api/v1/transactions", &alice); code != http.StatusNoContent {
		t.Fatalf("forwarded: %d", code)
	}
	got, hdr, _ := svc.last()
	if got == nil || got.UserID != alice.UserID || got.UserName != "alice" || got.KeyID != "k1" || len(got.Scopes) != 2 {
		t.Fatalf("the service got principal %+v, want alice's", got)
	}
	if hdr == "" {
		t.Fatal("no signed principal reached the service")
	}

	// A client cannot inject one: the gateway drops what it sent, with or
	// without a principal of its own.
	if code := send("GET", "/api/v1/transactions", nil, proxy.PrincipalHeader, hdr, proxy.PrincipalHeader, "v1.x.y"); code != http.StatusNoContent {
		t.Fatalf("unauthenticated forward: %d", code)
	}
	if got, hdr2, _ := svc.last(); got != nil || hdr2 != "" {
		t.Fatalf("a client's header reached the service: principal %+v, header %q", got, hdr2)
	}
	if code := send("GET", "/api/v1/transactions", &alice, proxy.PrincipalHeader, hdr); code != http.StatusNoContent {
		t.Fatalf("forward: %d", code)
	}
	if _, hdr2, _ := svc.last(); hdr2 == hdr {
		t.Fatal("the client's header went on instead of the gateway's own")
	}
}

func TestSignedPrincipalRefused(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc, srv := newService(t, clock)
	send := gatewayTo(t, srv)
	alice := auth.Principal{UserID: "u-alice", UserName: "alice", Scopes: []string{"read"}, Method: auth.MethodKey}
	if code := send("GET", "/api/v1/transactions/1", &alice); code != http.StatusNoContent {
		t.Fatalf("forwarded: %d", code)
	}
	_, captured, path := svc.last()
	rid := svc.requestID()
	if path != "/api/v1/transactions/1" || captured == "" {
		t.Fatalf("captured %q on %q", captured, path)
	}
	forged := auth.NewSigner(internalSecret+"-other", nil).Sign(auth.Principal{UserID: "u-alice", Scopes: []string{"admin"}},
		auth.Binding{Method: "GET", Path: "/api/v1/transactions/1"})

	tests := []struct {
		name, method, path string
		hdr                []string
		want               int
		detail             string
	}{
		{"replayed", "GET", "/api/v1/transactions/1", []string{"X-Request-ID", rid, proxy.PrincipalHeader, captured}, 401, "used before"},
		{"another path", "GET", "/api/v1/keys", []string{"X-Request-ID", rid, proxy.PrincipalHeader, captured}, 401, "another request"},
		{"forged", "GET", "/api/v1/transactions/1", []string{"X-Request-ID", rid, proxy.PrincipalHeader, forged}, 401, "does not verify"},
		{"garbage", "GET", "/api/v1/transactions/1", []string{"X-Request-ID", rid, proxy.PrincipalHeader, "v1.e30.AAAA"}, 401, "does not verify"},
		{"two headers", "GET", "/api/v1/transactions/1", []string{"X-Request-ID", rid, proxy.PrincipalHeader, captured, proxy.PrincipalHeader, captured}, 401, "does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := direct(t, srv, tt.method, tt.path, tt.hdr...)
			if code != tt.want || !strings.Contains(body, tt.detail) {
				t.Fatalf("%d %s; want %d with %q", code, body, tt.want, tt.detail)
			}
		})
	}
	// Another request's id: a fresh principal, sent again with the
	// request id changed.
	if code := send("GET", "/api/v1/transactions/2", &alice); code != http.StatusNoContent {
		t.Fatalf("forwarded: %d", code)
	}
	_, fresh, _ := svc.last()
	if code, body := direct(t, srv, "GET", "/api/v1/transactions/2", proxy.PrincipalHeader, fresh, "X-Request-ID", "another-id"); code != 401 || !strings.Contains(body, "another request") {
		t.Fatalf("another request id: %d %s", code, body)
	}
	// Expired: the service's clock is past the principal's expiry.
	if code := send("GET", "/api/v1/transactions/3", &alice); code != http.StatusNoContent {
		t.Fatalf("forwarded: %d", code)
	}
	_, late, _ := svc.last()
	lateID := svc.requestID()
	mu.Lock()
	now = now.Add(auth.SignedTTL + auth.SignedSkew + time.Second) // the gateway signed a moment after now
	mu.Unlock()
	if code, body := direct(t, srv, "GET", "/api/v1/transactions/3", proxy.PrincipalHeader, late, "X-Request-ID", lateID); code != 401 || !strings.Contains(body, "expired") {
		t.Fatalf("expired: %d %s", code, body)
	}
	if got, _, _ := svc.last(); got == nil || got.UserID != alice.UserID {
		t.Fatalf("last served principal %+v", got)
	}
}

// TestTrustedKeepsTheRoute: the route pattern the service's mux matched
// reaches the handlers outside Trusted (metrics, access log, span name),
// though Trusted hands the mux a request of its own.
func TestTrustedKeepsTheRoute(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/transactions/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	signer := auth.NewSigner(internalSecret, nil)
	h := proxy.Trusted(internalSecret, auth.NewSigner(internalSecret, nil), slog.New(slog.DiscardHandler), mux)
	var pattern string
	outer := web.WithRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		pattern = r.Pattern
	}))
	r := httptest.NewRequest("GET", "/api/v1/transactions/1", nil)
	r.Header.Set("X-Request-ID", "route-1")
	r.Header.Set(proxy.SecretHeader, internalSecret)
	r.Header.Set(proxy.PrincipalHeader, signer.Sign(auth.Principal{UserID: "u"}, auth.Binding{RequestID: "route-1", Method: "GET", Path: "/api/v1/transactions/1"}))
	w := httptest.NewRecorder()
	outer.ServeHTTP(w, r)
	if w.Code != 204 || pattern != "GET /api/v1/transactions/{id}" {
		t.Fatalf("%d, pattern %q", w.Code, pattern)
	}
}
