package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// asMainEnv makes the test binary run as trx-bench itself (run with its
// arguments) when it is set: bench ws starts its client processes by
// running its own executable, which in a test is this binary.
const asMainEnv = "TRX_BENCH_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		err := run(context.Background(), os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
		if err != nil {
			fmt.Fprintln(os.Stderr, "trx-bench:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if trxBuild.dir != "" {
		os.RemoveAll(trxBuild.dir)
	}
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testEnv returns an env whose getenv reads vars.
func testEnv(vars map[string]string, stdout, stderr io.Writer) env {
	return env{getenv: func(k string) string { return vars[k] }, stdin: strings.NewReader(""), stdout: stdout, stderr: stderr}
}

func TestBenchHelp(t *testing.T) {
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"crud", "--help"}, testEnv(nil, io.Discard, &errOut))
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("crud --help: %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage: trx-bench crud", "--target", "TRX_TARGET", "--key", "TRX_KEY", "--rate", "--mix", "--db"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("help does not mention %s:\n%s", want, errOut.String())
		}
	}
	errOut.Reset()
	if err := run(context.Background(), []string{"help"}, testEnv(nil, io.Discard, &errOut)); err != nil {
		t.Errorf("help: %v", err)
	}
	for _, want := range []string{"crud", "ws", "report"} {
		if !strings.Contains(errOut.String(), "  "+want+" ") {
			t.Errorf("usage does not list %s:\n%s", want, errOut.String())
		}
	}
	if err := run(context.Background(), nil, testEnv(nil, io.Discard, io.Discard)); err == nil {
		t.Error("no benchmark named: no error")
	}
	if err := run(context.Background(), []string{"nope"}, testEnv(nil, io.Discard, io.Discard)); err == nil {
		t.Error("nope: no error")
	}
}

// trxBuild is the trx program the end-to-end tests drive, built once.
var trxBuild struct {
	once      sync.Once
	dir, path string
	err       error
}

// trxProgram returns the trx program to drive: $TRX_BIN if set, as for the
// dashboard's end-to-end tests, else cmd/trx built once per test binary.
func trxProgram(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("TRX_BIN"); bin != "" {
		return bin
	}
	trxBuild.once.Do(func() {
		if trxBuild.dir, trxBuild.err = os.MkdirTemp("", "trx-bench-test-"); trxBuild.err != nil {
			return
		}
		trxBuild.path = filepath.Join(trxBuild.dir, "trx")
		out, err := exec.Command("go", "build", "-o", trxBuild.path, "github.com/trx-platform/trx/cmd/trx").CombinedOutput()
		if err != nil {
			trxBuild.err = fmt.Errorf("go build ./cmd/trx: %w\n%s", err, out)
		}
	})
	if trxBuild.err != nil {
		t.Fatal(trxBuild.err)
	}
	return trxBuild.path
}

// startServe runs `trx serve` (the program cmd/trx builds) on a fresh data
// directory, SQLite and embedded NATS, as a user would before running a
// benchmark, and returns its address and the first user's (admin) key
// once it is ready. Cleanup stops it as SIGTERM does.
func startServe(t *testing.T, dataDir string) (addr, key string) {
	t.Helper()
	cmd := exec.Command(trxProgram(t), "serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--log-format", "json",
		"--db-max-open", "8", "--shutdown-timeout", "5s", "--event-retention", "1h", "--ws-queue", "256")
	cmd.Env = withoutTRX(os.Environ())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		logs      syncBuffer
		readers   sync.WaitGroup
		keys      = make(chan string, 1)
		listening = make(chan string, 1)
		exited    = make(chan struct{})
	)
	readers.Go(func() { firstMatch(stdout, firstKey, keys, io.Discard) })
	readers.Go(func() { firstMatch(stderr, listeningAddr, listening, &logs) })
	go func() {
		readers.Wait() // every read is done before Wait closes the pipes
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	})
	key, ok := <-keys
	if !ok {
		t.Fatalf("trx serve printed no first API key:\n%s", logs.String())
	}
	if addr, ok = <-listening; !ok {
		t.Fatalf("trx serve stopped before it listened:\n%s", logs.String())
	}
	waitReady(t, addr, exited, &logs)
	return addr, key
}

// withoutTRX leaves out the TRX_ variables, which trx serve would read as
// its flags' twins.
func withoutTRX(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "TRX_") {
			out = append(out, kv)
		}
	}
	return out
}

// firstMatch reads r's lines to the end, copying them to keep; it sends
// the first non-empty result of match on found, or closes found if no line
// matches.
func firstMatch(r io.Reader, match func(string) string, found chan<- string, keep io.Writer) {
	sent := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fmt.Fprintln(keep, sc.Text())
		if m := match(sc.Text()); m != "" && !sent {
			found <- m
			sent = true
		}
	}
	if !sent {
		close(found)
	}
}

// listeningAddr returns the address of trx serve's JSON log line
// "listening", or "".
func listeningAddr(line string) string {
	var l struct{ Msg, Addr string }
	if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "listening" {
		return ""
	}
	return strings.TrimPrefix(l.Addr, "http://")
}

// waitReady asks /readyz until it answers 200: the notifier has joined the
// event stream. It fails the test if the server exits first.
func waitReady(t *testing.T, addr string, exited <-chan struct{}, logs *syncBuffer) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("trx serve stopped before it was ready:\n%s", logs.String())
		case <-tick.C:
		}
	}
}
