package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
func UnderCap(ctx context.Context, tx *sql.Tx, d Dialect, table, userID string, n int, c RowCap) error {
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
	if have+int64(n) <= c.Max {
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
