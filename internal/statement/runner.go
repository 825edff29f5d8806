package statement

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Run stores the imports started on this process until ctx ends: first it
// settles the imports of processes that died (a running import whose
// heartbeat is older than StaleAfter, or every running one at start with
// SingleProcess), then it runs Workers imports at a time, renews their
// heartbeats, and goes on settling dead ones. When ctx ends, the imports
// not yet stored are marked failed (nothing of them was stored) and Run
// returns once its workers have stopped.
func (s *Service) Run(ctx context.Context) error {
	before := s.now().Add(-s.cfg.StaleAfter)
	if s.cfg.SingleProcess {
		before = s.now().Add(time.Second)
	}
	s.settle(ctx, before)
	close(s.ready)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work(ctx)
		}()
	}
	tick := time.NewTicker(max(s.cfg.StaleAfter/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			s.drain()
			return nil
		case <-tick.C:
			s.heartbeat(ctx)
			s.settle(ctx, s.now().Add(-s.cfg.StaleAfter))
		}
	}
}

func (s *Service) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-s.jobs:
			s.store1(ctx, j)
		}
	}
}

// drain fails the imports still queued when Run stops.
func (s *Service) drain() {
	for {
		select {
		case j := <-s.jobs:
			j.imp.State, j.imp.Error = StateFailed, "the server stopped before this import ran; nothing of it was stored: import the file again"
			s.finish(j.imp)
		default:
			return
		}
	}
}

func (s *Service) heartbeat(ctx context.Context) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.running))
	for id := range s.running {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := s.store.Heartbeat(ctx, ids, s.now()); err != nil && ctx.Err() == nil {
		s.log.Warn("import_heartbeat_failed", "err", err)
	}
}

// settle finishes the running imports of dead processes: done if their
// transactions were stored (the process died between the commit and
// writing the outcome), failed otherwise.
func (s *Service) settle(ctx context.Context, before time.Time) {
	stale, err := s.store.Stale(ctx, before)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("import_settle_failed", "err", err)
		}
		return
	}
	for _, imp := range stale {
		s.mu.Lock()
		mine := s.running[imp.ID]
		s.mu.Unlock()
		if mine {
			continue
		}
		n, err := s.store.CountImported(ctx, imp.ID)
		if err != nil {
			s.log.Warn("import_settle_failed", "import_id", imp.ID, "err", err)
			continue
		}
		if n > 0 {
			imp.State, imp.Created = StateDone, n
		} else {
			imp.State, imp.Error = StateFailed, "the server running this import stopped before it finished; nothing of it was stored: import the file again"
		}
		if ok, err := s.store.Finish(ctx, s.stamp(imp)); err != nil {
			s.log.Warn("import_settle_failed", "import_id", imp.ID, "err", err)
		} else if ok {
			s.log.Info("import_settled", "import_id", imp.ID, "state", imp.State, "created", n)
		}
	}
}

func (s *Service) stamp(imp Import) Import {
	imp.UpdatedAt = s.now()
	return imp
}

// store1 stores the transactions of one import in one database
// transaction, deduping again and retrying if another import into the
// account committed the same lines meanwhile.
func (s *Service) store1(ctx context.Context, j job) {
	defer func() { <-s.slots }()
	defer s.setRunning(j.imp.ID, false)
	imp := j.imp
	entries := j.entries
	var err error
	for attempt := 0; ; attempt++ {
		var created int
		created, err = s.insert(ctx, imp, entries, j.currency)
		if err == nil {
			imp.State, imp.Created = StateDone, created
			break
		}
		if !s.cfg.IsDuplicate(err) || attempt >= 3 {
			break
		}
		dups, derr := s.dedupe(ctx, imp.AccountID, entries)
		if derr != nil {
			err = derr
			break
		}
		n := len(entries)
		fresh := withoutKeys(entries, dups)
		imp.Duplicates += n - len(fresh)
		if entries = fresh; len(entries) == 0 {
			imp.State, err = StateDone, nil
			break
		}
	}
	if err != nil {
		imp = s.failed(imp, err)
	}
	s.finish(imp)
}

func (s *Service) insert(ctx context.Context, imp Import, entries []Entry, currency string) (int, error) {
	return s.txs.CreateImported(ctx, imp.UserID, imp.ID, drafts(entries, imp.AccountID, currency))
}

// failed is imp after err: failed, unless its transactions were committed
// after all (a cancel that raced the commit).
func (s *Service) failed(imp Import, err error) Import {
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if n, cerr := s.store.CountImported(cctx, imp.ID); cerr == nil && n > 0 {
		imp.State, imp.Created = StateDone, n
		return imp
	}
	imp.State = StateFailed
	if errors.Is(err, context.Canceled) {
		imp.Error = "the server was shutting down; nothing of this import was stored: import the file again"
	} else {
		imp.Error = s.errorText(imp, err)
	}
	return imp
}

// finish writes the outcome of an import, even while the server stops.
func (s *Service) finish(imp Import) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.store.Finish(ctx, s.stamp(imp)); err != nil {
		s.log.Error("import_finish_failed", "import_id", imp.ID, "err", err)
		return
	}
	s.log.Info("import_finished", "import_id", imp.ID, "state", imp.State, "created", imp.Created, "duplicates", imp.Duplicates)
}
