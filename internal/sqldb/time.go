package sqldb

import (
	"fmt"
	"time"
)

// TimeFormat is how trx stores instants on both engines: UTC, microseconds,
// fixed width, so that text order is time order and range queries work the
// same on SQLite and MySQL.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t (in UTC, truncated to microseconds) in TimeFormat.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime parses a stored instant.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqldb: stored time %q: %w", s, err)
	}
	return t, nil
}
