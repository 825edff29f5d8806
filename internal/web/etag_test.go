package web_test

import (
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

func TestETag(t *testing.T) {
	if got := web.ETag(3); got != `"3"` {
		t.Errorf("ETag(3) = %s", got)
	}
}

func TestIfMatch(t *testing.T) {
	tests := []struct {
		name, header string
		want         int64
		ok           bool
	}{
		{"absent", "", 0, true},
		{"any", "*", 0, true},
		{"a version", `"3"`, 3, true},
		{"spaces around", ` "12" `, 12, true},
		{"unquoted", `7`, 7, true},
		{"what ETag makes", web.ETag(42), 42, true},
		{"weak", `W/"3"`, 0, false},
		{"zero", `"0"`, 0, false},
		{"negative", `"-1"`, 0, false},
		{"not a number", `"abc"`, 0, false},
		{"a list", `"1", "2"`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("PATCH", "/x", nil)
			if tt.header != "" {
				r.Header.Set("If-Match", tt.header)
			}
			got, err := web.IfMatch(r)
			if got != tt.want || (err == nil) != tt.ok {
				t.Fatalf("IfMatch(%q) = %d, %v; want %d, ok %v", tt.header, got, err, tt.want, tt.ok)
			}
			if err != nil {
				p := web.ProblemOf(err)
				if fault.KindOf(err) != fault.Invalid || len(p.Errors) != 1 || p.Errors[0].Field != "If-Match" || p.Errors[0].Rule != "format" {
					t.Errorf("problem %+v, want a 400 naming If-Match", p)
				}
			}
		})
	}
}

func TestNotModified(t *testing.T) {
	tests := []struct {
		name, header string
		want         bool
	}{
		{"absent", "", false},
		{"current", `"4"`, true},
		{"any", "*", true},
		{"older", `"3"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/x", nil)
			if tt.header != "" {
				r.Header.Set("If-None-Match", tt.header)
			}
			if got := web.NotModified(r, 4); got != tt.want {
				t.Errorf("NotModified(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestBearer(t *testing.T) {
	tests := []struct {
		name, header, want string
		ok                 bool
	}{
		{"key", "Bearer trx_abc", "trx_abc", true},
		{"scheme in any case", "bearer trx_abc", "trx_abc", true},
		{"spaces", "Bearer   trx_abc  ", "trx_abc", true},
		{"empty", "", "", false},
		{"no credentials", "Bearer ", "", false},
		{"other scheme", "Basic dXNlcjpwYXNz", "", false},
		{"no scheme", "trx_abc", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := web.Bearer(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Bearer(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}
