package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/event/eventtest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestNotifierCluster runs two trx processes' worth of servers on one
// MariaDB database and the external NATS: clients on either node get every
// change made through either node, in one order; when a node stops, its
// clients resume on the other without losing or repeating a message.
func TestNotifierCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	natsURL := eventtest.ExternalURL(t)
	dbURL := sqldbtest.URL(t, sqldb.MySQL)
	stream, prefix := eventtest.Unique(t, natsURL)
	cfg := func(node string) serveConfig {
		c := serveConfig{DataDir: t.TempDir(), DB: dbURL}
		c.Notify.NATS, c.Notify.NATSStream, c.Notify.NATSPrefix, c.Notify.Node = natsURL, stream, prefix, node
		return c
	}
	addr1, admin, stop1 := startServeWith(t, cfg("n1"))
	if admin == "" {
		t.Fatal("no first key")
	}
	addr2, again, stop2 := startServeWith(t, cfg("n2"))
	if again != "" {
		t.Fatal("second node created another first user")
	}
	defer stop2() //nolint:errcheck // also stopped by cleanup

	c1, _, err := dialWS(t, addr1, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	c2, _, err := dialWS(t, addr2, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, addr2, admin, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme","price":"10","currency":"USD"}`, 201)
	for i, addr := range []string{addr1, addr2, addr1, addr2} {
		mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", fmt.Sprintf(`{"price":"%d"}`, 11+i), 200)
	}
	e1, e2 := c1.stockEvents(5), c2.stockEvents(5)
	if fmt.Sprint(e1) != fmt.Sprint(e2) {
		t.Fatalf("nodes delivered different streams:\n%v\n%v", stockSummary(e1), stockSummary(e2))
	}
	want := []string{"ACME insert <nil>→10.00 -", "ACME update 10.00→11.00 10.00", "ACME update 11.00→12.00 9.09", "ACME update 12.00→13.00 8.33", "ACME update 13.00→14.00 7.69"}
	if fmt.Sprint(stockSummary(e1)) != fmt.Sprint(want) {
		t.Fatalf("got %v", stockSummary(e1))
	}
	body := mustAPI(t, addr1, admin, "GET", "/api/v1/connections", "", 200)
	if !strings.Contains(body, `"count":2`) || !strings.Contains(body, `"node":"n1"`) || !strings.Contains(body, `"node":"n2"`) {
		t.Fatalf("connections across nodes: %s", body)
	}

	// Node 1 stops with c1 attached; changes go on through node 2; c1
	// reconnects to node 2 with its last sequence.
	last := uint64(e1[4]["sequence"].(float64))
	if err := stop1(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustAPI(t, addr2, admin, "PATCH", "/api/v1/stocks/ACME", fmt.Sprintf(`{"price":"%d"}`, 20+i), 200)
	}
	resumed, _, err := dialWS(t, addr2, admin, fmt.Sprintf("since=%d", last))
	if err != nil {
		t.Fatal(err)
	}
	missed := resumed.stockEvents(3)
	live := c2.stockEvents(3)
	if fmt.Sprint(missed) != fmt.Sprint(live) {
		t.Fatalf("resumed client got %v, a live client %v", stockSummary(missed), stockSummary(live))
	}
	if got := stockSummary(missed); got[0] != "ACME update 14.00→20.00 42.86" || got[2] != "ACME update 21.00→22.00 4.76" {
		t.Fatalf("resumed: %v", got)
	}
	body = mustAPI(t, addr2, admin, "GET", "/api/v1/connections", "", 200)
	if strings.Contains(body, `"node":"n1"`) {
		t.Fatalf("a stopped node's connections are still listed: %s", body)
	}
}
