package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/sqldb"
)

// Config is the schedule of backups that trx serve makes.
type Config struct {
	// Dir receives the archives (trx-backup-TIME.tar).
	Dir string
	// Every is the time between two backups; zero turns them off.
	Every time.Duration
	// Keep is how many archives Dir keeps: after each backup the older
	// ones are deleted (default 7).
	Keep int
	// TrxVersion goes into each manifest.
	TrxVersion string
	// Now is the scheduler's clock (nil: time.Now).
	Now func() time.Time
	// OnRun, when not nil, is called with the status after each backup Run
	// makes (tests wait on it).
	OnRun func(Status)
}

// Validate checks the schedule (defaults applied).
func (c Config) Validate() error {
	switch {
	case c.Every < 0:
		return fmt.Errorf("--backup-every %s: want a positive duration such as 24h, or 0 for no scheduled backups", c.Every)
	case c.Every > 0 && c.Dir == "":
		return errors.New("--backup-dir: name the directory that receives the backups")
	case c.Keep < 0:
		return fmt.Errorf("--backup-keep %d: want how many backups to keep, 1 or more", c.Keep)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Keep == 0 {
		c.Keep = 7
	}
	return c
}

// Status is what the last backups did.
type Status struct {
	LastAttempt time.Time // zero before the first
	LastSuccess time.Time // zero before the first success
	// Last is the manifest of the last successful backup, Path its archive.
	Last Manifest
	Path string
	// LastError is the error of the last attempt ("" when it succeeded);
	// Failures counts the attempts that failed in a row.
	LastError string
	Failures  int
}

// Scheduler makes a backup every Config.Every into Config.Dir, keeps the
// newest Config.Keep, and counts each run in metrics. A failed backup is
// logged, counted and reported by Check; it never stops the server, and
// the next one is tried on schedule.
type Scheduler struct {
	cfg   Config
	db    *sqldb.DB
	log   *slog.Logger
	now   func() time.Time
	onRun func(Status) // Config.OnRun

	runs, failures                                   prometheus.Counter
	lastSuccess, lastSize, lastDuration, keep, inRow prometheus.Gauge

	mu sync.Mutex
	st Status
}

// NewScheduler returns a scheduler of backups of db (which must be SQLite)
// whose metrics are registered on reg. Start it with Run.
func NewScheduler(cfg Config, db *sqldb.DB, reg prometheus.Registerer, log *slog.Logger) (*Scheduler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db.Dialect != sqldb.SQLite {
		return nil, fmt.Errorf("--backup-every: %w; this server runs on %s.\n%s", ErrUnsupported, db.Dialect, MySQLAdvice)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Scheduler{cfg: cfg, db: db, log: log, now: now, onRun: cfg.OnRun,
		runs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trx_backup_runs_total", Help: "Scheduled backups attempted.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trx_backup_failures_total", Help: "Scheduled backups that failed.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_backup_last_success_timestamp_seconds", Help: "When the last successful backup was taken (Unix time; 0: none yet).",
		}),
		lastSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_backup_last_size_bytes", Help: "Size of the database in the last successful backup.",
		}),
		lastDuration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_backup_last_duration_seconds", Help: "How long the last successful backup took.",
		}),
		keep: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_backup_kept", Help: "Backup archives in the backup directory after the last run.",
		}),
		inRow: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trx_backup_consecutive_failures", Help: "Scheduled backups that failed since the last success (0: the last one succeeded).",
		}),
	}
	for _, c := range []prometheus.Collector{s.runs, s.failures, s.lastSuccess, s.lastSize, s.lastDuration, s.keep, s.inRow} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("backup: register metrics: %w", err)
		}
	}
	return s, nil
}

// Config returns the schedule, defaults applied.
func (s *Scheduler) Config() Config { return s.cfg }

