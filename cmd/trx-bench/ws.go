package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The targets of issue 5's benchmark, which the report checks against.
const (
	targetWSClients  = 10_000                 // clients of the delivery targets
	targetWSRate     = 80_000                 // delivered messages/s, updates as fast as taken
	targetWSP99      = 150 * time.Millisecond // commit-to-receive p99 …
	targetWSP99Rate  = 2                      // … at this many updates/s
	targetWSIdle     = 15_000                 // idle connections …
	targetWSIdleRSS  = 20 << 10               // … at this server RSS each, in bytes
	targetWSConnRate = 5_000                  // new connections accepted per second
)

// benchWSConfig is the configuration of `trx-bench ws`.
type benchWSConfig struct {
	Target          string
	Key             string
	Clients         int
	Updates         int
	Rate            int // updates per second; 0: each request waits for the previous one
	Symbols         int
	Batch           int    // updates per request: 1 = PATCH, more = POST /prices
	Subscribe       string // "all", "none" or a number of symbols per client
	Procs           int    // client processes; 0: as many as the open-file limit needs
	Idle            bool
	Hold            time.Duration
	Drain           time.Duration
	DialConcurrency int
	ConnectRate     int // new connections per second offered (whole run); 0: as fast as DialConcurrency takes them
	Timeout         time.Duration
	ServerPID       int

	// Set in a child process (internal flags).
	ChildSymbols string
	ChildOffset  int
}

const benchWSSynopsis = `ws --key ADMIN_KEY [flags]

Opens --clients WebSocket clients to a running trx's /ws, subscribes them, drives
--updates price changes through the stock API (it first creates --symbols stocks
of its own, named WS<run>-<n>, that every update cycles through), and prints:
connections opened and failed with the connect rate, messages expected, received,
lost and duplicated (counted per client by sequence), delivered messages/s,
commit-to-receive latency (the notification's changed_at to the moment the client
read it, on this machine's clock), and with --server-pid the server's CPU and its
RSS per connection. --idle opens the connections, holds them for --hold and
measures memory instead of delivery. The key must have the admin scope (the
first key trx serve prints has it). Targets on loopback only.

One process holds as many clients as its open-file limit allows (raised to the
hard limit at start); beyond that, or with --procs, it runs itself again as
child processes that each hold a share and report to it over a pipe.

Examples (trx serve on 127.0.0.1:8080, its pid in $PID, its admin key in TRX_KEY):
  trx-bench ws --clients 10000 --updates 50 --server-pid $PID
  trx-bench ws --clients 10000 --updates 60 --rate 2 --server-pid $PID
  trx-bench ws --clients 15000 --idle --server-pid $PID
  trx-bench ws --clients 10000 --idle --connect-rate 5000 --dial-concurrency 512 --server-pid $PID`

func parseBenchWS(e env, args []string) (benchWSConfig, error) {
	var cfg benchWSConfig
	fs := newFlagSet("ws", benchWSSynopsis, e)
	fs.StringVar(&cfg.Target, "target", "http://127.0.0.1:8080", "base URL of the trx to drive (loopback only)")
	fs.SecretVar(&cfg.Key, "key", "", "API key with the admin scope (creates stocks and changes prices); required")
	fs.IntVar(&cfg.Clients, "clients", 100, "WebSocket clients to open")
	fs.IntVar(&cfg.Updates, "updates", 50, "price updates to make (each is one notification per subscribed client)")
	fs.IntVar(&cfg.Rate, "rate", 0, "updates per second (open loop); 0: as fast as the server takes them, each request waiting for the previous one")
	fs.IntVar(&cfg.Symbols, "symbols", 10, "stocks the updates cycle through")
	fs.IntVar(&cfg.Batch, "batch", 1, "updates per request: 1 sends PATCH /api/v1/stocks/{symbol}, more send POST /api/v1/stocks/prices (at most --symbols)")
	fs.StringVar(&cfg.Subscribe, "subscribe", "all", `what each client subscribes to: "all" (a subscribe message with no symbols), "none" (no message: the default on connect, all) or a number K of the symbols`)
	fs.IntVar(&cfg.Procs, "procs", 0, "client processes; 0: one, or as many as the open-file limit needs")
	fs.BoolVar(&cfg.Idle, "idle", false, "open the connections and hold them without updates: measures connect rate and memory per connection")
	fs.DurationVar(&cfg.Hold, "hold", 5*time.Second, "with --idle, how long to hold the connections before measuring again")
	fs.DurationVar(&cfg.Drain, "drain", 15*time.Second, "after the last update, how long clients may go without a new message before the rest counts as lost")
	fs.IntVar(&cfg.DialConcurrency, "dial-concurrency", 64, "connections being opened at once, per process")
	fs.IntVar(&cfg.ConnectRate, "connect-rate", 0, "new connections per second to offer over the whole run (open loop: connect i starts at i/rate s, shared by the processes, as long as --dial-concurrency has a free slot; raise it so that rate × connect time fits); 0: as fast as --dial-concurrency takes them")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "limit of one connect (dial to welcome, and the subscribe reply) and of one API request")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "process id of the trx server, to read its CPU time and RSS from /proc; 0: not measured")
	fs.StringVar(&cfg.ChildSymbols, "child-symbols", "", "internal: the symbols of a child process's run")
	fs.IntVar(&cfg.ChildOffset, "child-offset", 0, "internal: the index of a child process's first client")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("bench ws: unexpected arguments %q", fs.Args())
	}
	return cfg, cfg.validate()
}

