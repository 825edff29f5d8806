package reportapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/report/reportlambda"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/web"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixture checks the shared fixture through every way of posting it:
// the answer must be fixture_expected.json, as for the Lambda and the CLI.
func TestFixture(t *testing.T) {
	want := indent(t, readFile(t, "../testdata/fixture_expected.json"))
	input := readFile(t, "../testdata/fixture_input.json")
	inputCSV := readFile(t, "../testdata/fixture_input.csv")
	wrapped, _ := json.Marshal(map[string]any{"group_by": "category,month", "transactions": json.RawMessage(input)})
	e := newEnv(t, sqldb.SQLite, reportapi.Config{})
	tests := []struct {
		name, path, contentType string
		body                    []byte
	}{
		{"json array", "/api/v1/report?group_by=category,month", "application/json", input},
		{"json with charset", "/api/v1/report?group_by=month,category", "application/json; charset=utf-8", input},
		{"no content type", "/api/v1/report?group_by=category,month", "", input},
		{"object with group_by in the body", "/api/v1/report", "application/json", wrapped},
		{"csv", "/api/v1/report?group_by=category,month", "text/csv", inputCSV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(e.alice, "POST", tt.path, tt.contentType, tt.body)
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d %q: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if diff := cmp.Diff(want, indent(t, r.Body)); diff != "" {
				t.Errorf("result differs from fixture_expected.json (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	e := newEnv(t, sqldb.SQLite, reportapi.Config{})
	for _, body := range []string{"[]", `{"transactions":[]}`} {
		r := e.do(e.alice, "POST", "/api/v1/report", "application/json", body)
		if r.Status != 200 || indent(t, r.Body) != indent(t, []byte(`{"count":0,"currencies":[]}`)) {
			t.Errorf("%s: %d %s", body, r.Status, r.Body)
		}
	}
}

// lambdaProblem returns the problem the Lambda answers for a direct
// invocation with payload.
func lambdaProblem(t *testing.T, payload []byte) string {
	t.Helper()
	_, err := reportlambda.NewHandler(reportlambda.Config{}).Invoke(context.Background(), payload)
	var p *web.Problem
	if !errors.As(err, &p) {
		t.Fatalf("Lambda error %v is not a problem", err)
	}
	return indent(t, []byte(p.Error()))
}

// reportProblem returns the members of r's problem that the Lambda's has
// too (instance and request_id are the HTTP API's own).
func reportProblem(t *testing.T, r response) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d: Content-Type %q, want application/problem+json; body %s", r.Status, ct, r.Body)
	}
	var p map[string]any
	r.Decode(t, &p)
	if p["request_id"] == "" || p["instance"] != "/api/v1/report" {
		t.Errorf("problem lacks request_id or instance: %s", r.Body)
	}
	delete(p, "request_id")
	delete(p, "instance")
	b, _ := json.Marshal(p)
	return indent(t, b)
}

// TestBadItems checks that bad items are a 400 listing the first 20 with
// their place in the input (transactions[3].amount), exactly as the Lambda
// lists them.
func TestBadItems(t *testing.T) {
	var items []string
	for i := range 45 {
		switch i % 3 {
		case 0:
			items = append(items, `{"amount":"1.00","currency":"EUR"}`)
		case 1:
			items = append(items, fmt.Sprintf(`{"amount":"1.%02d1","currency":"EUR"}`, i%100))
		default:
			items = append(items, `{"amount":"1","currency":"XXX","booked_at":"yesterday"}`)
		}
	}
	body := []byte("[" + strings.Join(items, ",") + "]")
	e := newEnv(t, sqldb.SQLite, reportapi.Config{})
	r := e.do(e.alice, "POST", "/api/v1/report", "application/json", body)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	got := reportProblem(t, r)
	if diff := cmp.Diff(lambdaProblem(t, body), got); diff != "" {
		t.Errorf("problem differs from the Lambda's (-lambda +http):\n%s", diff)
	}
	var p web.Problem
	r.Decode(t, &p)
	if len(p.Errors) != report.MaxProblems || p.Errors[0].Field != "transactions[1].amount" || p.Errors[0].Rule != "scale" ||
		p.Errors[1].Field != "transactions[2].booked_at" || p.Errors[1].Rule != "format" || !strings.Contains(p.Detail, "30 transactions are invalid; the first 20") {
		t.Errorf("problem = %+v", p)
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, sqldb.SQLite, reportapi.Config{})
	tests := []struct {
		name, key, path, contentType, body string
		status                             int
		detail                             string // substring of the problem detail
		lambda                             bool   // the Lambda answers the same problem for body
	}{
		{"empty body", e.alice, "/api/v1/report", "application/json", "", 400, "the input is empty", true},
		{"syntax error", e.alice, "/api/v1/report", "application/json", `[{"amount":}]`, 400, "not valid JSON at byte", true},
		{"not an array", e.alice, "/api/v1/report", "application/json", `42`, 400, "the input is a JSON number", true},
		{"unknown member", e.alice, "/api/v1/report", "application/json", `{"items":[]}`, 400, `unknown member "items"`, true},
		{"one bad item", e.alice, "/api/v1/report", "application/json", `[{"amount":"1.5","currency":"JPY"}]`, 400, `item 0: amount: "1.5" has 1 decimal places, JPY allows 0`, true},
		{"unknown field", e.alice, "/api/v1/report", "application/json", `[{"amount":"1","currency":"EUR","categroy":"x"}]`, 400, `item 0: categroy`, true},
		{"bad group_by in the body", e.alice, "/api/v1/report", "application/json", `{"group_by":"week","transactions":[]}`, 400, `unknown grouping "week"`, true},
		{"bad group_by", e.alice, "/api/v1/report?group_by=week", "application/json", `[]`, 400, `group_by: "week"`, false},
		{"unknown parameter", e.alice, "/api/v1/report?from=2025-01-01", "application/json", `[]`, 400, "from: is not a parameter", false},
		{"csv without header", e.alice, "/api/v1/report", "text/csv", "1,EUR\n", 400, "no header row", false},
		{"unsupported media type", e.alice, "/api/v1/report", "text/plain", "[]", 415, "send application/json or text/csv", false},
		{"no key", "", "/api/v1/report", "application/json", "[]", 401, "", false},
		{"read-only key", e.aliceRead, "/api/v1/report", "application/json", "[]", 403, `"write" scope`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.key, "POST", tt.path, tt.contentType, tt.body)
			if r.Status != tt.status || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %q, want %d problem: %s", r.Status, r.Header.Get("Content-Type"), tt.status, r.Body)
			}
			var p struct {
				Type, Title, Detail string
				Status              int
			}
			r.Decode(t, &p)
			if !strings.Contains(p.Detail, tt.detail) || p.Status != tt.status || !strings.HasPrefix(p.Type, web.ProblemBase) || p.Title == "" {
				t.Errorf("problem %s, want detail containing %q", r.Body, tt.detail)
			}
			if tt.lambda {
				if diff := cmp.Diff(lambdaProblem(t, []byte(tt.body)), reportProblem(t, r)); diff != "" {
					t.Errorf("problem differs from the Lambda's (-lambda +http):\n%s", diff)
				}
			}
		})
	}
}

