package report

import (
	"fmt"
	"time"
)

// ParseBookedAt reads a booked_at value as the decoders accept it: an RFC 3339
// timestamp ("2025-01-31T09:30:00+01:00") or a calendar date ("2025-01-31",
// taken as midnight UTC). The empty string is the zero time (unknown).
func ParseBookedAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) == len("2006-01-02") {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
	} else if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use RFC 3339 (\"2025-01-31T09:30:00Z\") or a date (\"2025-01-31\")", s)
}