func (c benchWSConfig) validate() error {
	var errs []string
	if c.Key == "" {
		errs = append(errs, "--key (TRX_KEY) is required: an admin API key of the target, as trx serve prints it")
	}
	if err := checkLoopback(c.Target); err != nil {
		errs = append(errs, err.Error())
	}
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	check(c.Clients >= 1 && c.Clients <= 1_000_000, "--clients %d: want 1 to 1000000", c.Clients)
	check(c.Updates >= 1 && c.Updates <= 10_000_000, "--updates %d: want 1 to 10000000", c.Updates)
	check(c.Rate >= 0 && c.Rate <= 1_000_000, "--rate %d: want 0 (as fast as taken) to 1000000", c.Rate)
	check(c.Symbols >= 1 && c.Symbols <= 10_000, "--symbols %d: want 1 to 10000", c.Symbols)
	check(c.Batch >= 1 && c.Batch <= 1000 && c.Batch <= c.Symbols, "--batch %d: want 1 to 1000, and at most --symbols (%d)", c.Batch, c.Symbols)
	if k, err := c.perClient(); err != nil {
		errs = append(errs, err.Error())
	} else {
		check(k <= c.Symbols, "--subscribe %d: more than --symbols (%d)", k, c.Symbols)
	}
	check(c.Procs >= 0 && c.Procs <= 64, "--procs %d: want 0 (automatic) to 64", c.Procs)
	check(c.Hold >= 0 && c.Hold <= time.Hour, "--hold %s: want 0 to 1h", c.Hold)
	check(c.Drain > 0 && c.Drain <= 10*time.Minute, "--drain %s: want more than 0, at most 10m", c.Drain)
	check(c.DialConcurrency >= 1 && c.DialConcurrency <= 10_000, "--dial-concurrency %d: want 1 to 10000", c.DialConcurrency)
	check(c.ConnectRate >= 0 && c.ConnectRate <= 1_000_000, "--connect-rate %d: want 0 (as fast as taken) to 1000000", c.ConnectRate)
	check(c.Timeout > 0, "--timeout %s: want more than 0", c.Timeout)
	check(c.ServerPID >= 0, "--server-pid %d: want a process id, or 0", c.ServerPID)
	if len(errs) > 0 {
		return fmt.Errorf("bench ws: %s", strings.Join(errs, "; "))
	}
	return nil
}

// perClient returns how many symbols each client subscribes to: 0 for all
// (with or without a subscribe message, see Subscribe).
func (c benchWSConfig) perClient() (int, error) {
	switch c.Subscribe {
	case "all", "none":
		return 0, nil
	}
	k, err := strconv.Atoi(c.Subscribe)
	if err != nil || k < 1 {
		return 0, fmt.Errorf("--subscribe %q: want all, none or a number of symbols from 1", c.Subscribe)
	}
	return k, nil
}

