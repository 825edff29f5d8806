package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSeqSet(t *testing.T) {
	var q seqSet
	type step struct {
		seq      uint64
		dup, ooo bool
	}
	for i, s := range []step{
		{5, false, false}, {7, false, false}, {7, true, false}, {6, false, true},
		{5, true, false}, {9, false, false}, {1, false, true}, {6, true, false},
	} {
		dup, ooo := q.add(s.seq)
		if dup != s.dup || ooo != s.ooo {
			t.Fatalf("step %d: add(%d) = dup %v, out of order %v; want %v, %v", i, s.seq, dup, ooo, s.dup, s.ooo)
		}
	}
	if diff := cmp.Diff([]uint64{1, 5, 6, 7, 9}, q.s); diff != "" || q.len() != 5 {
		t.Fatalf("set (-want +got):\n%s", diff)
	}
}

func TestParseWSNote(t *testing.T) {
	at := time.Date(2026, 11, 27, 23, 31, 15, 931_000_000, time.UTC)
	tests := []struct {
		name string
		in   string
		want wsNote
		ok   bool
	}{
		{"notification as the server writes it",
			`{"type":"stock.changed","sequence":42,"symbol":"ACME","operation":"update","name":"Acme Corp","old_price":"100.00","new_price":"110.00","change_percent":"10.00","currency":"USD","changed_at":"2026-11-27T23:31:15.931Z"}`,
			wsNote{Type: "stock.changed", Sequence: 42, Symbol: "ACME", Operation: "update", ChangedAt: at}, true},
		{"spaces and another order",
			`{ "changed_at" : "2026-11-27T23:31:15.931Z", "symbol": "ACME", "operation":"update", "sequence" : 42, "type":"stock.changed"}`,
			wsNote{Type: "stock.changed", Sequence: 42, Symbol: "ACME", Operation: "update", ChangedAt: at}, true},
		{"a key inside a value is escaped, not matched",
			`{"type":"stock.changed","name":"x\"symbol\":\"EVIL","sequence":1,"symbol":"ACME","operation":"update","changed_at":"2026-11-27T23:31:15.931Z"}`,
			wsNote{Type: "stock.changed", Sequence: 1, Symbol: "ACME", Operation: "update", ChangedAt: at}, true},
		{"escaped value: encoding/json reads it",
			`{"type":"stock.changed","sequence":3,"symbol":"A\u0043ME","operation":"update","changed_at":"2026-11-27T23:31:15.931Z"}`,
			wsNote{Type: "stock.changed", Sequence: 3, Symbol: "ACME", Operation: "update", ChangedAt: at}, true},
		{"welcome", `{"connection_id":"abc","node":"n1","type":"welcome"}`, wsNote{Type: "welcome"}, true},
		{"not JSON", `{"type":`, wsNote{}, false},
		{"bad sequence", `{"type":"stock.changed","sequence":"x"}`, wsNote{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseWSNote([]byte(tt.in))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, got)
			}
			if ok && !cmp.Equal(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMergePools(t *testing.T) {
	a := wsPoolResult{Opened: 3, Failed: 1, ConnectNS: 100, Expected: 30, Received: 29, Lost: 1, Duplicate: 2,
		FirstRecv: 50, LastRecv: 90, Closed: map[string]int{"4001": 1}, Errors: map[string]int{"e1": 2}, LatencyUS: []int64{1, 2}, ClientCPUNS: 5}
	b := wsPoolResult{Opened: 2, ConnectNS: 300, Expected: 20, Received: 20, OutOfOrder: 1, Other: 4,
		FirstRecv: 40, LastRecv: 80, Closed: map[string]int{"4001": 2, "1006": 1}, Errors: map[string]int{"e1": 1, "e2": 1}, LatencyUS: []int64{3}, ClientCPUNS: 7}
	c := wsPoolResult{Opened: 1} // a pool that received nothing
	got := mergePools([]wsPoolResult{a, b, c})
	want := wsPoolResult{Opened: 6, Failed: 1, ConnectNS: 300, Expected: 50, Received: 49, Lost: 1, Duplicate: 2, OutOfOrder: 1, Other: 4,
		FirstRecv: 40, LastRecv: 90, Closed: map[string]int{"4001": 3, "1006": 1}, Errors: map[string]int{"e1": 3, "e2": 1},
		LatencyUS: []int64{1, 2, 3}, ClientCPUNS: 12}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("merge (-want +got):\n%s", diff)
	}
}

func TestAddCountsKeepsFewDistinct(t *testing.T) {
	var m map[string]int
	for _, k := range []string{"a", "b", "a", "c", "d", "b"} {
		m = addCounts(m, map[string]int{k: 1}, 2)
	}
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 2, "other": 2}, m); diff != "" {
		t.Fatalf("counts (-want +got):\n%s", diff)
	}
}

