package notifysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestLiveNodes: nodes count while their liveness lasts, and not after
// they leave.
func TestLiveNodes(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			reg := notifysql.New(sqldbtest.Open(t, d))
			if n, err := reg.LiveNodes(ctx); err != nil || n != 0 {
				t.Fatalf("empty registry: %d live nodes (%v), want 0", n, err)
			}
			for _, node := range []string{"n1", "n2"} {
				if err := reg.Heartbeat(ctx, node, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := reg.LiveNodes(ctx); err != nil || n != 2 {
				t.Fatalf("%d live nodes (%v), want 2", n, err)
			}
			if err := reg.RemoveNode(ctx, "n1"); err != nil {
				t.Fatal(err)
			}
			if n, err := reg.LiveNodes(ctx); err != nil || n != 1 {
				t.Fatalf("after n1 left: %d live nodes (%v), want 1", n, err)
			}
		})
	}
}
