package exportsql_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/export/exportsql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

var at = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

var opts = export.Options{TrxVersion: "test", Now: func() time.Time { return at }}

const users = 3

// fill writes rows of every kind of export.Spec that db's schema has, with
// every column that it has: values of each type, NULL in every third row
// of a nullable column, text outside ASCII, each currency's decimals.
func fill(t *testing.T, db *sqldb.DB) export.Counts {
	t.Helper()
	ctx := context.Background()
	schema, err := exportsql.New(db).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{"user": users, "classifier_settings": users, "classifier_model": users,
		"account": 4, "transaction": 40, "stock": 5}
	counts := export.Counts{}
	for _, k := range export.Spec {
		have := schema[k.Table]
		if have == nil {
			continue
		}
		n := rows[k.Name]
		if n == 0 {
			n = 6
		}
		for i := range n {
			var cols []string
			var vals []any
			for _, c := range k.Columns {
				if !have[c.Name] {
					continue
				}
				cols = append(cols, c.Name)
				vals = append(vals, value(k, c, i))
			}
			q := "INSERT INTO " + k.Table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
				strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
			if _, err := db.Write.ExecContext(ctx, q, vals...); err != nil {
				t.Fatalf("%s row %d: %v", k.Table, i, err)
			}
		}
		counts[k.Name] = int64(n)
	}
	return counts
}

var currencies = []string{"EUR", "JPY", "BHD"}

// value is column c of row i of kind k.
func value(k *export.Kind, c *export.Column, i int) any {
	if c.Null && i%3 == 0 {
		return nil
	}
	switch c.Name {
	case "user_id":
		return fmt.Sprintf("user-%d", i%users)
	case "account_id": // the row's user's own account
		return fmt.Sprintf("account-%d", i%users)
	case "currency":
		return currencies[i%len(currencies)]
	case "digest":
		d := sha256.Sum256([]byte{byte(i)})
		return hex.EncodeToString(d[:])
	case "scopes":
		return "read,write"
	case "opening_date":
		return fmt.Sprintf("2026-01-%02d", i+1)
	case "category_source":
		return "manual"
	}
	if c.Name == "id" || (c.Name == "tx_id" && k.Name == "classifier_example") || (c.Name == "symbol") {
		if k.Name == "user" {
			return fmt.Sprintf("user-%d", i)
		}
		return fmt.Sprintf("%s-%d", strings.ReplaceAll(k.Name, "_", "-"), i)
	}
	switch c.Type {
	case export.ID:
		return fmt.Sprintf("%.*s", c.Max, fmt.Sprintf("v%d-%s", i, c.Name))
	case export.Text:
		s := fmt.Sprintf("%d %s Zürich € 東京 \"quoted\" <tag> \\ %s", i, c.Name, k.Name)
		if c.Max > 0 && len([]rune(s)) > c.Max {
			s = string([]rune(s)[:c.Max])
		}
		return s
	case export.Int:
		return int64(i*7 - 3)
	case export.Money:
		return int64(i*123457 - 500000)
	case export.Scaled:
		return int64(i*1_000_001 + 5)
	case export.Bool:
		return i%2 == 0
	case export.Real:
		return float64(i) + 0.25
	case export.Blob:
		return []byte{0, 1, 2, byte(i), 0xff, '\n'}
	case export.Instant:
		return at.Add(time.Duration(i) * time.Microsecond * 1234567).Format(export.TimeLayout)
	}
	panic("unknown column type")
}

