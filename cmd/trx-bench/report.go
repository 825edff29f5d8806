package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportgen"
)

// The targets of issue 4's benchmark.
const (
	targetReportCLI  = 3.0      // CLI throughput / encoding/json floor
	targetReportHTTP = 2.0      // HTTP endpoint throughput / floor
	targetReportRSS  = 64 << 20 // peak RSS of the CLI and the HTTP path, bytes
)

// benchReportConfig is the configuration of `trx-bench report`.
type benchReportConfig struct {
	Gen     int
	Out     string
	Runs    int
	Seed    int
	GroupBy string
	Trx     string // the trx program of the CLI path; "" = found next to this program or on PATH

	// exe and exeArgs run `trx` for the CLI path; tests point them at a
	// helper process.
	exe     string
	exeArgs []string
}

const benchReportSynopsis = `report --gen N [--out FILE] [flags]

Writes N generated transactions shaped like the transactions API output (id,
amount, currency, description, booked_at, category; about 170 bytes each) as a
JSON array to FILE, then measures, --runs times and interleaved, the report
function end to end on that file:

  floor  encoding/json Unmarshal of the file's bytes (read beforehand, not
         timed) into a slice of structs, no arithmetic: the issue's floor
  cli    'trx report FILE --json' as a child process (--trx, by default
         the trx next to this program, else the one on PATH), from its
         start to its exit; peak RSS is the child's VmHWM, read from /proc
         every 5 ms while it runs
  http   POST /api/v1/report streaming FILE to an in-process server on
         127.0.0.1 (reportapi behind the request ID and access log
         middleware; authentication stubbed; the body limit raised to the
         file's size); peak RSS is this process's VmHWM during the run
         (the generator's and the floor's memory are not in it)

and prints, per path, the best and median time, MB/s, items/s, the ratio to
the floor, CPU time and peak RSS, then issue 4's targets. The CLI's and the
HTTP answers must be equal and count N items, or the run fails.

Example:
  go build -o /tmp/trx ./cmd/trx && go build -o /tmp/trx-bench ./cmd/trx-bench
  /tmp/trx-bench report --gen 1000000 --out /tmp/report-1m.json`

func parseBenchReport(e env, args []string) (benchReportConfig, error) {
	var cfg benchReportConfig
	fs := newFlagSet("report", benchReportSynopsis, e)
	fs.IntVar(&cfg.Gen, "gen", 0, "transactions to generate; required")
	fs.StringVar(&cfg.Out, "out", "", "file to write them to, kept afterwards; empty: a temporary file, removed")
	fs.IntVar(&cfg.Runs, "runs", 3, "measurements of each path, interleaved")
	fs.IntVar(&cfg.Seed, "seed", 1, "seed of the generator (the same seed gives the same file)")
	fs.StringVar(&cfg.GroupBy, "group-by", "", "group_by of the reports: category, month or category,month; empty: totals only")
	fs.StringVar(&cfg.Trx, "trx", "", "the trx program whose report command the CLI path runs; empty: trx next to this program, else trx on PATH")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("bench report: unexpected arguments %q", fs.Args())
	}
	var errs []string
	if cfg.Gen < 1 || cfg.Gen > 100_000_000 {
		errs = append(errs, fmt.Sprintf("--gen %d: want 1 to 100000000 transactions", cfg.Gen))
	}
	if cfg.Runs < 1 || cfg.Runs > 100 {
		errs = append(errs, fmt.Sprintf("--runs %d: want 1 to 100", cfg.Runs))
	}
	if _, err := report.ParseGroupBy(cfg.GroupBy); err != nil {
		errs = append(errs, "--group-by: "+err.Error())
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("bench report: %s", strings.Join(errs, "; "))
	}
	return cfg, nil
}

func runBenchReport(ctx context.Context, e env, args []string) error {
	cfg, err := parseBenchReport(e, args)
	if err != nil {
		return err
	}
	if cfg.exe, err = findTrx(cfg.Trx); err != nil {
		return err
	}
	return benchReport(ctx, e, cfg)
}

// findTrx returns the trx program whose `trx report` the CLI path runs:
// path if given; else trx in this program's directory (both built with go
// build -o DIR/…); else trx on PATH.
func findTrx(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("bench report: --trx: %w", err)
		}
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		if p, err := exec.LookPath(filepath.Join(filepath.Dir(self), "trx")); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("trx")
	if err != nil {
		return "", errors.New("bench report: no trx program for the CLI path next to this program or on PATH: " +
			"build one (go build -o /tmp/trx ./cmd/trx) and give --trx /tmp/trx")
	}
	return p, nil
}

// reportRun is one measurement of one path.
type reportRun struct {
	wall, cpu time.Duration
	rss       int64 // peak RSS, bytes; 0 when unknown
}

// reportPath is every measurement of one path.
type reportPath struct {
	name string
	runs []reportRun
}

func (p *reportPath) best() reportRun {
	return slices.MinFunc(p.runs, func(a, b reportRun) int { return int(a.wall - b.wall) })
}

func (p *reportPath) median() time.Duration {
	w := make([]time.Duration, len(p.runs))
	for i, r := range p.runs {
		w[i] = r.wall
	}
	slices.Sort(w)
	return w[len(w)/2]
}

