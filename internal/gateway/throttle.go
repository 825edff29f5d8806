package gateway

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token bucket: Rate tokens per second refill a bucket of Burst;
// each request takes one. A Rate of zero or less means no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// On reports whether l limits anything.
func (l Limit) On() bool { return l.Rate > 0 }

func (l Limit) burst() int {
	if l.Burst > 0 {
		return l.Burst
	}
	return max(1, int(math.Ceil(l.Rate))) // one second's worth
}

// Decision is the outcome of taking a token.
type Decision struct {
	Allowed    bool
	Limit      int           // the bucket's size
	Remaining  int           // whole tokens left
	Reset      time.Duration // until the bucket is full again
	RetryAfter time.Duration // until a token is available (when not allowed)
	Window     time.Duration // the time to refill a whole bucket
}

// Buckets holds token buckets by key (a client IP or an API key) with
// bounded memory: a bucket idle long enough to have refilled is the same
// as a new one and is dropped, and past Max buckets arbitrary ones are.
// Limits are per process: N gateway replicas let N times the traffic
// through.
type Buckets struct {
	Max int // most buckets kept (default 100,000)

	mu        sync.Mutex
	m         map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	l    Limit
	seen time.Time
}

// NewBuckets returns an empty set of buckets.
func NewBuckets() *Buckets { return &Buckets{Max: 100_000, m: map[string]*bucket{}} }

// Len returns how many buckets are held.
func (b *Buckets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// Take takes a token from key's bucket under limit l at now.
func (b *Buckets) Take(key string, l Limit, now time.Time) Decision {
	burst := l.burst()
	b.mu.Lock()
	if now.Sub(b.lastSweep) >= time.Minute || len(b.m) >= b.Max {
		b.sweep(now)
	}
	bk := b.m[key]
	if bk == nil {
		bk = &bucket{lim: rate.NewLimiter(rate.Limit(l.Rate), burst), l: l}
		b.m[key] = bk
	} else if bk.l != l {
		bk.lim.SetLimitAt(now, rate.Limit(l.Rate))
		bk.lim.SetBurstAt(now, burst)
		bk.l = l
	}
	bk.seen = now
	b.mu.Unlock()

	ok := bk.lim.AllowN(now, 1)
	tokens := bk.lim.TokensAt(now)
	d := Decision{Allowed: ok, Limit: burst, Remaining: max(0, int(math.Floor(tokens))),
		Window: seconds(float64(burst) / l.Rate)}
	d.Reset = seconds((float64(burst) - tokens) / l.Rate)
	if !ok {
		d.RetryAfter = seconds((1 - tokens) / l.Rate)
	}
	return d
}

// sweep drops the buckets idle long enough to be full again, then, if
// still at Max, arbitrary ones until a tenth is free. b.mu is held.
func (b *Buckets) sweep(now time.Time) {
	b.lastSweep = now
	for k, bk := range b.m {
		if now.Sub(bk.seen).Seconds()*bk.l.Rate >= float64(bk.l.burst()) {
			delete(b.m, k)
		}
	}
	for k := range b.m {
		if len(b.m) < b.Max-b.Max/10 {
			break
		}
		delete(b.m, k)
	}
}

func seconds(s float64) time.Duration {
	if s <= 0 || math.IsNaN(s) {
		return 0
	}
	if s > 1e9 {
		s = 1e9
	}
	return time.Duration(s * float64(time.Second))
}

// ceilSeconds rounds d up to whole seconds, for headers.
func ceilSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

// setRateHeaders writes the IETF draft's RateLimit headers for d.
func setRateHeaders(h http.Header, d Decision) {
	h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("RateLimit-Reset", ceilSeconds(d.Reset))
	h.Set("RateLimit-Policy", strconv.Itoa(d.Limit)+";w="+ceilSeconds(d.Window))
	if !d.Allowed {
		h.Set("Retry-After", ceilSeconds(d.RetryAfter))
	}
}
