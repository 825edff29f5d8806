package web_test

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

func TestQuery(t *testing.T) {
	known := []string{"from", "to", "cursor"}
	tests := []struct {
		name, query string
		want        map[string]string
		errs        []fault.FieldError // field and rule only
	}{
		{"none", "", map[string]string{}, nil},
		{"known", "from=2026-01-01&to=2026-02-01", map[string]string{"from": "2026-01-01", "to": "2026-02-01"}, nil},
		{"escaped", "cursor=a%2Bb%3D", map[string]string{"cursor": "a+b="}, nil},
		{"empty value is present", "cursor=", map[string]string{"cursor": ""}, nil},
		{"unknown", "form=2026-01-01", map[string]string{},
			[]fault.FieldError{{Field: "form", Rule: "unknown_parameter"}}},
		{"unknowns in name order", "zeta=1&alpha=2&from=x", map[string]string{"from": "x"},
			[]fault.FieldError{{Field: "alpha", Rule: "unknown_parameter"}, {Field: "zeta", Rule: "unknown_parameter"}}},
		{"repeated", "from=a&from=b", map[string]string{},
			[]fault.FieldError{{Field: "from", Rule: "repeated"}}},
		{"malformed escape", "from=%zz", map[string]string{},
			[]fault.FieldError{{Field: "query", Rule: "format"}}},
		{"semicolon", "from=a;to=b", map[string]string{},
			[]fault.FieldError{{Field: "query", Rule: "format"}}},
		{"malformed and unknown", "to=%zz&x=1", map[string]string{},
			[]fault.FieldError{{Field: "query", Rule: "format"}, {Field: "x", Rule: "unknown_parameter"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v fault.Validation
			got := web.Query(httptest.NewRequest("GET", "/x?"+tt.query, nil), &v, known...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			var errs []fault.FieldError
			for _, f := range v.Fields {
				if f.Detail == "" {
					t.Errorf("%s: no detail", f.Field)
				}
				errs = append(errs, fault.FieldError{Field: f.Field, Rule: f.Rule})
			}
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueryNamesTheKnown(t *testing.T) {
	var v fault.Validation
	web.Query(httptest.NewRequest("GET", "/x?limt=5", nil), &v, "after", "limit")
	if got, want := v.Error(), "limt: is not a parameter of this route; known: after, limit"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	v = fault.Validation{}
	web.Query(httptest.NewRequest("GET", "/x?limit=5", nil), &v)
	if got, want := v.Error(), "limit: is not a parameter of this route, which takes none"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestLimit(t *testing.T) {
	tests := []struct {
		name, s string
		want    int
		ok      bool
	}{
		{"absent is the default", "", 50, true},
		{"one", "1", 1, true},
		{"the maximum", "500", 500, true},
		{"zero", "0", 50, false},
		{"negative", "-3", 50, false},
		{"over the maximum", "501", 50, false},
		{"not a number", "ten", 50, false},
		{"a fraction", "2.5", 50, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v fault.Validation
			got := web.Limit(&v, tt.s, 50, 500)
			if got != tt.want || (v.Err() == nil) != tt.ok {
				t.Fatalf("Limit(%q) = %d, %v; want %d, ok %v", tt.s, got, v.Err(), tt.want, tt.ok)
			}
			if !tt.ok && (v.Fields[0].Field != "limit" || v.Fields[0].Rule != "range" ||
				v.Fields[0].Detail != "must be a whole number between 1 and 500") {
				t.Errorf("error %+v", v.Fields)
			}
		})
	}
}
