package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/backup"
	"github.com/trx-platform/trx/internal/envflag"
	"github.com/trx-platform/trx/internal/sqldb"
)

// compBackup is the component that makes scheduled backups of the
// embedded SQLite database (part of "all"; it does nothing without
// --backup-every).
const compBackup = "backup"

// backupConfig is the part of serveConfig for scheduled backups.
type backupConfig struct {
	Every time.Duration
	Keep  int
	Dir   string
	// OnRun, when not nil, is told the status after each scheduled backup
	// (backup.Config.OnRun; no flag: tests wait on it).
	OnRun func(backup.Status)
}

func backupFlags(fs *envflag.FlagSet, cfg *backupConfig) {
	fs.DurationVar(&cfg.Every, "backup-every", 0, "back up the SQLite database this often into --backup-dir, e.g. 24h (0: no scheduled backups; the first is due at start when the newest backup is older than this)")
	fs.IntVar(&cfg.Keep, "backup-keep", 7, "how many scheduled backups --backup-dir keeps; after each backup the older ones are deleted")
	fs.StringVar(&cfg.Dir, "backup-dir", "", "directory of the scheduled backups (default --data/backups)")
}

// newBackupScheduler returns the scheduler of serve's backups; ok is false
// when --backup-every is 0. On MySQL a schedule is an error that explains
// the engine's own tools.
func newBackupScheduler(cfg serveConfig, db *sqldb.DB, reg prometheus.Registerer, log *slog.Logger) (s *backup.Scheduler, ok bool, err error) {
	if cfg.Backup.Every == 0 {
		return nil, false, nil
	}
	dir := cfg.Backup.Dir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "backups")
	}
	s, err = backup.NewScheduler(backup.Config{Dir: dir, Every: cfg.Backup.Every, Keep: cfg.Backup.Keep, TrxVersion: version, OnRun: cfg.Backup.OnRun}, db, reg, log)
	return s, err == nil, err
}

// newBackup is the backup component: a job that makes the backups, and a
// warning in /readyz when the last one failed (the service stays ready:
// a failed backup is for people and alerts, not for the load balancer).
func newBackup(ctx context.Context, sh *shared) (component, error) {
	s, ok, err := newBackupScheduler(sh.cfg, sh.db, sh.reg, sh.log)
	if err != nil || !ok {
		return component{}, err
	}
	return component{jobs: []job{{"backup", s.Run}}, warn: s.Check}, nil
}

// readyBody is /readyz's answer when ready: the status, and the warnings
// of the components here (a failed backup), if any.
func (s *server) readyBody() map[string]any {
	body := map[string]any{"status": "ready"}
	var warnings []string
	for _, p := range s.parts {
		if p.warn == nil {
			continue
		}
		if err := p.warn(); err != nil {
			warnings = append(warnings, err.Error())
		}
	}
	if len(warnings) > 0 {
		body["warnings"] = warnings
	}
	return body
}
