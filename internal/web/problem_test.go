package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// TestStatusOf maps every fault kind to its status, and so to its problem
// type: a kind added to fault without a status fails here.
func TestStatusOf(t *testing.T) {
	tests := []struct {
		name   string
		kind   fault.Kind
		status int
		typ    string
	}{
		{"internal", fault.Internal, 500, "urn:trx:problem:internal"},
		{"invalid", fault.Invalid, 400, "urn:trx:problem:invalid-request"},
		{"unauthenticated", fault.Unauthenticated, 401, "urn:trx:problem:unauthenticated"},
		{"forbidden", fault.Forbidden, 403, "urn:trx:problem:forbidden"},
		{"not found", fault.NotFound, 404, "urn:trx:problem:not-found"},
		{"conflict", fault.Conflict, 409, "urn:trx:problem:conflict"},
		{"precondition failed", fault.PreconditionFailed, 412, "urn:trx:problem:precondition-failed"},
		{"too large", fault.TooLarge, 413, "urn:trx:problem:too-large"},
		{"unprocessable", fault.Unprocessable, 422, "urn:trx:problem:unprocessable"},
		{"unavailable", fault.Unavailable, 503, "urn:trx:problem:unavailable"},
		{"unsupported media type", fault.UnsupportedMediaType, 415, "urn:trx:problem:unsupported-media-type"},
		{"timeout", fault.Timeout, 504, "urn:trx:problem:timeout"},
	}
	seen := map[fault.Kind]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen[tt.kind] = true
			err := fault.New(tt.kind, "x")
			if got := web.StatusOf(err); got != tt.status {
				t.Errorf("StatusOf = %d, want %d", got, tt.status)
			}
			if got := web.StatusOf(fmt.Errorf("wrapped: %w", err)); got != tt.status {
				t.Errorf("StatusOf(wrapped) = %d, want %d", got, tt.status)
			}
			p := web.ProblemOf(err)
			if p.Status != tt.status || p.Type != tt.typ || p.Title != http.StatusText(tt.status) {
				t.Errorf("ProblemOf = %+v, want status %d type %s", p, tt.status, tt.typ)
			}
		})
	}
	// The kinds are consecutive from Internal (0): the one after the
	// table's last has no status of its own (500), or the table lacks it.
	if got := web.StatusOf(fault.New(fault.Kind(len(seen)), "x")); len(seen) != len(tests) || got != 500 {
		t.Errorf("kind %d maps to %d: add it to this table", len(seen), got)
	}
	if got := web.StatusOf(errors.New("unclassified")); got != 500 {
		t.Errorf("StatusOf(unclassified) = %d, want 500", got)
	}
}

