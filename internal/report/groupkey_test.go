package report_test

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/report"
)

// TestCategoryLengthCap: a category (a group key, kept for the whole
// report) is at most MaxCategory characters. A body of 10 KB categories
// took a server's memory from 48 MB to 258 MB: now each such item is an
// item error and keeps nothing.
func TestCategoryLengthCap(t *testing.T) {
	a := report.NewAggregator(report.Options{GroupBy: report.GroupBy{Category: true}})
	ok := strings.Repeat("é", report.MaxCategory) // characters, not bytes
	if err := a.Add(report.Item{Amount: "-1.00", Currency: "EUR", Category: ok}); err != nil {
		t.Fatalf("%d characters: %v", report.MaxCategory, err)
	}
	err := a.Add(report.Item{Amount: "-1.00", Currency: "EUR", Category: ok + "x"})
	var ie *report.ItemError
	if !errors.As(err, &ie) || ie.Field != "category" || ie.Rule != "max_length" || ie.Index != 1 {
		t.Fatalf("%d characters: %v", report.MaxCategory+1, err)
	}

	// Thousands of distinct 10 KB categories hold no memory.
	big := report.NewAggregator(report.Options{GroupBy: report.GroupBy{Category: true}})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	pad := strings.Repeat("x", 10<<10)
	for i := range 5000 {
		_ = big.Add(report.Item{Amount: "-1.00", Currency: "EUR", Category: strconv.Itoa(i) + pad})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 5<<20 {
		t.Fatalf("the heap grew by %d bytes for 5,000 refused 10 KB categories (50 MB of keys)", grown)
	}
	if _, err := big.Result(); err == nil {
		t.Fatal("a report of refused items has no error")
	}
}