// checkLoopback accepts only an http URL whose host is a loopback address:
// the benchmark opens thousands of connections and must not aim them at
// another machine.
func checkLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("--target %q: want a URL such as http://127.0.0.1:8080", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--target %q: bench ws drives loopback targets only (127.0.0.1, ::1, localhost)", target)
	}
	return nil
}

func runBenchWS(ctx context.Context, e env, args []string) error {
	cfg, err := parseBenchWS(e, args)
	if err != nil {
		return err
	}
	limit := raiseFileLimit()
	if cfg.ChildSymbols != "" {
		return wsChild(ctx, cfg, strings.Split(cfg.ChildSymbols, ","), cfg.ChildOffset, e.stdin, e.stdout)
	}
	res, err := benchWS(ctx, e, cfg, limit, nil)
	if err != nil {
		return err
	}
	writeWSReport(e.stdout, cfg, res)
	return nil
}

// filesReserved is what a client process keeps of its open-file limit for
// other files than client connections (API connections, pipes, runtime).
const filesReserved = 256

// wsPoolStarter starts a pool of clients (in this process or in a child)
// that talks the child protocol over in (its plan) and out (its reports).
type wsPoolStarter func(ctx context.Context, n, offset int, symbols []string) (in io.WriteCloser, out io.Reader, wait func() error, err error)

// benchWSResult is the outcome of a whole run.
type benchWSResult struct {
	Procs        int
	SymbolNames  []string
	Pools        wsPoolResult // merged over the processes
	Updates      wsDriveResult
	Server       *serverSample // before connecting
	ServerConn   *serverSample // after connecting
	ServerEnd    *serverSample // after the run (delivery) or the hold (idle)
	Metrics      [3]map[string]float64
	Load         [2]string // /proc/loadavg at start and end
	DeliveryFrom time.Time // when the first update was sent
}

// benchWS runs the benchmark. start, if not nil, replaces how a pool of
// clients is started (tests run the pools in-process).
func benchWS(ctx context.Context, e env, cfg benchWSConfig, fileLimit uint64, start wsPoolStarter) (*benchWSResult, error) {
	procs, err := wsProcs(cfg, fileLimit)
	if err != nil {
		return nil, err
	}
	if start == nil {
		if procs == 1 {
			start = localPool(cfg)
		} else {
			start = childPool(cfg, e.stderr)
		}
	}
	api := newHTTPTarget(cfg.Target, cfg.Key, 64)
	defer api.close()
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	err = api.do(cctx, http.MethodGet, "/api/v1/stocks?limit=1", "/api/v1/stocks", nil, http.StatusOK, nil)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("bench ws: target %s: %w", cfg.Target, err)
	}

	r := &wsRun{cfg: cfg, stderr: e.stderr, api: api, res: &benchWSResult{Procs: procs}}
	res := r.res
	res.Load[0] = loadAverage()
	res.SymbolNames = benchSymbols(cfg.Symbols)
	drv := &wsDriver{api: api, symbols: res.SymbolNames, timeout: cfg.Timeout}
	if !cfg.Idle {
		fmt.Fprintf(e.stderr, "bench ws: creating %d stocks %s…\n", cfg.Symbols, res.SymbolNames[0])
		if err := drv.create(ctx); err != nil {
			return nil, err
		}
	}
	res.Server = r.sample(ctx, 0)

	fmt.Fprintf(e.stderr, "bench ws: opening %d connections in %d process(es)…\n", cfg.Clients, procs)
	pools, err := startPools(ctx, cfg, procs, start, res.SymbolNames)
	defer pools.stop()
	if err != nil {
		return nil, err
	}
	ready, err := pools.reports("connecting")
	if err != nil {
		return nil, err
	}
	res.ServerConn = r.sample(ctx, 1)
	connected := mergePools(ready)
	fmt.Fprintf(e.stderr, "bench ws: %d connections open, %d failed\n", connected.Opened, connected.Failed)

	if err := pools.send(r.exercise(ctx, drv)); err != nil {
		return nil, err
	}
	done, err := pools.reports("finishing")
	if err != nil {
		return nil, err
	}
	if !cfg.Idle {
		res.ServerEnd = r.sample(ctx, 2)
	}
	res.Pools = mergePools(append(ready, done...))
	res.Load[1] = loadAverage()
	return res, nil
}

