package report

// Result is the report: totals per currency, sorted by currency code. It is
// the JSON body every adapter returns.
type Result struct {
	// Count is the number of items read.
	Count int64 `json:"count"`
	// GroupBy names the groupings of Currencies[i].Groups, in the canonical
	// order ("category", "month"); absent when not grouped.
	GroupBy []string `json:"group_by,omitempty"`
	// Currencies holds one entry per currency seen; empty, not null, for an
	// empty input.
	Currencies []CurrencyTotals `json:"currencies"`
}

// Totals are the sums of a set of items of one currency. Amounts are decimal
// strings with exactly the currency's exponent digits (money.Format); the
// *Minor fields hold the same values in minor units for Go callers.
type Totals struct {
	// Spent is the sum of the debits (negative amounts), as a positive amount.
	Spent string `json:"spent"`
	// Received is the sum of the credits (positive amounts).
	Received string `json:"received"`
	// Net is Received - Spent, the sum of all amounts.
	Net string `json:"net"`
	// Count is the number of items; Debits and Credits count the negative
	// and positive ones (zero amounts are in neither).
	Count   int64 `json:"count"`
	Debits  int64 `json:"debits"`
	Credits int64 `json:"credits"`

	SpentMinor    int64 `json:"-"`
	ReceivedMinor int64 `json:"-"`
	NetMinor      int64 `json:"-"`
}

// CurrencyTotals are the totals of one currency and, when grouping, its
// groups.
type CurrencyTotals struct {
	Currency string `json:"currency"`
	Totals
	// Groups are sorted by category, then month; the uncategorized and
	// undated groups come last.
	Groups []Group `json:"groups,omitempty"`
}

// Group is the totals of the items of one currency that share a category
// and/or month.
type Group struct {
	// Category is set when grouping by category; "" means uncategorized.
	Category *string `json:"category,omitempty"`
	// Month is set when grouping by month, as "2006-01"; "" means the items
	// have no booked_at.
	Month *string `json:"month,omitempty"`
	Totals
}
