package sqldb_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestFullDatabase: a SQLite database that cannot grow (here capped by
// max_page_count, as a full disk caps it) fails inserts as Unavailable
// (503), and the write check of /readyz fails with it — though its
// probe, an update in place, still succeeds — until WriteFaultMemory has
// passed without another such failure.
func TestFullDatabase(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t, sqldb.SQLite)
	var pages int
	if err := db.Write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, `PRAGMA max_page_count = `+itoa(pages+2)); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 4000)
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		_, err = db.Write.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, '')`, "full"+itoa(i), pad)
	}
	if fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("an insert into a full database: %v (kind %v), want unavailable", err, fault.KindOf(err))
	}
	if err := db.CheckWritable(ctx); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("the write check on a full database: %v (kind %v), want unavailable", err, fault.KindOf(err))
	}
	if _, err := db.Write.ExecContext(ctx, `PRAGMA max_page_count = 1000000`); err != nil { // space again
		t.Fatal(err)
	}
	if err := db.WriteFault(time.Now().Add(sqldb.WriteFaultMemory)); err != nil {
		t.Fatalf("a write failure older than %s still counts: %v", sqldb.WriteFaultMemory, err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
