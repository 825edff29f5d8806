package report_test

import (
	"fmt"
	"testing"

	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportgen"
)

// BenchmarkAggregator measures Aggregator.Add alone, on items already in
// memory: decimal strings (as decoded from JSON or CSV) and minor units (as
// read from a database), ungrouped and grouped by category and month.
func BenchmarkAggregator(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		var items, minors []report.Item
		reportgen.Items(n, 1, func(it reportgen.Item) {
			items = append(items, report.Item{Amount: money.Format(it.Minor, it.Currency), Currency: it.Currency, BookedAt: it.BookedAt, Category: it.Category})
			minors = append(minors, report.Item{Minor: it.Minor, HasMinor: true, Currency: it.Currency, BookedAt: it.BookedAt, Category: it.Category})
		})
		for _, bc := range []struct {
			name  string
			items []report.Item
			opts  report.Options
		}{
			{"decimal", items, report.Options{}},
			{"decimal/group=category,month", items, report.Options{GroupBy: report.GroupBy{Category: true, Month: true}}},
			{"minor", minors, report.Options{}},
		} {
			b.Run(fmt.Sprintf("n=%d/%s", n, bc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					agg := report.NewAggregator(bc.opts)
					for _, it := range bc.items {
						if err := agg.Add(it); err != nil {
							b.Fatal(err)
						}
					}
					if _, err := agg.Result(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}
