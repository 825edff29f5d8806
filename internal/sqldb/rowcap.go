package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// RowCap is the most rows of one kind (transactions, accounts, imports)
// that one user may have, so that one API key cannot fill the database.
type RowCap struct {
	Max  int64  // zero or less: no cap
	What string // the rows, plural, for the error: "transactions"
	// Name says what sets the cap (a flag: "--max-user-transactions"), for
	// the error of an insert past it; "" leaves it out.
	Name string
	// Hint is what the user can do, for the error ("delete some"); "" is
	// only "ask the operator to raise the limit".
	Hint string
}

// ErrRowCap is in the chain of the error of an insert refused by a RowCap.
var ErrRowCap = errors.New("sqldb: the user's row cap is reached")

// UnderCap refuses an insert of n rows of userID into table that would take
// the user past c, with a 409 naming the cap. It counts in tx, the insert's
// own transaction, with the user's row locked on MySQL (SQLite serializes
// write transactions), so that concurrent inserts cannot pass the cap
// together: the pattern of the classifier's category and rule limits.
// table is a constant of the caller's, never input.
//
// With a CapTracker (nil: none), the count it takes is remembered, so that
// the inserts that follow, while the user stays far below the cap, need no
// count (see CapTracker.Far; the caller asks it first).
func UnderCap(ctx context.Context, tx *sql.Tx, d Dialect, table, userID string, n int, c RowCap, t *CapTracker) error {
	if c.Max <= 0 {
		return nil
	}
	if d == MySQL {
		var id string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE id = ? FOR UPDATE`, userID).Scan(&id); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqldb: lock the user for the %s cap: %w", c.What, err)
		}
	}
	var have int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE user_id = ?`, userID).Scan(&have); err != nil {
		return fmt.Errorf("sqldb: count %s for the cap: %w", c.What, err)
	}
	// Rows that Far let through may not be committed yet: the count misses
	// them, what the tracker remembers does not.
	counted := have
	have = max(have, t.known(userID))
	if have+int64(n) <= c.Max {
		t.counted(userID, counted, int64(n))
		return nil
	}
	by := ""
	if c.Name != "" {
		by = ", set by " + c.Name
	}
	msg := fmt.Sprintf("you have %d %s; the limit is %d per user%s", have, c.What, c.Max, by)
	if n > 1 {
		msg = fmt.Sprintf("you have %d %s and these %d would pass the limit of %d per user%s", have, c.What, n, c.Max, by)
	}
	if c.Hint != "" {
		msg += "; " + c.Hint + ", or ask the operator to raise the limit"
	} else {
		msg += "; ask the operator to raise the limit"
	}
	return &fault.Error{Kind: fault.Conflict, Msg: msg, Err: ErrRowCap}
}

// CapTracker spares the count of a RowCap while a user is far below it: a
// user with 2,000 transactions under a cap of 1,000,000 should not have
// them counted in every create. It remembers each user's last count plus
// the rows this process inserted since, for up to a minute.
//
// In one process the cap stays exact: what Far lets through is added under
// its lock, and a count is taken as at least what it remembers, since the
// rows Far let through may not be committed yet (after deletes, a user near
// the cap may so be refused until the memory is a minute old). Several processes
// do not see each other's inserts between counts: together they may pass
// the cap by what they insert, far from it, within that minute; the tenth
// of the cap that Far keeps free is there to absorb it.
type CapTracker struct {
	mu   sync.Mutex
	seen map[string]capSeen
	now  func() time.Time
}

type capSeen struct {
	have int64     // rows the user has, at least
	at   time.Time // when they were last counted
}

// capFresh is how long a count is trusted.
const capFresh = time.Minute

// NewCapTracker returns an empty CapTracker.
func NewCapTracker() *CapTracker {
	return &CapTracker{seen: map[string]capSeen{}, now: time.Now}
}

// Far reports whether n more rows surely keep userID a tenth of c below
// it, by a count under a minute old; if so, it counts the n rows as
// inserted and the insert needs no count. A nil tracker is never far.
func (t *CapTracker) Far(userID string, n int, c RowCap) bool {
	if t == nil || c.Max <= 0 {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.seen[userID]
	if !ok || t.now().Sub(e.at) >= capFresh || e.have+int64(n) > c.Max-max(c.Max/10, 1) {
		return false
	}
	e.have += int64(n)
	t.seen[userID] = e
	return true
}

// known is what the tracker remembers of userID's rows (0: nothing fresh).
func (t *CapTracker) known(userID string) int64 {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.seen[userID]; ok && t.now().Sub(e.at) < capFresh {
		return e.have
	}
	return 0
}

// counted remembers that userID had have rows by a count, plus the n being
// inserted: added to what it remembers if that is more (rows Far let
// through, before or while counting, that the count may have missed).
func (t *CapTracker) counted(userID string, have, n int64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if e, ok := t.seen[userID]; ok && now.Sub(e.at) < capFresh {
		have = max(have, e.have)
	}
	if len(t.seen) >= 100_000 { // bound the memory: start again
		clear(t.seen)
	}
	t.seen[userID] = capSeen{have: have + n, at: now}
}
