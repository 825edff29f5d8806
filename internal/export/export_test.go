package export_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/sqldb"
)

// source is a fake export.Source of fixed records.
type source []export.Record

func (s source) SchemaVersion(context.Context) (int, error) { return 7, nil }

func (s source) Export(_ context.Context, userID string, emit func(export.Record) error) error {
	for _, r := range s {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// sink is a fake export.Sink that keeps what it is given.
type sink struct{ got []export.Record }

func (s *sink) Import(_ context.Context, next func() (export.Record, error)) error {
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			s.got = nil // all or none
			return err
		}
		s.got = append(s.got, r)
	}
}

func record(kind string, kv ...any) export.Record {
	k := export.KindNamed(kind)
	r := export.Record{Kind: k}
	for i := 0; i < len(kv); i += 2 {
		r.Columns = append(r.Columns, k.Column(kv[i].(string)))
		r.Values = append(r.Values, kv[i+1])
	}
	return r
}

const when = "2026-12-01T12:00:00.000000Z"

var fixture = source{
	record("user", "id", "u1", "name", "alice", "created_at", when),
	record("transaction", "id", "t1", "user_id", "u1", "amount_minor", int64(-350), "currency", "EUR",
		"description", "Café <b>", "counterparty", nil, "booked_at", when, "category_confidence", int64(8500),
		"created_at", when, "updated_at", when, "version", int64(1)),
	record("transaction", "id", "t2", "user_id", "u1", "amount_minor", int64(-1200), "currency", "JPY",
		"description", "Ramen", "booked_at", when, "created_at", when, "updated_at", when, "version", int64(2)),
	record("stock", "symbol", "ACME", "name", "Acme", "price_micros", int64(123_450000), "currency", "USD", "updated_at", when),
}

var opts = export.Options{TrxVersion: "test", Now: func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }}

func TestTimeLayoutIsTheStoredOne(t *testing.T) {
	if export.TimeLayout != sqldb.TimeFormat {
		t.Fatalf("export.TimeLayout %q, sqldb.TimeFormat %q", export.TimeLayout, sqldb.TimeFormat)
	}
}

// TestFile: the file's lines, money as decimal strings in the currency's
// decimals, then read back to the same records.
func TestFile(t *testing.T) {
	var buf bytes.Buffer
	counts, err := export.Export(context.Background(), &buf, fixture, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"header":{"format":"trx-export","version":1,"trx_version":"test","schema_version":7,"exported_at":"2026-12-01T12:00:00.000000Z","scope":"all"}}
{"user":{"id":"u1","name":"alice","created_at":"2026-12-01T12:00:00.000000Z"}}
{"transaction":{"id":"t1","user_id":"u1","amount":"-3.50","currency":"EUR","description":"Café \u003cb\u003e","counterparty":null,"booked_at":"2026-12-01T12:00:00.000000Z","category_confidence":8500,"created_at":"2026-12-01T12:00:00.000000Z","updated_at":"2026-12-01T12:00:00.000000Z","version":1}}
{"transaction":{"id":"t2","user_id":"u1","amount":"-1200","currency":"JPY","description":"Ramen","booked_at":"2026-12-01T12:00:00.000000Z","created_at":"2026-12-01T12:00:00.000000Z","updated_at":"2026-12-01T12:00:00.000000Z","version":2}}
{"stock":{"symbol":"ACME","name":"Acme","price":"123.450000","currency":"USD","updated_at":"2026-12-01T12:00:00.000000Z"}}
{"end":{"counts":{"stock":1,"transaction":2,"user":1}}}
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Fatalf("file (-want +got):\n%s", diff)
	}
	if counts.String() != "1 user, 2 transaction, 1 stock" {
		t.Errorf("counts %s", counts)
	}
	var s sink
	hdr, got, err := export.Import(context.Background(), &buf, &s)
	if err != nil {
		t.Fatal(err)
	}
	if hdr.Scope != export.ScopeAll || hdr.SchemaVersion != 7 {
		t.Errorf("header %+v", hdr)
	}
	if diff := cmp.Diff(counts, got); diff != "" {
		t.Errorf("counts (-exported +imported):\n%s", diff)
	}
	if diff := cmp.Diff([]export.Record(fixture), s.got); diff != "" {
		t.Errorf("records (-exported +imported):\n%s", diff)
	}
}

