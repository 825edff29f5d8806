package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/backup"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/event/eventtest"
	"github.com/trx-platform/trx/internal/sqldb"
)

func newScheduler(t *testing.T, db *sqldb.DB, cfg backup.Config) (*backup.Scheduler, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := backup.NewScheduler(cfg, db, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestRetentionKeepsExactly: after each of keep+3 backups the directory
// holds the newest min(n, keep) archives, exactly, and files that are not
// backups are never touched.
func TestRetentionKeepsExactly(t *testing.T) {
	db, _ := openSQLite(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	const keep = 3
	clock := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s, reg := newScheduler(t, db, backup.Config{Dir: dir, Every: time.Hour, Keep: keep, Now: func() time.Time { return clock }})
	var made []string
	for i := range keep + 3 {
		clock = clock.Add(time.Hour)
		_, path, err := s.Backup(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, path)
		es, err := backup.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Path)
		}
		var want []string
		for j := len(made) - 1; j >= 0 && len(want) < keep; j-- {
			want = append(want, made[j])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("after backup %d (-want +got):\n%s", i+1, diff)
		}
		if v := gauge(t, reg, "trx_backup_kept"); v != float64(len(want)) {
			t.Errorf("trx_backup_kept %v, want %d", v, len(want))
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file that is not a backup was touched: %v", err)
	}
	if filepath.Base(made[0]) != "trx-backup-20261201T010000.000000Z.tar" {
		t.Errorf("archive name %s", filepath.Base(made[0]))
	}
}

func TestExpired(t *testing.T) {
	es := []backup.Entry{{Path: "c"}, {Path: "b"}, {Path: "a"}}
	for _, tt := range []struct {
		keep int
		want int
	}{{0, 2}, {1, 2}, {2, 1}, {3, 0}, {5, 0}} {
		if got := backup.Expired(es, tt.keep); len(got) != tt.want {
			t.Errorf("Expired(keep %d) = %v, want %d entries", tt.keep, got, tt.want)
		}
	}
}

// TestFailureIsVisible: a backup that fails is counted, reported by Check
// with its cause, and forgotten by Check after the next success; the
// success metrics describe the last success.
func TestFailureIsVisible(t *testing.T) {
	db, _ := openSQLite(t)
	dir := filepath.Join(t.TempDir(), "backups")
	if err := os.WriteFile(dir, nil, 0o600); err != nil { // a file where the directory should be
		t.Fatal(err)
	}
	s, reg := newScheduler(t, db, backup.Config{Dir: dir, Every: time.Hour, Keep: 2})
	if err := s.Check(); err != nil {
		t.Fatalf("Check before any backup: %v", err)
	}
	if _, _, err := s.Backup(context.Background()); err == nil {
		t.Fatal("a backup into a file succeeded")
	}
	err := s.Check()
	if err == nil || !strings.Contains(err.Error(), "last success: never") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Check after a failure: %v", err)
	}
	if f := gauge(t, reg, "trx_backup_failures_total"); f != 1 {
		t.Errorf("failures %v, want 1", f)
	}
	if f := gauge(t, reg, "trx_backup_consecutive_failures"); f != 1 {
		t.Errorf("consecutive failures %v, want 1", f)
	}
	if v := gauge(t, reg, "trx_backup_last_success_timestamp_seconds"); v != 0 {
		t.Errorf("last success %v after a failure only", v)
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	m, path, err := s.Backup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check after a success: %v", err)
	}
	st := s.Status()
	if st.Path != path || st.Last.SHA256 != m.SHA256 || st.Failures != 0 || st.LastError != "" {
		t.Errorf("status %+v", st)
	}
	if v := gauge(t, reg, "trx_backup_last_size_bytes"); v != float64(m.Size) {
		t.Errorf("last size %v, want %d", v, m.Size)
	}
	if v := gauge(t, reg, "trx_backup_last_success_timestamp_seconds"); v < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("last success %v", v)
	}
	if v := gauge(t, reg, "trx_backup_runs_total"); v != 2 {
		t.Errorf("runs %v, want 2", v)
	}
	if v := gauge(t, reg, "trx_backup_failures_total"); v != 1 {
		t.Errorf("failures %v, want still 1", v)
	}
	if v := gauge(t, reg, "trx_backup_consecutive_failures"); v != 0 {
		t.Errorf("consecutive failures %v after a success", v)
	}
}

func change(i int) event.StockChanged {
	return event.StockChanged{ChangeID: int64(i + 1), Symbol: "ACME", Op: "insert", ChangedAt: time.Now()}
}