func TestWSLatency(t *testing.T) {
	us := make([]int64, 0, 100)
	for i := 100; i >= 1; i-- {
		us = append(us, int64(i)*1000) // 100 ms … 1 ms, unsorted
	}
	got := wsLatency(us)
	want := wsLatencyStats{N: 100, P50: 50 * time.Millisecond, P95: 95 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if us[0] != 100_000 {
		t.Fatal("wsLatency sorted its input")
	}
	if (wsLatency(nil) != wsLatencyStats{}) {
		t.Fatal("no samples: want zeros")
	}
}

func TestParseBenchWS(t *testing.T) {
	ok := []string{"--key", "trx_x"}
	if _, err := parseBenchWS(testEnv(nil, io.Discard, io.Discard), ok); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "--key"},
		{[]string{"--target", "http://10.0.0.5:8080"}, "loopback"},
		{[]string{"--target", "http://example.com"}, "loopback"},
		{[]string{"--target", "https://127.0.0.1"}, "want a URL"},
		{[]string{"--clients", "0"}, "--clients"},
		{[]string{"--batch", "20", "--symbols", "10"}, "--batch"},
		{[]string{"--subscribe", "some"}, "--subscribe"},
		{[]string{"--subscribe", "11"}, "more than --symbols"},
		{[]string{"--drain", "0s"}, "--drain"},
		{[]string{"--connect-rate", "-1"}, "--connect-rate"},
	} {
		args := tt.args
		if tt.want != "--key" {
			args = append(append([]string{}, ok...), args...)
		}
		_, err := parseBenchWS(testEnv(nil, io.Discard, io.Discard), args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one about %s", tt.args, err, tt.want)
		}
	}
	for _, target := range []string{"http://127.0.0.1:1", "http://localhost:8080", "http://[::1]:8080"} {
		if err := checkLoopback(target); err != nil {
			t.Errorf("%s: %v", target, err)
		}
	}
}

