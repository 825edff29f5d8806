package report

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/money"
)

// sum accumulates the totals of a set of items of one currency. spent and
// received are both >= 0, so net = received - spent never overflows.
type sum struct {
	spent, received        int64
	count, debits, credits int64
}

// add returns s with minor added, or money.ErrOverflow.
func (s sum) add(minor int64) (sum, error) {
	var err error
	switch {
	case minor < 0:
		if minor == math.MinInt64 {
			return s, money.ErrOverflow // its magnitude is not an int64
		}
		s.spent, err = money.Add(s.spent, -minor)
		s.debits++
	case minor > 0:
		s.received, err = money.Add(s.received, minor)
		s.credits++
	}
	s.count++
	return s, err
}

func (s sum) totals(currency string) Totals {
	net := s.received - s.spent
	return Totals{
		Spent:         money.Format(s.spent, currency),
		Received:      money.Format(s.received, currency),
		Net:           money.Format(net, currency),
		Count:         s.count,
		Debits:        s.debits,
		Credits:       s.credits,
		SpentMinor:    s.spent,
		ReceivedMinor: s.received,
		NetMinor:      net,
	}
}

// groupKey identifies a group within a currency: month is year*12 +
// month-1 unless undated. Fields are zero when not grouping by them.
type groupKey struct {
	category string
	month    int
	undated  bool
}

type currencyAcc struct {
	total  sum
	groups map[groupKey]*sum
}

// Aggregator computes a Result from items streamed into it with Add, one at
// a time, holding only the running totals. It is not safe for concurrent
// use.
type Aggregator struct {
	opts       Options
	currencies map[string]*currencyAcc
	seen       int // items offered, good or bad: the next item's index
	count      int64
	groups     int
	problems   []*ItemError
	bad        int
}

// NewAggregator returns an empty Aggregator.
func NewAggregator(opts Options) *Aggregator {
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = DefaultMaxGroups
	}
	return &Aggregator{opts: opts, currencies: make(map[string]*currencyAcc)}
}

// Add adds one item, the next in input order. A bad item (unknown currency,
// bad amount, an overflowing total, too many groups) is not counted: Add
// returns it as an *ItemError with the item's index, and Result reports it.
// The totals are left as they were, so the caller may go on adding items to
// find more problems.
func (a *Aggregator) Add(it Item) error {
	idx := a.seen
	a.seen++
	minor, err := a.minor(idx, it)
	if err != nil {
		return a.reject(err)
	}
	if len(it.Category) > MaxCategory && utf8.RuneCountInString(it.Category) > MaxCategory {
		// A group key is kept for the whole report: long ones would let a
		// body of huge categories hold hundreds of megabytes in groups.
		return a.reject(&ItemError{Index: idx, Field: "category", Rule: "max_length",
			Detail: fmt.Sprintf("must be at most %d characters", MaxCategory)})
	}
	acc := a.currencies[it.Currency]
	if acc == nil {
		acc = &currencyAcc{} // kept below only if the item is good
		if a.opts.GroupBy.Category || a.opts.GroupBy.Month {
			acc.groups = make(map[groupKey]*sum)
		}
	}
	total, err := acc.total.add(minor)
	if err != nil {
		return a.reject(&ItemError{Index: idx, Field: "amount", Rule: "range", Err: err,
			Detail: fmt.Sprintf("the %s totals would overflow: they must stay within ±%s", it.Currency, money.Format(math.MaxInt64, it.Currency))})
	}
	if acc.groups != nil {
		key := a.key(it)
		g := acc.groups[key]
		if g == nil {
			if a.groups >= a.opts.MaxGroups {
				field := "category"
				if !a.opts.GroupBy.Category {
					field = "booked_at"
				}
				return a.reject(&ItemError{Index: idx, Field: field, Rule: "max_groups",
					Detail: fmt.Sprintf("the report would have more than %d groups; group by less or split the input", a.opts.MaxGroups)})
			}
			g = &sum{}
			acc.groups[key] = g
			a.groups++
		}
		// A group's sums are bounded by its currency's, which did not
		// overflow, so this cannot fail.
		*g, _ = g.add(minor)
	}
	acc.total = total
	a.currencies[it.Currency] = acc
	a.count++
	return nil
}

