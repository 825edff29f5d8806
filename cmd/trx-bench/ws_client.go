package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

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
	// With a connect rate (this process's share of it), connect i starts
	// at begin + i/rate, or as soon as a worker is free after that.
	rate := shareRate(cfg.ConnectRate, n, cfg.Clients)
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
				if rate > 0 {
					at := begin.Add(time.Duration(int64(i) * int64(time.Second) / int64(rate)))
					if d := time.Until(at); d > 0 {
						select {
						case <-ctx.Done():
							return
						case <-time.After(d):
						}
					}
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
