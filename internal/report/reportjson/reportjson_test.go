package reportjson_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportjson"
)

// result is what decoding an input yields: the items, the item errors, and
// the error that ended it (nil for io.EOF).
type result struct {
	Items    []report.Item
	Problems []report.ItemError
	Fatal    string
}

func decodeAll(t *testing.T, in string) result {
	t.Helper()
	d := reportjson.NewDecoder(strings.NewReader(in))
	var r result
	for range 1000 {
		it, err := d.Next()
		var ie *report.ItemError
		switch {
		case errors.Is(err, io.EOF):
			return r
		case errors.As(err, &ie):
			r.Problems = append(r.Problems, report.ItemError{Index: ie.Index, Field: ie.Field, Detail: ie.Detail})
		case err != nil:
			if !errors.Is(err, report.ErrInvalidInput) {
				t.Fatalf("fatal error %v does not wrap ErrInvalidInput", err)
			}
			if _, err2 := d.Next(); err2 != err {
				t.Fatalf("error is not sticky: %v then %v", err, err2)
			}
			r.Fatal = err.Error()
			return r
		default:
			r.Items = append(r.Items, it)
		}
	}
	t.Fatal("decoder does not end")
	return r
}

func TestDecoder(t *testing.T) {
	jan := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		in       string
		items    []report.Item
		problems []report.ItemError
		fatal    string // substring
	}{
		{name: "empty array", in: `[]`},
		{name: "empty wrapped", in: ` {"transactions": []} `},
		{name: "array", in: `[{"amount":"-12.50","currency":"EUR"},{"amount":"1","currency":"JPY","category":"food","booked_at":"2025-01-31"}]`,
			items: []report.Item{{Amount: "-12.50", Currency: "EUR"}, {Amount: "1", Currency: "JPY", Category: "food", BookedAt: jan}}},
		{name: "wrapped", in: `{"transactions":[{"amount":"1","currency":"EUR","booked_at":"2025-01-31T00:00:00Z"}]}`,
			items: []report.Item{{Amount: "1", Currency: "EUR", BookedAt: jan}}},
		{name: "transactions api fields are ignored", in: `[{"id":"01J","amount":"1","currency":"EUR","description":"x","counterparty":null,"category_id":"c1","category_source":"rule","category_confidence":0.93,"category_rule_id":"r1","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","version":3}]`,
			items: []report.Item{{Amount: "1", Currency: "EUR", Category: "c1"}}},
		{name: "category wins over category_id", in: `[{"amount":"1","currency":"EUR","category":"a","category_id":"b"}]`,
			items: []report.Item{{Amount: "1", Currency: "EUR", Category: "a"}}},
		{name: "nulls are missing", in: `[{"amount":null,"currency":"EUR","category":null,"booked_at":null}]`,
			items: []report.Item{{Currency: "EUR"}}},
		{name: "unknown field names its index", in: `[{"amount":"1","currency":"EUR"},{"amount":"1","currency":"EUR","memo":"x"},{"amount":"2","currency":"EUR"}]`,
			items:    []report.Item{{Amount: "1", Currency: "EUR"}, {Amount: "2", Currency: "EUR"}},
			problems: []report.ItemError{{Index: 1, Field: "memo", Detail: "is not a known field; use amount, currency, booked_at and category"}}},
		{name: "number amount is refused", in: `[{"amount":12.5,"currency":"EUR"},{"amount":"1","currency":"EUR"}]`,
			items:    []report.Item{{Amount: "1", Currency: "EUR"}},
			problems: []report.ItemError{{Index: 0, Field: "amount", Detail: "must be a JSON string, not number"}}},
		{name: "element not an object", in: `[1, "x", {"amount":"1","currency":"EUR"}]`,
			items: []report.Item{{Amount: "1", Currency: "EUR"}},
			problems: []report.ItemError{{Index: 0, Detail: "must be a JSON object, not number"},
				{Index: 1, Detail: "must be a JSON object, not string"}}},
		{name: "bad booked_at", in: `[{"amount":"1","currency":"EUR","booked_at":"31/01/2025"}]`,
			problems: []report.ItemError{{Index: 0, Field: "booked_at", Detail: `"31/01/2025" must be an RFC 3339 time (2026-11-27T10:00:00Z) or a date (2026-11-27)`}}},
		{name: "group_by in the object", in: `{"group_by":"category","transactions":[]}`},
		{name: "escapes are read", in: `[{"amo\u0075nt":"-1.50","currency":"E\u0055R","category":"caf\u00e9 \"du coin\""}]`,
			items: []report.Item{{Amount: "-1.50", Currency: "EUR", Category: `café "du coin"`}}},
		{name: "names match without regard to case", in: `[{"Amount":"1","CURRENCY":"EUR","Booked_At":"2025-01-31"}]`,
			items: []report.Item{{Amount: "1", Currency: "EUR", BookedAt: jan}}},
		{name: "a repeated name: the last wins", in: `[{"amount":"1","currency":"EUR","amount":"2"}]`,
			items: []report.Item{{Amount: "2", Currency: "EUR"}}},
		{name: "ignored fields may hold any value", in: `[{"amount":"1","currency":"EUR","description":{"a":[1,{"b":null}]},"version":[1,2]}]`,
			items: []report.Item{{Amount: "1", Currency: "EUR"}}},
		{name: "offsets are kept", in: `[{"amount":"1","currency":"EUR","booked_at":"2025-01-31T23:30:00-05:00"},{"amount":"1","currency":"EUR","booked_at":"2025-01-31T10:00:00.123456789Z"}]`,
			items: []report.Item{{Amount: "1", Currency: "EUR", BookedAt: time.Date(2025, 1, 31, 23, 30, 0, 0, time.FixedZone("", -5*3600))},
				{Amount: "1", Currency: "EUR", BookedAt: time.Date(2025, 1, 31, 10, 0, 0, 123456789, time.UTC)}}},
		{name: "lenient RFC 3339 as time.Parse reads it", in: `[{"amount":"1","currency":"EUR","booked_at":"2025-01-31T00:00:00+00:00"}]`,
			items: []report.Item{{Amount: "1", Currency: "EUR", BookedAt: time.Date(2025, 1, 31, 0, 0, 0, 0, time.FixedZone("", 0))}}},
		{name: "null element", in: `[null, {"amount":"1","currency":"EUR"}]`,
			items:    []report.Item{{Amount: "1", Currency: "EUR"}},
			problems: []report.ItemError{{Index: 0, Detail: "must be a JSON object, not null"}}},
		{name: "first problem of an element only", in: `[{"amount":1,"memo":"x","currency":true},{"amount":"1","currency":"EUR"}]`,
			items:    []report.Item{{Amount: "1", Currency: "EUR"}},
			problems: []report.ItemError{{Index: 0, Field: "amount", Detail: "must be a JSON string, not number"}}},
		{name: "object amount", in: `[{"amount":{"value":"1"},"currency":"EUR"}]`,
			problems: []report.ItemError{{Index: 0, Field: "amount", Detail: "must be a JSON string, not object"}}},

		{name: "empty input", in: ``, fatal: "the input is empty"},
		{name: "blank input", in: "  \n", fatal: "the input is empty"},
		{name: "top-level number", in: `42`, fatal: "the input is a JSON number"},
		{name: "object without transactions", in: `{}`, fatal: `no "transactions" member`},
		{name: "unknown top-level member", in: `{"items":[]}`, fatal: `unknown member "items"`},
		{name: "transactions not an array", in: `{"transactions":{}}`, fatal: `"transactions" must be a JSON array, not object`},
		{name: "member after transactions", in: `{"transactions":[],"x":1}`, fatal: `unknown member x`},
		{name: "syntax error names the position", in: `[{"amount":"1","currency":"EUR"},{"amount":}]`, fatal: "not valid JSON at byte 43 (in item 1): invalid character '}' at start of value",
			items: []report.Item{{Amount: "1", Currency: "EUR"}}},
		{name: "truncated", in: `[{"amount":"1","currency":"EUR"},{"amo`, fatal: "ends too early (in item 1)",
			items: []report.Item{{Amount: "1", Currency: "EUR"}}},
		{name: "unclosed array", in: `[{"amount":"1","currency":"EUR"}`, fatal: "ends too early (after item 0)",
			items: []report.Item{{Amount: "1", Currency: "EUR"}}},
		{name: "trailing data", in: `[] []`, fatal: "unexpected data after the end"},
		{name: "trailing garbage", in: `[] x`, fatal: "not valid JSON"},
		{name: "garbage between items", in: `[{"amount":"1","currency":"EUR"} x]`, fatal: "not valid JSON",
			items: []report.Item{{Amount: "1", Currency: "EUR"}}},
		{name: "missing comma", in: `[{"amount":"1","currency":"EUR"}{"amount":"1","currency":"EUR"}]`, fatal: "not valid JSON at byte 32",
			items: []report.Item{{Amount: "1", Currency: "EUR"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAll(t, tt.in)
			if diff := cmp.Diff(tt.items, got.Items); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.problems, got.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if (tt.fatal == "") != (got.Fatal == "") || !strings.Contains(got.Fatal, tt.fatal) {
				t.Errorf("fatal error %q, want %q", got.Fatal, tt.fatal)
			}
		})
	}
}

