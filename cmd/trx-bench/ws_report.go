package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"time"
)

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
	if cfg.ConnectRate > 0 {
		fmt.Fprintf(w, "connect rate offered: %d/s (open loop, --dial-concurrency %d per process); achieved %.0f/s\n", cfg.ConnectRate, cfg.DialConcurrency, connRate)
	}
	if p.Subscribed > 0 || cfg.Subscribe != "none" {
		fmt.Fprintf(w, "subscriptions: %d replies, in %.2f s\n", p.Subscribed, time.Duration(p.SubscribeNS).Seconds())
	}
	writeCounts(w, "connect errors", p.Errors)
	rate := 0.0
	var lat wsLatencyStats
	if !cfg.Idle {
		rate, lat = writeWSDelivery(w, r)
	}
	writeCounts(w, "closed by the server (by close code)", p.Closed)
	fmt.Fprintf(w, "bench client CPU: %.1f s\n", time.Duration(p.ClientCPUNS).Seconds())
	perConn := writeWSServer(w, cfg, r)
	writeWSTargets(w, cfg, p, wsFigures{connRate: connRate, perConn: perConn, rate: rate, lat: lat})
}

// writeWSDelivery prints what the updates did and what the clients
// received; it returns the messages delivered per second and their
// latencies.
func writeWSDelivery(w io.Writer, r *benchWSResult) (rate float64, lat wsLatencyStats) {
	p, u := r.Pools, r.Updates
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
	return rate, lat
}

// writeWSServer prints the server's memory and CPU (with --server-pid)
// and its runtime figures per connection; it returns its RSS per
// connection in bytes, or -1 if not measured.
func writeWSServer(w io.Writer, cfg benchWSConfig, r *benchWSResult) (perConn int64) {
	p := r.Pools
	perConn = -1
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
	return perConn
}

// wsFigures are the figures of a run that issue 5's targets are about.
type wsFigures struct {
	connRate float64 // connections opened per second
	perConn  int64   // server RSS per connection, bytes; -1: not measured
	rate     float64 // messages delivered per second
	lat      wsLatencyStats
}

// writeWSTargets prints how the run compares with issue 5's targets.
func writeWSTargets(w io.Writer, cfg benchWSConfig, p wsPoolResult, f wsFigures) {
	fmt.Fprintln(w, "\ntargets (issue 5, this machine, client and server together):")
	switch {
	case cfg.Idle:
		fmt.Fprintf(w, "  %d new connections/s: %.0f/s (%s)\n", targetWSConnRate, f.connRate, metText(f.connRate >= targetWSConnRate && p.Failed == 0))
		if f.perConn < 0 {
			fmt.Fprintf(w, "  %d idle connections at <= %d KiB server RSS each: needs --server-pid\n", targetWSIdle, targetWSIdleRSS>>10)
		} else {
			ok := f.perConn <= targetWSIdleRSS && p.Opened >= targetWSIdle
			fmt.Fprintf(w, "  %d idle connections at <= %d KiB server RSS each: %d at %.1f KiB (%s)\n", targetWSIdle, targetWSIdleRSS>>10, p.Opened, float64(f.perConn)/1024, metText(ok))
		}
	case cfg.Rate == 0:
		ok := p.Opened >= targetWSClients && p.Lost == 0 && p.Duplicate == 0 && f.rate >= targetWSRate
		fmt.Fprintf(w, "  %d clients, updates as fast as taken: 0 lost, 0 duplicate, >= %d messages/s: %d clients, %d lost, %d duplicate, %.0f/s (%s)\n",
			targetWSClients, targetWSRate, p.Opened, p.Lost, p.Duplicate, f.rate, metText(ok))
	default:
		ok := p.Opened >= targetWSClients && cfg.Rate >= targetWSP99Rate && f.lat.P99 <= targetWSP99 && p.Lost == 0
		fmt.Fprintf(w, "  %d clients at %d updates/s: p99 <= %s ms: %d clients at %d/s, p99 %s ms, %d lost (%s)\n",
			targetWSClients, targetWSP99Rate, ms(targetWSP99), p.Opened, cfg.Rate, ms(f.lat.P99), p.Lost, metText(ok))
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