// chunked hides the length of a body, so that the client sends it chunked
// and only the server's counting reader can stop it.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestTooLarge checks the body limit, with and without a Content-Length.
func TestTooLarge(t *testing.T) {
	const limit = 1024
	e := newEnv(t, sqldb.SQLite, reportapi.Config{MaxBody: limit})
	item := `{"amount":"1.00","currency":"EUR"}`
	body := func(n int) string { // n items, padded to at most limit bytes
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	fits := body(limit / (len(item) + 1))
	fits += strings.Repeat(" ", limit-len(fits))
	over := fits + " "
	big := body(1000)
	tests := []struct {
		name   string
		body   io.Reader
		status int
	}{
		{"exactly the limit", strings.NewReader(fits), 200},
		{"one byte over", strings.NewReader(over), 413},
		{"one byte over, chunked", chunked{strings.NewReader(over)}, 413},
		{"far over", strings.NewReader(big), 413},
		{"far over, chunked", chunked{strings.NewReader(big)}, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(e.alice, "POST", "/api/v1/report", "application/json", tt.body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.status == 413 {
				if diff := cmp.Diff(lambdaProblem413(t, []byte(big), limit), reportProblem(t, r)); diff != "" {
					t.Errorf("problem differs from the Lambda's (-lambda +http):\n%s", diff)
				}
			}
		})
	}
	if r := e.do(e.alice, "POST", "/api/v1/report", "text/csv", chunked{strings.NewReader("amount,currency\n" + strings.Repeat("1.00,EUR\n", 200))}); r.Status != 413 {
		t.Errorf("csv over the limit: status %d: %s", r.Status, r.Body)
	}
}

func lambdaProblem413(t *testing.T, payload []byte, limit int64) string {
	t.Helper()
	_, err := reportlambda.NewHandler(reportlambda.Config{MaxBody: limit}).Invoke(context.Background(), payload)
	var p *web.Problem
	if !errors.As(err, &p) || p.Status != 413 {
		t.Fatalf("Lambda error %v is not a 413 problem", err)
	}
	return indent(t, []byte(p.Error()))
}

// TestTooLargeNamed: with the limit's name (trx serve's flag), a body at
// the limit is totalled and one past it is a 413 naming the limit and
// the flag, with or without a Content-Length.
func TestTooLargeNamed(t *testing.T) {
	const limit = 2048
	e := newEnv(t, sqldb.SQLite, reportapi.Config{MaxBody: limit, MaxBodyName: "--max-report-body"})
	csv := "amount,currency\n"
	for len(csv)+len("1.00,EUR\n") <= limit {
		csv += "1.00,EUR\n"
	}
	csv += strings.Repeat("\n", limit-len(csv)) // blank lines pad it to exactly the limit
	for _, tt := range []struct {
		name   string
		body   io.Reader
		status int
	}{
		{"exactly the limit", strings.NewReader(csv), 200},
		{"one byte over", strings.NewReader(csv + "\n"), 413},
		{"one byte over, chunked", chunked{strings.NewReader(csv + "\n")}, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(e.alice, "POST", "/api/v1/report", "text/csv", tt.body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.status == 413 && !strings.Contains(string(r.Body), "larger than the limit of 2 KiB (2048 bytes), set by --max-report-body") {
				t.Errorf("413 does not name the limit and its flag: %s", r.Body)
			}
		})
	}
}
