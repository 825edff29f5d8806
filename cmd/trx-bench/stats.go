package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// summary is what `trx-bench` reports for one operation of one run.
type summary struct {
	Requests int           // completed requests, errors included
	Errors   int           // requests that failed (non-2xx or no answer)
	Elapsed  time.Duration // wall time of the phase the requests ran in
	P50      time.Duration
	P99      time.Duration
	Max      time.Duration
}

// PerSecond returns the throughput: completed requests per second.
func (s summary) PerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// summarize computes the exact percentiles of samples, every recorded
// latency of the run. It sorts samples in place.
func summarize(samples []time.Duration, errors int, elapsed time.Duration) summary {
	slices.Sort(samples)
	s := summary{Requests: len(samples), Errors: errors, Elapsed: elapsed}
	if len(samples) > 0 {
		s.P50 = percentile(samples, 50)
		s.P99 = percentile(samples, 99)
		s.Max = samples[len(samples)-1]
	}
	return s
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted samples
// by the nearest-rank method: the smallest sample that at least p% of all
// samples are at or below. It returns 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// p*n is exact for any realistic n, so an integer rank stays an integer.
	rank := int(math.Ceil(p * float64(n) / 100))
	return sorted[min(max(rank, 1), n)-1]
}

// errorLog counts failures by message and keeps the first few distinct
// messages, in the order they first happened.
type errorLog struct {
	mu     sync.Mutex
	keep   int
	first  []string
	counts map[string]int
	others int // failures whose message is not among the first
}

func newErrorLog(keep int) *errorLog {
	return &errorLog{keep: keep, counts: make(map[string]int)}
}

func (l *errorLog) add(err error) {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.counts[msg]; ok {
		l.counts[msg]++
		return
	}
	if len(l.first) < l.keep {
		l.first = append(l.first, msg)
		l.counts[msg] = 1
		return
	}
	l.others++
}

// write prints the kept messages with their counts, indented.
func (l *errorLog) write(w io.Writer, indent string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.first {
		fmt.Fprintf(w, "%s%d× %s\n", indent, l.counts[m], m)
	}
	if l.others > 0 {
		fmt.Fprintf(w, "%s%d× other errors\n", indent, l.others)
	}
}

func (l *errorLog) empty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.first) == 0
}

// tableRow is one line of the results table.
type tableRow struct {
	Label string
	S     summary
}

// writeTable prints rows as an aligned table with latencies in milliseconds.
func writeTable(w io.Writer, rows []tableRow) {
	width := len("operation")
	for _, r := range rows {
		width = max(width, len(r.Label))
	}
	fmt.Fprintf(w, "%-*s %10s %10s %8s %8s %8s %8s\n", width, "operation", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors")
	fmt.Fprintln(w, strings.Repeat("-", width+59))
	for _, r := range rows {
		fmt.Fprintf(w, "%-*s %10d %10.1f %8s %8s %8s %8d\n", width, r.Label, r.S.Requests, r.S.PerSecond(),
			ms(r.S.P50), ms(r.S.P99), ms(r.S.Max), r.S.Errors)
	}
}

// ms renders d in milliseconds with two decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func metText(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}
