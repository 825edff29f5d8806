package gateway

import "sync"

// Slots bounds the expensive requests each user runs at once on this
// gateway: a semaphore of n slots per user, made on first use and dropped
// when idle (the classifier's per-user limiter, internal/classifier's
// limit.go, is the same design; past it the gateway answers 429 rather
// than wait, so that a held connection costs nothing).
type Slots struct {
	n     int
	mu    sync.Mutex
	users map[string]int // user -> slots taken
}

// NewSlots returns slots of n per user.
func NewSlots(n int) *Slots { return &Slots{n: n, users: map[string]int{}} }

// TryTake takes one of user's slots, or reports false when all are taken.
func (s *Slots) TryTake(user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[user] >= s.n {
		return false
	}
	s.users[user]++
	return true
}

// Give gives back a slot TryTake took.
func (s *Slots) Give(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[user]--; s.users[user] <= 0 {
		delete(s.users, user)
	}
}

// Len returns how many users hold slots.
func (s *Slots) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}
