package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The targets of issue 14's benchmark.
const (
	targetImportRate = 20_000    // rows per second, with categorization
	targetImportRSS  = 100 << 20 // peak RSS of the server during the import
)

const benchImportSynopsis = `import [--rows N] [--db URL] [flags]

Starts 'trx serve' (--trx, by default the trx next to this program, else the
one on PATH) as a child process on a fresh data directory (the embedded
SQLite default) or on --db (an EMPTY MySQL/MariaDB database: the server must
create its first user), creates an account, generates a CSV statement of
--rows lines (bank-like descriptions, unique per line), and imports it
through POST /api/v1/imports with the preset za-bank-statements, timing from
the upload to the import's end (parsing, dedupe, categorization by the
classifier pipeline, one database transaction). It prints rows/s and the
server's peak RSS during the import (its VmHWM, reset just before the upload
where Linux allows) against the targets: >= 20,000 rows/s, < 100 MiB.

Examples:
  trx-bench import --rows 100000
  trx-bench import --rows 100000 --db mysql://root@127.0.0.1:3306/trx_bench_import`

type benchImportConfig struct {
	Rows int
	DB   string
	Trx  string
	Runs int
}

func runBenchImport(ctx context.Context, e env, args []string) error {
	var cfg benchImportConfig
	fs := newFlagSet("import", benchImportSynopsis, e)
	fs.IntVar(&cfg.Rows, "rows", 100_000, "lines of the generated statement (1–100000, an import's limit)")
	fs.URLVar(&cfg.DB, "db", "", "an empty MySQL/MariaDB database URL; empty: SQLite in a temporary data directory")
	fs.StringVar(&cfg.Trx, "trx", "", "the trx program to serve; empty: trx next to this program, else trx on PATH")
	fs.IntVar(&cfg.Runs, "runs", 1, "imports, each of a new file into a new account (the first is the figure; later ones show the warm server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Rows < 1 || cfg.Rows > 100_000 || cfg.Runs < 1 || cfg.Runs > 10 || fs.NArg() > 0 {
		return errors.New("bench import: --rows 1 to 100000, --runs 1 to 10, no arguments")
	}
	trx, err := findTrx(cfg.Trx)
	if err != nil {
		return err
	}
	srv, err := startBenchServer(ctx, trx, cfg.DB)
	if err != nil {
		return err
	}
	defer srv.stop()
	engine := "SQLite (embedded default)"
	if cfg.DB != "" {
		engine = "MySQL/MariaDB"
	}
	fmt.Fprintf(e.stdout, "trx-bench import: %d lines, %s, server pid %d\n\n", cfg.Rows, engine, srv.cmd.Process.Pid)
	fmt.Fprintf(e.stdout, "%-4s %10s %12s %14s %14s  %s\n", "run", "seconds", "rows/s", "RSS before", "peak RSS", "verdict")
	for run := 1; run <= cfg.Runs; run++ {
		r, err := srv.importOnce(ctx, cfg.Rows, run)
		if err != nil {
			return err
		}
		verdict := "meets both targets"
		if r.rate < targetImportRate || r.peak >= targetImportRSS {
			verdict = fmt.Sprintf("MISSES (targets >= %d rows/s, < %d MiB)", targetImportRate, targetImportRSS>>20)
		}
		fmt.Fprintf(e.stdout, "%-4d %10.2f %12.0f %11.1f MiB %11.1f MiB  %s\n", run, r.elapsed.Seconds(), r.rate,
			float64(r.before)/(1<<20), float64(r.peak)/(1<<20), verdict)
	}
	return nil
}

type benchServer struct {
	cmd  *exec.Cmd
	base string
	key  string
	dir  string
}

// keyRE matches an API key.
var keyRE = regexp.MustCompile(`trx_[A-Za-z0-9_-]{43}`)

// keyFileRE finds the file that trx serve, off a terminal, writes the first
// user's key to.
var keyFileRE = regexp.MustCompile(`Its API key is in (\S+) `)

// firstKey returns the first user's key that a line of trx serve's output
// shows, or the key in the file it names, or "".
func firstKey(line string) string {
	if k := keyRE.FindString(line); k != "" {
		return k
	}
	m := keyFileRE.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	b, err := os.ReadFile(m[1])
	if err != nil {
		return ""
	}
	return keyRE.FindString(string(b))
}

