package transaction

import (
	"testing"
	"time"
)

// FuzzCursor: any string given as a cursor is either refused or decodes to
// a position that encodes back to itself; it never panics.
func FuzzCursor(f *testing.F) {
	fp := Filter{Currency: "EUR"}.fingerprint()
	f.Add(encodeCursor(fp, Position{BookedAt: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), ID: "01a21f45-32c2-796e-b8b6-574ffcc5db04"}))
	f.Add("")
	f.Add("bm90IGEgY3Vyc29y")
	f.Add("eyJiIjoiIiwiaSI6IiIsImYiOiIifQ")
	f.Fuzz(func(t *testing.T, s string) {
		pos, err := decodeCursor(s, fp)
		if err != nil {
			return
		}
		again, err := decodeCursor(encodeCursor(fp, *pos), fp)
		if err != nil || !again.BookedAt.Equal(pos.BookedAt) || again.ID != pos.ID {
			t.Fatalf("cursor %q decodes to %+v, which does not round-trip (%v)", s, pos, err)
		}
	})
}

// FuzzFilter: no listing request makes the query builder panic, and an
// accepted one has a sane limit.
func FuzzFilter(f *testing.F) {
	f.Add("2026-01-01", "2026-02-01", "food", false, "EUR", "-10.5", "100", "coffee", 10, "")
	f.Add("", "", "", true, "", "1e3", "", "%_!", 0, "x")
	f.Add("x", "1850-01-01", "a b", true, "JPY", "-0.001", "-", "", 501, "eyJ9")
	f.Fuzz(func(t *testing.T, from, to, cat string, uncat bool, cur, lo, hi, text string, limit int, cursor string) {
		flt := Filter{From: from, To: to, CategoryID: cat, Uncategorized: uncat, Currency: cur, AmountMin: lo, AmountMax: hi, Text: text, Limit: limit, Cursor: cursor}
		q, err := flt.query("u")
		if err != nil {
			return
		}
		if q.Limit < 1 || q.Limit > MaxPageSize {
			t.Fatalf("accepted limit %d", q.Limit)
		}
		for _, b := range q.Bands {
			if len(b.Currencies) == 0 {
				t.Fatal("band without currencies")
			}
		}
	})
}
