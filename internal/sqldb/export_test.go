package sqldb

import "time"

// WriteFault is what CheckWritable says of the noted write failures at
// now, for tests that move the clock.
func (db *DB) WriteFault(now time.Time) error { return db.faults.recent(now) }
