package sqldb

import (
	"context"
	"fmt"
	"time"
)

// CheckWritable reports whether the database takes writes now: it
// rewrites the one row of the health table (migration 0008). A database
// that is read-only, whose disk is full or that cannot be reached fails
// it, though it may still answer a ping or a read.
func (db *DB) CheckWritable(ctx context.Context) error {
	if _, err := db.Write.ExecContext(ctx, `UPDATE health SET checked_at = ? WHERE id = 1`, FormatTime(time.Now())); err != nil {
		return fmt.Errorf("sqldb: write probe: %w", err)
	}
	return nil
}
