package sqldb_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

func TestMigrateFromEmpty(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.OpenEmpty(t, d)
			if err := db.CheckUpToDate(ctx); !errors.Is(err, sqldb.ErrSchemaOutOfDate) {
				t.Fatalf("empty database: CheckUpToDate = %v, want ErrSchemaOutOfDate", err)
			}
			done, err := db.Migrate(ctx)
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			all, _ := sqldb.Migrations(d)
			if len(done) != len(all) || len(all) == 0 {
				t.Fatalf("applied %d migrations, want all %d", len(done), len(all))
			}
			if err := db.CheckUpToDate(ctx); err != nil {
				t.Fatalf("after Migrate: CheckUpToDate = %v", err)
			}
			again, err := db.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second Migrate = %d applied, %v; want 0, nil", len(again), err)
			}
			for _, table := range []string{"users", "api_keys", "transactions", "idempotency_keys"} {
				var n int
				if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
			st, err := db.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range st {
				if s.AppliedAt == "" {
					t.Errorf("migration %d reported pending after Migrate", s.Version)
				}
			}
		})
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			if _, err := db.Write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', '2030-01-01T00:00:00.000000Z')`); err != nil {
				t.Fatal(err)
			}
			_, err := db.Migrate(ctx)
			if !errors.Is(err, sqldb.ErrSchemaTooNew) {
				t.Fatalf("Migrate on a newer schema = %v, want ErrSchemaTooNew", err)
			}
			if !strings.Contains(err.Error(), "9999") {
				t.Errorf("error %q does not name the database's version", err)
			}
			if err := db.CheckUpToDate(ctx); !errors.Is(err, sqldb.ErrSchemaTooNew) {
				t.Fatalf("CheckUpToDate = %v, want ErrSchemaTooNew", err)
			}
		})
	}
}

func TestSplitStatements(t *testing.T) {
	src := `-- comment
CREATE TABLE a (x INT);

CREATE TRIGGER t AFTER INSERT ON a
FOR EACH ROW
BEGIN
    INSERT INTO b VALUES (NEW.x);
    INSERT INTO c VALUES (NEW.x);
END;
CREATE INDEX i ON a(x);
`
	got := sqldb.SplitStatements(src)
	if len(got) != 3 {
		t.Fatalf("got %d statements, want 3: %q", len(got), got)
	}
	if got[0] != "CREATE TABLE a (x INT)" {
		t.Errorf("first = %q", got[0])
	}
	if !strings.HasPrefix(got[1], "CREATE TRIGGER") || !strings.HasSuffix(got[1], "END;") || strings.Count(got[1], "INSERT INTO") != 2 {
		t.Errorf("trigger = %q", got[1])
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, url, want string }{
		{"unknown scheme", "postgres://x/y", "want mysql://"},
		{"mysql without database", "mysql://root@127.0.0.1:3306/", "names no database"},
		{"sqlite without file", "sqlite:", "names no file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sqldb.Open(ctx, sqldb.Config{URL: tc.url})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open(%q) = %v, want an error containing %q", tc.url, err, tc.want)
			}
		})
	}
	_, err := sqldb.Open(ctx, sqldb.Config{URL: "mysql://u:secret@127.0.0.1:1/db"})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("Open with a bad host = %v; want an error without the password", err)
	}
}
