package backup

import "time"

// SetOnRun makes Run call f after each backup, for tests to wait on.
func (s *Scheduler) SetOnRun(f func(Status)) { s.onRun = f }

// SetClock replaces the scheduler's clock, for tests.
func (s *Scheduler) SetClock(now func() time.Time) { s.now = now }
