package sqldb

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// CheckWritable reports whether the database takes writes now: it fails
// if a statement failed in the last WriteFaultMemory because the database
// cannot write (disk full, read-only, I/O error: see cannotWrite), and
// otherwise rewrites the one row of the health table (migration 0008). A
// database that is read-only or cannot be reached fails the probe, though
// it may still answer a ping or a read; a full one may not (an update in
// place needs no new space), which is why the failures of the other
// writes count too.
func (db *DB) CheckWritable(ctx context.Context) error {
	if err := db.faults.recent(time.Now()); err != nil {
		return err
	}
	if _, err := db.Write.ExecContext(ctx, `UPDATE health SET checked_at = ? WHERE id = 1`, FormatTime(time.Now())); err != nil {
		return fmt.Errorf("sqldb: write probe: %w", err)
	}
	return nil
}

// WriteFaultMemory is how long CheckWritable reports a statement that
// failed because the database cannot write.
const WriteFaultMemory = 30 * time.Second

// writeFaults remembers the last error of a DB's pools that said the
// database cannot write, and when.
type writeFaults struct {
	mu  sync.Mutex
	err error
	at  time.Time
}

// classify is Classify, noting an error that says the database cannot
// write. A nil f notes nothing.
func (f *writeFaults) classify(err error) error {
	err = Classify(err)
	if f != nil && err != nil && cannotWrite(err) {
		f.mu.Lock()
		f.err, f.at = err, time.Now()
		f.mu.Unlock()
	}
	return err
}

// recent returns the last noted error if it is younger than
// WriteFaultMemory at now.
func (f *writeFaults) recent(now time.Time) error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil || now.Sub(f.at) >= WriteFaultMemory {
		return nil
	}
	return fmt.Errorf("sqldb: a write failed %s ago: %w", now.Sub(f.at).Round(time.Second), f.err)
}
