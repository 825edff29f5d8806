package proxy_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/proxy"
)

func TestParseUpstreams(t *testing.T) {
	got, err := proxy.ParseUpstreams("transactions=http://a:1, transactions=http://b:2,report=https://c")
	if err != nil || len(got["transactions"]) != 2 || got["report"][0].Host != "c" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"transactions", "=http://a", "x=ftp://a", "x=http://"} {
		if _, err := proxy.ParseUpstreams(bad); err == nil {
			t.Errorf("ParseUpstreams(%q) accepted", bad)
		}
	}
}

func get(t *testing.T, h http.Handler, method string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "/api/v1/x", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestForwardRetryAndFailure(t *testing.T) {
	var gotSecret, gotHost string
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotSecret, gotHost = r.Header.Get(proxy.SecretHeader), r.Host
		io.WriteString(w, "from live")
	}))
	defer live.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL, _ := url.Parse(dead.URL)
	dead.Close() // refuses connections from now on
	liveURL, _ := url.Parse(live.URL)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	slowURL, _ := url.Parse(slow.URL)

	p := proxy.New(proxy.Config{
		Upstreams: map[string][]*url.URL{"svc": {deadURL, liveURL}, "down": {deadURL}, "slow": {slowURL}},
		Secret:    "s3cret", Timeout: 200 * time.Millisecond,
	}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))

	// GETs reach the live replica whichever the round robin picks first.
	for range 4 {
		w := get(t, p.To("svc"), "GET", proxy.SecretHeader, "forged")
		if w.Code != 200 || w.Body.String() != "from live" {
			t.Fatalf("GET: %d %s", w.Code, w.Body)
		}
	}
	if gotSecret != "s3cret" || gotHost != "example.com" {
		t.Fatalf("upstream saw secret %q host %q", gotSecret, gotHost)
	}
	// A POST is not retried: half of them meet the dead replica.
	failed := 0
	for range 4 {
		if w := get(t, p.To("svc"), "POST"); w.Code == http.StatusBadGateway {
			failed++
		}
	}
	if failed != 2 {
		t.Fatalf("%d of 4 POSTs failed, want 2 (no retry of non-idempotent requests)", failed)
	}
	w := get(t, p.To("down"), "GET")
	if w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "the down service is unreachable") ||
		w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("down: %d %s", w.Code, w.Body)
	}
	if w := get(t, p.To("slow"), "GET"); w.Code != http.StatusGatewayTimeout {
		t.Fatalf("slow: %d %s", w.Code, w.Body)
	}
}

func TestTrusted(t *testing.T) {
	h := proxy.Trusted("s3cret", nil, slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	if w := get(t, h, "GET"); w.Code != 403 {
		t.Fatalf("no secret: %d", w.Code)
	}
	if w := get(t, h, "GET", proxy.SecretHeader, "wrong"); w.Code != 403 {
		t.Fatalf("wrong secret: %d", w.Code)
	}
	if w := get(t, h, "GET", proxy.SecretHeader, "s3cret"); w.Code != 204 {
		t.Fatalf("right secret: %d", w.Code)
	}
	r := httptest.NewRequest("GET", "/readyz", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 204 {
		t.Fatalf("/readyz without the secret: %d", w.Code)
	}
}