func (p *reportPath) peakRSS() int64 {
	var m int64
	for _, r := range p.runs {
		m = max(m, r.rss)
	}
	return m
}

func benchReport(ctx context.Context, e env, cfg benchReportConfig) error {
	file := cfg.Out
	if file == "" {
		f, err := os.CreateTemp("", "trx-bench-report-*.json")
		if err != nil {
			return fmt.Errorf("bench report: %w", err)
		}
		f.Close()
		file = f.Name()
		defer os.Remove(file)
	}
	start := time.Now()
	size, err := generateReportInput(file, cfg.Gen, uint64(cfg.Seed))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "trx-bench report: %d transactions, %.1f MB of JSON in %s (generated in %s)\n",
		cfg.Gen, float64(size)/1e6, file, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(e.stdout, "machine: %s/%s, %d CPUs, %s; load average at start %s\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAverage())
	fmt.Fprintf(e.stdout, "CLI path: %s report FILE --json\n", strings.Join(append([]string{cfg.exe}, cfg.exeArgs...), " "))
	if cfg.GroupBy != "" {
		fmt.Fprintf(e.stdout, "group_by: %s\n", cfg.GroupBy)
	}

	srv, url, err := startReportServer(size)
	if err != nil {
		return err
	}
	defer srv.Close()

	floor := &reportPath{name: "floor: encoding/json Unmarshal"}
	cli := &reportPath{name: "CLI: trx report --json"}
	api := &reportPath{name: "HTTP: POST /api/v1/report"}
	var cliOut, apiOut []byte
	for i := range cfg.Runs {
		fmt.Fprintf(e.stderr, "bench report: run %d of %d\n", i+1, cfg.Runs)
		r, err := reportFloor(file, cfg.Gen)
		if err != nil {
			return err
		}
		floor.runs = append(floor.runs, r)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r, cliOut, err = reportCLI(ctx, cfg, file)
		if err != nil {
			return err
		}
		cli.runs = append(cli.runs, r)
		r, apiOut, err = reportHTTP(ctx, url, cfg.GroupBy, file, size)
		if err != nil {
			return err
		}
		api.runs = append(api.runs, r)
	}
	if err := sameReport(cliOut, apiOut, cfg.Gen); err != nil {
		return err
	}
	writeReportBench(e.stdout, cfg, size, floor, cli, api)
	return nil
}

// generateReportInput writes n transactions to file and returns its size.
func generateReportInput(file string, n int, seed uint64) (int64, error) {
	f, err := os.Create(file)
	if err != nil {
		return 0, fmt.Errorf("bench report: %w", err)
	}
	if err := reportgen.WriteJSON(f, n, seed); err != nil {
		f.Close()
		return 0, fmt.Errorf("bench report: write %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("bench report: write %s: %w", file, err)
	}
	st, err := os.Stat(file)
	if err != nil {
		return 0, fmt.Errorf("bench report: %w", err)
	}
	return st.Size(), nil
}

func writeReportBench(w io.Writer, cfg benchReportConfig, size int64, floor, cli, api *reportPath) {
	fmt.Fprintf(w, "runs: %d of each path, interleaved (floor, CLI, HTTP); MB/s, items/s and ratio from the best run\n\n", cfg.Runs)
	fmt.Fprintf(w, "%-31s %9s %9s %8s %11s %8s %8s %10s\n", "path", "best s", "median s", "MB/s", "items/s", "x floor", "CPU s", "peak RSS")
	floorBest := floor.best().wall.Seconds()
	for _, p := range []*reportPath{floor, cli, api} {
		b := p.best()
		fmt.Fprintf(w, "%-31s %9.3f %9.3f %8.1f %11.0f %8.2f %8.3f %10s\n", p.name, b.wall.Seconds(), p.median().Seconds(),
			float64(size)/1e6/b.wall.Seconds(), float64(cfg.Gen)/b.wall.Seconds(), floorBest/b.wall.Seconds(), b.cpu.Seconds(), rssText(p.peakRSS()))
	}
	ratio := func(p *reportPath) (best, median float64) {
		return floorBest / p.best().wall.Seconds(), floor.median().Seconds() / p.median().Seconds()
	}
	cb, cm := ratio(cli)
	hb, hm := ratio(api)
	rss := max(cli.peakRSS(), api.peakRSS())
	fmt.Fprintf(w, "\ntargets (issue 4, for 1,000,000 transactions; this run: %d):\n", cfg.Gen)
	fmt.Fprintf(w, "  CLI  >= %.0fx the floor: %.2fx best, %.2fx median (%s)\n", targetReportCLI, cb, cm, metText(cb >= targetReportCLI))
	fmt.Fprintf(w, "  HTTP >= %.0fx the floor: %.2fx best, %.2fx median (%s)\n", targetReportHTTP, hb, hm, metText(hb >= targetReportHTTP))
	fmt.Fprintf(w, "  peak RSS < %s: CLI %s, HTTP %s (%s)\n", rssText(targetReportRSS), rssText(cli.peakRSS()), rssText(api.peakRSS()),
		metText(rss > 0 && rss < targetReportRSS))
	fmt.Fprintf(w, "load average at end %s\n", loadAverage())
}

// rssText shows a peak RSS in MiB, or n/a when unknown.
func rssText(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return mib(b)
}
