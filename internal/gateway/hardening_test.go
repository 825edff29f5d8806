package gateway_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/trx-platform/trx/internal/gateway"
)

// TestAPIHeaders: every API answer (a handler's, a refusal of the
// gateway's, a problem) is Cache-Control: no-store and nosniff, once,
// whatever the handler or a forwarded service set.
func TestAPIHeaders(t *testing.T) {
	g := gateway.New(gateway.Config{Spec: spec(t), Authenticate: authenticate}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-Content-Type-Options", "nosniff") // as a service behind the gateway does
		w.Header().Set("Cache-Control", "max-age=3600")
		w.WriteHeader(http.StatusOK)
	}))
	for _, c := range []struct{ key, method, path string }{
		{"reader", "GET", "/api/v1/transactions"},  // the handler's answer
		{"", "GET", "/api/v1/transactions"},        // 401 from the gateway
		{"reader", "POST", "/api/v1/transactions"}, // 403
		{"reader", "GET", "/api/v1/nope"},          // undocumented: passed on
	} {
		r := do(g, c.key, c.method, c.path, "")
		if cc := r.hdr.Values("Cache-Control"); len(cc) != 1 || cc[0] != "no-store" {
			t.Errorf("%s %s (%d): Cache-Control %q", c.method, c.path, r.code, cc)
		}
		if ns := r.hdr.Values("X-Content-Type-Options"); len(ns) != 1 || ns[0] != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q", c.method, c.path, r.code, ns)
		}
	}
	// The dashboard's own pages are not API answers.
	if r := do(g, "", "GET", "/healthz", ""); r.hdr.Get("Cache-Control") == "no-store" {
		t.Errorf("/healthz is no-store")
	}
}

// TestExpensiveConcurrency: a user runs at most Concurrency expensive
// operations (x-trx-expensive: reports, classify, batches, rule runs,
// jobs, imports, exports) at once; the next is a 429 with Retry-After,
// another user is not held up, and cheap operations never count.
func TestExpensiveConcurrency(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/classify" {
			entered <- struct{}{}
			<-release
		}
		w.WriteHeader(http.StatusOK)
	})
	g := gateway.New(gateway.Config{Spec: spec(t), Authenticate: authenticate, Concurrency: 2}, next)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(g, "writer", "POST", "/api/v1/classify", `{"items":[]}`)
		}()
	}
	<-entered
	<-entered
	if r := do(g, "writer", "POST", "/api/v1/classify", `{"items":[]}`); r.code != http.StatusTooManyRequests || r.hdr.Get("Retry-After") == "" {
		t.Fatalf("a third at once: %d %s", r.code, r.body)
	}
	if r := do(g, "writer", "GET", "/api/v1/transactions", ""); r.code != http.StatusOK {
		t.Fatalf("a cheap request meanwhile: %d %s", r.code, r.body)
	}
	done := make(chan reply, 1)
	go func() { done <- do(g, "admin", "POST", "/api/v1/classify", `{"items":[]}`) }() // another user
	<-entered
	close(release)
	if r := <-done; r.code != http.StatusOK {
		t.Fatalf("another user: %d %s", r.code, r.body)
	}
	wg.Wait()
	if r := do(g, "writer", "POST", "/api/v1/classify", `{"items":[]}`); r.code != http.StatusOK {
		t.Fatalf("after the two ended: %d %s", r.code, r.body)
	}
}

// TestExpensiveOperations: the operations a user can make costly are
// marked in the document.
func TestExpensiveOperations(t *testing.T) {
	want := map[string]bool{}
	for _, p := range []string{"POST /api/v1/report", "GET /api/v1/report", "POST /api/v1/classify", "POST /api/v1/transactions/batch",
		"POST /api/v1/rules/{id}/dry-run", "POST /api/v1/rules/{id}/apply", "POST /api/v1/classifier/jobs", "POST /api/v1/transactions/category",
		"GET /api/v1/export"} {
		want[p] = true
	}
	for _, op := range spec(t).Operations() {
		if want[op.Pattern()] {
			if !op.Expensive {
				t.Errorf("%s is not x-trx-expensive", op.Pattern())
			}
			delete(want, op.Pattern())
		}
	}
	for p := range want {
		t.Errorf("%s is not in the document", p)
	}
}
