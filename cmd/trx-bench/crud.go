package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The targets of issue 2's benchmark, which the report checks against.
const (
	targetCreateRatio = 0.60                 // API create throughput / driver baseline
	targetGetP99      = 5 * time.Millisecond // get-by-id p99 …
	targetGetRate     = 2000                 // … at this many requests per second
)

// benchCrudConfig is the configuration of `trx-bench crud`.
type benchCrudConfig struct {
	Target string
	Key    string
	DB     string // the baseline's database; "" = no baseline
	Mix    weights
	Seed   int
	Load   loadConfig
}

const benchCrudSynopsis = `crud --key KEY [flags]

Drives a running trx with creates and gets of transactions over HTTP and prints,
per operation, requests, requests/s, p50/p99/max latency and errors. With --db,
it then runs the same inserts and selects straight through database/sql on that
database, at the same concurrency, duration and rate, and prints the ratio
API/baseline. It writes rows: point it at a database made for benchmarking.

By default a run has two phases of --duration each: creates (collecting the new
ids), then gets of random ids among those; with --db, the baseline's create
phase follows the API's, then come the API's get phase and the baseline's.
--mix create=50,get=50 runs one phase of both instead, after creating --seed
rows for the gets to read.
Without --rate each worker sends its next request as soon as the last one is
answered (closed loop); --rate N starts N requests a second across the workers
(open loop) and counts latency from each request's planned start, so that a
target that falls behind shows it.

Example (trx serve on this machine, its key in TRX_KEY):
  trx-bench crud --target http://127.0.0.1:8080 --concurrency 32 --duration 20s \
      --db mysql://root@127.0.0.1:3306/trx_bench
  trx-bench crud --target http://127.0.0.1:8080 --mix get=100 --rate 2000`

// parseBenchCrud reads the flags (and their environment twins) of
// `trx-bench crud`.
func parseBenchCrud(e env, args []string) (benchCrudConfig, error) {
	var (
		cfg benchCrudConfig
		mix string
	)
	fs := newFlagSet("crud", benchCrudSynopsis, e)
	fs.StringVar(&cfg.Target, "target", "http://127.0.0.1:8080", "base URL of the trx to drive")
	fs.SecretVar(&cfg.Key, "key", "", "API key (read and write scopes) of the user the API run acts as; required")
	fs.URLVar(&cfg.DB, "db", "", "database URL for the driver baseline, as trx serve takes it (mysql://… or sqlite:PATH); empty: no baseline")
	fs.IntVar(&cfg.Load.Concurrency, "concurrency", 32, "workers, each with one request in flight; also the baseline's pool size")
	fs.DurationVar(&cfg.Load.Duration, "duration", 20*time.Second, "length of each phase")
	fs.IntVar(&cfg.Load.Rate, "rate", 0, "requests per second across all workers (open loop); 0: as fast as answered")
	fs.StringVar(&mix, "mix", "phases", `"phases" (creates, then gets), or weights of one mixed phase such as create=20,get=80`)
	fs.IntVar(&cfg.Seed, "seed", 1000, "rows created, unmeasured, before a mixed phase that has gets")
	fs.DurationVar(&cfg.Load.Timeout, "timeout", 10*time.Second, "limit of one request")
	fs.DurationVar(&cfg.Load.Progress, "progress", 5*time.Second, "interval of progress lines on stderr; 0: none")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("bench crud: unexpected arguments %q", fs.Args())
	}
	var err error
	if cfg.Mix, err = parseMix(mix); err != nil {
		return cfg, err
	}
	return cfg, cfg.validate()
}

func (c benchCrudConfig) validate() error {
	var errs []string
	if c.Key == "" {
		errs = append(errs, "--key (TRX_KEY) is required: an API key of the target, as trx serve or trx users add prints it")
	}
	if u, err := url.Parse(c.Target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Sprintf("--target %q: want a URL such as http://127.0.0.1:8080", c.Target))
	}
	if c.Load.Concurrency < 1 || c.Load.Concurrency > 10_000 {
		errs = append(errs, fmt.Sprintf("--concurrency %d: want 1 to 10000", c.Load.Concurrency))
	}
	if c.Load.Duration <= 0 {
		errs = append(errs, fmt.Sprintf("--duration %s: want more than 0", c.Load.Duration))
	}
	if c.Load.Rate < 0 || c.Load.Rate > 1_000_000 {
		errs = append(errs, fmt.Sprintf("--rate %d: want 0 (closed loop) to 1000000", c.Load.Rate))
	}
	if c.Mix[opGet] > 0 && c.Mix.total() > 0 && c.Seed < 1 {
		errs = append(errs, fmt.Sprintf("--seed %d: a mix with gets needs at least 1 row to read", c.Seed))
	}
	if c.Load.Timeout <= 0 {
		errs = append(errs, fmt.Sprintf("--timeout %s: want more than 0", c.Load.Timeout))
	}
	if c.Load.Progress < 0 {
		errs = append(errs, fmt.Sprintf("--progress %s: want 0 (none) or more", c.Load.Progress))
	}
	if len(errs) > 0 {
		return fmt.Errorf("bench crud: %s", strings.Join(errs, "; "))
	}
	return nil
}

