package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

// oneTo returns 1ms, 2ms, … n ms.
func oneTo(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no samples", nil, 50, 0},
		{"one sample p50", durations(7), 50, 7 * time.Millisecond},
		{"one sample p99", durations(7), 99, 7 * time.Millisecond},
		{"two samples p50 is the lower", durations(1, 2), 50, 1 * time.Millisecond},
		{"two samples p51 is the upper", durations(1, 2), 51, 2 * time.Millisecond},
		{"1..10 p50", oneTo(10), 50, 5 * time.Millisecond},
		{"1..10 p99 is the max", oneTo(10), 99, 10 * time.Millisecond},
		{"1..100 p50", oneTo(100), 50, 50 * time.Millisecond},
		{"1..100 p99", oneTo(100), 99, 99 * time.Millisecond},
		{"1..100 p100", oneTo(100), 100, 100 * time.Millisecond},
		{"1..1000 p99", oneTo(1000), 99, 990 * time.Millisecond},
		{"1..1000 p99.9", oneTo(1000), 99.9, 999 * time.Millisecond},
		{"1..1001 p99 rounds the rank up", oneTo(1001), 99, 991 * time.Millisecond},
		{"tiny p is the min", oneTo(100), 0.001, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%d samples, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	// 100 samples, out of order: 1..100 ms reversed.
	samples := oneTo(100)
	for i, j := 0, len(samples)-1; i < j; i, j = i+1, j-1 {
		samples[i], samples[j] = samples[j], samples[i]
	}
	got := summarize(samples, 3, 2*time.Second)
	want := summary{Requests: 100, Errors: 3, Elapsed: 2 * time.Second,
		P50: 50 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarize (-want +got):\n%s", diff)
	}
	if r := got.PerSecond(); r != 50 {
		t.Errorf("PerSecond = %v, want 50", r)
	}
	if diff := cmp.Diff(summary{Elapsed: time.Second}, summarize(nil, 0, time.Second)); diff != "" {
		t.Errorf("summarize of nothing (-want +got):\n%s", diff)
	}
	if r := (summary{Requests: 5}).PerSecond(); r != 0 {
		t.Errorf("PerSecond with no elapsed time = %v, want 0", r)
	}
}

func TestErrorLog(t *testing.T) {
	l := newErrorLog(2)
	for _, m := range []string{"a", "b", "a", "c", "a", "d", "b"} {
		l.add(errors.New(m))
	}
	var b strings.Builder
	l.write(&b, "> ")
	want := "> 3× a\n> 2× b\n> 2× other errors\n"
	if b.String() != want {
		t.Errorf("errorLog printed %q, want %q", b.String(), want)
	}
	if !newErrorLog(2).empty() || l.empty() {
		t.Error("empty() is wrong")
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	writeTable(&b, []tableRow{{Label: "api create", S: summary{Requests: 2000, Errors: 1, Elapsed: 2 * time.Second,
		P50: 1500 * time.Microsecond, P99: 12 * time.Millisecond, Max: 40 * time.Millisecond}}})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("table has %d lines, want header, rule and one row:\n%s", len(lines), b.String())
	}
	if got, want := strings.Fields(lines[2]), []string{"api", "create", "2000", "1000.0", "1.50", "12.00", "40.00", "1"}; !cmp.Equal(got, want) {
		t.Errorf("row = %q, want %q", got, want)
	}
}

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    weights
		wantErr string
	}{
		{in: "", want: weights{}},
		{in: "phases", want: weights{}},
		{in: "create=50,get=50", want: weights{50, 50}},
		{in: " get = 100 ", want: weights{0, 100}},
		{in: "get=80, create=20", want: weights{20, 80}},
		{in: "create=1,get=0", want: weights{1, 0}},
		{in: "create", wantErr: "not op=weight"},
		{in: "update=5", wantErr: `unknown operation "update"`},
		{in: "get=1,get=2", wantErr: "given twice"},
		{in: "get=-1", wantErr: "whole number"},
		{in: "get=x", wantErr: "whole number"},
		{in: "create=0,get=0", wantErr: "every weight is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseMix(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseMix(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseMix(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("parseMix(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseBenchCrud(t *testing.T) {
	defaults := benchCrudConfig{
		Target: "http://127.0.0.1:8080", Key: "trx_k", Seed: 1000,
		Load: loadConfig{Concurrency: 32, Duration: 20 * time.Second, Timeout: 10 * time.Second, Progress: 5 * time.Second},
	}
	with := func(f func(*benchCrudConfig)) benchCrudConfig {
		c := defaults
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    benchCrudConfig
		wantErr string
	}{
		{name: "defaults", args: []string{"--key", "trx_k"}, want: defaults},
		{
			name: "flags",
			args: []string{"--key", "trx_k", "--target", "http://127.0.0.1:18090", "--concurrency", "8", "--duration", "3s",
				"--db", "sqlite:/tmp/x.db", "--rate", "2000", "--mix", "create=20,get=80", "--seed", "10", "--progress", "0"},
			want: with(func(c *benchCrudConfig) {
				c.Target, c.DB, c.Mix, c.Seed = "http://127.0.0.1:18090", "sqlite:/tmp/x.db", weights{20, 80}, 10
				c.Load.Concurrency, c.Load.Duration, c.Load.Rate, c.Load.Progress = 8, 3*time.Second, 2000, 0
			}),
		},
		{
			name: "environment twins",
			env: map[string]string{"TRX_KEY": "trx_k", "TRX_TARGET": "http://127.0.0.1:9", "TRX_CONCURRENCY": "4",
				"TRX_DURATION": "1m", "TRX_RATE": "100", "TRX_MIX": "get=1", "TRX_DB": "mysql://root@127.0.0.1:3306/b"},
			want: with(func(c *benchCrudConfig) {
				c.Target, c.DB, c.Mix = "http://127.0.0.1:9", "mysql://root@127.0.0.1:3306/b", weights{0, 1}
				c.Load.Concurrency, c.Load.Duration, c.Load.Rate = 4, time.Minute, 100
			}),
		},
		{
			name: "a flag beats its environment twin",
			env:  map[string]string{"TRX_KEY": "trx_env", "TRX_CONCURRENCY": "4"},
			args: []string{"--key", "trx_k", "--concurrency", "32"},
			want: defaults,
		},
		{name: "no key", args: nil, wantErr: "--key (TRX_KEY) is required"},
		{name: "not a URL", args: []string{"--key", "k", "--target", "127.0.0.1:8080"}, wantErr: "--target"},
		{name: "no workers", args: []string{"--key", "k", "--concurrency", "0"}, wantErr: "--concurrency 0"},
		{name: "no time", args: []string{"--key", "k", "--duration", "0s"}, wantErr: "--duration"},
		{name: "negative rate", args: []string{"--key", "k", "--rate", "-1"}, wantErr: "--rate -1"},
		{name: "bad mix", args: []string{"--key", "k", "--mix", "get"}, wantErr: "--mix"},
		{name: "mix of gets without rows", args: []string{"--key", "k", "--mix", "get=1", "--seed", "0"}, wantErr: "--seed 0"},
		{name: "bad environment value", env: map[string]string{"TRX_RATE": "fast"}, args: []string{"--key", "k"}, wantErr: "TRX_RATE"},
		{name: "stray argument", args: []string{"--key", "k", "extra"}, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBenchCrud(testEnv(tt.env, io.Discard, io.Discard), tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWeightsPick(t *testing.T) {
	for range 100 {
		if o := (weights{0, 3}).pick(); o != opGet {
			t.Fatalf("pick with only gets = %v", o)
		}
		if o := (weights{5, 0}).pick(); o != opCreate {
			t.Fatalf("pick with only creates = %v", o)
		}
	}
}

// TestSchedule checks the open loop's plan: instants exactly 1/rate apart
// from the start, none at or after the end, and the count sent reported.
func TestSchedule(t *testing.T) {
	start := time.Now()
	end := start.Add(20 * time.Millisecond)
	ch := make(chan time.Time, 4)
	done := make(chan int)
	go func() { done <- schedule(context.Background(), ch, start, end, 1000) }()
	var got []time.Time
	for at := range ch {
		got = append(got, at)
	}
	sent := <-done
	if sent != len(got) {
		t.Fatalf("schedule reported %d sent, the channel carried %d", sent, len(got))
	}
	for i, at := range got {
		if want := start.Add(time.Duration(i) * time.Millisecond); !at.Equal(want) {
			t.Fatalf("instant %d = start+%v, want start+%v", i, at.Sub(start), want.Sub(start))
		}
		if !at.Before(end) {
			t.Fatalf("instant %d is at or after the end", i)
		}
	}
	if p := planned(20*time.Millisecond, 1000); p != 20 {
		t.Errorf("planned = %d, want 20", p)
	}
}

// benchRows parses the result table of `trx-bench crud` into rows by
// label ("api create"): requests and errors.
func benchRows(t *testing.T, out string) map[string][2]int {
	t.Helper()
	rows := map[string][2]int{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 8 || (f[0] != "api" && f[0] != "db") {
			continue
		}
		n, err1 := strconv.Atoi(f[2])
		e, err2 := strconv.Atoi(f[7])
		if err1 != nil || err2 != nil {
			t.Fatalf("bad table row %q", line)
		}
		rows[f[0]+" "+f[1]] = [2]int{n, e}
	}
	return rows
}

// TestBenchCrudEndToEnd runs `trx-bench crud` briefly against trx serve
// in-process on SQLite, with the driver baseline on the same file. It
// checks that every operation ran without errors; it asserts no timings.
func TestBenchCrudEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load for a few seconds")
	}
	dir := t.TempDir()
	addr, key := startServe(t, dir)
	if key == "" {
		t.Fatal("serve printed no first API key")
	}
	db := "sqlite:" + filepath.Join(dir, "trx.db")
	tests := []struct {
		name string
		args []string
		want []string // rows that must have run
	}{
		{"phases with baseline", []string{"--duration", "500ms", "--db", db},
			[]string{"api create", "api get", "db create", "db get"}},
		{"mix at a rate", []string{"--duration", "300ms", "--mix", "create=30,get=70", "--rate", "200", "--seed", "20"},
			[]string{"api create", "api get"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"crud", "--target", "http://" + addr, "--concurrency", "4", "--progress", "100ms"}, tt.args...)
			if err := run(context.Background(), args, testEnv(map[string]string{"TRX_KEY": key}, &out, &errOut)); err != nil {
				t.Fatalf("bench: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
			}
			rows := benchRows(t, out.String())
			for _, label := range tt.want {
				r, ok := rows[label]
				switch {
				case !ok:
					t.Errorf("no %q row in:\n%s", label, out.String())
				case r[0] == 0:
					t.Errorf("%s: 0 requests in:\n%s", label, out.String())
				case r[1] != 0:
					t.Errorf("%s: %d errors in:\n%s", label, r[1], out.String())
				}
			}
			if len(rows) != len(tt.want) {
				t.Errorf("rows %v, want exactly %v", rows, tt.want)
			}
			if !strings.Contains(errOut.String(), "req/s (last 100ms)") {
				t.Errorf("no progress on stderr:\n%s", errOut.String())
			}
		})
	}
}

// TestBenchCrudBadKey checks that a key the target refuses fails at once.
func TestBenchCrudBadKey(t *testing.T) {
	addr, _ := startServe(t, t.TempDir())
	err := run(context.Background(), []string{"crud", "--target", "http://" + addr, "--key", "trx_wrong"},
		testEnv(nil, io.Discard, io.Discard))
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bench with a wrong key: %v, want a 401 error", err)
	}
}

// TestBenchCrudInterrupted checks that Ctrl-C (ctx cancelled) stops a run
// early and still prints what it measured. It cancels once a progress
// line counts some creates.
func TestBenchCrudInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load")
	}
	addr, key := startServe(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	args := []string{"crud", "--target", "http://" + addr, "--key", key, "--concurrency", "2", "--duration", "1h", "--progress", "20ms"}
	if err := run(ctx, args, testEnv(nil, &out, cancelOnProgress{cancel})); err != nil {
		t.Fatalf("interrupted bench: %v", err)
	}
	rows := benchRows(t, out.String())
	if r := rows["api create"]; r[0] == 0 || r[1] != 0 {
		t.Errorf("api create row %v, want requests and no errors:\n%s", r, out.String())
	}
	if _, ok := rows["api get"]; ok || !strings.Contains(out.String(), "interrupted") {
		t.Errorf("want only the create phase and an interrupted note:\n%s", out.String())
	}
}

// cancelOnProgress is a stderr that cancels the run at the first progress
// line that counts a request ("bench: api create:  0s  12 requests …").
type cancelOnProgress struct{ cancel context.CancelFunc }

func (c cancelOnProgress) Write(p []byte) (int, error) {
	f := strings.Fields(string(p))
	for i := 1; i < len(f); i++ {
		if n, err := strconv.Atoi(f[i-1]); err == nil && f[i] == "requests" && n > 0 {
			c.cancel()
		}
	}
	return len(p), nil
}