// Run makes backups on schedule until ctx ends, then returns nil. The first
// is due Every after the newest archive already in Dir (at once when there
// is none, or it is older than that), so restarting the server neither
// skips nor repeats a backup.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.cfg.Every <= 0 {
		return nil
	}
	var newest time.Time
	if es, err := List(s.cfg.Dir); err != nil {
		s.log.Warn("backup_list_failed", "err", err, "dir", s.cfg.Dir)
	} else if len(es) > 0 {
		newest = es[0].Time
		s.keep.Set(float64(len(es)))
	}
	next := NextRun(newest, s.cfg.Every, s.now())
	s.log.Info("backup_scheduled", "dir", s.cfg.Dir, "every", s.cfg.Every, "keep", s.cfg.Keep, "next", next.UTC().Format(time.RFC3339))
	for {
		t := time.NewTimer(max(time.Until(next), 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		start := s.now()
		m, path, err := s.Backup(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			s.log.Info("backup_canceled", "err", err)
			return nil
		case err != nil:
			s.log.Error("backup_failed", "err", err, "dir", s.cfg.Dir)
		default:
			s.log.Info("backup_done", "path", path, "size", m.Size, "schema_version", m.SchemaVersion,
				"duration", s.now().Sub(start).Round(time.Millisecond))
		}
		if s.onRun != nil {
			s.onRun(s.Status())
		}
		next = NextRun(start, s.cfg.Every, s.now())
	}
}

// NextRun is when the backup after one made at last is due: Every later,
// but no earlier than now (a backup that is overdue is made at once) and no
// later than Every from now (a last time in the future is a clock that
// went back).
func NextRun(last time.Time, every time.Duration, now time.Time) time.Time {
	next := last.Add(every)
	if next.Before(now) {
		return now
	}
	if limit := now.Add(every); next.After(limit) {
		return limit
	}
	return next
}

// Backup makes one backup now, as a scheduled run does: it counts it in
// the metrics and Status, and prunes the directory after a success. It
// returns the manifest and the archive's path.
func (s *Scheduler) Backup(ctx context.Context) (Manifest, string, error) {
	start := time.Now()
	at := s.now().UTC()
	path := filepath.Join(s.cfg.Dir, Name(at))
	s.runs.Inc()
	m, err := Snapshot(ctx, s.db, path, Options{TrxVersion: s.cfg.TrxVersion, Now: func() time.Time { return at }})
	var kept int
	if err == nil {
		var es []Entry
		if _, err = Prune(s.cfg.Dir, s.cfg.Keep); err == nil {
			es, err = List(s.cfg.Dir)
			kept = len(es)
		}
		if err != nil {
			err = fmt.Errorf("backup %s made, but the old ones were not pruned: %w", path, err)
		}
	}
	elapsed := time.Since(start)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.LastAttempt = at
	if err != nil {
		if ctx.Err() == nil { // a shutdown cancels a backup; that is no failure
			s.failures.Inc()
			s.st.LastError = err.Error()
			s.st.Failures++
			s.inRow.Set(float64(s.st.Failures))
		}
		return m, path, err
	}
	s.st.LastSuccess, s.st.Last, s.st.Path, s.st.LastError, s.st.Failures = at, m, path, "", 0
	s.lastSuccess.Set(float64(at.UnixMicro()) / 1e6)
	s.lastSize.Set(float64(m.Size))
	s.lastDuration.Set(elapsed.Seconds())
	s.keep.Set(float64(kept))
	s.inRow.Set(0)
	return m, path, nil
}

// Status returns what the last runs did.
func (s *Scheduler) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Check reports a failed last backup, for the readiness probe's details:
// nil when the last attempt succeeded or none was made yet. The server
// keeps serving either way; this is for people and alerts to see.
func (s *Scheduler) Check() error {
	st := s.Status()
	if st.LastError == "" {
		return nil
	}
	last := "never"
	if !st.LastSuccess.IsZero() {
		last = st.LastSuccess.Format(time.RFC3339)
	}
	return fmt.Errorf("backup: the last %d backup(s) failed, the latest at %s: %s (last success: %s)",
		st.Failures, st.LastAttempt.Format(time.RFC3339), st.LastError, last)
}