func TestReadServer(t *testing.T) {
	s, err := readServer(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS <= 0 || s.Thread <= 0 || s.CPU < 0 {
		t.Fatalf("sample %+v", s)
	}
}

// TestBenchWSEndToEnd runs small benchmarks against trx serve in-process
// and checks that every client received every update once; no timings.
func TestBenchWSEndToEnd(t *testing.T) {
	addr, key := startServe(t, t.TempDir())
	base := []string{"--target", "http://" + addr, "--key", key, "--drain", "10s"}
	tests := []struct {
		name     string
		args     []string
		pools    int // client pools, in-process
		expected int64
	}{
		{"20 clients, 10 updates one at a time", []string{"--clients", "20", "--updates", "10", "--symbols", "3"}, 1, 200},
		{"two pools, batches at a rate, 2 symbols each", []string{"--clients", "9", "--updates", "12", "--symbols", "4", "--batch", "4", "--rate", "200", "--subscribe", "2"}, 2, 9 * 6},
		{"no subscribe message", []string{"--clients", "5", "--updates", "4", "--subscribe", "none"}, 1, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseBenchWS(testEnv(nil, io.Discard, io.Discard), append(append([]string{}, base...), tt.args...))
			if err != nil {
				t.Fatal(err)
			}
			cfg.Procs = tt.pools
			var errOut syncBuffer
			res, err := benchWS(context.Background(), testEnv(nil, io.Discard, &errOut), cfg, 20_000, localPool(cfg))
			if err != nil {
				t.Fatalf("bench: %v\n%s", err, errOut.String())
			}
			checkDelivered(t, cfg, res, tt.expected, errOut.String())
		})
	}

	// Through the command, with the report, and an idle run.
	pid := []string{"--server-pid", "0"}
	for _, args := range [][]string{
		{"--clients", "4", "--updates", "3"},
		{"--clients", "4", "--idle", "--hold", "10ms"},
		{"--clients", "4", "--idle", "--hold", "10ms", "--connect-rate", "1000"},
	} {
		var out bytes.Buffer
		args = append(append(append([]string{"ws"}, base...), pid...), args...)
		if err := run(context.Background(), args, testEnv(nil, &out, io.Discard)); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		for _, want := range []string{"connections: 4 opened, 0 failed", "targets (issue 5"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
		if strings.Contains(strings.Join(args, " "), "--connect-rate") && !strings.Contains(out.String(), "connect rate offered: 1000/s") {
			t.Errorf("report lacks the offered connect rate:\n%s", out.String())
		}
		if !strings.Contains(strings.Join(args, " "), "--idle") && !strings.Contains(out.String(), "12 expected, 12 received, 0 lost, 0 duplicate") {
			t.Errorf("report:\n%s", out.String())
		}
	}
}

// checkDelivered checks that every client of a run opened, subscribed and
// received each of the expected notifications once.
func checkDelivered(t *testing.T, cfg benchWSConfig, res *benchWSResult, expected int64, stderr string) {
	t.Helper()
	p := res.Pools
	if p.Opened != cfg.Clients || p.Failed != 0 || p.Expected != expected || p.Received != expected ||
		p.Lost != 0 || p.Duplicate != 0 || p.OutOfOrder != 0 || p.Unexpected != 0 || len(p.Closed) != 0 ||
		len(p.LatencyUS) != int(expected) || res.Updates.Failed != 0 {
		t.Fatalf("result %+v\nupdates %+v\n%s", p, res.Updates, stderr)
	}
	if cfg.Subscribe != "none" && p.Subscribed != cfg.Clients {
		t.Fatalf("%d subscribe replies, want %d", p.Subscribed, cfg.Clients)
	}
}

// TestBenchWSChildProcesses runs the clients in two child processes (as
// --procs does, or more clients than one process's open-file limit): the
// bench runs its own executable again, here the test binary, which
// TestMain turns into trx-bench.
func TestBenchWSChildProcesses(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	addr, key := startServe(t, t.TempDir())
	args := []string{"--target", "http://" + addr, "--key", key, "--drain", "10s", "--clients", "6", "--updates", "5", "--symbols", "2", "--procs", "2"}
	cfg, err := parseBenchWS(testEnv(nil, io.Discard, io.Discard), args)
	if err != nil {
		t.Fatal(err)
	}
	var errOut syncBuffer
	res, err := benchWS(context.Background(), testEnv(nil, io.Discard, &errOut), cfg, 20_000, nil)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	if res.Procs != 2 {
		t.Fatalf("%d client processes, want 2", res.Procs)
	}
	checkDelivered(t, cfg, res, 30, errOut.String())
}

func TestShareRate(t *testing.T) {
	for _, tt := range []struct{ rate, n, clients, want int }{
		{0, 5, 10, 0}, {5000, 10000, 10000, 5000}, {5000, 2500, 10000, 1250}, {3, 1, 10, 1},
	} {
		if got := shareRate(tt.rate, tt.n, tt.clients); got != tt.want {
			t.Errorf("shareRate(%d, %d, %d) = %d, want %d", tt.rate, tt.n, tt.clients, got, tt.want)
		}
	}
}
