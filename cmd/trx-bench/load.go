package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// benchOp is an operation that `trx-bench crud` measures.
type benchOp int

const (
	opCreate benchOp = iota
	opGet
	numOps
)

var opNames = [numOps]string{"create", "get"}

func (o benchOp) String() string { return opNames[o] }

// weights says how often each operation runs in a phase, relative to the
// others; a zero weight leaves an operation out.
type weights [numOps]int

func (w weights) total() int {
	t := 0
	for _, n := range w {
		t += n
	}
	return t
}

// pick chooses an operation at random in proportion to w.
func (w weights) pick() benchOp {
	n := rand.IntN(w.total())
	for o, wt := range w {
		if n < wt {
			return benchOp(o)
		}
		n -= wt
	}
	panic("unreachable: weights changed while picking")
}

// benchTarget is what a bench drives: trx over HTTP, or the database
// directly as the baseline. Both must do the same durable work.
type benchTarget interface {
	// create stores one new transaction; n numbers the call and varies the
	// values. It returns the new id.
	create(ctx context.Context, n uint64) (string, error)
	// get reads one transaction by id.
	get(ctx context.Context, id string) error
}

// idPool holds the ids created so far, for gets to choose from.
type idPool struct {
	mu  sync.RWMutex
	ids []string
}

func (p *idPool) add(id string) {
	p.mu.Lock()
	p.ids = append(p.ids, id)
	p.mu.Unlock()
}

func (p *idPool) random() (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if len(p.ids) == 0 {
		return "", false
	}
	return p.ids[rand.IntN(len(p.ids))], true
}

func (p *idPool) len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.ids)
}

// loadConfig says how hard and how long a load runs.
type loadConfig struct {
	Concurrency int           // workers, each with at most one request in flight
	Duration    time.Duration // of each phase
	Rate        int           // requests per second across workers; 0 = as fast as answered
	Timeout     time.Duration // of one request
	Progress    time.Duration // between progress lines on stderr; 0 = none
}

// load runs phases of requests against one target.
type load struct {
	cfg    loadConfig
	label  string // "api" or "db", to tell runs apart in output
	target benchTarget
	pool   *idPool
	seq    atomic.Uint64
	stderr io.Writer
}

// opRecord is what the workers of a phase recorded for one operation.
type opRecord struct {
	samples []time.Duration
	errors  int
	errs    *errorLog
}

// phaseResult is the outcome of one phase.
type phaseResult struct {
	Elapsed time.Duration
	Ops     [numOps]opRecord
	// NotSent counts the requests that an open-loop schedule planned before
	// the end of the phase and no worker was free to start: the target fell
	// behind the rate.
	NotSent int
	// Interrupted is set when the phase ended early (Ctrl-C).
	Interrupted bool
}

// errNoIDs is returned by a get when no create has succeeded yet.
var errNoIDs = errors.New("no transaction created yet to get")

// phase runs w for the configured duration and returns what it measured.
// No request is planned after the deadline; requests in flight then, and
// in an open loop the few already scheduled (at most one a worker), finish
// within the request timeout and count. When ctx ends (Ctrl-C), the phase stops
// at once and requests cut short are not counted.
func (l *load) phase(ctx context.Context, w weights) phaseResult {
	start := time.Now()
	pctx, cancel := context.WithDeadline(ctx, start.Add(l.cfg.Duration))
	defer cancel()

	p := &phaseRun{l: l, w: w, start: start}
	for o := range p.errLogs {
		p.errLogs[o] = newErrorLog(5)
	}
	var (
		wg      sync.WaitGroup
		sent    int
		records = make([][numOps]opRecord, l.cfg.Concurrency)
	)
	if l.cfg.Rate > 0 {
		ch := make(chan time.Time, l.cfg.Concurrency)
		p.sched = ch
		wg.Go(func() { sent = schedule(ctx, ch, start, start.Add(l.cfg.Duration), l.cfg.Rate) })
	}
	for i := range records {
		wg.Go(func() { p.work(ctx, pctx, &records[i]) })
	}
	stopProgress := make(chan struct{})
	var pw sync.WaitGroup
	if l.cfg.Progress > 0 {
		pw.Go(func() { p.progress(stopProgress) })
	}
	wg.Wait()
	close(stopProgress)
	pw.Wait()

	res := phaseResult{Elapsed: time.Since(start), Interrupted: ctx.Err() != nil}
	for o := range numOps {
		res.Ops[o].errs = p.errLogs[o]
		for i := range records {
			res.Ops[o].samples = append(res.Ops[o].samples, records[i][o].samples...)
			res.Ops[o].errors += records[i][o].errors
		}
	}
	if l.cfg.Rate > 0 && !res.Interrupted {
		res.NotSent = max(planned(l.cfg.Duration, l.cfg.Rate)-sent, 0)
	}
	return res
}

