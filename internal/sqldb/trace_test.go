package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestStatementSpans: with a Tracer, each statement under a traced context
// is a client span, a child of the caller's, named and attributed after its
// operation and table, with a failed statement's error, ending when its rows
// close; a statement without a traced context makes none; no parameter
// value is recorded.
func TestStatementSpans(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			spans := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spans)))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			db, err := sqldb.Open(context.Background(), sqldb.Config{URL: sqldbtest.URL(t, d), Tracer: tp.Tracer("sqldb")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Write.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100))`); err != nil {
				t.Fatal(err)
			}
			if n := len(spans.GetSpans()); n != 0 {
				t.Fatalf("%d spans of statements without a traced context, want none", n)
			}

			ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
			const secret = "parameter-value-never-recorded"
			if _, err := db.Write.ExecContext(ctx, `INSERT INTO notes (id, body) VALUES (?, ?)`, 1, secret); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Read.QueryContext(ctx, `SELECT body FROM notes WHERE body = ?`, secret)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(spans.GetSpans()); n != 1 {
				t.Fatalf("%d spans while the rows are open, want only the insert's", n)
			}
			for rows.Next() {
			}
			rows.Close()
			stmt, err := db.Write.PrepareContext(ctx, `UPDATE notes SET body = ? WHERE id = ?`)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stmt.ExecContext(ctx, secret+"!", 1); err != nil {
				t.Fatal(err)
			}
			stmt.Close()
			if _, err := db.Write.ExecContext(ctx, `INSERT INTO no_such_table (id) VALUES (?)`, 2); err == nil {
				t.Fatal("an insert into a missing table worked")
			}
			parent.End()

			want := []struct {
				name, op, table string
				failed          bool
			}{{"INSERT notes", "INSERT", "notes", false}, {"SELECT notes", "SELECT", "notes", false},
				{"UPDATE notes", "UPDATE", "notes", false}, {"INSERT no_such_table", "INSERT", "no_such_table", true}}
			var got []sdktrace.ReadOnlySpan
			for _, s := range spans.GetSpans().Snapshots() {
				if s.Name() != "request" {
					got = append(got, s)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d statement spans, want %d: %v", len(got), len(want), names(got))
			}
			for i, w := range want {
				s := got[i]
				attrs := map[string]string{}
				for _, a := range s.Attributes() {
					attrs[string(a.Key)] = a.Value.String()
					if strings.Contains(a.Value.String(), "parameter-value") {
						t.Errorf("span %s records a parameter value in %s", s.Name(), a.Key)
					}
				}
				system := map[sqldb.Dialect][]string{sqldb.SQLite: {"sqlite"}, sqldb.MySQL: {"mysql", "mariadb"}}[d]
				if s.Name() != w.name || s.SpanKind() != trace.SpanKindClient || attrs["db.operation.name"] != w.op ||
					attrs["db.collection.name"] != w.table || attrs["db.query.summary"] != w.name || !contains(system, attrs["db.system.name"]) {
					t.Errorf("span %d: %s (%s) %v; want %s with operation %s, table %s, system %v", i, s.Name(), s.SpanKind(), attrs, w.name, w.op, w.table, system)
				}
				if s.Parent().SpanID() != parent.SpanContext().SpanID() {
					t.Errorf("span %s's parent is %s, want the caller's %s", s.Name(), s.Parent().SpanID(), parent.SpanContext().SpanID())
				}
				if failed := s.Status().Code == codes.Error; failed != w.failed {
					t.Errorf("span %s status %v, want failed=%v", s.Name(), s.Status(), w.failed)
				}
			}
		})
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSummarize(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT id FROM transactions WHERE user_id = ?":                  "SELECT transactions",
		"select count(*) from (select 1 from imports) t":                 "SELECT imports",
		"INSERT INTO user_events (a) VALUES (?)":                         "INSERT user_events",
		"UPDATE `stocks` SET price = ?":                                  "UPDATE stocks",
		"DELETE FROM transactions WHERE transfer_id = ? AND user_id = ?": "DELETE transactions",
		"SET SESSION max_statement_time = 5":                             "SET",
		"  ":                                                             "OTHER",
		"'; DROP TABLE x":                                                "OTHER x",
	} {
		if got := sqldb.Summarize(q); got != want {
			t.Errorf("Summarize(%q) = %q, want %q", q, got, want)
		}
	}
}
