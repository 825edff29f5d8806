package reportlambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/google/go-cmp/cmp"
	"github.com/trx-platform/trx/internal/report/reportlambda"
	"github.com/trx-platform/trx/internal/web"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden.json files")

// The handler is what lambda.Start gets.
var _ lambda.Handler = (*reportlambda.Handler)(nil)

// reply is a handler's answer in a form that compares well: for proxy
// events the status, content type and parsed body; for direct invocations
// the parsed payload or the problem.
type reply struct {
	Status      int             `json:"status,omitempty"`
	ContentType string          `json:"content_type,omitempty"`
	Allow       string          `json:"allow,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
	Error       json.RawMessage `json:"error,omitempty"`
}

func invoke(t *testing.T, h *reportlambda.Handler, payload []byte) reply {
	t.Helper()
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		var p *web.Problem
		if !errors.As(err, &p) {
			t.Fatalf("Invoke error %v is not a *web.Problem", err)
		}
		if !json.Valid([]byte(err.Error())) {
			t.Fatalf("problem message is not JSON: %s", err)
		}
		return reply{Error: indent(t, []byte(err.Error()))}
	}
	var probe struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal(out, &probe); err == nil && probe.StatusCode != 0 {
		return reply{Status: probe.StatusCode, ContentType: probe.Headers["Content-Type"], Allow: probe.Headers["Allow"],
			Body: indent(t, []byte(probe.Body))}
	}
	return reply{Body: indent(t, out)}
}

func indent(t *testing.T, b []byte) json.RawMessage {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return out
}

// TestEvents runs every sample event in testdata/ and compares the reply
// with its .golden.json file.
func TestEvents(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	h := reportlambda.NewHandler(reportlambda.Config{})
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			payload, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(invoke(t, h, payload), "", "  ")
			golden := strings.TrimSuffix(f, ".json") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), string(got)); diff != "" {
				t.Errorf("reply differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
	if n < 6 {
		t.Errorf("found %d sample events, want at least 6", n)
	}
}

// TestFixture checks that every kind of invocation gives the shared
// fixture's expected result (the CLI and HTTP adapters assert the same).
func TestFixture(t *testing.T) {
	input, err := os.ReadFile("../testdata/fixture_input.json")
	if err != nil {
		t.Fatal(err)
	}
	inputCSV, err := os.ReadFile("../testdata/fixture_input.csv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../testdata/fixture_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	query := map[string]string{"group_by": "category,month"}
	direct, _ := json.Marshal(map[string]any{"group_by": "category,month", "transactions": json.RawMessage(input)})
	v1, _ := json.Marshal(events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/report", QueryStringParameters: query,
		Headers: map[string]string{"Content-Type": "application/json"}, Body: string(input),
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "r1"}})
	v2 := func(contentType string, body []byte, b64 bool) []byte {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /report", RawPath: "/report", QueryStringParameters: query,
			Headers: map[string]string{"content-type": contentType}, Body: string(body), IsBase64Encoded: b64}
		ev.RequestContext.HTTP.Method = "POST"
		if b64 {
			ev.Body = base64.StdEncoding.EncodeToString(body)
		}
		b, _ := json.Marshal(ev)
		return b
	}
	tests := []struct {
		name    string
		payload []byte
		proxy   bool
	}{
		{"direct invocation", direct, false},
		{"REST API v1", v1, true},
		{"HTTP API v2", v2("application/json; charset=utf-8", input, false), true},
		{"HTTP API v2 base64 CSV", v2("text/csv", inputCSV, true), true},
	}
	h := reportlambda.NewHandler(reportlambda.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := invoke(t, h, tt.payload)
			if tt.proxy && (got.Status != 200 || got.ContentType != "application/json") {
				t.Fatalf("status %d, content type %q; want 200 application/json; body %s", got.Status, got.ContentType, got.Body)
			}
			if got.Error != nil {
				t.Fatalf("error %s", got.Error)
			}
			if diff := cmp.Diff(string(indent(t, want)), string(got.Body)); diff != "" {
				t.Errorf("result differs from fixture_expected.json (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	v2 := func(method, contentType, body string, b64 bool) []byte {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", Headers: map[string]string{"content-type": contentType}, Body: body, IsBase64Encoded: b64}
		ev.RequestContext.HTTP.Method = method
		b, _ := json.Marshal(ev)
		return b
	}
	big := `[` + strings.Repeat(`{"amount":"1","currency":"EUR"},`, 40) + `{"amount":"1","currency":"EUR"}]`
	tests := []struct {
		name    string
		payload []byte
		status  int    // 0 for a direct invocation
		detail  string // substring of the problem detail
	}{
		{"too large proxy", v2("POST", "application/json", big, false), 413, "larger than the limit of 1024 bytes"},
		{"too large base64 proxy", v2("POST", "application/json", base64.StdEncoding.EncodeToString([]byte(big)), true), 413, "limit"},
		{"too large direct", []byte(big), 0, "larger than the limit"},
		{"unsupported media type", v2("POST", "text/plain", "[]", false), 415, "send application/json or text/csv"},
		{"bad media type", v2("POST", "a/b/c", "[]", false), 415, "Content-Type"},
		{"bad base64", v2("POST", "application/json", "!!!", true), 400, "not valid base64"},
		{"empty body", v2("POST", "application/json", "", false), 400, "the input is empty"},
		{"syntax error", v2("POST", "application/json", `[{"amount":}]`, false), 400, "not valid JSON at byte"},
		{"bad group_by in body", v2("POST", "application/json", `{"group_by":"week","transactions":[]}`, false), 400, `unknown grouping "week"`},
		{"csv without header", v2("POST", "text/csv", "1,EUR\n", false), 400, "no header row"},
		{"put", v2("PUT", "application/json", "[]", false), 405, "PUT is not allowed"},
		{"direct syntax error", []byte(`{"transactions": [}`), 0, "not valid JSON"},
		{"direct unknown member", []byte(`{"items": []}`), 0, `unknown member "items"`},
		{"direct bad item", []byte(`[{"amount":"1.5","currency":"JPY"}]`), 0, `item 0: amount: "1.5" has 1 decimal places, JPY allows 0`},
		{"direct number", []byte(`42`), 0, "the input is a JSON number"},
	}
	h := reportlambda.NewHandler(reportlambda.Config{MaxBody: 1024})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := invoke(t, h, tt.payload)
			var p web.Problem
			raw := got.Body
			if tt.status == 0 {
				raw = got.Error
			} else if got.Status != tt.status || got.ContentType != "application/problem+json" {
				t.Errorf("status %d %q, want %d application/problem+json", got.Status, got.ContentType, tt.status)
			}
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatalf("reply %+v is not a problem: %v", got, err)
			}
			if !strings.Contains(p.Detail, tt.detail) || p.Type == "" || p.Title == "" || p.Status == 0 {
				t.Errorf("problem %+v, want detail containing %q", p, tt.detail)
			}
		})
	}
}