func TestDecoderGroupBy(t *testing.T) {
	d := reportjson.NewDecoder(strings.NewReader(`{"group_by":"category,month","transactions":[{"amount":"1","currency":"EUR"}]}`))
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if g, ok := d.GroupBy(); !ok || g != "category,month" {
		t.Errorf("GroupBy() = %q, %v", g, ok)
	}
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	d = reportjson.NewDecoder(strings.NewReader(`[]`))
	if _, ok := d.GroupBy(); ok {
		t.Error("GroupBy() ok for an array")
	}
	d = reportjson.NewDecoder(strings.NewReader(`{"group_by":1,"transactions":[]}`))
	if err := d.Start(); !errors.Is(err, report.ErrInvalidInput) {
		t.Errorf("Start() = %v, want ErrInvalidInput", err)
	}
}

// genReader produces a JSON array of n transactions lazily and counts the
// bytes handed out.
type genReader struct {
	n, i int
	buf  []byte
	read int
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i <= g.n {
		switch {
		case g.i == 0:
			g.buf = append(g.buf, '[')
		case g.i == g.n:
			g.buf = append(g.buf, `{"amount":"-0.01","currency":"EUR"}]`...)
		default:
			g.buf = fmt.Appendf(g.buf, `{"amount":"-0.01","currency":"EUR","description":"%0100d"},`, g.i)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	g.read += n
	return n, nil
}

// TestDecoderStreams checks that the decoder reads its input as it goes: the
// first item comes out after a few KiB of a 4 MB input.
func TestDecoderStreams(t *testing.T) {
	g := &genReader{n: 30_000}
	d := reportjson.NewDecoder(g)
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	if g.read > 64<<10 {
		t.Errorf("first item after reading %d bytes, want <= 64 KiB", g.read)
	}
	res, err := report.Run(context.Background(), d, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 29_999 || res.Currencies[0].Spent != "299.99" {
		t.Errorf("Count %d Spent %s, want 29999 (after the first) and 299.99", res.Count, res.Currencies[0].Spent)
	}
}

// errReader fails after its data, as http.MaxBytesReader does past its
// limit.
type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestDecoderReaderError checks that the reader's own error comes out as
// it is, not as bad JSON.
func TestDecoderReaderError(t *testing.T) {
	errLimit := errors.New("over the limit")
	for _, in := range []string{``, `[`, `[{"amount":"1","currency":"EUR"},`, `[{"amount":"1","curr`} {
		d := reportjson.NewDecoder(&errReader{data: in, err: errLimit})
		var err error
		for range 10 {
			if _, err = d.Next(); err != nil && !errors.As(err, new(*report.ItemError)) {
				break
			}
		}
		if err != errLimit {
			t.Errorf("%q: error %v, want the reader's", in, err)
		}
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(`[{"amount":"-12.50","currency":"EUR","booked_at":"2025-01-31","category":"food"}]`)
	f.Add(`{"group_by":"month","transactions":[{"amount":"1","currency":"JPY"},1,{"x":1}]}`)
	f.Add(`{"transactions":[]} x`)
	f.Add(`[{"amount":12}, null, [], {"amount":"1","currency":"EUR","booked_at":"2025-13-01"}`)
	f.Fuzz(func(t *testing.T, in string) {
		d := reportjson.NewDecoder(strings.NewReader(in))
		for range len(in) + 2 {
			_, err := d.Next()
			var ie *report.ItemError
			switch {
			case errors.Is(err, io.EOF):
				return
			case errors.As(err, &ie):
				if ie.Detail == "" {
					t.Fatalf("item error without detail: %+v", ie)
				}
			case err != nil:
				if !errors.Is(err, report.ErrInvalidInput) {
					t.Fatalf("unclassified error %v", err)
				}
				return
			}
		}
		t.Fatalf("decoder does not end on %q", in)
	})
}
