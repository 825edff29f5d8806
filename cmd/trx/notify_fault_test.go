package main

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// startNATS runs a NATS server with JetStream on a fixed port and store, so
// that a test can stop it and start it again where it was.
func startNATS(t *testing.T, port int, store string) *natsserver.Server {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: store, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	return ns
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestNotifierSurvivesNATSRestart: prices keep changing while NATS is down;
// when it is back, every client gets every change exactly once, in order.
func TestNotifierSurvivesNATSRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	port, store := freePort(t), t.TempDir()
	ns := startNATS(t, port, store)
	defer func() { ns.Shutdown() }()
	cfg := serveConfig{DataDir: t.TempDir()}
	cfg.Notify.NATS = "nats://127.0.0.1:" + strconv.Itoa(port)
	addr, admin, stop := startServeWith(t, cfg)
	defer stop() //nolint:errcheck // also stopped by cleanup

	c, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, addr, admin, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme","price":"100","currency":"USD"}`, 201)
	mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", `{"price":"101"}`, 200)
	before := c.stockEvents(2)

	ns.Shutdown()
	ns.WaitForShutdown()
	// The API keeps working: changes are captured in the database and wait
	// for the relay.
	for i := range 5 {
		mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", fmt.Sprintf(`{"price":"%d"}`, 102+i), 200)
	}
	ns = startNATS(t, port, store)
	for i := range 3 {
		mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", fmt.Sprintf(`{"price":"%d"}`, 107+i), 200)
	}
	after := c.stockEvents(8)
	all := append(before, after...)
	prev := 0.0
	for i, m := range all {
		seq := m["sequence"].(float64)
		if seq != prev+1 {
			t.Fatalf("message %d has sequence %v after %v: %v", i, seq, prev, stockSummary(all))
		}
		prev = seq
		if i > 0 {
			want := fmt.Sprintf("%d.00", 100+i)
			if m["new_price"] != want {
				t.Fatalf("message %d: new price %v, want %s (%v)", i, m["new_price"], want, stockSummary(all))
			}
		}
	}
}
