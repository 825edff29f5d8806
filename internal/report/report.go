// Package report totals money spent and received, per currency, exactly.
//
// It is the trx version of the seed's "scoring" function: given transactions
// (amount, currency, optional booked_at and category) it returns, for each
// currency, the total spent (the sum of debits, as a positive amount), the
// total received, the net and the counts, optionally grouped by category
// and/or calendar month. Arithmetic is exact int64 minor units (package
// money); a sum that would overflow is an error, never a wrapped number, and
// currencies are never mixed.
//
// The package does no I/O and holds no globals. Items are streamed into an
// Aggregator one at a time, so an adapter (HTTP, AWS Lambda, CLI, database)
// never needs to hold the whole input: see Source and Run, and the decoders
// in reportjson and reportcsv.
package report

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// Item is one transaction as the report reads it.
type Item struct {
	// Amount is the signed decimal string of the transaction ("-12.50"):
	// negative is money spent, positive money received. It is read with
	// money.Parse in Currency's scale. It is ignored when HasMinor is set.
	Amount string
	// Minor is the amount in minor units of Currency, for callers that
	// already hold integers (a database). It is used only when HasMinor is
	// true, so that a missing Amount is never taken for zero.
	Minor    int64
	HasMinor bool
	// Currency is the ISO 4217 code (money.ValidCurrency).
	Currency string
	// BookedAt is when the transaction was booked; the zero time means
	// unknown. Grouping by month uses its calendar month in its own
	// location (the offset it was written with), unless Options.Location
	// is set.
	BookedAt time.Time
	// Category is the category name or id; empty means uncategorized.
	Category string
}

// GroupBy selects how each currency's totals are broken down.
type GroupBy struct {
	Category bool
	Month    bool
}

// ParseGroupBy reads a comma-separated list of "category" and "month" (the
// group_by parameter of the HTTP, Lambda and CLI adapters). Spaces around
// names are ignored; an empty string groups by nothing.
func ParseGroupBy(s string) (GroupBy, error) {
	var g GroupBy
	if strings.TrimSpace(s) == "" {
		return g, nil
	}
	for name := range strings.SplitSeq(s, ",") {
		switch strings.TrimSpace(name) {
		case "category":
			g.Category = true
		case "month":
			g.Month = true
		default:
			return GroupBy{}, Invalidf("group_by %q: unknown grouping %q, use category, month or both (\"category,month\")",
				s, strings.TrimSpace(name))
		}
	}
	return g, nil
}

// String returns the canonical form of g: "", "category", "month" or
// "category,month".
func (g GroupBy) String() string {
	return strings.Join(g.names(), ",")
}

func (g GroupBy) names() []string {
	var names []string
	if g.Category {
		names = append(names, "category")
	}
	if g.Month {
		names = append(names, "month")
	}
	return names
}

// Options configures an Aggregator. The zero value is ready to use.
type Options struct {
	// GroupBy breaks each currency's totals down by category and/or month.
	GroupBy GroupBy
	// Location, when set, is the time zone whose calendar months are used
	// for grouping by month. By default each BookedAt's own location is
	// used, so "2025-01-31T23:30:00-05:00" is in January.
	Location *time.Location
	// MaxGroups limits the number of groups across all currencies, so that
	// an input with millions of distinct categories cannot exhaust memory.
	// Zero means DefaultMaxGroups.
	MaxGroups int
}

// DefaultMaxGroups is the default Options.MaxGroups.
const DefaultMaxGroups = 10000

// MaxCategory is the longest category (a group key) an item may have, in
// characters; a longer one is an item error (rule max_length).
const MaxCategory = 200

// Source yields items one at a time, in input order. Next returns io.EOF
// after the last item. An error of type *ItemError reports one bad item and
// the source can go on; any other error ends the input. The decoders in
// reportjson and reportcsv are Sources; so can be a database cursor.
type Source interface {
	Next() (Item, error)
}

// Run reads every item of src into a new Aggregator and returns its result.
// Bad items (*ItemError from src or refused by Aggregator.Add) are collected
// and returned together as a *ValidationError; any other error from src is
// returned as it is. Run checks ctx between items.
func Run(ctx context.Context, src Source, opts Options) (*Result, error) {
	agg := NewAggregator(opts)
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var ie *ItemError
			if !errors.As(err, &ie) {
				return nil, err
			}
			agg.Reject(ie)
			continue
		}
		_ = agg.Add(it) // a refused item is kept in agg for Result
	}
	return agg.Result()
}
