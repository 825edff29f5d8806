package web_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// TestUnavailableHasRetryAfter: a dependency that is down answers 503 with
// Retry-After and without the cause; other errors carry no Retry-After.
func TestUnavailableHasRetryAfter(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	r := httptest.NewRequest("GET", "/x", nil)
	w := httptest.NewRecorder()
	web.Error(w, r, log, &fault.Error{Kind: fault.Unavailable, Msg: "the database is unavailable; retry later", Err: errors.New("dial tcp 10.0.0.5:3306: connection refused")})
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != web.RetryAfter {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	if body := w.Body.String(); !strings.Contains(body, "retry later") || strings.Contains(body, "10.0.0.5") {
		t.Fatalf("body %s: want the message without the cause", body)
	}
	w = httptest.NewRecorder()
	web.Error(w, r, log, fault.New(fault.NotFound, "no such thing"))
	if w.Header().Get("Retry-After") != "" {
		t.Fatal("a 404 carries Retry-After")
	}
}
