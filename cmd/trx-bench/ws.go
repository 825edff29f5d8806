package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sync/errgroup"
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
  trx-bench ws --clients 15000 --idle --server-pid $PID`

func parseBenchWS(e env, args []string) (benchWSConfig, error) {
	var cfg benchWSConfig
	fs := newFlagSet("ws", benchWSSynopsis, e)
	fs.StringVar(&cfg.Target, "target", "http://127.0.0.1:8080", "base URL of the trx to drive (loopback only)")
	fs.StringVar(&cfg.Key, "key", "", "API key with the admin scope (creates stocks and changes prices); required")
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

// raiseFileLimit raises this process's soft limit of open files to the hard
// limit and returns the soft limit it ends with.
func raiseFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = rl.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
			rl = want
		}
	}
	return rl.Cur
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
	perProc := int(max(fileLimit, 2*filesReserved) - filesReserved)
	procs := cfg.Procs
	if procs == 0 {
		procs = (cfg.Clients + perProc - 1) / perProc
	}
	if procs > cfg.Clients {
		procs = cfg.Clients
	}
	if (cfg.Clients+procs-1)/procs > perProc {
		return nil, fmt.Errorf("bench ws: %d clients in %d processes is more than %d open files each; raise --procs", cfg.Clients, procs, perProc)
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
	err := api.do(cctx, http.MethodGet, "/api/v1/stocks?limit=1", "/api/v1/stocks", nil, http.StatusOK, nil)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("bench ws: target %s: %w", cfg.Target, err)
	}

	res := &benchWSResult{Procs: procs}
	res.Load[0] = loadAverage()
	res.SymbolNames = benchSymbols(cfg.Symbols)
	drv := &wsDriver{api: api, symbols: res.SymbolNames, timeout: cfg.Timeout}
	if !cfg.Idle {
		fmt.Fprintf(e.stderr, "bench ws: creating %d stocks %s…\n", cfg.Symbols, res.SymbolNames[0])
		if err := drv.create(ctx); err != nil {
			return nil, err
		}
	}
	sample := func(i int) *serverSample {
		res.Metrics[i] = scrapeMetrics(ctx, api)
		if cfg.ServerPID == 0 {
			return nil
		}
		s, err := readServer(cfg.ServerPID)
		if err != nil {
			fmt.Fprintf(e.stderr, "bench ws: server pid %d: %v\n", cfg.ServerPID, err)
			return nil
		}
		return &s
	}
	res.Server = sample(0)

	fmt.Fprintf(e.stderr, "bench ws: opening %d connections in %d process(es)…\n", cfg.Clients, procs)
	type pool struct {
		in   io.WriteCloser
		dec  *json.Decoder
		wait func() error
	}
	pools := make([]pool, procs)
	var started []pool
	defer func() {
		for _, p := range started {
			p.in.Close()
			_ = p.wait()
		}
	}()
	offset := 0
	for i := range procs {
		n := cfg.Clients / procs
		if i < cfg.Clients%procs {
			n++
		}
		in, out, wait, err := start(ctx, n, offset, res.SymbolNames)
		if err != nil {
			return nil, err
		}
		pools[i] = pool{in: in, dec: json.NewDecoder(out), wait: wait}
		started = append(started, pools[i])
		offset += n
	}
	// Every pool reports once connected, then once finished.
	readAll := func(what string) ([]wsPoolResult, error) {
		out := make([]wsPoolResult, procs)
		var g errgroup.Group
		for i, p := range pools {
			g.Go(func() error {
				if err := p.dec.Decode(&out[i]); err != nil {
					return fmt.Errorf("bench ws: client process %d (%s): %w", i, what, err)
				}
				return nil
			})
		}
		return out, g.Wait()
	}
	ready, err := readAll("connecting")
	if err != nil {
		return nil, err
	}
	res.ServerConn = sample(1)
	connected := mergePools(ready)
	fmt.Fprintf(e.stderr, "bench ws: %d connections open, %d failed\n", connected.Opened, connected.Failed)

	plan := wsPlan{Drain: cfg.Drain}
	if cfg.Idle {
		if cfg.Hold > 0 {
			fmt.Fprintf(e.stderr, "bench ws: holding them for %s…\n", cfg.Hold)
			select {
			case <-ctx.Done():
			case <-time.After(cfg.Hold):
			}
		}
		res.ServerEnd = sample(2)
		plan.Close = true
	} else if ctx.Err() == nil {
		fmt.Fprintf(e.stderr, "bench ws: sending %d updates (%s)…\n", cfg.Updates, cfg.pace())
		res.DeliveryFrom = time.Now()
		res.Updates = drv.run(ctx, cfg.Updates, cfg.Rate, cfg.Batch)
		plan.Counts = res.Updates.Counts
		fmt.Fprintf(e.stderr, "bench ws: updates done (%d failed); waiting for the clients…\n", res.Updates.Failed)
	} else {
		plan.Close = true
	}
	for _, p := range pools {
		if err := json.NewEncoder(p.in).Encode(plan); err != nil {
			return nil, fmt.Errorf("bench ws: client process: %w", err)
		}
	}
	done, err := readAll("finishing")
	if err != nil {
		return nil, err
	}
	if !cfg.Idle {
		res.ServerEnd = sample(2)
	}
	res.Pools = mergePools(append(ready, done...))
	res.Load[1] = loadAverage()
	return res, nil
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

// localPool runs a pool of clients in this process.
func localPool(cfg benchWSConfig) wsPoolStarter {
	return func(ctx context.Context, n, offset int, symbols []string) (io.WriteCloser, io.Reader, func() error, error) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		c := cfg
		c.Clients = n
		done := make(chan error, 1)
		go func() {
			err := wsChild(ctx, c, symbols, offset, inR, outW)
			outW.CloseWithError(err)
			inR.Close()
			done <- err
		}()
		return inW, outR, func() error { return <-done }, nil
	}
}

// childPool runs a pool of clients in a child process: this executable,
// with the same flags and the internal --child-… ones. The key goes in the
// environment, not on the command line.
func childPool(cfg benchWSConfig, stderr io.Writer) wsPoolStarter {
	return func(ctx context.Context, n, offset int, symbols []string) (io.WriteCloser, io.Reader, func() error, error) {
		exe, err := os.Executable()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("bench ws: cannot find this executable to run client processes: %w", err)
		}
		cmd := exec.CommandContext(ctx, exe, "ws",
			"--target", cfg.Target, "--clients", strconv.Itoa(n), "--symbols", strconv.Itoa(len(symbols)),
			"--subscribe", cfg.Subscribe, "--dial-concurrency", strconv.Itoa(cfg.DialConcurrency),
			"--timeout", cfg.Timeout.String(), "--child-symbols", strings.Join(symbols, ","),
			"--child-offset", strconv.Itoa(offset))
		cmd.Env = append(os.Environ(), "TRX_KEY="+cfg.Key)
		cmd.Stderr = stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, nil, nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, nil, nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, nil, nil, fmt.Errorf("bench ws: start a client process: %w", err)
		}
		return in, bufio.NewReaderSize(out, 1<<20), cmd.Wait, nil
	}
}

// wsPlan is what the parent tells a pool once its updates are done.
type wsPlan struct {
	Close  bool           `json:"close,omitempty"`  // no updates: close and report
	Counts map[string]int `json:"counts,omitempty"` // successful updates per symbol
	Drain  time.Duration  `json:"drain"`
}

// wsChild is a pool of clients: it opens n of them (the offset-th onwards
// of the run), reports on out, reads its plan from in, waits for the
// messages the plan expects, and reports again.
func wsChild(ctx context.Context, cfg benchWSConfig, symbols []string, offset int, in io.Reader, out io.Writer) error {
	k, _ := cfg.perClient()
	p := newWSPool(symbols, k, cfg.Subscribe != "none")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := p.open(ctx, cfg, cfg.Clients, offset)
	defer p.closeAll() // ends the reads on every way out
	enc := json.NewEncoder(out)
	if err := enc.Encode(ready); err != nil {
		p.closeAll()
		return err
	}
	var plan wsPlan
	if err := json.NewDecoder(in).Decode(&plan); err != nil {
		p.closeAll()
		if errors.Is(err, io.EOF) {
			return nil // the parent stopped
		}
		return fmt.Errorf("bench ws: read the plan: %w", err)
	}
	return enc.Encode(p.finish(ctx, plan))
}

// wsPoolResult is what a pool reports: first about connecting, then about
// the messages. Merged over pools, it is the run's result.
type wsPoolResult struct {
	Opened      int            `json:"opened,omitempty"`
	Failed      int            `json:"failed,omitempty"`
	ConnectNS   int64          `json:"connect_ns,omitempty"`   // to open this pool's connections (dial to welcome)
	Subscribed  int            `json:"subscribed,omitempty"`   // subscribe replies received
	SubscribeNS int64          `json:"subscribe_ns,omitempty"` // from the first subscribe sent to the last reply
	Expected    int64          `json:"expected,omitempty"`
	Received    int64          `json:"received,omitempty"` // distinct notifications of the run, to subscribed symbols
	Lost        int64          `json:"lost,omitempty"`
	Duplicate   int64          `json:"duplicate,omitempty"`
	OutOfOrder  int64          `json:"out_of_order,omitempty"` // a sequence lower than one received before, first time seen
	Unexpected  int64          `json:"unexpected,omitempty"`   // distinct notifications beyond those expected
	Other       int64          `json:"other,omitempty"`        // notifications not of this run (or not subscribed)
	FirstRecv   int64          `json:"first_recv,omitempty"`   // unix ns
	LastRecv    int64          `json:"last_recv,omitempty"`    // unix ns
	Closed      map[string]int `json:"closed,omitempty"`       // connections the server ended before the pool did, by close code
	Errors      map[string]int `json:"errors,omitempty"`       // connect failures, by message (the first few distinct ones)
	LatencyUS   []int64        `json:"latency_us,omitempty"`   // commit-to-receive of every notification received
	ClientCPUNS int64          `json:"client_cpu_ns,omitempty"`
}

const maxDistinctErrors = 5

// mergePools adds results up.
func mergePools(rs []wsPoolResult) wsPoolResult {
	var m wsPoolResult
	for _, r := range rs {
		m.Opened += r.Opened
		m.Failed += r.Failed
		m.ConnectNS = max(m.ConnectNS, r.ConnectNS)
		m.Subscribed += r.Subscribed
		m.SubscribeNS = max(m.SubscribeNS, r.SubscribeNS)
		m.Expected += r.Expected
		m.Received += r.Received
		m.Lost += r.Lost
		m.Duplicate += r.Duplicate
		m.OutOfOrder += r.OutOfOrder
		m.Unexpected += r.Unexpected
		m.Other += r.Other
		if r.FirstRecv != 0 && (m.FirstRecv == 0 || r.FirstRecv < m.FirstRecv) {
			m.FirstRecv = r.FirstRecv
		}
		m.LastRecv = max(m.LastRecv, r.LastRecv)
		m.Closed = addCounts(m.Closed, r.Closed, 0)
		m.Errors = addCounts(m.Errors, r.Errors, maxDistinctErrors)
		m.LatencyUS = append(m.LatencyUS, r.LatencyUS...)
		m.ClientCPUNS += r.ClientCPUNS
	}
	return m
}

// addCounts adds b's counts to a; with keep > 0, a holds at most keep
// distinct keys besides "other", which counts the rest.
func addCounts(a, b map[string]int, keep int) map[string]int {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic choice of what is kept
	for _, k := range keys {
		if a == nil {
			a = map[string]int{}
		}
		_, ok := a[k]
		if keep > 0 && !ok && k != "other" && len(a)-boolInt(a["other"] > 0) >= keep {
			a["other"] += b[k]
			continue
		}
		a[k] += b[k]
	}
	return a
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// wsPool is this process's clients.
type wsPool struct {
	symbols   []string
	index     map[string]int
	perClient int  // symbols per client; 0 = all
	subscribe bool // send a subscribe message

	mu      sync.Mutex
	clients []*wsBenchClient
	errs    map[string]int

	received  atomic.Int64 // distinct notifications of the run, over all clients
	lastRecv  atomic.Int64
	subs      atomic.Int64 // subscribe replies
	subsFirst atomic.Int64
	subsLast  atomic.Int64
	readers   sync.WaitGroup
}

func newWSPool(symbols []string, perClient int, subscribe bool) *wsPool {
	p := &wsPool{symbols: symbols, index: make(map[string]int, len(symbols)), perClient: perClient, subscribe: subscribe}
	for i, s := range symbols {
		p.index[s] = i
	}
	return p
}

// wsBenchClient is one connection; its counters belong to its reader
// goroutine until that ends.
type wsBenchClient struct {
	conn   *websocket.Conn
	subs   []bool // per symbol index; nil: all
	seqs   seqSet
	dup    int64
	ooo    int64
	other  int64
	lat    []int64
	closed string // close code if the server ended the connection
	ended  atomic.Bool
}

// open connects n clients with cfg.DialConcurrency workers and, if asked,
// subscribes them; it returns the connect part of the pool's result.
func (p *wsPool) open(ctx context.Context, cfg benchWSConfig, n, offset int) wsPoolResult {
	u := strings.Replace(strings.TrimSuffix(cfg.Target, "/"), "http", "ws", 1) + "/ws"
	hdr := http.Header{"Authorization": {"Bearer " + cfg.Key}}
	// One transport for every dial: a hijacked connection leaves it, so
	// it never pools WebSocket connections; no keep-alive probes either.
	client := &http.Client{Transport: &http.Transport{
		DialContext:       (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: -1}).DialContext,
		DisableKeepAlives: true,
	}}
	opts := &websocket.DialOptions{HTTPClient: client, HTTPHeader: hdr}
	var next atomic.Int64
	var opened, failed atomic.Int64
	begin := time.Now()
	var wg sync.WaitGroup
	for range min(cfg.DialConcurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				c, err := p.dial(ctx, u, opts, cfg.Timeout, offset+i)
				if err != nil {
					failed.Add(1)
					p.mu.Lock()
					p.errs = addCounts(p.errs, map[string]int{shortError(err): 1}, maxDistinctErrors)
					p.mu.Unlock()
					continue
				}
				opened.Add(1)
				p.mu.Lock()
				p.clients = append(p.clients, c)
				p.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res := wsPoolResult{Opened: int(opened.Load()), Failed: int(failed.Load()), ConnectNS: int64(time.Since(begin))}
	if p.subscribe && res.Opened > 0 {
		// Wait for the subscribe replies (bounded by the timeout).
		deadline := time.Now().Add(cfg.Timeout)
		for p.subs.Load() < int64(res.Opened) && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		res.Subscribed = int(p.subs.Load())
		if res.Subscribed > 0 {
			res.SubscribeNS = p.subsLast.Load() - p.subsFirst.Load()
		}
	}
	p.mu.Lock()
	res.Errors = p.errs
	p.errs = nil
	p.mu.Unlock()
	return res
}

func shortError(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// dial opens client i: connect, read the welcome, subscribe, then read in
// its own goroutine.
func (p *wsPool) dial(ctx context.Context, u string, opts *websocket.DialOptions, timeout time.Duration, i int) (*wsBenchClient, error) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, u, opts)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	_, data, err := conn.Read(dctx)
	if err != nil {
		conn.CloseNow() //nolint:errcheck // failing anyway
		return nil, fmt.Errorf("read the welcome: %w", err)
	}
	if n, ok := parseWSNote(data); !ok || n.Type != "welcome" {
		conn.CloseNow() //nolint:errcheck // failing anyway
		return nil, fmt.Errorf("first message %.80q, want a welcome", data)
	}
	c := &wsBenchClient{conn: conn}
	if p.perClient > 0 {
		c.subs = make([]bool, len(p.symbols))
		syms := make([]string, p.perClient)
		for j := range syms {
			s := (i + j) % len(p.symbols)
			c.subs[s] = true
			syms[j] = p.symbols[s]
		}
		data, _ = json.Marshal(map[string]any{"action": "subscribe", "symbols": syms})
	} else {
		data = []byte(`{"action":"subscribe"}`)
	}
	if p.subscribe {
		p.subsFirst.CompareAndSwap(0, time.Now().UnixNano())
		if err := conn.Write(dctx, websocket.MessageText, data); err != nil {
			conn.CloseNow() //nolint:errcheck // failing anyway
			return nil, fmt.Errorf("subscribe: %w", err)
		}
	}
	p.readers.Add(1)
	go p.read(c)
	return c, nil
}

// read reads c's messages until the connection ends. It reads without a
// context (one costs a timer registration per read, on a machine the
// server shares): closeAll ends the reads.
func (p *wsPool) read(c *wsBenchClient) {
	defer p.readers.Done()
	for {
		_, data, err := c.conn.Read(context.Background())
		now := time.Now()
		if err != nil {
			if !c.ended.Load() {
				c.closed = strconv.Itoa(int(websocket.CloseStatus(err)))
			}
			return
		}
		n, ok := parseWSNote(data)
		if !ok {
			c.other++
			continue
		}
		switch n.Type {
		case "stock.changed":
			s, ok := p.index[n.Symbol]
			if !ok || n.Operation != "update" || (c.subs != nil && !c.subs[s]) {
				c.other++
				continue
			}
			dup, ooo := c.seqs.add(n.Sequence)
			switch {
			case dup:
				c.dup++
				continue
			case ooo:
				c.ooo++
			}
			p.received.Add(1)
			p.lastRecv.Store(now.UnixNano())
			if !n.ChangedAt.IsZero() {
				c.lat = append(c.lat, now.Sub(n.ChangedAt).Microseconds())
			}
		case "subscribed":
			p.subs.Add(1)
			p.subsLast.Store(now.UnixNano())
		}
	}
}

// finish waits until every client has what plan expects, or until no
// client received anything for plan.Drain, then closes the clients and
// reports.
func (p *wsPool) finish(ctx context.Context, plan wsPlan) wsPoolResult {
	var res wsPoolResult
	p.mu.Lock()
	clients := p.clients
	p.mu.Unlock()
	var total int
	for _, n := range plan.Counts {
		total += n
	}
	expected := make([]int64, len(clients))
	for i, c := range clients {
		if c.subs == nil {
			expected[i] = int64(total)
		}
		for s, on := range c.subs {
			if on {
				expected[i] += int64(plan.Counts[p.symbols[s]])
			}
		}
		res.Expected += expected[i]
	}
	if !plan.Close && res.Expected > 0 {
		last, lastAt := p.received.Load(), time.Now()
		for ctx.Err() == nil {
			got := p.received.Load()
			if got >= res.Expected {
				break
			}
			if got != last {
				last, lastAt = got, time.Now()
			} else if time.Since(lastAt) > plan.Drain {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	p.closeAll()
	p.readers.Wait()
	res.Closed = map[string]int{}
	for i, c := range clients {
		got := int64(c.seqs.len())
		res.Received += got
		res.Lost += max(expected[i]-got, 0)
		res.Unexpected += max(got-expected[i], 0)
		res.Duplicate += c.dup
		res.OutOfOrder += c.ooo
		res.Other += c.other
		res.LatencyUS = append(res.LatencyUS, c.lat...)
		if c.closed != "" {
			res.Closed[c.closed]++
		}
	}
	if len(res.Closed) == 0 {
		res.Closed = nil
	}
	res.LastRecv = p.lastRecv.Load()
	res.ClientCPUNS = selfCPU()
	return res
}

// closeAll ends every connection, without a close handshake: the server
// sees the end of the stream at once.
func (p *wsPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.clients {
		c.ended.Store(true)
		c.conn.CloseNow() //nolint:errcheck // ending anyway
	}
}

func selfCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// seqSet is the sequences one client received, in increasing order.
type seqSet struct{ s []uint64 }

// add records seq; it reports a duplicate (seen before: not added) or a
// sequence that came after a higher one (out of order: added).
func (q *seqSet) add(seq uint64) (dup, outOfOrder bool) {
	n := len(q.s)
	if n == 0 || seq > q.s[n-1] {
		q.s = append(q.s, seq)
		return false, false
	}
	i, found := slices.BinarySearch(q.s, seq)
	if found {
		return true, false
	}
	q.s = slices.Insert(q.s, i, seq)
	return false, true
}

func (q *seqSet) len() int { return len(q.s) }

// wsNote is the part of a server message that the bench reads.
type wsNote struct {
	Type      string    `json:"type"`
	Sequence  uint64    `json:"sequence"`
	Symbol    string    `json:"symbol"`
	Operation string    `json:"operation"`
	ChangedAt time.Time `json:"changed_at"`
}

// parseWSNote reads a server message. Ten thousand clients share the
// machine with the server, so it finds the few fields it needs by their
// keys rather than decoding the whole object, and falls back to
// encoding/json when a value is not plain (escapes, another shape).
func parseWSNote(data []byte) (wsNote, bool) {
	var n wsNote
	typ, ok := jsonString(data, "type")
	if !ok {
		return slowWSNote(data)
	}
	n.Type = typ
	if typ != "stock.changed" {
		return n, true
	}
	seq, ok1 := jsonNumber(data, "sequence")
	sym, ok2 := jsonString(data, "symbol")
	op, ok3 := jsonString(data, "operation")
	at, ok4 := jsonString(data, "changed_at")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return slowWSNote(data)
	}
	var err error
	if n.Sequence, err = strconv.ParseUint(seq, 10, 64); err != nil {
		return slowWSNote(data)
	}
	if n.ChangedAt, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return slowWSNote(data)
	}
	n.Symbol, n.Operation = sym, op
	return n, true
}

func slowWSNote(data []byte) (wsNote, bool) {
	var n wsNote
	if err := json.Unmarshal(data, &n); err != nil {
		return n, false
	}
	return n, true
}

// jsonString returns the value of "key":"value" in a flat JSON object if
// it holds no escape. JSON escapes every quote inside a string, so the
// first `"key":` is the key itself.
func jsonString(data []byte, key string) (string, bool) {
	v, ok := jsonValue(data, key)
	if !ok || len(v) < 2 || v[0] != '"' {
		return "", false
	}
	end := bytes.IndexByte(v[1:], '"')
	if end < 0 || bytes.IndexByte(v[1:1+end], '\\') >= 0 {
		return "", false
	}
	return string(v[1 : 1+end]), true
}

// jsonNumber returns the digits of "key":123.
func jsonNumber(data []byte, key string) (string, bool) {
	v, ok := jsonValue(data, key)
	if !ok {
		return "", false
	}
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == 0 {
		return "", false
	}
	return string(v[:end]), true
}

// jsonValue returns what follows `"key":` (after spaces).
func jsonValue(data []byte, key string) ([]byte, bool) {
	var pat [64]byte
	p := append(append(append(pat[:0], '"'), key...), '"')
	i := bytes.Index(data, p)
	if i < 0 {
		return nil, false
	}
	v := bytes.TrimLeft(data[i+len(p):], " \t\r\n")
	if len(v) == 0 || v[0] != ':' {
		return nil, false
	}
	return bytes.TrimLeft(v[1:], " \t\r\n"), true
}

// wsDriver changes prices through the stock API.
type wsDriver struct {
	api     *httpTarget
	symbols []string
	timeout time.Duration
	cents   []int64 // each symbol's last price, in cents
}

// create lists the run's stocks at 100.00.
func (d *wsDriver) create(ctx context.Context) error {
	d.cents = make([]int64, len(d.symbols))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, s := range d.symbols {
		d.cents[i] = 100_00
		g.Go(func() error {
			body, _ := json.Marshal(map[string]string{"symbol": s, "name": "bench stock " + strconv.Itoa(i), "price": "100.00", "currency": "USD"})
			cctx, cancel := context.WithTimeout(gctx, d.timeout)
			defer cancel()
			if err := d.api.do(cctx, http.MethodPost, "/api/v1/stocks", "/api/v1/stocks", body, http.StatusCreated, nil); err != nil {
				return fmt.Errorf("bench ws: create stock %s: %w", s, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// wsDriveResult is what the updates did.
type wsDriveResult struct {
	Requests int
	Sent     int // updates in successful requests
	Failed   int // updates in failed requests
	Late     int // requests of an open loop that started later than planned, every slot being busy
	Elapsed  time.Duration
	Counts   map[string]int // successful updates per symbol
	Errors   map[string]int
}

// run makes m updates, batch per request, at rate updates/s (0: one
// request after the other). Update u changes symbol u mod len(symbols) to
// its next price, a cent up, so that every update is a change.
func (d *wsDriver) run(ctx context.Context, m, rate, batch int) wsDriveResult {
	res := wsDriveResult{Counts: map[string]int{}}
	var mu sync.Mutex
	requests := (m + batch - 1) / batch
	send := func(j int) {
		first, last := j*batch, min((j+1)*batch, m)
		var body []byte
		var path, route, method string
		syms := make([]string, 0, last-first)
		mu.Lock()
		if last-first == 1 {
			s := first % len(d.symbols)
			d.cents[s]++
			syms = append(syms, d.symbols[s])
			method, path, route = http.MethodPatch, "/api/v1/stocks/"+d.symbols[s], "/api/v1/stocks/{symbol}"
			body, _ = json.Marshal(map[string]string{"price": cents(d.cents[s])})
		} else {
			type price struct {
				Symbol string `json:"symbol"`
				Price  string `json:"price"`
			}
			var in struct {
				Prices []price `json:"prices"`
			}
			for u := first; u < last; u++ {
				s := u % len(d.symbols)
				d.cents[s]++
				syms = append(syms, d.symbols[s])
				in.Prices = append(in.Prices, price{d.symbols[s], cents(d.cents[s])})
			}
			method, path, route = http.MethodPost, "/api/v1/stocks/prices", "/api/v1/stocks/prices"
			body, _ = json.Marshal(in)
		}
		mu.Unlock()
		cctx, cancel := context.WithTimeout(ctx, d.timeout)
		err := d.api.do(cctx, method, path, route, body, http.StatusOK, nil)
		cancel()
		mu.Lock()
		defer mu.Unlock()
		res.Requests++
		if err != nil {
			res.Failed += len(syms)
			res.Errors = addCounts(res.Errors, map[string]int{shortError(err): 1}, maxDistinctErrors)
			return
		}
		res.Sent += len(syms)
		for _, s := range syms {
			res.Counts[s]++
		}
	}
	begin := time.Now()
	if rate == 0 {
		for j := range requests {
			if ctx.Err() != nil {
				break
			}
			send(j)
		}
		res.Elapsed = time.Since(begin)
		return res
	}
	// Open loop: request j starts at begin + j×batch/rate, on one of 64
	// slots; when every slot is busy it starts late, and is counted so.
	slots := make(chan struct{}, 64)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) * float64(batch) / float64(rate))
	for j := range requests {
		at := begin.Add(time.Duration(j) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			mu.Lock()
			res.Late++
			mu.Unlock()
			slots <- struct{}{}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			send(j)
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(begin)
	return res
}

func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// serverSample is the server's CPU time and memory at one moment.
type serverSample struct {
	At     time.Time
	CPU    time.Duration // user + system
	RSS    int64         // bytes
	PID    int
	Thread int
}

// readServer reads /proc/<pid>/stat (utime, stime) and /proc/<pid>/status
// (VmRSS, Threads).
func readServer(pid int) (serverSample, error) {
	s := serverSample{At: time.Now(), PID: pid}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return s, err
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis, where field 3 (state) begins.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return s, errors.New("unreadable /proc stat times")
	}
	const clockTicks = 100 // USER_HZ, 100 on every Linux ABI Go supports
	s.CPU = time.Duration(utime+stime) * time.Second / clockTicks
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fs[0], 10, 64)
		switch k {
		case "VmRSS":
			s.RSS = n << 10 // kB
		case "Threads":
			s.Thread = int(n)
		}
	}
	return s, nil
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

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// wsLatencyStats are the percentiles of commit-to-receive latencies.
type wsLatencyStats struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

// wsLatency summarizes latencies given in µs, by the nearest-rank method.
func wsLatency(us []int64) wsLatencyStats {
	d := make([]time.Duration, len(us))
	for i, v := range us {
		d[i] = time.Duration(v) * time.Microsecond
	}
	slices.Sort(d)
	s := wsLatencyStats{N: len(d), P50: percentile(d, 50), P95: percentile(d, 95), P99: percentile(d, 99)}
	if len(d) > 0 {
		s.Max = d[len(d)-1]
	}
	return s
}

// writeWSReport prints the run's figures and how they compare with issue
// 5's targets.
func writeWSReport(w io.Writer, cfg benchWSConfig, r *benchWSResult) {
	p := r.Pools
	mode := "delivery: " + fmt.Sprintf("%d updates over %d symbols, %s", cfg.Updates, cfg.Symbols, cfg.pace())
	if cfg.Idle {
		mode = "idle: connections held " + cfg.Hold.String()
	}
	fmt.Fprintf(w, "trx-bench ws: target %s, %d clients in %d process(es), subscribe %s; %s\n", cfg.Target, cfg.Clients, r.Procs, cfg.Subscribe, mode)
	fmt.Fprintf(w, "machine: %d CPUs, load average %s at start, %s at end\n", runtime.NumCPU(), r.Load[0], r.Load[1])
	connRate := 0.0
	if p.ConnectNS > 0 {
		connRate = float64(p.Opened) / time.Duration(p.ConnectNS).Seconds()
	}
	fmt.Fprintf(w, "\nconnections: %d opened, %d failed, in %.2f s: %.0f connections/s\n", p.Opened, p.Failed, time.Duration(p.ConnectNS).Seconds(), connRate)
	if p.Subscribed > 0 || cfg.Subscribe != "none" {
		fmt.Fprintf(w, "subscriptions: %d replies, in %.2f s\n", p.Subscribed, time.Duration(p.SubscribeNS).Seconds())
	}
	writeCounts(w, "connect errors", p.Errors)
	rate := 0.0
	var lat wsLatencyStats
	if !cfg.Idle {
		u := r.Updates
		fmt.Fprintf(w, "updates: %d sent in %d requests in %.2f s (%.0f/s), %d failed", u.Sent, u.Requests, u.Elapsed.Seconds(), float64(u.Sent)/max(u.Elapsed.Seconds(), 1e-9), u.Failed)
		if u.Late > 0 {
			fmt.Fprintf(w, ", %d requests started late (every slot busy)", u.Late)
		}
		fmt.Fprintln(w)
		writeCounts(w, "update errors", u.Errors)
		fmt.Fprintf(w, "messages: %d expected, %d received, %d lost, %d duplicate, %d out of order, %d unexpected, %d other\n",
			p.Expected, p.Received, p.Lost, p.Duplicate, p.OutOfOrder, p.Unexpected, p.Other)
		var window time.Duration
		if p.LastRecv > 0 {
			window = time.Unix(0, p.LastRecv).Sub(r.DeliveryFrom)
			rate = float64(p.Received) / window.Seconds()
		}
		fmt.Fprintf(w, "delivered: %.0f messages/s (%d in %.2f s, from the first update sent to the last message received)\n", rate, p.Received, window.Seconds())
		lat = wsLatency(p.LatencyUS)
		fmt.Fprintf(w, "latency commit→receive ms: p50 %s, p95 %s, p99 %s, max %s (%d samples; changed_at has the database's precision, ms on SQLite)\n",
			ms(lat.P50), ms(lat.P95), ms(lat.P99), ms(lat.Max), lat.N)
	}
	writeCounts(w, "closed by the server (by close code)", p.Closed)
	fmt.Fprintf(w, "bench client CPU: %.1f s\n", time.Duration(p.ClientCPUNS).Seconds())

	perConn := int64(-1)
	if r.Server != nil && r.ServerConn != nil && r.ServerEnd != nil {
		b, c, e := r.Server, r.ServerConn, r.ServerEnd
		fmt.Fprintf(w, "\nserver pid %d: RSS %s before connecting, %s connected, %s at the end; threads %d → %d\n",
			b.PID, mib(b.RSS), mib(c.RSS), mib(e.RSS), b.Thread, e.Thread)
		if p.Opened > 0 {
			perConn = (max(c.RSS, e.RSS) - b.RSS) / int64(p.Opened)
			fmt.Fprintf(w, "server RSS per connection: %.1f KiB ((max(connected, end) − before) / %d connections)\n", float64(perConn)/1024, p.Opened)
		}
		connCPU := c.CPU - b.CPU
		fmt.Fprintf(w, "server CPU: %.2f s while connecting (%.0f µs per connection)", connCPU.Seconds(), float64(connCPU.Microseconds())/float64(max(p.Opened, 1)))
		span := e.At.Sub(c.At)
		what := "delivering"
		if cfg.Idle {
			what = "holding"
		}
		fmt.Fprintf(w, ", %.2f s while %s over %.2f s (%.0f%% of one CPU)", (e.CPU - c.CPU).Seconds(), what, span.Seconds(), 100*(e.CPU-c.CPU).Seconds()/max(span.Seconds(), 1e-9))
		if !cfg.Idle && p.Received > 0 {
			// Per message, the figure least skewed by other load on the machine.
			fmt.Fprintf(w, ": %.1f µs per message delivered", float64((e.CPU-c.CPU).Microseconds())/float64(p.Received))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "\nserver CPU and RSS: not measured (give --server-pid)")
	}
	if m0, m1 := r.Metrics[0], r.Metrics[1]; m0 != nil && m1 != nil && p.Opened > 0 {
		n := float64(p.Opened)
		fmt.Fprintf(w, "server runtime per connection (from /metrics): %.1f goroutines, heap %.1f KiB, stacks %.1f KiB\n",
			(m1["go_goroutines"]-m0["go_goroutines"])/n, (m1["go_memstats_heap_inuse_bytes"]-m0["go_memstats_heap_inuse_bytes"])/n/1024,
			(m1["go_memstats_stack_inuse_bytes"]-m0["go_memstats_stack_inuse_bytes"])/n/1024)
	}

	fmt.Fprintln(w, "\ntargets (issue 5, this machine, client and server together):")
	switch {
	case cfg.Idle:
		fmt.Fprintf(w, "  %d new connections/s: %.0f/s (%s)\n", targetWSConnRate, connRate, metText(connRate >= targetWSConnRate && p.Failed == 0))
		if perConn < 0 {
			fmt.Fprintf(w, "  %d idle connections at <= %d KiB server RSS each: needs --server-pid\n", targetWSIdle, targetWSIdleRSS>>10)
		} else {
			ok := perConn <= targetWSIdleRSS && p.Opened >= targetWSIdle
			fmt.Fprintf(w, "  %d idle connections at <= %d KiB server RSS each: %d at %.1f KiB (%s)\n", targetWSIdle, targetWSIdleRSS>>10, p.Opened, float64(perConn)/1024, metText(ok))
		}
	case cfg.Rate == 0:
		ok := p.Opened >= targetWSClients && p.Lost == 0 && p.Duplicate == 0 && rate >= targetWSRate
		fmt.Fprintf(w, "  %d clients, updates as fast as taken: 0 lost, 0 duplicate, >= %d messages/s: %d clients, %d lost, %d duplicate, %.0f/s (%s)\n",
			targetWSClients, targetWSRate, p.Opened, p.Lost, p.Duplicate, rate, metText(ok))
	default:
		ok := p.Opened >= targetWSClients && cfg.Rate >= targetWSP99Rate && lat.P99 <= targetWSP99 && p.Lost == 0
		fmt.Fprintf(w, "  %d clients at %d updates/s: p99 <= %s ms: %d clients at %d/s, p99 %s ms, %d lost (%s)\n",
			targetWSClients, targetWSP99Rate, ms(targetWSP99), p.Opened, cfg.Rate, ms(lat.P99), p.Lost, metText(ok))
	}
}

func writeCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	fmt.Fprintf(w, "%s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(w, "  %d× %s\n", m[k], k)
	}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
