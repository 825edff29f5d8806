package classifier

import (
	"context"
	"sync"
)

// limiter bounds the classifications one user runs at once (classify,
// auto-categorize, jobs), so that one API key cannot take every core: each
// user has a semaphore of n slots, made on first use and dropped when idle.
type limiter struct {
	n     int
	mu    sync.Mutex
	users map[string]*userSlots
}

type userSlots struct {
	slots chan struct{}
	refs  int // holders and waiters
}

func newLimiter(n int) *limiter { return &limiter{n: n, users: map[string]*userSlots{}} }

// acquire takes one of the user's slots. With wait it waits for one (or
// for ctx); without, it returns ErrBusy when all are taken. The returned
// func gives the slot back.
func (l *limiter) acquire(ctx context.Context, user string, wait bool) (func(), error) {
	l.mu.Lock()
	u := l.users[user]
	if u == nil {
		u = &userSlots{slots: make(chan struct{}, l.n)}
		l.users[user] = u
	}
	u.refs++
	l.mu.Unlock()
	drop := func() {
		l.mu.Lock()
		if u.refs--; u.refs == 0 {
			delete(l.users, user)
		}
		l.mu.Unlock()
	}
	if wait {
		select {
		case u.slots <- struct{}{}:
		case <-ctx.Done():
			drop()
			return nil, ctx.Err()
		}
	} else {
		select {
		case u.slots <- struct{}{}:
		default:
			drop()
			return nil, ErrBusy
		}
	}
	return func() {
		<-u.slots
		drop()
	}, nil
}