func TestProblemOf(t *testing.T) {
	one := &fault.Validation{}
	one.Add("amount", "scale", `"1.001" has 3 decimal places, EUR allows 2`)
	two := &fault.Validation{}
	two.Add("amount", "required", "is required")
	two.Add("currency", "iso4217", `"XXX" is not a currency`)
	summarized := &fault.Validation{Summary: "30 transactions are invalid; the first 2 are listed in errors", Fields: two.Fields}
	tests := []struct {
		name string
		err  error
		want web.Problem
	}{
		{"classified", fmt.Errorf("store: %w", fault.New(fault.NotFound, "transaction not found")),
			web.Problem{Type: "urn:trx:problem:not-found", Title: "Not Found", Status: 404, Detail: "transaction not found"}},
		{"internal error hidden", fmt.Errorf("txsql: dial tcp 10.0.0.7:3306: refused"),
			web.Problem{Type: "urn:trx:problem:internal", Title: "Internal Server Error", Status: 500, Detail: web.InternalDetail}},
		{"unavailable shown", fault.New(fault.Unavailable, "the database does not answer"),
			web.Problem{Type: "urn:trx:problem:unavailable", Title: "Service Unavailable", Status: 503, Detail: "the database does not answer"}},
		{"one field", one,
			web.Problem{Type: "urn:trx:problem:invalid-request", Title: "Bad Request", Status: 400,
				Detail: `amount: "1.001" has 3 decimal places, EUR allows 2`, Errors: one.Fields}},
		{"two fields", two,
			web.Problem{Type: "urn:trx:problem:invalid-request", Title: "Bad Request", Status: 400,
				Detail: "the request breaks 2 rule(s); see errors", Errors: two.Fields}},
		{"summary", summarized,
			web.Problem{Type: "urn:trx:problem:invalid-request", Title: "Bad Request", Status: 400,
				Detail: summarized.Summary, Errors: two.Fields}},
		{"fields under another kind", &fault.Error{Kind: fault.Unprocessable, Msg: two.Error(), Err: two},
			web.Problem{Type: "urn:trx:problem:unprocessable", Title: "Unprocessable Entity", Status: 422,
				Detail: "the request breaks 2 rule(s); see errors", Errors: two.Fields}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, web.ProblemOf(tt.err)); diff != "" {
				t.Errorf("ProblemOf (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrorBody checks the bytes a client gets: problem+json with the
// members of the Problem schema, errors as {field, rule, detail}.
func TestErrorBody(t *testing.T) {
	v := &fault.Validation{}
	v.Add("items[3].amount", "scale", `"1.001" has 3 decimal places, EUR allows 2`)
	v.Add("items[4].currency", "iso4217", `"XXX" is not a currency`)
	r := httptest.NewRequest("POST", "/api/v1/transactions/batch", nil)
	w := httptest.NewRecorder()
	web.WithRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.Error(w, r, slog.New(slog.DiscardHandler), v)
	})).ServeHTTP(w, r)
	if w.Code != 400 || w.Header().Get("Content-Type") != "application/problem+json" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("status %d, headers %v", w.Code, w.Header())
	}
	var got map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	id := w.Header().Get("X-Request-ID")
	want := map[string]any{
		"type": "urn:trx:problem:invalid-request", "title": "Bad Request", "status": 400.0,
		"detail": "the request breaks 2 rule(s); see errors", "instance": "/api/v1/transactions/batch", "request_id": id,
		"errors": []any{
			map[string]any{"field": "items[3].amount", "rule": "scale", "detail": `"1.001" has 3 decimal places, EUR allows 2`},
			map[string]any{"field": "items[4].currency", "rule": "iso4217", "detail": `"XXX" is not a currency`},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" || id == "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// TestErrorLogs checks that 5xx errors are logged with their cause (which
// the caller does not see) and 4xx errors are not logged.
func TestErrorLogs(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		logged bool
	}{
		{"internal", errors.New("txsql: secret detail"), true},
		{"unavailable", fault.New(fault.Unavailable, "the database does not answer"), true},
		{"not found", fault.New(fault.NotFound, "transaction not found"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			log := slog.New(slog.NewTextHandler(&logs, nil))
			w := httptest.NewRecorder()
			web.Error(w, httptest.NewRequest("GET", "/x", nil).WithContext(context.Background()), log, tt.err)
			if got := strings.Contains(logs.String(), tt.err.Error()); got != tt.logged {
				t.Errorf("logged = %v, want %v: %q", got, tt.logged, logs.String())
			}
			if strings.Contains(w.Body.String(), "secret") {
				t.Errorf("the body shows the internal error: %s", w.Body)
			}
		})
	}
}

// TestProblemError checks that a Problem used as an error carries itself
// as JSON.
func TestProblemError(t *testing.T) {
	p := web.NewProblem(http.StatusRequestEntityTooLarge, "the input is larger than the limit of 10 bytes")
	var err error = &p
	var back web.Problem
	if json.Unmarshal([]byte(err.Error()), &back) != nil {
		t.Fatalf("Error() is not JSON: %s", err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if p.Type != "urn:trx:problem:too-large" || p.Title != "Request Entity Too Large" {
		t.Errorf("NewProblem = %+v", p)
	}
}