// phaseRun is what the workers of one phase share.
type phaseRun struct {
	l        *load
	w        weights
	start    time.Time
	sched    <-chan time.Time // an open loop's start instants; nil in a closed loop
	counters [numOps]struct{ requests, errors atomic.Int64 }
	errLogs  [numOps]*errorLog
}

// work is one worker: it runs one request after the other, each when
// next says, until the phase ends, and records them in rec.
func (p *phaseRun) work(ctx, pctx context.Context, rec *[numOps]opRecord) {
	for {
		at, ok := next(ctx, pctx, p.sched)
		if !ok {
			return
		}
		o := p.w.pick()
		err := p.l.do(ctx, o)
		lat := time.Since(at)
		if ctx.Err() != nil {
			return // interrupted: the request was cut short, not answered
		}
		rec[o].samples = append(rec[o].samples, lat)
		p.counters[o].requests.Add(1)
		if err != nil {
			rec[o].errors++
			p.counters[o].errors.Add(1)
			p.errLogs[o].add(err)
		}
	}
}

// progress prints a line per operation every --progress until stop is
// closed.
func (p *phaseRun) progress(stop <-chan struct{}) {
	l := p.l
	t := time.NewTicker(l.cfg.Progress)
	defer t.Stop()
	var last [numOps]int64
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			for o := range numOps {
				if p.w[o] == 0 {
					continue
				}
				n := p.counters[o].requests.Load()
				fmt.Fprintf(l.stderr, "bench: %s %s: %5.0fs %9d requests %9.1f req/s (last %s) %6d errors\n",
					l.label, opNames[o], now.Sub(p.start).Seconds(), n,
					float64(n-last[o])/l.cfg.Progress.Seconds(), l.cfg.Progress, p.counters[o].errors.Load())
				last[o] = n
			}
		}
	}
}

// next waits for the moment to start the next request: now, in a closed
// loop (sched nil), or the next instant of an open loop's schedule. It
// returns that instant, from which latency counts, or false when the phase
// is over.
func next(ctx, pctx context.Context, sched <-chan time.Time) (time.Time, bool) {
	if sched == nil {
		return time.Now(), pctx.Err() == nil
	}
	select {
	case at, ok := <-sched:
		return at, ok && ctx.Err() == nil
	case <-ctx.Done():
		return time.Time{}, false
	}
}

// schedule sends the start instants of an open loop, rate per second from
// start until end, then closes ch; it returns how many it sent. The instants
// are fixed in advance: when every worker is busy the send waits, and the
// latency of the late request still counts from its planned instant, so a
// slow target cannot hide its queueing delay (no coordinated omission).
// Instants still unsent at end are never sent. ctx ending (Ctrl-C) stops it.
func schedule(ctx context.Context, ch chan<- time.Time, start, end time.Time, rate int) (sent int) {
	defer close(ch)
	interval := float64(time.Second) / float64(rate)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	deadline := time.NewTimer(time.Until(end))
	defer deadline.Stop()
	for i := 0; ; i++ {
		at := start.Add(time.Duration(float64(i) * interval))
		if !at.Before(end) {
			return sent
		}
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return sent
			}
		}
		select {
		case ch <- at: // a worker is free, or the buffer has room
		default:
			// Every worker is busy: wait for one until the end of the phase.
			select {
			case ch <- at:
			case <-deadline.C:
				return sent
			case <-ctx.Done():
				return sent
			}
		}
		sent++
	}
}

// planned returns how many instants schedule plans from start until end.
func planned(d time.Duration, rate int) int {
	return int(math.Ceil(d.Seconds() * float64(rate)))
}

// do runs one operation with its own timeout.
func (l *load) do(ctx context.Context, o benchOp) error {
	rctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	switch o {
	case opCreate:
		id, err := l.target.create(rctx, l.seq.Add(1))
		if err != nil {
			return err
		}
		l.pool.add(id)
		return nil
	case opGet:
		id, ok := l.pool.random()
		if !ok {
			return errNoIDs
		}
		return l.target.get(rctx, id)
	}
	return fmt.Errorf("bench: unknown operation %d", o)
}

// seed creates n transactions, unmeasured, so that gets have ids to read
// from the first request of a mixed phase.
func (l *load) seed(ctx context.Context, n int) error {
	var (
		wg      sync.WaitGroup
		left    atomic.Int64
		firstMu sync.Mutex
		first   error
	)
	left.Store(int64(n))
	for range min(l.cfg.Concurrency, n) {
		wg.Go(func() {
			for left.Add(-1) >= 0 && ctx.Err() == nil {
				if err := l.do(ctx, opCreate); err != nil {
					firstMu.Lock()
					if first == nil {
						first = err
					}
					firstMu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if first != nil {
		return fmt.Errorf("bench: %s: seeding %d transactions: %w", l.label, n, first)
	}
	return nil
}