// startBenchServer starts trx serve on a free port and waits for its first
// user's key and its readiness.
func startBenchServer(ctx context.Context, trx, db string) (*benchServer, error) {
	dir, err := os.MkdirTemp("", "trx-bench-import-")
	if err != nil {
		return nil, err
	}
	port, err := freeBenchPort()
	if err != nil {
		return nil, err
	}
	s := &benchServer{dir: dir, base: "http://127.0.0.1:" + strconv.Itoa(port)}
	args := []string{"serve", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--data", dir, "--log-level", "warn"}
	if db != "" {
		args = append(args, "--db", db)
	}
	s.cmd = exec.CommandContext(ctx, trx, args...)
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench import: start %s: %w", trx, err)
	}
	keys := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k := firstKey(sc.Text()); k != "" {
				keys <- k
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case s.key = <-keys:
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, errors.New("bench import: the server printed no first API key within 2 minutes (is --db an empty database?)")
	}
	return s, s.waitReady(ctx)
}

func (s *benchServer) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("bench import: the server was not ready within 2 minutes")
}

func (s *benchServer) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		_ = s.cmd.Wait()
	}
	os.RemoveAll(s.dir)
}

type importRun struct {
	elapsed      time.Duration
	rate         float64
	before, peak int64
}

// importOnce imports a new file of n lines into a new account.
func (s *benchServer) importOnce(ctx context.Context, n, run int) (importRun, error) {
	var acct struct{ ID string }
	body := fmt.Sprintf(`{"name":"bench %d %d","kind":"checking","currency":"EUR"}`, run, time.Now().UnixNano())
	if err := s.call(ctx, "POST", "/api/v1/accounts", "application/json", strings.NewReader(body), http.StatusCreated, &acct); err != nil {
		return importRun{}, err
	}
	file := statementCSV(n, run)
	pid := s.cmd.Process.Pid
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) // reset the peak, where allowed
	r := importRun{before: procPeakRSS(pid)}
	stop := make(chan struct{})
	peak := make(chan int64, 1)
	go func() { // the peak while the import runs, even where clear_refs is refused
		hwm := int64(0)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			hwm = max(hwm, procRSS(pid))
			select {
			case <-stop:
				peak <- max(hwm, procPeakRSS(pid))
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	created, err := s.runImport(ctx, acct.ID, file)
	r.elapsed = time.Since(start)
	close(stop)
	r.peak = <-peak
	if err != nil {
		return r, err
	}
	if created != n {
		return r, fmt.Errorf("bench import: %d of %d lines were stored", created, n)
	}
	r.rate = float64(n) / r.elapsed.Seconds()
	return r, nil
}

func (s *benchServer) runImport(ctx context.Context, accountID string, file []byte) (int, error) {
	var imp struct {
		ID, State string
		Created   int
		Error     *string
	}
	path := "/api/v1/imports?preset=za-bank-statements&account_id=" + accountID
	if err := s.call(ctx, "POST", path, "text/csv", bytes.NewReader(file), http.StatusAccepted, &imp); err != nil {
		return 0, err
	}
	for imp.State == "running" {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if err := s.call(ctx, "GET", "/api/v1/imports/"+imp.ID, "", nil, http.StatusOK, &imp); err != nil {
			return 0, err
		}
	}
	if imp.State != "done" {
		return 0, fmt.Errorf("bench import: the import %s: %v", imp.State, imp.Error)
	}
	return imp.Created, nil
}

func (s *benchServer) call(ctx context.Context, method, path, ct string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("bench import: %s %s: %d %s", method, path, res.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// statementCSV is a statement of n lines in the columns of the
// za-bank-statements preset, with bank-like descriptions the classifier
// has to decide on, unique per line (so none is a duplicate).
func statementCSV(n, run int) []byte {
	shops := []string{"POS Purchase Woolworths", "POS Purchase Engen", "Debit Order Discovery Life", "Banking App Payment",
		"POS Purchase Checkers", "Uber Trip", "Netflix.Com", "Salary Acme Corp", "Interest Received", "ATM Withdrawal"}
	var b bytes.Buffer
	b.Grow(n * 64)
	b.WriteString("description,amount,category,date\n")
	for i := 0; i < n; i++ {
		amount := -(int64(i%50000) + 1)
		if i%10 == 7 {
			amount = -amount * 3
		}
		fmt.Fprintf(&b, "%s * %d-%d,%s,,%04d-%02d-%02d\n", shops[i%len(shops)], run, i, formatCents(amount), 2020+i%5, 1+i%12, 1+i%28)
	}
	return b.Bytes()
}

func formatCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// procRSS returns the VmRSS of process pid in bytes (0 when unknown).
func procRSS(pid int) int64 {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// freeBenchPort asks the kernel for a free loopback port.
func freeBenchPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