// TestRunBacksUpAtOnceWhenDue: with no backup in the directory, Run makes
// one at once, then waits; it returns nil when its context ends.
func TestRunBacksUpAtOnceWhenDue(t *testing.T) {
	db, _ := openSQLite(t)
	dir := t.TempDir()
	runs := make(chan backup.Status, 1)
	s, _ := newScheduler(t, db, backup.Config{Dir: dir, Every: time.Hour, Keep: 2, OnRun: func(st backup.Status) { runs <- st }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	st := <-runs
	if st.LastError != "" || st.Path == "" {
		t.Fatalf("first run: %+v", st)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if es, _ := backup.List(dir); len(es) != 1 {
		t.Errorf("%d backups, want 1", len(es))
	}
}

// TestRunLogsEachRun: each scheduled run is logged, a success as
// backup_done with the archive, its size and duration, a failure as
// backup_failed with its error.
func TestRunLogsEachRun(t *testing.T) {
	for _, ok := range []bool{true, false} {
		t.Run(map[bool]string{true: "success", false: "failure"}[ok], func(t *testing.T) {
			db, _ := openSQLite(t)
			dir := filepath.Join(t.TempDir(), "backups")
			if !ok {
				if err := os.WriteFile(dir, nil, 0o600); err != nil { // a file where the directory should be
					t.Fatal(err)
				}
			}
			var logs syncBuffer
			runs := make(chan backup.Status, 1)
			s, err := backup.NewScheduler(backup.Config{Dir: dir, Every: time.Hour, Keep: 2, OnRun: func(st backup.Status) { runs <- st }},
				db, prometheus.NewRegistry(), slog.New(slog.NewJSONHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			st := <-runs
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			var lines []map[string]any
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("log line %q: %v", l, err)
				}
				if m["msg"] == "backup_done" || m["msg"] == "backup_failed" {
					lines = append(lines, m)
				}
			}
			if len(lines) != 1 {
				t.Fatalf("run log lines %v, want one", lines)
			}
			l := lines[0]
			if ok {
				if l["msg"] != "backup_done" || l["path"] != st.Path || l["size"] != float64(st.Last.Size) || l["duration"] == nil {
					t.Errorf("log %v, want backup_done with path %s, size %d and a duration", l, st.Path, st.Last.Size)
				}
				return
			}
			if l["msg"] != "backup_failed" || l["level"] != "ERROR" || l["err"] != st.LastError || l["dir"] != dir {
				t.Errorf("log %v, want backup_failed at ERROR with the error %q and the directory", l, st.LastError)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the scheduler's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestNextRun(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name string
		last time.Time
		want time.Time
	}{
		{"no backup yet: now", time.Time{}, now},
		{"overdue: now", now.Add(-2 * day), now},
		{"due later", now.Add(-time.Hour), now.Add(day - time.Hour)},
		{"a last time in the future: at most every from now", now.Add(3 * day), now.Add(day)},
	}
	for _, tt := range tests {
		if got := backup.NextRun(tt.last, day, now); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	db, _ := openSQLite(t)
	for _, cfg := range []backup.Config{
		{Every: -time.Hour, Dir: "x"},
		{Every: time.Hour},
		{Every: time.Hour, Dir: "x", Keep: -1},
	} {
		if _, err := backup.NewScheduler(cfg, db, prometheus.NewRegistry(), slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	my := &sqldb.DB{Dialect: sqldb.MySQL}
	_, err := backup.NewScheduler(backup.Config{Every: time.Hour, Dir: "x"}, my, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if !errors.Is(err, backup.ErrUnsupported) || !strings.Contains(err.Error(), "mysqldump") {
		t.Errorf("scheduled backups on MySQL: %v", err)
	}
}

// TestRestartStream: after RestartStream the stream is empty and its next
// sequence is past every old one, so that any old sequence is older than
// its first (the notifier answers resync_required).
func TestRestartStream(t *testing.T) {
	ctx := context.Background()
	bus := eventtest.NewBus(t)
	for i := range 3 {
		if err := bus.PublishStock(ctx, change(i)); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	first, err := backup.RestartStream(ctx, bus, now)
	if err != nil {
		t.Fatal(err)
	}
	if first != uint64(now.UnixMicro()) {
		t.Fatalf("first sequence %d, want %d", first, now.UnixMicro())
	}
	f, l, err := bus.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f != first || l != first-1 {
		t.Fatalf("bounds %d..%d, want %d..%d", f, l, first, first-1)
	}
	if err := bus.PublishStock(ctx, change(9)); err != nil {
		t.Fatal(err)
	}
	if _, l, _ := bus.Bounds(ctx); l != first {
		t.Fatalf("the next event has sequence %d, want %d", l, first)
	}
}

func TestStreamFloor(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	if got := backup.StreamFloor(5, now); got != uint64(now.UnixMicro()) {
		t.Errorf("floor of a short stream %d", got)
	}
	big := uint64(now.UnixMicro()) + 10
	if got := backup.StreamFloor(big, now); got != big+2 {
		t.Errorf("floor past a long stream: %d, want %d", got, big+2)
	}
}
