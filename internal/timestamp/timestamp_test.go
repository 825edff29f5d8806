package timestamp_test

import (
	"errors"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/timestamp"
)

func TestParse(t *testing.T) {
	plus1 := time.FixedZone("", 3600)
	tests := []struct {
		name, s string
		want    time.Time
		ok      bool
	}{
		{"date", "2026-11-27", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), true},
		{"utc", "2026-11-27T10:00:00Z", time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), true},
		{"offset kept", "2026-11-27T10:00:00+01:00", time.Date(2026, 11, 27, 10, 0, 0, 0, plus1), true},
		{"fraction", "2026-11-27T10:00:00.123456789Z", time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC), true},
		{"empty", "", time.Time{}, false},
		{"day first", "27/11/2026", time.Time{}, false},
		{"no zone", "2026-11-27T10:00:00", time.Time{}, false},
		{"no such day", "2026-02-30", time.Time{}, false},
		{"space for T", "2026-11-27 10:00:00Z", time.Time{}, false},
		{"word", "yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := timestamp.Parse(tt.s)
			if (err == nil) != tt.ok || !got.Equal(tt.want) {
				t.Fatalf("Parse(%q) = %v, %v; want %v, ok %v", tt.s, got, err, tt.want, tt.ok)
			}
			if tt.ok {
				if _, off := got.Zone(); func() int { _, w := tt.want.Zone(); return w }() != off {
					t.Errorf("offset %d, want that of %v", off, tt.want)
				}
			} else if !errors.Is(err, timestamp.ErrFormat) {
				t.Errorf("error %v is not ErrFormat", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2026-11-27", "2026-11-27T10:00:00+01:00", "", "2026-13-01", "0000-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := timestamp.Parse(s)
		if err != nil {
			return
		}
		// What parses is a real time that parses again to the same instant.
		again, err := timestamp.Parse(got.Format(time.RFC3339Nano))
		if err != nil || !again.Equal(got) {
			t.Fatalf("Parse(%q) = %v, which reads back as %v, %v", s, got, again, err)
		}
	})
}
