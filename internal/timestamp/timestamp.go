// Package timestamp reads the points in time that requests carry
// (booked_at, from, to): an RFC 3339 time or a calendar date. It is the one
// parser of them, shared by the domains that take them (transactions,
// reports, classifier jobs) and so by every adapter in front of them.
package timestamp

import (
	"errors"
	"time"
)

// ErrFormat is the error of a value that is neither an RFC 3339 time nor
// a date; its text reads after the value: `"27/11/2026" must be …`.
var ErrFormat = errors.New(`must be an RFC 3339 time (2026-11-27T10:00:00Z) or a date (2026-11-27)`)

// Parse reads s as an RFC 3339 time ("2026-11-27T10:00:00+01:00", to the
// nanosecond) or a date ("2026-11-27", midnight UTC). The time keeps the
// offset it was written with; callers that store it convert it to UTC.
func Parse(s string) (time.Time, error) {
	layout := time.RFC3339Nano
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, ErrFormat
	}
	return t, nil
}