// parseMix reads --mix: "phases" (or "") returns zero weights, meaning a
// create phase and then a get phase; "create=W,get=W" returns the weights of
// one mixed phase.
func parseMix(s string) (weights, error) {
	var w weights
	s = strings.TrimSpace(s)
	if s == "" || s == "phases" {
		return w, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return w, fmt.Errorf("--mix %q: %q is not op=weight, as in create=50,get=50", s, part)
		}
		name = strings.TrimSpace(name)
		o := -1
		for i, n := range opNames {
			if n == name {
				o = i
			}
		}
		if o < 0 {
			return w, fmt.Errorf("--mix %q: unknown operation %q; want create or get", s, name)
		}
		if seen[name] {
			return w, fmt.Errorf("--mix %q: %s is given twice", s, name)
		}
		seen[name] = true
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 || n > 1_000_000 {
			return w, fmt.Errorf("--mix %q: weight of %s %q: want a whole number from 0", s, name, val)
		}
		w[o] = n
	}
	if w.total() == 0 {
		return w, fmt.Errorf("--mix %q: every weight is 0", s)
	}
	return w, nil
}

func runBenchCrud(ctx context.Context, e env, args []string) error {
	cfg, err := parseBenchCrud(e, args)
	if err != nil {
		return err
	}
	api := newHTTPTarget(cfg.Target, cfg.Key, cfg.Load.Concurrency)
	defer api.close()
	if err := api.check(ctx); err != nil {
		return err
	}
	var base *dbTarget
	if cfg.DB != "" {
		// Opened before the API run, so that a wrong URL fails at once.
		if base, err = openBaseline(ctx, cfg.DB, cfg.Load.Concurrency); err != nil {
			return err
		}
		defer base.close()
	}

	fmt.Fprintf(e.stdout, "trx-bench crud: target %s, concurrency %d, %s, %s\n", cfg.Target, cfg.Load.Concurrency, cfg.loopText(), cfg.planText())
	if base != nil {
		fmt.Fprintf(e.stdout, "baseline (db): the same INSERT and SELECT through database/sql on %s, pool of %d\n", base.db.Where, cfg.Load.Concurrency)
	}
	loads := []*load{{cfg: cfg.Load, label: "api", target: api, pool: &idPool{}, stderr: e.stderr}}
	if base != nil {
		loads = append(loads, &load{cfg: cfg.Load, label: "db", target: base, pool: &idPool{}, stderr: e.stderr})
	}
	results, err := runCrud(ctx, loads, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	writeCrudReport(e.stdout, cfg, results)
	return nil
}

func (c benchCrudConfig) loopText() string {
	if c.Load.Rate > 0 {
		return fmt.Sprintf("open loop at %d req/s", c.Load.Rate)
	}
	return "closed loop"
}

func (c benchCrudConfig) planText() string {
	if c.Mix.total() == 0 {
		return fmt.Sprintf("create for %s, then get for %s", c.Load.Duration, c.Load.Duration)
	}
	var parts []string
	for o, w := range c.Mix {
		if w > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", opNames[o], w))
		}
	}
	s := fmt.Sprintf("mix %s for %s", strings.Join(parts, ","), c.Load.Duration)
	if c.Mix[opGet] > 0 {
		s += fmt.Sprintf(" after seeding %d rows", c.Seed)
	}
	return s
}

// opOutcome is the result of one operation of one run.
type opOutcome struct {
	Ran  bool
	Sum  summary
	Errs *errorLog
}

// crudResult is the result of the API run or of the baseline.
type crudResult struct {
	Label       string
	Ops         [numOps]opOutcome
	Notes       []string
	Interrupted bool
	FellBehind  bool // an open-loop phase could not start every planned request
}

// runCrud runs the plan of cfg on each load (the API, then the baseline):
// a create phase on each, then a get phase on each; or one mixed phase on
// each. The API's phase and the baseline's of the same operation run back
// to back, so that a machine whose other load changes over the run skews
// their ratio as little as it can.
func runCrud(ctx context.Context, loads []*load, cfg benchCrudConfig) ([]crudResult, error) {
	res := make([]crudResult, len(loads))
	for i, l := range loads {
		res[i].Label = l.label
	}
	collect := func(i int, pr phaseResult, w weights, what string) {
		r := &res[i]
		for o := range numOps {
			if w[o] == 0 {
				continue
			}
			rec := pr.Ops[o]
			r.Ops[o] = opOutcome{Ran: true, Sum: summarize(rec.samples, rec.errors, pr.Elapsed), Errs: rec.errs}
		}
		if pr.NotSent > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%s %s: %d of the requests planned at %d req/s never started, every worker being busy: the target fell behind the rate",
				r.Label, what, pr.NotSent, cfg.Load.Rate))
			r.FellBehind = true
		}
		r.Interrupted = r.Interrupted || pr.Interrupted
	}
	if cfg.Mix.total() == 0 {
		create, get := weights{opCreate: 1}, weights{opGet: 1}
		for i, l := range loads {
			if ctx.Err() != nil {
				return res, nil
			}
			collect(i, l.phase(ctx, create), create, "create")
		}
		for i, l := range loads {
			if ctx.Err() != nil {
				return res, nil
			}
			if l.pool.len() == 0 {
				res[i].Notes = append(res[i].Notes, l.label+" get: not run, since no create succeeded")
				continue
			}
			collect(i, l.phase(ctx, get), get, "get")
		}
		return res, nil
	}
	for i, l := range loads {
		if ctx.Err() != nil {
			return res, nil
		}
		if cfg.Mix[opGet] > 0 {
			fmt.Fprintf(l.stderr, "bench: %s: seeding %d rows\n", l.label, cfg.Seed)
			if err := l.seed(ctx, cfg.Seed); err != nil {
				if ctx.Err() != nil {
					res[i].Interrupted = true
					return res, nil
				}
				return res, err
			}
		}
		collect(i, l.phase(ctx, cfg.Mix), cfg.Mix, "mix")
	}
	return res, nil
}
