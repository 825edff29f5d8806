// Package backup makes and restores online backups of trx's embedded
// default, the SQLite database in the data directory, the way RDS's
// automatic backups served the seed:
//
//   - Snapshot copies a live database with SQLite's VACUUM INTO, a read
//     transaction that sees one consistent state while the server goes on
//     writing (never a copy of the files, which a running server changes
//     under the copier), into an archive with a Manifest: the schema
//     version, the trx version, the time, the size and a SHA-256 of the
//     database.
//   - Restore verifies an archive (truncated or corrupted ones are refused,
//     and so is a schema newer than this binary's), migrates an older
//     schema, and puts the database into a data directory.
//   - RestartStream moves the event stream on past every sequence the old
//     server gave out, so that no client resuming after a restore is told
//     it missed nothing when it did (see its comment).
//   - Prune keeps the newest n archives of a directory; a Scheduler makes
//     one every so often inside trx serve, with metrics and a readiness
//     check.
//
// On MySQL/MariaDB the engine's own tools do this better; Snapshot refuses
// with ErrUnsupported, whose message (MySQLAdvice) says what to use.
package backup

import (
	"errors"
	"fmt"
	"time"
)

// Format names the archive format in its manifest; a future incompatible
// layout gets another name, so an old trx refuses it instead of guessing.
const Format = "trx-backup/1"

// The names of an archive's entries, in order: the database, then the
// manifest (written last, so that the checksum is computed while the
// database streams in, and a truncated archive has none).
const (
	DatabaseEntry = "trx.db"
	ManifestEntry = "manifest.json"
)

// Manifest describes a backup.
type Manifest struct {
	Format        string    `json:"format"`
	TrxVersion    string    `json:"trx_version"`
	Engine        string    `json:"engine"`
	SchemaVersion int       `json:"schema_version"`
	CreatedAt     time.Time `json:"created_at"`
	// Size and SHA256 are those of the database entry.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Changes is the state of the stock change table in the snapshot:
	// rows up to LastID were captured, Pending of them not yet published
	// (a restored server publishes those; the others were published before
	// the backup and are never published again).
	Changes ChangeState `json:"stock_changes"`
}

// ChangeState is what a snapshot holds of the change table.
type ChangeState struct {
	LastID  int64 `json:"last_id"`
	Pending int64 `json:"pending"`
}

// Errors callers can tell apart with errors.Is.
var (
	// ErrCorrupt: the archive's bytes are not what its manifest says.
	ErrCorrupt = errors.New("backup: the archive is corrupted")
	// ErrTruncated: the archive ends early (a copy cut short).
	ErrTruncated = errors.New("backup: the archive is truncated")
	// ErrSchemaTooNew: the backup was made by a newer trx.
	ErrSchemaTooNew = errors.New("backup: the backup's schema is newer than this trx")
	// ErrNotEmpty: the restore target holds files and --force was not given.
	ErrNotEmpty = errors.New("backup: the data directory is not empty")
	// ErrInUse: a process (trx serve?) has the target database open.
	ErrInUse = errors.New("backup: the database is in use")
	// ErrUnsupported: the database is not the embedded SQLite.
	ErrUnsupported = errors.New("backup: trx backup is for the embedded SQLite database")
)

// MySQLAdvice says how to back up trx on MySQL/MariaDB, where trx backup
// refuses: the engine's own tools are consistent and incremental, which a
// trx-level copy would not be.
const MySQLAdvice = `On MySQL/MariaDB, back up with the engine's own tools instead:
  - a logical dump in one consistent snapshot (InnoDB), triggers included:
      mysqldump --single-transaction --triggers --routines --hex-blob --no-tablespaces DBNAME > trx.sql
    (MariaDB: mariadb-dump with the same flags); restore it into an empty database with
      mysql DBNAME < trx.sql
    (with binary logging on, as on RDS, creating the triggers needs log_bin_trust_function_creators=1);
  - or the provider's snapshots and point-in-time recovery (RDS/Aurora automated backups,
    Cloud SQL, Azure), or a physical backup (mariabackup, Percona XtraBackup).
Restore the whole database together, all of its tables from one point in time: the
transactions, users and keys, the classifier's tables, stocks and the stock_changes table
with its triggers and schema_migrations. Never mix tables from different times: the change
table is what the relay publishes from. Then move the JetStream stream past every old
sequence (nats stream purge TRX --seq N with N above its last sequence), so that clients
resuming with an old sequence are told to resync; see the README, "Backups".`

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