// minor validates it and returns its amount in minor units.
func (a *Aggregator) minor(idx int, it Item) (int64, error) {
	switch {
	case it.Currency == "":
		return 0, &ItemError{Index: idx, Field: "currency", Rule: "required", Detail: "is required: an ISO 4217 code such as \"EUR\""}
	case !money.ValidCurrency(it.Currency):
		_, err := money.Parse("0", it.Currency)
		return 0, &ItemError{Index: idx, Field: "currency", Rule: "iso4217", Detail: err.Error(), Err: err}
	case it.HasMinor:
		return it.Minor, nil
	case it.Amount == "":
		return 0, &ItemError{Index: idx, Field: "amount", Rule: "required", Detail: "is required: a decimal string such as \"-12.50\""}
	}
	m, err := money.Parse(it.Amount, it.Currency)
	if err != nil {
		return 0, &ItemError{Index: idx, Field: "amount", Rule: amountRule(err), Detail: err.Error(), Err: err}
	}
	return m, nil
}

// amountRule names the rule an amount that money.Parse refused breaks.
func amountRule(err error) string {
	switch {
	case errors.Is(err, money.ErrTooManyDecimals):
		return "scale"
	case errors.Is(err, money.ErrOutOfRange), errors.Is(err, money.ErrOverflow):
		return "range"
	}
	return "format"
}

func (a *Aggregator) key(it Item) groupKey {
	var k groupKey
	if a.opts.GroupBy.Category {
		k.category = it.Category
	}
	if a.opts.GroupBy.Month {
		if it.BookedAt.IsZero() {
			k.undated = true
		} else {
			t := it.BookedAt
			if a.opts.Location != nil {
				t = t.In(a.opts.Location)
			}
			k.month = t.Year()*12 + int(t.Month()) - 1
		}
	}
	return k
}

// Reject records a bad item that a decoder could not even turn into an Item
// (a wrong JSON type, an unknown field). It counts as the next item in input
// order; e.Index should be that index.
func (a *Aggregator) Reject(e *ItemError) {
	a.seen++
	a.reject(e)
}

func (a *Aggregator) reject(err error) error {
	e := err.(*ItemError)
	a.bad++
	if len(a.problems) < MaxProblems {
		a.problems = append(a.problems, e)
	}
	return e
}

// Err returns the *ValidationError listing the bad items so far, or nil.
func (a *Aggregator) Err() error {
	if a.bad == 0 {
		return nil
	}
	return &ValidationError{Problems: slices.Clone(a.problems), Total: a.bad}
}

// Result returns the report of the items added so far, or the
// *ValidationError if any item was bad: a report that silently left items
// out would be wrong. The Aggregator may be used again after Result.
func (a *Aggregator) Result() (*Result, error) {
	if err := a.Err(); err != nil {
		return nil, err
	}
	r := &Result{Count: a.count, GroupBy: a.opts.GroupBy.names(), Currencies: make([]CurrencyTotals, 0, len(a.currencies))}
	for cur, acc := range a.currencies {
		ct := CurrencyTotals{Currency: cur, Totals: acc.total.totals(cur)}
		if acc.groups != nil {
			ct.Groups = make([]Group, 0, len(acc.groups))
			keys := make([]groupKey, 0, len(acc.groups))
			for k := range acc.groups {
				keys = append(keys, k)
			}
			slices.SortFunc(keys, compareKeys)
			for _, k := range keys {
				g := Group{Totals: acc.groups[k].totals(cur)}
				if a.opts.GroupBy.Category {
					c := k.category
					g.Category = &c
				}
				if a.opts.GroupBy.Month {
					m := ""
					if !k.undated {
						m = time.Date(k.month/12, time.Month(k.month%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
					}
					g.Month = &m
				}
				ct.Groups = append(ct.Groups, g)
			}
		}
		r.Currencies = append(r.Currencies, ct)
	}
	slices.SortFunc(r.Currencies, func(x, y CurrencyTotals) int { return cmp.Compare(x.Currency, y.Currency) })
	return r, nil
}

// compareKeys orders groups by category then month, with the uncategorized
// and undated groups last.
func compareKeys(x, y groupKey) int {
	if c := lastIfZero(x.category == "", y.category == ""); c != 0 {
		return c
	}
	if c := cmp.Compare(x.category, y.category); c != 0 {
		return c
	}
	if c := lastIfZero(x.undated, y.undated); c != 0 {
		return c
	}
	return cmp.Compare(x.month, y.month)
}

func lastIfZero(xNone, yNone bool) int {
	switch {
	case xNone && !yNone:
		return 1
	case !xNone && yNone:
		return -1
	}
	return 0
}
