package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/report"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(s string) *string { return &s }

// totals builds the expected Totals of a currency from decimal strings.
func totals(cur, spent, received, net string, count, debits, credits int64) report.Totals {
	m := func(s string) int64 {
		v, err := money.Parse(s, cur)
		if err != nil {
			panic(err)
		}
		return v
	}
	return report.Totals{Spent: spent, Received: received, Net: net, Count: count, Debits: debits, Credits: credits,
		SpentMinor: m(spent), ReceivedMinor: m(received), NetMinor: m(net)}
}

func TestAggregator(t *testing.T) {
	tests := []struct {
		name  string
		opts  report.Options
		items []report.Item
		want  *report.Result
	}{
		{
			name: "empty input gives zero totals",
			want: &report.Result{Currencies: []report.CurrencyTotals{}},
		},
		{
			name: "eur spent received net",
			items: []report.Item{
				{Amount: "-12.50", Currency: "EUR"},
				{Amount: "100", Currency: "EUR"},
				{Amount: "-0.05", Currency: "EUR"},
				{Amount: "0.00", Currency: "EUR"},
			},
			want: &report.Result{Count: 4, Currencies: []report.CurrencyTotals{
				{Currency: "EUR", Totals: totals("EUR", "12.55", "100.00", "87.45", 4, 2, 1)},
			}},
		},
		{
			name: "jpy has no decimals",
			items: []report.Item{
				{Amount: "-1500", Currency: "JPY"},
				{Amount: "+200", Currency: "JPY"},
			},
			want: &report.Result{Count: 2, Currencies: []report.CurrencyTotals{
				{Currency: "JPY", Totals: totals("JPY", "1500", "200", "-1300", 2, 1, 1)},
			}},
		},
		{
			name: "bhd has three decimals",
			items: []report.Item{
				{Amount: "-0.001", Currency: "BHD"},
				{Amount: "1.5", Currency: "BHD"},
			},
			want: &report.Result{Count: 2, Currencies: []report.CurrencyTotals{
				{Currency: "BHD", Totals: totals("BHD", "0.001", "1.500", "1.499", 2, 1, 1)},
			}},
		},
		{
			name: "currencies are never mixed and come sorted",
			items: []report.Item{
				{Amount: "-1", Currency: "USD"},
				{Amount: "-1", Currency: "EUR"},
				{Amount: "1", Currency: "JPY"},
				{Minor: -250, HasMinor: true, Currency: "EUR"},
			},
			want: &report.Result{Count: 4, Currencies: []report.CurrencyTotals{
				{Currency: "EUR", Totals: totals("EUR", "3.50", "0.00", "-3.50", 2, 2, 0)},
				{Currency: "JPY", Totals: totals("JPY", "0", "1", "1", 1, 0, 1)},
				{Currency: "USD", Totals: totals("USD", "1.00", "0.00", "-1.00", 1, 1, 0)},
			}},
		},
		{
			name: "totals up to the int64 edge",
			items: []report.Item{
				{Minor: math.MaxInt64, HasMinor: true, Currency: "EUR"},
				{Minor: -math.MaxInt64, HasMinor: true, Currency: "EUR"},
			},
			want: &report.Result{Count: 2, Currencies: []report.CurrencyTotals{
				{Currency: "EUR", Totals: totals("EUR", "92233720368547758.07", "92233720368547758.07", "0.00", 2, 1, 1)},
			}},
		},
		{
			name: "group by category",
			opts: report.Options{GroupBy: report.GroupBy{Category: true}},
			items: []report.Item{
				{Amount: "-10", Currency: "EUR", Category: "food"},
				{Amount: "-5", Currency: "EUR"},
				{Amount: "-2.50", Currency: "EUR", Category: "food"},
				{Amount: "1000", Currency: "EUR", Category: "salary"},
				{Amount: "-3", Currency: "EUR", Category: "bills"},
			},
			want: &report.Result{Count: 5, GroupBy: []string{"category"}, Currencies: []report.CurrencyTotals{
				{Currency: "EUR", Totals: totals("EUR", "20.50", "1000.00", "979.50", 5, 4, 1), Groups: []report.Group{
					{Category: ptr("bills"), Totals: totals("EUR", "3.00", "0.00", "-3.00", 1, 1, 0)},
					{Category: ptr("food"), Totals: totals("EUR", "12.50", "0.00", "-12.50", 2, 2, 0)},
					{Category: ptr("salary"), Totals: totals("EUR", "0.00", "1000.00", "1000.00", 1, 0, 1)},
					{Category: ptr(""), Totals: totals("EUR", "5.00", "0.00", "-5.00", 1, 1, 0)},
				}},
			}},
		},
		{
			name: "group by month uses the offset as written",
			opts: report.Options{GroupBy: report.GroupBy{Month: true}},
			items: []report.Item{
				{Amount: "-1", Currency: "JPY", BookedAt: day("2025-01-31T23:30:00-05:00")}, // Feb in UTC
				{Amount: "-2", Currency: "JPY", BookedAt: day("2025-02-01T00:00:00Z")},
				{Amount: "-4", Currency: "JPY"},
				{Amount: "-8", Currency: "JPY", BookedAt: day("2024-12-31T12:00:00Z")},
			},
			want: &report.Result{Count: 4, GroupBy: []string{"month"}, Currencies: []report.CurrencyTotals{
				{Currency: "JPY", Totals: totals("JPY", "15", "0", "-15", 4, 4, 0), Groups: []report.Group{
					{Month: ptr("2024-12"), Totals: totals("JPY", "8", "0", "-8", 1, 1, 0)},
					{Month: ptr("2025-01"), Totals: totals("JPY", "1", "0", "-1", 1, 1, 0)},
					{Month: ptr("2025-02"), Totals: totals("JPY", "2", "0", "-2", 1, 1, 0)},
					{Month: ptr(""), Totals: totals("JPY", "4", "0", "-4", 1, 1, 0)},
				}},
			}},
		},
		{
			name: "group by month in a given location",
			opts: report.Options{GroupBy: report.GroupBy{Month: true}, Location: time.UTC},
			items: []report.Item{
				{Amount: "-1", Currency: "JPY", BookedAt: day("2025-01-31T23:30:00-05:00")},
			},
			want: &report.Result{Count: 1, GroupBy: []string{"month"}, Currencies: []report.CurrencyTotals{
				{Currency: "JPY", Totals: totals("JPY", "1", "0", "-1", 1, 1, 0), Groups: []report.Group{
					{Month: ptr("2025-02"), Totals: totals("JPY", "1", "0", "-1", 1, 1, 0)},
				}},
			}},
		},
		{
			name: "group by category and month",
			opts: report.Options{GroupBy: report.GroupBy{Category: true, Month: true}},
			items: []report.Item{
				{Amount: "-1.000", Currency: "BHD", Category: "food", BookedAt: day("2025-03-02T10:00:00Z")},
				{Amount: "-0.500", Currency: "BHD", Category: "food", BookedAt: day("2025-02-02T10:00:00Z")},
				{Amount: "2", Currency: "BHD", Category: "food", BookedAt: day("2025-03-09T10:00:00Z")},
				{Amount: "-1", Currency: "EUR", Category: "food", BookedAt: day("2025-03-09T10:00:00Z")},
			},
			want: &report.Result{Count: 4, GroupBy: []string{"category", "month"}, Currencies: []report.CurrencyTotals{
				{Currency: "BHD", Totals: totals("BHD", "1.500", "2.000", "0.500", 3, 2, 1), Groups: []report.Group{
					{Category: ptr("food"), Month: ptr("2025-02"), Totals: totals("BHD", "0.500", "0.000", "-0.500", 1, 1, 0)},
					{Category: ptr("food"), Month: ptr("2025-03"), Totals: totals("BHD", "1.000", "2.000", "1.000", 2, 1, 1)},
				}},
				{Currency: "EUR", Totals: totals("EUR", "1.00", "0.00", "-1.00", 1, 1, 0), Groups: []report.Group{
					{Category: ptr("food"), Month: ptr("2025-03"), Totals: totals("EUR", "1.00", "0.00", "-1.00", 1, 1, 0)},
				}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agg := report.NewAggregator(tt.opts)
			for i, it := range tt.items {
				if err := agg.Add(it); err != nil {
					t.Fatalf("Add(item %d) = %v", i, err)
				}
			}
			got, err := agg.Result()
			if err != nil {
				t.Fatalf("Result() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Result() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAggregatorRefusesBadItems(t *testing.T) {
	tests := []struct {
		name   string
		opts   report.Options
		items  []report.Item
		index  int
		field  string
		err    error  // wrapped cause, if any
		detail string // substring
	}{
		{name: "rounding refused eur", items: []report.Item{{Amount: "1.00", Currency: "EUR"}, {Amount: "12.345", Currency: "EUR"}},
			index: 1, field: "amount", err: money.ErrTooManyDecimals, detail: `"12.345" has 3 decimal places, EUR allows 2`},
		{name: "rounding refused jpy", items: []report.Item{{Amount: "1.5", Currency: "JPY"}},
			field: "amount", err: money.ErrTooManyDecimals, detail: "JPY allows 0"},
		{name: "rounding refused bhd", items: []report.Item{{Amount: "0.0001", Currency: "BHD"}},
			field: "amount", err: money.ErrTooManyDecimals, detail: "BHD allows 3"},
		{name: "bad syntax", items: []report.Item{{Amount: "1,50", Currency: "EUR"}},
			field: "amount", err: money.ErrInvalidAmount},
		{name: "missing amount", items: []report.Item{{Currency: "EUR"}},
			field: "amount", detail: "is required"},
		{name: "missing currency", items: []report.Item{{Amount: "1"}},
			field: "currency", detail: "is required"},
		{name: "lowercase currency", items: []report.Item{{Amount: "1", Currency: "eur"}},
			field: "currency", err: money.ErrUnknownCurrency, detail: `use "EUR"`},
		{name: "metal", items: []report.Item{{Amount: "1", Currency: "XAU"}},
			field: "currency", err: money.ErrUnknownCurrency},
		{name: "received overflows", items: []report.Item{
			{Minor: math.MaxInt64, HasMinor: true, Currency: "EUR"},
			{Amount: "0.01", Currency: "EUR"}},
			index: 1, field: "amount", err: money.ErrOverflow, detail: "EUR totals would overflow"},
		{name: "spent overflows", items: []report.Item{
			{Minor: -math.MaxInt64, HasMinor: true, Currency: "JPY"},
			{Amount: "-1", Currency: "JPY"}},
			index: 1, field: "amount", err: money.ErrOverflow},
		{name: "min int64 debit overflows spent", items: []report.Item{{Minor: math.MinInt64, HasMinor: true, Currency: "EUR"}},
			field: "amount", err: money.ErrOverflow},
		{name: "too many groups", opts: report.Options{GroupBy: report.GroupBy{Category: true}, MaxGroups: 2}, items: []report.Item{
			{Amount: "1", Currency: "EUR", Category: "a"},
			{Amount: "1", Currency: "EUR", Category: "b"},
			{Amount: "1", Currency: "EUR", Category: "a"},
			{Amount: "1", Currency: "EUR", Category: "c"}},
			index: 3, field: "category", detail: "more than 2 groups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agg := report.NewAggregator(tt.opts)
			var last error
			for _, it := range tt.items {
				last = agg.Add(it)
			}
			var ie *report.ItemError
			if !errors.As(last, &ie) {
				t.Fatalf("last Add() = %v, want *ItemError", last)
			}
			if ie.Index != tt.index || ie.Field != tt.field || !strings.Contains(ie.Detail, tt.detail) {
				t.Errorf("ItemError = %+v, want index %d field %q detail containing %q", ie, tt.index, tt.field, tt.detail)
			}
			if tt.err != nil && !errors.Is(last, tt.err) {
				t.Errorf("error %v does not wrap %v", last, tt.err)
			}
			res, err := agg.Result()
			var ve *report.ValidationError
			if !errors.As(err, &ve) || res != nil {
				t.Fatalf("Result() = %v, %v; want *ValidationError", res, err)
			}
			if ve.Total != 1 || len(ve.Problems) != 1 || ve.Problems[0] != ie {
				t.Errorf("ValidationError = %+v, want just the item error", ve)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("ValidationError does not wrap %v", tt.err)
			}
		})
	}
}

func TestAggregatorKeepsTotalsOnError(t *testing.T) {
	agg := report.NewAggregator(report.Options{GroupBy: report.GroupBy{Category: true}})
	_ = agg.Add(report.Item{Minor: math.MaxInt64 - 1, HasMinor: true, Currency: "EUR", Category: "x"})
	if err := agg.Add(report.Item{Amount: "0.02", Currency: "EUR", Category: "y"}); !errors.Is(err, money.ErrOverflow) {
		t.Fatalf("Add = %v, want overflow", err)
	}
	if err := agg.Add(report.Item{Amount: "0.01", Currency: "EUR", Category: "x"}); err != nil {
		t.Fatalf("Add = %v after a refused item", err)
	}
	_, err := agg.Result()
	var ve *report.ValidationError
	if !errors.As(err, &ve) || ve.Total != 1 || ve.Problems[0].Index != 1 {
		t.Fatalf("Result() error = %v, want one problem at index 1", err)
	}
}

func TestValidationErrorListsFirst20(t *testing.T) {
	agg := report.NewAggregator(report.Options{})
	for i := range 50 {
		if i%2 == 0 {
			_ = agg.Add(report.Item{Amount: "1", Currency: "EUR"})
		} else {
			_ = agg.Add(report.Item{Amount: "x", Currency: "EUR"})
		}
	}
	agg.Reject(&report.ItemError{Index: 50, Field: "memo", Detail: "is not a known field"})
	_, err := agg.Result()
	var ve *report.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Result() error = %v", err)
	}
	if ve.Total != 26 || len(ve.Problems) != report.MaxProblems {
		t.Fatalf("Total = %d, len(Problems) = %d; want 26, %d", ve.Total, len(ve.Problems), report.MaxProblems)
	}
	for i, p := range ve.Problems {
		if p.Index != 2*i+1 || p.Field != "amount" {
			t.Errorf("Problems[%d] = %+v, want index %d field amount", i, p, 2*i+1)
		}
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "26 invalid items: item 1: amount: ") || !strings.Contains(msg, "and 23 more") {
		t.Errorf("Error() = %q", msg)
	}
	b, _ := json.Marshal(ve.Problems[0].FieldError())
	if want := `{"field":"transactions[1].amount","rule":"format","detail":"amount \"x\" is not a decimal number`; !strings.HasPrefix(string(b), want) {
		t.Errorf("field error JSON = %s, want prefix %s", b, want)
	}
	var v *fault.Validation
	if !errors.As(err, &v) || len(v.Fields) != report.MaxProblems || fault.KindOf(err) != fault.Invalid ||
		v.Summary != "26 transactions are invalid; the first 20 are listed in errors" {
		t.Errorf("as a fault.Validation: %+v, kind %d", v, fault.KindOf(err))
	}
}

func TestParseGroupBy(t *testing.T) {
	tests := []struct {
		in      string
		want    report.GroupBy
		wantErr bool
	}{
		{"", report.GroupBy{}, false},
		{"category", report.GroupBy{Category: true}, false},
		{"month", report.GroupBy{Month: true}, false},
		{"category,month", report.GroupBy{Category: true, Month: true}, false},
		{" month , category ", report.GroupBy{Category: true, Month: true}, false},
		{"day", report.GroupBy{}, true},
		{"category,", report.GroupBy{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := report.ParseGroupBy(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseGroupBy(%q) = %+v, %v", tt.in, got, err)
			}
			if err != nil && !errors.Is(err, report.ErrInvalidInput) {
				t.Errorf("error %v does not wrap ErrInvalidInput", err)
			}
		})
	}
	if s := (report.GroupBy{Category: true, Month: true}).String(); s != "category,month" {
		t.Errorf("String() = %q", s)
	}
}

func TestResultJSON(t *testing.T) {
	agg := report.NewAggregator(report.Options{GroupBy: report.GroupBy{Category: true}})
	_ = agg.Add(report.Item{Amount: "-12.5", Currency: "EUR", Category: "food"})
	res, err := agg.Result()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"count":1,"group_by":["category"],"currencies":[{"currency":"EUR","spent":"12.50","received":"0.00","net":"-12.50","count":1,"debits":1,"credits":0,` +
		`"groups":[{"category":"food","spent":"12.50","received":"0.00","net":"-12.50","count":1,"debits":1,"credits":0}]}]}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
	empty, _ := report.NewAggregator(report.Options{}).Result()
	if b, _ := json.Marshal(empty); string(b) != `{"count":0,"currencies":[]}` {
		t.Errorf("empty JSON = %s", b)
	}
}

// sliceSource is a Source over a slice, with optional decoder errors.
type sliceSource struct {
	items []report.Item
	errs  map[int]error
	i     int
}

func (s *sliceSource) Next() (report.Item, error) {
	if s.i >= len(s.items) {
		return report.Item{}, io.EOF
	}
	i := s.i
	s.i++
	if err := s.errs[i]; err != nil {
		return report.Item{}, err
	}
	return s.items[i], nil
}

func TestRun(t *testing.T) {
	items := []report.Item{{Amount: "1", Currency: "EUR"}, {}, {Amount: "2", Currency: "EUR"}, {Amount: "x", Currency: "EUR"}}
	t.Run("ok", func(t *testing.T) {
		res, err := report.Run(context.Background(), &sliceSource{items: items[:1]}, report.Options{})
		if err != nil || res.Count != 1 {
			t.Fatalf("Run = %+v, %v", res, err)
		}
	})
	t.Run("item errors from source and aggregator are collected", func(t *testing.T) {
		src := &sliceSource{items: items, errs: map[int]error{1: &report.ItemError{Index: 1, Field: "amount", Detail: "must be a string"}}}
		_, err := report.Run(context.Background(), src, report.Options{})
		var ve *report.ValidationError
		if !errors.As(err, &ve) || ve.Total != 2 || ve.Problems[0].Index != 1 || ve.Problems[1].Index != 3 {
			t.Fatalf("Run error = %v, want problems at 1 and 3", err)
		}
	})
	t.Run("fatal source error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := report.Run(context.Background(), &sliceSource{items: items, errs: map[int]error{2: boom}}, report.Options{})
		if !errors.Is(err, boom) {
			t.Fatalf("Run error = %v, want boom", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := report.Run(ctx, &sliceSource{items: items}, report.Options{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run error = %v, want context.Canceled", err)
		}
	})
}

// TestAggregatorBigReference checks random transactions against math/big:
// spent + received == |debits| + credits, net == sum, per currency, and an
// overflow is reported exactly when a running total leaves the int64 range.
func TestAggregatorBigReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	currencies := []string{"JPY", "EUR", "BHD", "CLF"}
	totalOverflows := 0
	for round := range 200 {
		agg := report.NewAggregator(report.Options{})
		type ref struct{ spent, received, net *big.Int }
		refs := map[string]*ref{}
		huge := round%4 == 0 // amounts near the int64 edge, to hit overflows
		n := r.IntN(500)
		var kept []report.Item // the items that fit, in order
		overflows := 0
		for range n {
			cur := currencies[r.IntN(len(currencies))]
			var minor int64
			if huge {
				minor = int64(r.Uint64()) / int64(1+r.IntN(4))
			} else {
				minor = r.Int64N(2_000_000_000) - 1_000_000_000
			}
			it := report.Item{Amount: money.Format(minor, cur), Currency: cur}
			if r.IntN(2) == 0 {
				it = report.Item{Minor: minor, HasMinor: true, Currency: cur}
			}
			rf := refs[cur]
			if rf == nil {
				rf = &ref{new(big.Int), new(big.Int), new(big.Int)}
			}
			m := big.NewInt(minor)
			spent, received := new(big.Int).Set(rf.spent), new(big.Int).Set(rf.received)
			if minor < 0 {
				spent.Sub(spent, m)
			} else {
				received.Add(received, m)
			}
			fits := spent.IsInt64() && received.IsInt64()
			err := agg.Add(it)
			if !fits {
				if !errors.Is(err, money.ErrOverflow) {
					t.Fatalf("Add(%+v) = %v, want overflow", it, err)
				}
				overflows++
				continue
			}
			if err != nil {
				t.Fatalf("Add(%+v) = %v", it, err)
			}
			rf.spent, rf.received = spent, received
			rf.net.Add(rf.net, m)
			refs[cur] = rf
			kept = append(kept, it)
		}
		res, err := agg.Result()
		if overflows > 0 {
			// Result refuses an input with bad items; the refused items
			// left the totals as they were, so the totals are those of
			// the kept items.
			var ve *report.ValidationError
			if !errors.As(err, &ve) || ve.Total != overflows {
				t.Fatalf("Result() = %v, want %d overflows", err, overflows)
			}
			clean := report.NewAggregator(report.Options{})
			for _, it := range kept {
				if err := clean.Add(it); err != nil {
					t.Fatalf("Add(%+v) = %v", it, err)
				}
			}
			res, err = clean.Result()
		}
		if err != nil {
			t.Fatalf("Result() = %v", err)
		}
		totalOverflows += overflows
		if len(res.Currencies) != len(refs) {
			t.Fatalf("%d currencies, want %d", len(res.Currencies), len(refs))
		}
		for _, ct := range res.Currencies {
			rf := refs[ct.Currency]
			sum := new(big.Int).Add(big.NewInt(ct.SpentMinor), big.NewInt(ct.ReceivedMinor))
			abs := new(big.Int).Add(rf.spent, rf.received)
			if sum.Cmp(abs) != 0 || ct.NetMinor != rf.net.Int64() || ct.SpentMinor != rf.spent.Int64() {
				t.Fatalf("%s: spent %d received %d net %d; want spent %s received %s net %s",
					ct.Currency, ct.SpentMinor, ct.ReceivedMinor, ct.NetMinor, rf.spent, rf.received, rf.net)
			}
			if ct.Net != money.Format(rf.net.Int64(), ct.Currency) {
				t.Fatalf("%s: Net %q, want %s", ct.Currency, ct.Net, rf.net)
			}
		}
	}
	if totalOverflows == 0 {
		t.Error("no overflow was exercised")
	}
}
