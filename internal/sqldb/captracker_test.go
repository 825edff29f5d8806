package sqldb

import (
	"testing"
	"time"
)

// TestCapTracker: no count is spared before a first count, nor near the
// cap, nor on a count a minute old; far below it, inserts are added up in
// the process, so that it cannot pass the cap without counting.
func TestCapTracker(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	tr := NewCapTracker()
	tr.now = func() time.Time { return now }
	c := RowCap{Max: 100}
	if tr.Far("u", 1, c) {
		t.Fatal("far before any count")
	}
	tr.counted("u", 80, 0) // 90 is the most Far lets through (a tenth free)
	for i := 81; i <= 90; i++ {
		if !tr.Far("u", 1, c) {
			t.Fatalf("not far at %d of 100", i)
		}
	}
	if tr.Far("u", 1, c) {
		t.Fatal("far at 91 of 100: the insert must count")
	}
	tr.counted("u", 85, 0) // a count that missed inserts in flight does not lower it
	if tr.Far("u", 1, c) {
		t.Fatal("a lower count undid the inserts let through")
	}
	tr.counted("v", 10, 0)
	if !tr.Far("v", 5, c) {
		t.Fatal("not far at 15 of 100")
	}
	now = now.Add(capFresh)
	if tr.Far("v", 1, c) {
		t.Fatal("a count a minute old is trusted")
	}
	if tr.Far("w", 1, RowCap{}) || (*CapTracker)(nil).Far("v", 1, c) {
		t.Fatal("far with no cap or no tracker")
	}
}
