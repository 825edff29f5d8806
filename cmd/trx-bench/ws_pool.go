package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

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
			"--connect-rate", strconv.Itoa(shareRate(cfg.ConnectRate, n, cfg.Clients)),
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

// wsPoolConn is the parent's end of one pool's child protocol.
type wsPoolConn struct {
	in   io.WriteCloser
	dec  *json.Decoder
	wait func() error
}

// wsPools is every pool of a run.
type wsPools []wsPoolConn

// startPools starts procs pools that share cfg.Clients between them. It
// returns the pools it started, on an error too: stop them.
func startPools(ctx context.Context, cfg benchWSConfig, procs int, start wsPoolStarter, symbols []string) (wsPools, error) {
	var pools wsPools
	offset := 0
	for i := range procs {
		n := cfg.Clients / procs
		if i < cfg.Clients%procs {
			n++
		}
		in, out, wait, err := start(ctx, n, offset, symbols)
		if err != nil {
			return pools, err
		}
		pools = append(pools, wsPoolConn{in: in, dec: json.NewDecoder(out), wait: wait})
		offset += n
	}
	return pools, nil
}

// reports reads one report from every pool: each reports once connected,
// then once finished.
func (ps wsPools) reports(what string) ([]wsPoolResult, error) {
	out := make([]wsPoolResult, len(ps))
	var g errgroup.Group
	for i, p := range ps {
		g.Go(func() error {
			if err := p.dec.Decode(&out[i]); err != nil {
				return fmt.Errorf("bench ws: client process %d (%s): %w", i, what, err)
			}
			return nil
		})
	}
	return out, g.Wait()
}

// send tells every pool the plan.
func (ps wsPools) send(plan wsPlan) error {
	for _, p := range ps {
		if err := json.NewEncoder(p.in).Encode(plan); err != nil {
			return fmt.Errorf("bench ws: client process: %w", err)
		}
	}
	return nil
}

// stop ends every pool's plan input and waits for the pool to end.
func (ps wsPools) stop() {
	for _, p := range ps {
		p.in.Close()
		_ = p.wait()
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

// shareRate is a process's share of the run's connect rate: in proportion
// to its clients (at least 1/s when the run has a rate; 0 stays 0).
func shareRate(rate, n, clients int) int {
	if rate == 0 || clients == 0 {
		return 0
	}
	return max(1, int(int64(rate)*int64(n)/int64(clients)))
}
