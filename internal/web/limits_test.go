package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 512: "512 bytes", 1 << 10: "1 KiB", 1536: "1.5 KiB", 1 << 20: "1 MiB",
		100 << 20: "100 MiB", 3 << 30: "3 GiB", 5 << 40: "5 TiB",
	} {
		if got := web.FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSizeLimitErr(t *testing.T) {
	err := web.SizeLimit{Bytes: 100 << 20, Name: "--max-report-body"}.Err("the body")
	if fault.KindOf(err) != fault.TooLarge {
		t.Fatalf("kind = %v, want TooLarge", fault.KindOf(err))
	}
	want := "the body is larger than the limit of 100 MiB (104857600 bytes), set by --max-report-body"
	if got := fault.Message(err); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if got := fault.Message(web.SizeLimit{Bytes: 10}.Err("the file")); got != "the file is larger than the limit of 10 bytes" {
		t.Errorf("unnamed limit: %q", got)
	}
}

// TestJSONLimit: Decode takes the limit WithJSONLimit sets, and its 413
// names it; at the limit the body is read.
func TestJSONLimit(t *testing.T) {
	lim := web.SizeLimit{Bytes: 64, Name: "--max-json-body"}
	h := web.WithJSONLimit(lim)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]string
		if err := web.Decode(w, r, &v); err != nil {
			web.Error(w, r, slog.New(slog.DiscardHandler), err)
			return
		}
		web.Respond(w, http.StatusOK, v)
	}))
	body := func(n int) string { // a JSON object of exactly n bytes
		return `{"a":"` + strings.Repeat("x", n-len(`{"a":""}`)) + `"}`
	}
	for _, tt := range []struct {
		name   string
		size   int
		status int
	}{{"at the limit", 64, 200}, {"past it", 65, 413}} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(body(tt.size))))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 413 && !strings.Contains(rec.Body.String(), "limit of 64 bytes, set by --max-json-body") {
				t.Errorf("413 does not name the limit and its flag: %s", rec.Body)
			}
		})
	}
	if got := web.JSONLimit(context.Background(), web.MaxBody); got.Bytes != web.MaxBody {
		t.Errorf("JSONLimit without the middleware = %+v, want the default", got)
	}
}

func decodeProblem(t *testing.T, r io.Reader) web.Problem {
	t.Helper()
	var p web.Problem
	if err := json.NewDecoder(r).Decode(&p); err != nil {
		t.Fatalf("problem: %v", err)
	}
	return p
}

// TestDeadline: the request's context ends at the deadline with a cause
// naming the limit; a handler that answers with the error it met gets a
// 504 naming it (even when its layer classified it otherwise); one that
// answers nothing is answered for; an exempt request has no deadline.
func TestDeadline(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	exempt := func(r *http.Request) bool { return r.URL.Path == "/long" }
	mw := web.Deadline(time.Millisecond, "--request-timeout", exempt)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"answers the error", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			// As a store would wrap it, and the database layer classify it.
			err := &fault.Error{Kind: fault.Unavailable, Msg: "the database is unavailable", Err: fmt.Errorf("list: %w", r.Context().Err())}
			web.Error(w, r, log, err)
		}},
		{"answers nothing", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mw(tt.handler).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			if rec.Code != http.StatusGatewayTimeout {
				t.Fatalf("status %d, want 504: %s", rec.Code, rec.Body)
			}
			p := decodeProblem(t, rec.Body)
			if p.Type != "urn:trx:problem:timeout" || !strings.Contains(p.Detail, "time limit of 1ms, set by --request-timeout") {
				t.Errorf("problem %+v: want type timeout and a detail naming the limit and its flag", p)
			}
			if rec.Header().Get("Retry-After") != "" {
				t.Errorf("a 504 says Retry-After: %q", rec.Header().Get("Retry-After"))
			}
		})
	}
	t.Run("exempt", func(t *testing.T) {
		rec := httptest.NewRecorder()
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := r.Context().Deadline(); ok {
				t.Error("an exempt request has a deadline")
			}
			w.WriteHeader(http.StatusNoContent)
		})).ServeHTTP(rec, httptest.NewRequest("GET", "/long", nil))
		if rec.Code != http.StatusNoContent {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("another deadline is not the request's", func(t *testing.T) {
		rec := httptest.NewRecorder()
		web.Deadline(time.Hour, "--request-timeout", nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), time.Nanosecond)
			defer cancel()
			<-ctx.Done()
			web.Error(w, r, log, &fault.Error{Kind: fault.Unavailable, Msg: "the database is unavailable", Err: ctx.Err()})
		})).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("status %d, want the 503 the handler answered", rec.Code)
		}
	})
}

// TestLimitsKeepPattern: the route pattern the ServeMux inside sets is
// seen by the middleware outside the limits (metrics label by it).
func TestLimitsKeepPattern(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	h := web.Deadline(time.Hour, "--request-timeout", nil)(web.WithJSONLimit(web.SizeLimit{Bytes: 10})(mux))
	r := httptest.NewRequest("GET", "/items/7", nil)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if r.Pattern != "GET /items/{id}" {
		t.Errorf("pattern outside the limits = %q", r.Pattern)
	}
}