// TestBadFiles: each fault is refused with ErrFormat naming its line, or
// ErrTruncated, and nothing reaches the sink.
func TestBadFiles(t *testing.T) {
	var buf bytes.Buffer
	if _, err := export.Export(context.Background(), &buf, fixture, "", opts); err != nil {
		t.Fatal(err)
	}
	good := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	lines := func(edit func([]string) []string) string {
		return strings.Join(edit(append([]string(nil), good...)), "\n") + "\n"
	}
	set := func(i int, s string) func([]string) []string {
		return func(l []string) []string { l[i] = s; return l }
	}
	replace := func(i int, old, new string) func([]string) []string {
		return func(l []string) []string { l[i] = strings.Replace(l[i], old, new, 1); return l }
	}
	tests := []struct {
		name string
		file string
		want error
		msg  string
	}{
		{"empty", "", export.ErrTruncated, "empty"},
		{"no end line", lines(func(l []string) []string { return l[:len(l)-1] }), export.ErrTruncated, "without its end line"},
		{"cut in a line", buf.String()[:len(buf.String())/2], export.ErrFormat, "line"},
		{"not JSON", lines(set(2, "hello")), export.ErrFormat, "line 3: not a JSON object"},
		{"no header", lines(func(l []string) []string { return l[1:] }), export.ErrFormat, "not the header"},
		{"another format", lines(replace(0, `"trx-export"`, `"other"`)), export.ErrFormat, "not a trx export"},
		{"a newer version", lines(replace(0, `"version":1`, `"version":2`)), export.ErrFormat, "format version 2"},
		{"two records on a line", lines(replace(1, `{"user":`, `{"stock":{},"user":`)), export.ErrFormat, "2 members"},
		{"unknown kind", lines(replace(1, `{"user":`, `{"person":`)), export.ErrFormat, `unknown kind of record "person"`},
		{"unknown column", lines(replace(1, `"name":`, `"nom":`)), export.ErrFormat, "nom: no such column"},
		{"required null", lines(replace(2, `"description":"Café \u003cb\u003e"`, `"description":null`)), export.ErrFormat, "description: is required"},
		{"too many decimals", lines(replace(2, `"-3.50"`, `"-3.505"`)), export.ErrFormat, "line 3: transaction: amount"},
		{"unknown currency", lines(replace(2, `"EUR"`, `"XYZ"`)), export.ErrFormat, "amount"},
		{"an instant of another form", lines(replace(1, `"2026-12-01T12:00:00.000000Z"`, `"2026-12-01T12:00:00Z"`)), export.ErrFormat, "not an instant"},
		{"another user's record", lines(replace(2, `"user_id":"u1"`, `"user_id":"u9"`)), export.ErrFormat, `user_id "u9" is not a user of this file`},
		{"out of order", lines(func(l []string) []string { l[1], l[2] = l[2], l[1]; return l }), export.ErrFormat, "not a user"},
		{"kinds out of order", lines(func(l []string) []string { l[3], l[4] = l[4], l[3]; return l }), export.ErrFormat, `"transaction" record after "stock"`},
		{"counts that do not match", lines(replace(5, `"transaction":2`, `"transaction":3`)), export.ErrFormat, "counts 3"},
		{"data after the end", lines(func(l []string) []string { return append(l, good[1]) }), export.ErrFormat, "after the end line"},
		{"a second header", lines(func(l []string) []string { return append(l[:2], append([]string{l[0]}, l[2:]...)...) }), export.ErrFormat, "second header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sink
			_, _, err := export.Import(context.Background(), strings.NewReader(tt.file), &s)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want %v mentioning %q", err, tt.want, tt.msg)
			}
			if len(s.got) != 0 {
				t.Errorf("the sink kept %d records of a refused file", len(s.got))
			}
		})
	}
}

// TestSourceOrder: a source that breaks the kinds' order is an error, not
// a file the import would refuse later.
func TestSourceOrder(t *testing.T) {
	bad := source{fixture[3], fixture[0]}
	if _, err := export.Export(context.Background(), io.Discard, bad, "", opts); err == nil || !strings.Contains(err.Error(), "after") {
		t.Fatalf("export out of order: %v", err)
	}
}
