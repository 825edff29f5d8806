package admincli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/backup"
)

// Backup is `trx backup`: a consistent snapshot of the SQLite database.
func Backup(ctx context.Context, e cli.Env, args []string) error {
	var (
		cfg cli.DBConfig
		out string
	)
	fs := cli.NewFlagSet("backup", "backup [--out FILE] [flags]\n\n"+
		"Writes a consistent snapshot of the SQLite database in --data (or --db sqlite:PATH) to an archive with a manifest\n"+
		"(schema version, trx version, time, SHA-256). Safe while trx serve runs and takes writes: it is SQLite's VACUUM INTO,\n"+
		"one read transaction, never a copy of the files. Restore it with trx restore FILE --data DIR.\n"+
		"On MySQL/MariaDB it refuses and says which of the engine's own tools to use.", e)
	cli.DBFlags(fs, &cfg)
	fs.StringVar(&out, "out", "", "the archive to write; default trx-backup-TIME.tar in the current directory (a directory: that name in it); it must not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected arguments %q", fs.Args())
	}
	if strings.HasPrefix(cfg.DB, "mysql://") {
		return fmt.Errorf("%w, and --db is MySQL/MariaDB.\n%s", backup.ErrUnsupported, backup.MySQLAdvice)
	}
	file := filepath.Join(cfg.DataDir, backup.DatabaseFile)
	if p, ok := strings.CutPrefix(cfg.DB, "sqlite:"); ok {
		file = strings.TrimPrefix(p, "//")
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("backup: no database at %s (is --data right?): %w", file, err)
	}
	now := time.Now()
	path := out
	if st, err := os.Stat(out); out == "" || (err == nil && st.IsDir()) {
		path = filepath.Join(out, backup.Name(now))
	}
	db, err := cli.OpenDBOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	m, err := backup.Snapshot(ctx, db, path, backup.Options{TrxVersion: e.Version, Now: func() time.Time { return now }})
	if err != nil {
		return err // its messages start with "backup:"
	}
	fmt.Fprintf(e.Stdout, "%s\n  database %s, %d bytes, SHA-256 %s\n  schema version %d, trx %s, taken %s in %s\n  stock changes: up to id %d, %d not yet published (a restored server publishes those)\n",
		path, file, m.Size, m.SHA256, m.SchemaVersion, m.TrxVersion, m.CreatedAt.Format(time.RFC3339), time.Since(start).Round(time.Millisecond),
		m.Changes.LastID, m.Changes.Pending)
	return nil
}
