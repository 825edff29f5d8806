package backup

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
)

// Options are what Snapshot records beside the database.
type Options struct {
	// TrxVersion is the version of the trx that makes the backup.
	TrxVersion string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// Snapshot writes a backup archive of db, which must be SQLite, to path
// (which must not exist yet) and returns its manifest. It is safe while
// other connections and processes write: VACUUM INTO reads the database in
// one read transaction, which in WAL mode sees the last state committed
// when it starts and neither blocks writers nor waits for them. The
// snapshot is a compact database of its own, in rollback-journal mode
// (one file, no -wal), staged next to path and removed afterwards; the
// archive appears at path only when complete.
func Snapshot(ctx context.Context, db *sqldb.DB, path string, opt Options) (Manifest, error) {
	if db.Dialect != sqldb.SQLite {
		return Manifest{}, fmt.Errorf("%w, and %s is %s.\n%s", ErrUnsupported, db.Where, db.Dialect, MySQLAdvice)
	}
	if _, err := os.Lstat(path); err == nil {
		return Manifest{}, fmt.Errorf("backup: %s exists; name a new file", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Manifest{}, fmt.Errorf("backup: create %s: %w", dir, err)
	}
	stage := filepath.Join(dir, "."+filepath.Base(path)+"."+random()+".tmp")
	defer removeDB(stage)
	m := Manifest{TrxVersion: opt.TrxVersion, Engine: string(sqldb.SQLite), CreatedAt: opt.now()}
	if _, err := db.Read.ExecContext(ctx, `VACUUM INTO ?`, stage); err != nil {
		return m, fmt.Errorf("backup: snapshot %s: %w", db.Where, err)
	}
	if err := finishSnapshot(ctx, stage, &m); err != nil {
		return m, err
	}
	return writeArchiveFile(path, stage, m)
}

// finishSnapshot reads the schema version and the change table's state from
// the staged copy (so that they describe exactly what was copied) and puts
// it in rollback-journal mode, so that it is one self-contained file.
func finishSnapshot(ctx context.Context, stage string, m *Manifest) error {
	sdb, err := sql.Open("sqlite", "file:"+stage+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("backup: open snapshot: %w", err)
	}
	defer sdb.Close()
	sdb.SetMaxOpenConns(1)
	var mode string
	if err := sdb.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode); err != nil {
		return fmt.Errorf("backup: snapshot journal mode: %w", err)
	}
	if err := sdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&m.SchemaVersion); err != nil {
		return fmt.Errorf("backup: snapshot schema version (is this a trx database?): %w", err)
	}
	err = sdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(CASE WHEN published_at IS NULL THEN 1 END) FROM stock_changes`).
		Scan(&m.Changes.LastID, &m.Changes.Pending)
	if err != nil && m.SchemaVersion >= 3 { // stock_changes came with migration 3
		return fmt.Errorf("backup: snapshot change table: %w", err)
	}
	return sdb.Close()
}

// writeArchiveFile writes the archive of the database file src to a staging
// file, syncs it and links it to path, which must not exist.
func writeArchiveFile(path, src string, m Manifest) (Manifest, error) {
	in, err := os.Open(src)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+random()+".part")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	written, err := WriteArchive(f, in, st.Size(), m)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, fmt.Errorf("backup: write %s: %w", path, err)
	}
	// A link fails if path appeared meanwhile, where a rename would replace it.
	if err := os.Link(tmp, path); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	syncDir(filepath.Dir(path))
	return written, nil
}

// removeDB removes a SQLite file and any -wal and -shm beside it.
func removeDB(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		_ = os.Remove(p) // best effort: a leftover staging file is harmless
	}
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
}

func random() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