// wsProcs returns how many client processes hold cfg.Clients, each within
// the open-file limit.
func wsProcs(cfg benchWSConfig, fileLimit uint64) (int, error) {
	perProc := int(max(fileLimit, 2*filesReserved) - filesReserved)
	procs := cfg.Procs
	if procs == 0 {
		procs = (cfg.Clients + perProc - 1) / perProc
	}
	if procs > cfg.Clients {
		procs = cfg.Clients
	}
	if (cfg.Clients+procs-1)/procs > perProc {
		return 0, fmt.Errorf("bench ws: %d clients in %d processes is more than %d open files each; raise --procs", cfg.Clients, procs, perProc)
	}
	return procs, nil
}

// wsRun is the parent's side of one run.
type wsRun struct {
	cfg    benchWSConfig
	stderr io.Writer
	api    *httpTarget
	res    *benchWSResult
}

// sample reads the server's figures at moment i (0 before connecting, 1
// connected, 2 at the end): its gauges from /metrics and, with
// --server-pid, its CPU and memory.
func (r *wsRun) sample(ctx context.Context, i int) *serverSample {
	r.res.Metrics[i] = scrapeMetrics(ctx, r.api)
	if r.cfg.ServerPID == 0 {
		return nil
	}
	s, err := readServer(r.cfg.ServerPID)
	if err != nil {
		fmt.Fprintf(r.stderr, "bench ws: server pid %d: %v\n", r.cfg.ServerPID, err)
		return nil
	}
	return &s
}

// exercise holds the open connections (--idle) or makes the updates, and
// returns the plan the pools finish by.
func (r *wsRun) exercise(ctx context.Context, drv *wsDriver) wsPlan {
	cfg, res := r.cfg, r.res
	plan := wsPlan{Drain: cfg.Drain}
	switch {
	case cfg.Idle:
		if cfg.Hold > 0 {
			fmt.Fprintf(r.stderr, "bench ws: holding them for %s…\n", cfg.Hold)
			select {
			case <-ctx.Done():
			case <-time.After(cfg.Hold):
			}
		}
		res.ServerEnd = r.sample(ctx, 2)
		plan.Close = true
	case ctx.Err() == nil:
		fmt.Fprintf(r.stderr, "bench ws: sending %d updates (%s)…\n", cfg.Updates, cfg.pace())
		res.DeliveryFrom = time.Now()
		res.Updates = drv.run(ctx, cfg.Updates, cfg.Rate, cfg.Batch)
		plan.Counts = res.Updates.Counts
		fmt.Fprintf(r.stderr, "bench ws: updates done (%d failed); waiting for the clients…\n", res.Updates.Failed)
	default:
		plan.Close = true
	}
	return plan
}

func (c benchWSConfig) pace() string {
	how := "PATCH, one update per request"
	if c.Batch > 1 {
		how = fmt.Sprintf("POST /prices, %d updates per request", c.Batch)
	}
	if c.Rate > 0 {
		return fmt.Sprintf("%s, %d updates/s", how, c.Rate)
	}
	return how + ", each request waiting for the previous one"
}

// benchSymbols returns n symbols unique to this run, so that notifications
// left over from an earlier run are not counted.
func benchSymbols(n int) []string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [4]byte
	_, _ = rand.Read(b[:])
	run := make([]byte, len(b))
	for i, x := range b {
		run[i] = letters[int(x)%len(letters)]
	}
	out := make([]string, n)
	for i := range out {
		out[i] = "WS" + string(run) + "-" + strconv.Itoa(i)
	}
	return out
}

// benchMetrics are the server's Go runtime figures the report shows.
var benchMetrics = []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "trx_ws_connections"}

// scrapeMetrics reads a few gauges from the target's /metrics; nil if it
// cannot.
func scrapeMetrics(ctx context.Context, api *httpTarget) map[string]float64 {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.base+"/metrics", nil)
	if err != nil {
		return nil
	}
	resp, err := api.client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || !slices.Contains(benchMetrics, name) {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out
}
