package auth

import (
	"strconv"
	"sync"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// BackoffConfig says how sign-ins slow down after failures. Each name and
// each client address has its own count: the first Free failures cost
// nothing; each later one makes the next attempt wait Base, doubling up
// to Max. A success for a name clears that name's count (not the
// address's: one address guessing many names stays slowed). A count is
// forgotten Forget after its last failure.
type BackoffConfig struct {
	NameFree, IPFree int
	Base, Max        time.Duration
	Forget           time.Duration
}

// DefaultBackoff: 5 free failures per name, 20 per address (people behind
// one NAT), then 1 s doubling to 15 min, forgotten after a quiet day.
func DefaultBackoff() BackoffConfig {
	return BackoffConfig{NameFree: 5, IPFree: 20, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
}

// BackoffError refuses a sign-in attempted too soon after failures; the
// HTTP layer answers 429 with Retry-After.
type BackoffError struct {
	RetryAfter time.Duration
}

// Error says what to do, in words a person can follow.
func (e *BackoffError) Error() string {
	return "too many failed sign-ins for this name or from this address; wait " + strconv.Itoa(e.Seconds()) +
		" seconds and try again"
}

// Seconds is RetryAfter rounded up to whole seconds (at least 1).
func (e *BackoffError) Seconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Unwrap makes it a fault for callers that do not know it (Forbidden); the
// HTTP layer answers it with 429 and Retry-After itself.
func (e *BackoffError) Unwrap() error { return errBackoff }

var errBackoff = fault.New(fault.Forbidden, "sign-in backoff")

// backoff counts failed sign-ins in this process (a replica each: behind
// N gateways, a guesser gets N times the attempts, still exponentially
// slowed).
type backoff struct {
	cfg BackoffConfig
	mu  sync.Mutex
	m   map[string]*failures
}

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

const maxBackoffEntries = 100_000

func newBackoff(cfg BackoffConfig) *backoff {
	return &backoff{cfg: cfg, m: map[string]*failures{}}
}

// wait returns how long the attempt for these keys must still wait (0:
// go ahead).
func (b *backoff) wait(now time.Time, keys ...string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	var d time.Duration
	for _, k := range keys {
		if f, ok := b.m[k]; ok && f.until.After(now) {
			d = max(d, f.until.Sub(now))
		}
	}
	return d
}

// fail records a failure for each key, with its free allowance.
func (b *backoff) fail(now time.Time, keys map[string]int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.m) >= maxBackoffEntries {
		b.forget(now)
	}
	for k, free := range keys {
		f, ok := b.m[k]
		if !ok || now.Sub(f.last) >= b.cfg.Forget {
			f = &failures{}
			b.m[k] = f
		}
		f.n++
		f.last = now
		if over := f.n - free; over > 0 {
			d := b.cfg.Base
			for i := 1; i < over && d < b.cfg.Max; i++ {
				d *= 2
			}
			f.until = now.Add(min(d, b.cfg.Max))
		}
	}
}

// clear forgets key's failures.
func (b *backoff) clear(key string) {
	b.mu.Lock()
	delete(b.m, key)
	b.mu.Unlock()
}

// forget drops old counts, then, if still full, the least recent half;
// b.mu is held.
func (b *backoff) forget(now time.Time) {
	for k, f := range b.m {
		if now.Sub(f.last) >= b.cfg.Forget && !f.until.After(now) {
			delete(b.m, k)
		}
	}
	for k := range b.m {
		if len(b.m) < maxBackoffEntries/2 {
			break
		}
		delete(b.m, k)
	}
}
