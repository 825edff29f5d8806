package report

import (
	"fmt"
	"time"

	"github.com/trx-platform/trx/internal/timestamp"
)

// ParseBookedAt reads a booked_at value as the decoders accept it: an RFC 3339
// timestamp ("2025-01-31T09:30:00+01:00", whose offset is kept: it decides
// the month) or a calendar date ("2025-01-31", taken as midnight UTC), as
// timestamp.Parse reads them. The empty string is the zero time (unknown).
func ParseBookedAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := timestamp.Parse(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q %w", s, err)
	}
	return t, nil
}
