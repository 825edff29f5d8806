package notifysql_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestApply: one Apply adds and removes many connections; a failing row
// (a duplicate id) leaves the table as it was.
func TestApply(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			reg := notifysql.New(sqldbtest.Open(t, d))
			at := time.Now().UTC().Truncate(time.Millisecond)
			var adds []notify.Record
			for i := range 300 {
				adds = append(adds, notify.Record{ID: fmt.Sprintf("c%03d", i), Node: "n1", UserID: "u1", ConnectedAt: at, Subscriptions: []string{"*"}})
			}
			if err := reg.Apply(ctx, adds, nil); err != nil {
				t.Fatal(err)
			}
			if err := reg.Apply(ctx, adds[:1], []string{"c001", "c002"}); err == nil {
				t.Fatal("adding c000 twice succeeded")
			}
			if n, err := reg.Count(ctx); err != nil || n != 300 {
				t.Fatalf("after a failed apply: %d connections (%v), want 300", n, err)
			}
			more := []notify.Record{{ID: "d1", Node: "n2", UserID: "u2", ConnectedAt: at, Subscriptions: []string{"ACME", "BETA"}}}
			if err := reg.Apply(ctx, more, []string{"c000", "c299", "nope"}); err != nil {
				t.Fatal(err)
			}
			if n, _ := reg.Count(ctx); n != 299 {
				t.Fatalf("%d connections, want 299", n)
			}
			got, err := reg.Get(ctx, "d1")
			if err != nil || got.Node != "n2" || fmt.Sprint(got.Subscriptions) != "[ACME BETA]" || !got.ConnectedAt.Equal(at) {
				t.Fatalf("d1: %+v, %v", got, err)
			}
			if _, err := reg.Get(ctx, "c000"); err != notify.ErrConnNotFound {
				t.Fatalf("removed c000: %v", err)
			}
		})
	}
}
