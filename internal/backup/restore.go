package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
)

// DatabaseFile is the name of the SQLite database in a data directory (as
// sqldb.Open names it).
const DatabaseFile = "trx.db"

// RestoreOptions change how Restore treats the target.
type RestoreOptions struct {
	// Force restores into a data directory that is not empty: an existing
	// database is moved aside (to trx.db.replaced-TIME, with its -wal and
	// -shm), never deleted, and other files are left alone.
	Force bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// RestoreResult is what Restore did.
type RestoreResult struct {
	Manifest Manifest
	// Database is the path of the restored database.
	Database string
	// Migrated are the migrations applied to bring an older backup up to
	// this trx's schema.
	Migrated []sqldb.Migration
	// Replaced are the files moved aside (with Force).
	Replaced []string
}

// Restore restores the backup archive at path into dataDir, which must be
// empty (or missing) unless opt.Force. The archive is verified whole
// before anything in dataDir changes: its checksum, its format, its schema
// version (newer than this trx: ErrSchemaTooNew) and the database's own
// integrity check. An older schema is migrated. Runtime state that belongs
// to the processes of the old server, not to the data, is cleared: the
// WebSocket connections table and the leases (the relay's, the nodes'),
// so the restored server starts as a fresh one would. The change table is
// kept as it was: rows published before the backup stay published and are
// never published again, rows not yet published are published by the
// restored server's relay.
//
// Restore does not touch the event stream: see RestartStream.
func Restore(ctx context.Context, path, dataDir string, opt RestoreOptions) (RestoreResult, error) {
	var res RestoreResult
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	target := filepath.Join(dataDir, DatabaseFile)
	created, err := checkTarget(dataDir, target, opt.Force)
	if err != nil {
		return res, err
	}
	if created {
		defer func() {
			if res.Database == "" {
				os.Remove(dataDir) // made for a restore that failed; empty
			}
		}()
	}
	in, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	defer in.Close()
	stage := filepath.Join(dataDir, "."+DatabaseFile+".restoring-"+random())
	defer removeDB(stage) // gone by then when the restore succeeded
	out, err := os.OpenFile(stage, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	m, err := ReadArchive(in, out)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("restore %s: %w", path, err)
	}
	res.Manifest = m
	if m.Engine != string(sqldb.SQLite) {
		return res, errorf(ErrCorrupt, "restore %s: the manifest names engine %q; trx restores SQLite backups", path, m.Engine)
	}
	migrations, err := sqldb.Migrations(sqldb.SQLite)
	if err != nil {
		return res, err
	}
	if m.SchemaVersion > len(migrations) {
		return res, errorf(ErrSchemaTooNew, "restore %s: it was made by trx %s at schema version %d; this trx knows up to %d: restore it with trx %s or newer",
			path, m.TrxVersion, m.SchemaVersion, len(migrations), m.TrxVersion)
	}
	if res.Migrated, err = prepare(ctx, stage); err != nil {
		return res, fmt.Errorf("restore %s: %w", path, err)
	}
	if opt.Force {
		if res.Replaced, err = moveAside(target, now().UTC()); err != nil {
			return res, err
		}
	}
	if err := os.Rename(stage, target); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	syncDir(dataDir)
	res.Database = target
	return res, nil
}

// checkTarget creates dataDir if needed (and says so) and refuses a
// directory with files in it (unless force), and a database that a process
// has open.
func checkTarget(dataDir, target string, force bool) (created bool, err error) {
	entries, err := os.ReadDir(dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return false, fmt.Errorf("backup: create %s: %w", dataDir, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("backup: %w", err)
	case len(entries) > 0 && !force:
		names := make([]string, 0, 4)
		for _, e := range entries[:min(len(entries), 4)] {
			names = append(names, e.Name())
		}
		more := ""
		if len(entries) > 4 {
			more = ", …"
		}
		return false, errorf(ErrNotEmpty, "%s holds %s%s; restore into an empty or new directory, or pass --force to replace its database (moved aside, not deleted)",
			dataDir, strings.Join(names, ", "), more)
	}
	if _, err := os.Stat(target); err != nil {
		return false, nil // no database to replace
	}
	return false, checkNotInUse(target)
}

// checkNotInUse returns ErrInUse when another connection, in this process
// or another, has the database at path open: a connection in WAL mode
// holds a shared lock for as long as it is open, so taking the exclusive
// lock fails at once.
func checkNotInUse(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		return errorf(ErrInUse, "%s is open in another process (%v): stop trx serve (and any trx command) on this data directory first", path, err)
	}
	if _, err := db.ExecContext(ctx, `ROLLBACK`); err != nil {
		return fmt.Errorf("backup: %s: %w", path, err)
	}
	return nil
}

// prepare checks the staged database, migrates it and clears the old
// server's runtime state. It opens the file in the journal mode the
// snapshot left it in (one file, no -wal), so that it can be renamed alone.
func prepare(ctx context.Context, stage string) ([]sqldb.Migration, error) {
	s, err := sql.Open("sqlite", "file:"+stage+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, fmt.Errorf("open the restored database: %w", err)
	}
	defer s.Close()
	s.SetMaxOpenConns(1)
	var check string
	if err := s.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return nil, errorf(ErrCorrupt, "the database does not open: %v", err)
	}
	if check != "ok" {
		return nil, errorf(ErrCorrupt, "the database fails its integrity check: %s", check)
	}
	db := &sqldb.DB{Dialect: sqldb.SQLite, Write: s, Read: s, Where: "sqlite:" + stage}
	done, err := db.Migrate(ctx)
	if errors.Is(err, sqldb.ErrSchemaTooNew) {
		return nil, fmt.Errorf("%w: %w", ErrSchemaTooNew, err)
	}
	if err != nil {
		return nil, fmt.Errorf("migrate the restored database: %w", err)
	}
	for _, q := range []string{`DELETE FROM connections`, `DELETE FROM leases`} {
		if _, err := s.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("clear the old server's state (%s): %w", q, err)
		}
	}
	return done, s.Close()
}

// moveAside renames the database at target, with its -wal and -shm, to
// target.replaced-TIME, and returns the new names.
func moveAside(target string, now time.Time) ([]string, error) {
	base := target + ".replaced-" + now.Format("20060102T150405Z")
	var moved []string
	for _, suffix := range []string{"", "-wal", "-shm"} {
		from := target + suffix
		if _, err := os.Lstat(from); err != nil {
			continue
		}
		to := base + suffix
		if err := os.Rename(from, to); err != nil {
			return moved, fmt.Errorf("backup: move the old database aside: %w", err)
		}
		moved = append(moved, to)
	}
	return moved, nil
}
