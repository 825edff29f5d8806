package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/event/eventtest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// proc is a trx process started by a test.
type proc struct {
	name string
	addr string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

// buildTrx builds the trx binary once per test.
func buildTrx(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trx")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startProc(t *testing.T, bin, name string, env []string, args ...string) *proc {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, append(append([]string{"serve", "--addr", addr, "--data", t.TempDir()}, untimed()...), args...)...)
	cmd.Env = append(os.Environ(), env...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, addr: addr, cmd: cmd, logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("%s exited with %v; logs:\n%s", p.name, err, p.logs.String())
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("%s did not stop within 30 s", p.name)
	}
}

// waitReady polls /readyz (a bounded wait for start-up, not a speed check).
func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("%s exited at start: %v\n%s", p.name, err, p.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("%s not ready within 60 s:\n%s", p.name, p.logs.String())
}

// TestSplitDeployment starts the split topology as real processes on
// loopback — a gateway, two transactions replicas, a classifier, a report
// service and two notifiers — on MariaDB and the external NATS, and runs
// the public API through the gateway.
func TestSplitDeployment(t *testing.T) {
	if testing.Short() {
		t.Skip("split deployment test skipped in -short mode")
	}
	natsURL := eventtest.ExternalURL(t)
	dbURL := sqldbtest.URL(t, sqldb.MySQL)
	stream, prefix := eventtest.Unique(t, natsURL)
	bin := buildTrx(t)
	env := []string{"TRX_DB=" + dbURL, "TRX_NATS=" + natsURL, "TRX_NATS_STREAM=" + stream, "TRX_NATS_PREFIX=" + prefix,
		"TRX_INTERNAL_SECRET=8vJq2Lr0Yt5WmZa7Kc3Nf9Hd1Ps6Ub4E", "TRX_LOG_LEVEL=warn"}

	// A migrated database with one admin user, before any service starts.
	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("trx %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	run("migrate")
	key := run("users", "add", "alice", "--scopes", "admin")
	passwd := exec.Command(bin, "users", "passwd", "alice")
	passwd.Env, passwd.Stdin = append(os.Environ(), env...), strings.NewReader("alice's password\n")
	if out, err := passwd.CombinedOutput(); err != nil {
		t.Fatalf("trx users passwd: %v %s", err, out)
	}

	tx1 := startProc(t, bin, "transactions-1", env, "--components", "transactions")
	tx2 := startProc(t, bin, "transactions-2", env, "--components", "transactions")
	cls := startProc(t, bin, "classifier", env, "--components", "classifier")
	rep := startProc(t, bin, "report", env, "--components", "report")
	n1 := startProc(t, bin, "notifier-1", env, "--components", "notifier", "--node", "n1")
	n2 := startProc(t, bin, "notifier-2", env, "--components", "notifier", "--node", "n2")
	up := fmt.Sprintf("transactions=http://%s,transactions=http://%s,classifier=http://%s,report=http://%s,notifier=http://%s,notifier=http://%s",
		tx1.addr, tx2.addr, cls.addr, rep.addr, n1.addr, n2.addr)
	gw := startProc(t, bin, "gateway", env, "--components", "gateway", "--upstream", up)
	for _, p := range []*proc{tx1, tx2, cls, rep, n1, n2, gw} {
		p.waitReady(t)
	}
	g := gw.addr

	// Services refuse requests that did not come through the gateway.
	if code, body := apiCall(t, tx1.addr, key, "GET", "/api/v1/transactions", ""); code != 403 {
		t.Fatalf("direct call to a service: %d %s", code, body)
	}

	// A WebSocket client through the gateway.
	ws, _, err := dialWS(t, g, key, "")
	if err != nil {
		t.Fatal(err)
	}

	// CRUD through the gateway, spread over both transactions replicas.
	var ids []string
	for i := range 4 {
		body := mustAPI(t, g, key, "POST", "/api/v1/transactions",
			fmt.Sprintf(`{"amount":"-%d.50","currency":"EUR","description":"Coffee %d","booked_at":"2026-11-2%d"}`, i+1, i, i), 201)
		var tx struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal([]byte(body), &tx)
		ids = append(ids, tx.ID)
	}
	mustAPI(t, g, key, "GET", "/api/v1/transactions/"+ids[0], "", 200)
	mustAPI(t, g, key, "PATCH", "/api/v1/transactions/"+ids[1], `{"description":"Tea"}`, 200)
	mustAPI(t, g, key, "DELETE", "/api/v1/transactions/"+ids[3], "", 204)
	list := mustAPI(t, g, key, "GET", "/api/v1/transactions?limit=10", "", 200)
	if strings.Count(list, `"id"`) != 3 || !strings.Contains(list, "Tea") {
		t.Fatalf("list through the gateway: %s", list)
	}
	// Categorization (the classifier service) and a report (the report service).
	mustAPI(t, g, key, "PUT", "/api/v1/transactions/"+ids[0]+"/category", `{"category_id":"food_and_drink"}`, 200)
	got := mustAPI(t, g, key, "GET", "/api/v1/transactions/"+ids[0], "", 200)
	if !strings.Contains(got, `"category_id":"food_and_drink"`) {
		t.Fatalf("categorized transaction: %s", got)
	}
	report := mustAPI(t, g, key, "GET", "/api/v1/report", "", 200)
	if !strings.Contains(report, `"spent":"7.50"`) {
		t.Fatalf("report of -1.50, -2.50 and -3.50 EUR: %s", report)
	}
	// A stock change reaches the WebSocket client through the gateway.
	mustAPI(t, g, key, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme","price":"10","currency":"USD"}`, 201)
	mustAPI(t, g, key, "PATCH", "/api/v1/stocks/ACME", `{"price":"12.5"}`, 200)
	events := ws.stockEvents(2)
	if s := stockSummary(events); s[1] != "ACME update 10.00→12.50 25.00" {
		t.Fatalf("stock events through the gateway: %v", s)
	}
	conns := mustAPI(t, g, key, "GET", "/api/v1/connections", "", 200)
	if !strings.Contains(conns, `"count":1`) {
		t.Fatalf("connections through the gateway: %s", conns)
	}

	// A person signs in at the gateway; the cookie (and its CSRF token)
	// reaches the transactions services, which check it again.
	checkBrowser(t, "http://"+g, "alice", "alice's password")

	// An upstream that is down is a 502 problem, not a hang.
	cls.stop(t)
	code, body := apiCall(t, g, key, "GET", "/api/v1/categories", "")
	if code != http.StatusBadGateway || !strings.Contains(body, "classifier") {
		t.Fatalf("classifier down: %d %s", code, body)
	}
	// Reads survive the loss of one transactions replica (retried on the other).
	tx2.stop(t)
	for range 4 {
		mustAPI(t, g, key, "GET", "/api/v1/transactions/"+ids[0], "", 200)
	}
	metrics := mustAPI(t, g, key, "GET", "/metrics", "", 200)
	if !strings.Contains(metrics, `trx_gateway_integration_latency_seconds_bucket{upstream="transactions"`) {
		t.Fatal("gateway metrics lack the integration latency")
	}
}

// TestNotifierKilled: a notifier process killed (SIGKILL) with a client
// attached; the client resumes on another notifier and ends with every
// message once, in order; the dead node's connection rows are swept.
func TestNotifierKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	natsURL := eventtest.ExternalURL(t)
	dbURL := sqldbtest.URL(t, sqldb.MySQL)
	stream, prefix := eventtest.Unique(t, natsURL)
	bin := buildTrx(t)
	env := []string{"TRX_DB=" + dbURL, "TRX_NATS=" + natsURL, "TRX_NATS_STREAM=" + stream, "TRX_NATS_PREFIX=" + prefix,
		"TRX_LOG_LEVEL=warn", "TRX_NODE_HEARTBEAT=500ms"}
	cmd := exec.Command(bin, "migrate")
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	cmd = exec.Command(bin, "users", "add", "alice", "--scopes", "admin")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(out))
	n1 := startProc(t, bin, "notifier-1", env, "--node", "n1")
	n2 := startProc(t, bin, "notifier-2", env, "--node", "n2")
	n1.waitReady(t)
	n2.waitReady(t)

	c, _, err := dialWS(t, n1.addr, key, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, n2.addr, key, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme","price":"10","currency":"USD"}`, 201)
	mustAPI(t, n2.addr, key, "PATCH", "/api/v1/stocks/ACME", `{"price":"11"}`, 200)
	seen := c.stockEvents(2)
	last := uint64(seen[1]["sequence"].(float64))

	_ = n1.cmd.Process.Kill()
	<-n1.done
	for i := range 3 {
		mustAPI(t, n2.addr, key, "PATCH", "/api/v1/stocks/ACME", fmt.Sprintf(`{"price":"%d"}`, 12+i), 200)
	}
	back, _, err := dialWS(t, n2.addr, key, fmt.Sprintf("since=%d", last))
	if err != nil {
		t.Fatal(err)
	}
	got := stockSummary(back.stockEvents(3))
	want := []string{"ACME update 11.00→12.00 9.09", "ACME update 12.00→13.00 8.33", "ACME update 13.00→14.00 7.69"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("resumed on n2: %v, want %v", got, want)
	}
	// n1 stopped renewing its liveness: n2 sweeps its rows (bounded wait).
	deadline := time.Now().Add(30 * time.Second)
	for {
		body := mustAPI(t, n2.addr, key, "GET", "/api/v1/connections", "", 200)
		if !strings.Contains(body, `"node":"n1"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed node's connections were not swept: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
