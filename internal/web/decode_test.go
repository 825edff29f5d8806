package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

func TestDecode(t *testing.T) {
	type input struct {
		Amount string `json:"amount"`
		Count  int    `json:"count"`
	}
	tests := []struct {
		name, contentType, body string
		kind                    fault.Kind
		field, rule             string // of the one field error, if any
		detail                  string // substring of the message
	}{
		{"good", "application/json", `{"amount":"1"}`, -1, "", "", ""},
		{"no content type", "", `{"amount":"1"}`, -1, "", "", ""},
		{"charset", "application/json; charset=utf-8", `{"amount":"1"}`, -1, "", "", ""},
		{"+json type", "application/merge-patch+json", `{"amount":"1"}`, -1, "", "", ""},
		{"text", "text/plain", `{"amount":"1"}`, fault.UnsupportedMediaType, "", "", `Content-Type "text/plain" is not supported; send application/json`},
		{"form", "application/x-www-form-urlencoded", `amount=1`, fault.UnsupportedMediaType, "", "", "send application/json"},
		{"malformed content type", "a/b/c", `{}`, fault.UnsupportedMediaType, "", "", `"a/b/c"`},
		{"empty", "", ``, fault.Invalid, "", "", "body is empty"},
		{"syntax", "", `{"amount":}`, fault.Invalid, "", "", "not valid JSON at byte"},
		{"truncated", "", `{"amount":"1"`, fault.Invalid, "", "", "ends too early"},
		{"two values", "", `{}{}`, fault.Invalid, "", "", "single JSON value"},
		{"unknown field", "", `{"amout":"1"}`, fault.Invalid, "amout", "unknown_field", "amout"},
		{"wrong type", "", `{"count":"3"}`, fault.Invalid, "count", "type", "must be a JSON number"},
		{"over the limit", "", `{"amount":"` + strings.Repeat("1", web.MaxBody) + `"}`, fault.TooLarge, "", "", "larger than the limit of 1 MiB (1048576 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var in input
			err := web.Decode(httptest.NewRecorder(), r, &in)
			if tt.kind < 0 {
				if err != nil || in.Amount != "1" {
					t.Fatalf("Decode = %v, %+v", err, in)
				}
				return
			}
			if err == nil || fault.KindOf(err) != tt.kind {
				t.Fatalf("Decode = %v, want an error of kind %d", err, tt.kind)
			}
			p := web.ProblemOf(err)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field || p.Errors[0].Rule != tt.rule) {
				t.Errorf("errors %+v, want one of field %q rule %q", p.Errors, tt.field, tt.rule)
			}
		})
	}
}

func TestMediaType(t *testing.T) {
	accepted := []string{web.JSON, "text/csv"}
	tests := []struct {
		name, contentType, want string
		ok                      bool
	}{
		{"empty is the first", "", web.JSON, true},
		{"json", "application/json", web.JSON, true},
		{"json with charset", "application/json; charset=utf-8", web.JSON, true},
		{"+json", "application/problem+json", web.JSON, true},
		{"csv", "text/csv", "text/csv", true},
		{"csv in capitals", "Text/CSV; header=present", "text/csv", true},
		{"text", "text/plain", "", false},
		{"malformed", "a/b/c", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := web.MediaType(tt.contentType, accepted...)
			if got != tt.want || (err == nil) != tt.ok {
				t.Fatalf("MediaType(%q) = %q, %v; want %q, ok %v", tt.contentType, got, err, tt.want, tt.ok)
			}
			if err != nil {
				p := web.ProblemOf(err)
				if p.Status != 415 || !strings.Contains(p.Detail, "send application/json or text/csv") {
					t.Errorf("problem %+v, want a 415 naming the accepted types", p)
				}
			}
		})
	}
}

// named takes a decoded value when it holds a string "name".
type named struct {
	Name string `json:"name"`
	from string // "value" or "" (the bytes)
}

func (n *named) DecodeValue(doc any) bool {
	m, _ := doc.(map[string]any)
	s, ok := m["name"].(string)
	if !ok {
		return false
	}
	n.Name, n.from = s, "value"
	return true
}

// TestDecodeTakesTheGatewaysValue: a ValueDecoder takes the body the
// gateway decoded (WithDecodedBody) without the body being read; one that
// refuses the value, or a type that is no ValueDecoder, decodes the bytes
// as without it, errors included.
func TestDecodeTakesTheGatewaysValue(t *testing.T) {
	decode := func(body string, doc any, v any) error {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r = r.WithContext(web.WithDecodedBody(r.Context(), doc))
		return web.Decode(httptest.NewRecorder(), r, v)
	}
	var n named
	if err := decode(`not read`, map[string]any{"name": "from the gateway"}, &n); err != nil || n != (named{Name: "from the gateway", from: "value"}) {
		t.Fatalf("with the value: %+v, %v", n, err)
	}
	n = named{}
	if err := decode(`{"name":"from the bytes"}`, map[string]any{"name": 1}, &n); err != nil || n != (named{Name: "from the bytes"}) {
		t.Fatalf("a refused value: %+v, %v", n, err)
	}
	if err := decode(`{"name":"x","other":1}`, map[string]any{"name": 1}, &n); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a refused value, bytes with an unknown field: %v", err)
	}
	var m map[string]string
	if err := decode(`{"name":"bytes"}`, map[string]any{"name": "value"}, &m); err != nil || m["name"] != "bytes" {
		t.Fatalf("no ValueDecoder: %v, %v", m, err)
	}
}