// dump returns every exported column of every row of every exported
// table of db, as text, in export order.
func dump(t *testing.T, db *sqldb.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	schema, err := exportsql.New(db).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, k := range export.Spec {
		var cols []string
		for _, c := range k.Columns {
			if schema[k.Table][c.Name] {
				cols = append(cols, c.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		rows, err := db.Read.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+k.Table+" ORDER BY "+k.Order)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			parts := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = fmt.Sprintf("%q", b)
				}
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			out[k.Table] = append(out[k.Table], strings.Join(parts, " "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

func exportAll(t *testing.T, db *sqldb.DB, userID string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := export.Export(context.Background(), &buf, exportsql.New(db), userID, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importFile(t *testing.T, db *sqldb.DB, file []byte) export.Counts {
	t.Helper()
	_, counts, err := export.Import(context.Background(), bytes.NewReader(file), exportsql.New(db))
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// TestRoundTrip: an export imported into an empty installation gives the
// same rows back, every column of every table, and exports to the same
// bytes; on MySQL too, and from one engine to the other.
func TestRoundTrip(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			src := sqldbtest.Open(t, d)
			want := fill(t, src)
			file := exportAll(t, src, "")

			dst := sqldbtest.Open(t, d)
			if diff := cmp.Diff(want, importFile(t, dst, file)); diff != "" {
				t.Errorf("imported counts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(dump(t, src), dump(t, dst)); diff != "" {
				t.Errorf("imported rows differ (-exported +imported):\n%s", diff)
			}
			if diff := cmp.Diff(string(file), string(exportAll(t, dst, ""))); diff != "" {
				t.Errorf("the import exports differently (-first +second):\n%s", diff)
			}
		})
	}
}

// TestAcrossEngines: SQLite to MySQL and back gives the same file.
func TestAcrossEngines(t *testing.T) {
	sqldbtest.MySQLServer(t)
	lite := sqldbtest.Open(t, sqldb.SQLite)
	fill(t, lite)
	file := exportAll(t, lite, "")
	my := sqldbtest.Open(t, sqldb.MySQL)
	importFile(t, my, file)
	fromMy := exportAll(t, my, "")
	if diff := cmp.Diff(string(file), string(fromMy)); diff != "" {
		t.Errorf("SQLite -> MySQL exports differently (-sqlite +mysql):\n%s", diff)
	}
	back := sqldbtest.Open(t, sqldb.SQLite)
	importFile(t, back, fromMy)
	if diff := cmp.Diff(dump(t, lite), dump(t, back)); diff != "" {
		t.Errorf("SQLite -> MySQL -> SQLite rows differ:\n%s", diff)
	}
}

// TestUserScope: a user's export holds only that user's own records, and
// no stocks; it imports on its own.
func TestUserScope(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			src := sqldbtest.Open(t, d)
			fill(t, src)
			file := exportAll(t, src, "user-1")
			rd, err := export.NewReader(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if h := rd.Header(); h.Scope != export.ScopeUser || h.UserID != "user-1" {
				t.Fatalf("header %+v", h)
			}
			n := 0
			for {
				r, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				if r.Kind.Global {
					t.Fatalf("a user's export holds a %s", r.Kind.Name)
				}
				if owner := r.Value(r.Kind.User); owner != "user-1" {
					t.Fatalf("a user's export holds a %s of %v", r.Kind.Name, owner)
				}
			}
			if rd.Counts()["user"] != 1 || rd.Counts()["transaction"] == 0 || n < 5 {
				t.Fatalf("counts %v", rd.Counts())
			}
			importFile(t, sqldbtest.Open(t, d), file)
		})
	}
}

// TestImportRefused: into an installation with a user, and a file cut
// short, nothing is imported.
func TestImportRefused(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			src := sqldbtest.Open(t, d)
			fill(t, src)
			file := exportAll(t, src, "")

			_, _, err := export.Import(ctx, bytes.NewReader(file), exportsql.New(src))
			if !errors.Is(err, export.ErrNotEmpty) {
				t.Fatalf("into a full installation: %v, want ErrNotEmpty", err)
			}
			cut := file[:bytes.LastIndex(file, []byte(`{"end"`))]
			dst := sqldbtest.Open(t, d)
			if _, _, err := export.Import(ctx, bytes.NewReader(cut), exportsql.New(dst)); !errors.Is(err, export.ErrTruncated) {
				t.Fatalf("a file without its end: %v, want ErrTruncated", err)
			}
			for _, table := range []string{"users", "transactions", "stocks"} {
				var n int
				if err := dst.Read.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil || n != 0 {
					t.Errorf("a refused import left %d rows in %s (%v)", n, table, err)
				}
			}
		})
	}
}

// TestSpecCoversSchema: every table and column of the schema is in
// export.Spec, or its table is in export.LeftOut with a reason. A new
// migration fails here until the export carries (or explicitly leaves
// out) what it adds.
func TestSpecCoversSchema(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			db := sqldbtest.Open(t, d)
			schema, err := exportsql.New(db).Columns(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var missing []string
			for table, cols := range schema {
				if strings.HasPrefix(table, "sqlite_") || export.LeftOut[table] != "" {
					continue
				}
				var k *export.Kind
				for _, s := range export.Spec {
					if s.Table == table {
						k = s
					}
				}
				if k == nil {
					missing = append(missing, table+" (the whole table)")
					continue
				}
				for c := range cols {
					if k.Column(c) == nil {
						missing = append(missing, table+"."+c)
					}
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("the export does not carry %s: add them to export.Spec, or the table to export.LeftOut with the reason", strings.Join(missing, ", "))
			}
		})
	}
}
