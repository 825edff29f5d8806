package statement

import (
	"context"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// The states of an import.
const (
	StateRunning = "running" // parsed and checked; its transactions are being stored
	StateDone    = "done"    // stored (Created of them; the rest were duplicates or rejected)
	StateFailed  = "failed"  // nothing of it was stored (Error says why)
	StateUndone  = "undone"  // done, then undone: its transactions were deleted
)

// ErrImportNotFound means no import of that id for this user.
var ErrImportNotFound = fault.New(fault.NotFound, "import not found")

// Import is an import job: one file into one account.
type Import struct {
	ID         string
	UserID     string
	AccountID  string
	State      string
	Format     string
	Preset     string // the preset a CSV file was read with ("" for an inline mapping or another format)
	Filename   string
	Rows       int // statement lines read
	Created    int // transactions stored
	Duplicates int // lines already in the account
	Rejected   int // lines refused (with on_error=skip; else the import is refused whole)
	Skipped    int // lines left out on purpose (pending entries, investment sections)
	Removed    int // transactions deleted by the undo
	Problems   []Problem
	Error      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// HeartbeatAt is renewed while the import runs; a running import whose
	// heartbeat is old belongs to a process that died.
	HeartbeatAt time.Time
}

// Store keeps imports and presets, and knows the dedupe keys stored in an
// account. Every method that takes a userID is scoped to that user.
type Store interface {
	CreateImport(ctx context.Context, imp Import) error
	Import(ctx context.Context, userID, id string) (Import, error)
	// Imports lists a user's imports, newest first (of one account if
	// accountID is not "").
	Imports(ctx context.Context, userID, accountID string, limit int) ([]Import, error)
	// Finish writes the outcome of a running import (state, counts,
	// error); it reports false, writing nothing, if the import is no
	// longer running.
	Finish(ctx context.Context, imp Import) (bool, error)
	// Heartbeat renews the heartbeat of running imports.
	Heartbeat(ctx context.Context, ids []string, at time.Time) error
	// Stale lists running imports whose heartbeat is before t.
	Stale(ctx context.Context, before time.Time) ([]Import, error)
	// CountImported counts the transactions an import stored.
	CountImported(ctx context.Context, importID string) (int, error)
	// Undo deletes the transactions of a done import and marks it undone,
	// in one database transaction; it returns the import as undone. An
	// import that is not done is a conflict.
	Undo(ctx context.Context, userID, id string, at time.Time) (Import, error)
	// ExistingKeys returns which of keys the account's transactions hold.
	ExistingKeys(ctx context.Context, accountID string, keys []string) (map[string]bool, error)

	Presets(ctx context.Context, userID string) ([]Preset, error)
	Preset(ctx context.Context, userID, name string) (Preset, error) // ErrPresetNotFound
	// PutPreset creates p, or replaces the preset of its name if ifVersion
	// is 0 or its version (else fault PreconditionFailed); it reports
	// whether it created one.
	PutPreset(ctx context.Context, p Preset, ifVersion int64) (bool, error)
	DeletePreset(ctx context.Context, userID, name string) error
}
