package reportcsv_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcsv"
)

func TestReader(t *testing.T) {
	jan := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		in       string
		items    []report.Item
		problems []report.ItemError
		fatal    string // substring
	}{
		{name: "header only", in: "amount,currency\n"},
		{name: "two columns", in: "amount,currency\n-12.50,EUR\n1,JPY\n",
			items: []report.Item{{Amount: "-12.50", Currency: "EUR"}, {Amount: "1", Currency: "JPY"}}},
		{name: "any order, case and spaces", in: "\uFEFF Category ,BOOKED_AT,currency,amount\r\nfood,2025-01-31,EUR,\"1.00\"\r\n",
			items: []report.Item{{Amount: "1.00", Currency: "EUR", Category: "food", BookedAt: jan}}},
		{name: "empty optional cells", in: "amount,currency,booked_at,category\n1,EUR,,\n",
			items: []report.Item{{Amount: "1", Currency: "EUR"}}},
		{name: "export columns ignored", in: "id,amount,currency,description,category_id,category_source\nx,1,EUR,\"a, b\",c1,manual\n",
			items: []report.Item{{Amount: "1", Currency: "EUR", Category: "c1"}}},
		{name: "thousands separator is refused by the aggregator, not here", in: "amount,currency\n\"1,000.00\",EUR\n",
			items: []report.Item{{Amount: "1,000.00", Currency: "EUR"}}},
		{name: "bad date", in: "amount,currency,booked_at\n1,EUR,2025-01-31\n2,EUR,yesterday\n3,EUR,\n",
			items:    []report.Item{{Amount: "1", Currency: "EUR", BookedAt: jan}, {Amount: "3", Currency: "EUR"}},
			problems: []report.ItemError{{Index: 1, Field: "booked_at", Detail: `line 3: "yesterday" must be an RFC 3339 time (2026-11-27T10:00:00Z) or a date (2026-11-27)`}}},
		{name: "wrong field count", in: "amount,currency\n1,EUR,x\n2,EUR\n",
			items:    []report.Item{{Amount: "2", Currency: "EUR"}},
			problems: []report.ItemError{{Index: 0, Detail: "line 2 has 3 fields, the header has 2"}}},

		{name: "empty", in: "", fatal: "the CSV input is empty"},
		{name: "no header", in: "-12.50,EUR\n", fatal: "has no header row"},
		{name: "unknown column", in: "amount,currency,categroy\n", fatal: `unknown CSV column "categroy"`},
		{name: "missing currency column", in: "amount,category\n", fatal: `needs the columns "amount" and "currency"`},
		{name: "duplicate column", in: "amount,currency,amount\n", fatal: `names column "amount" twice`},
		{name: "broken quote", in: "amount,currency\n\"1,EUR\n", fatal: "CSV: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reportcsv.NewReader(strings.NewReader(tt.in))
			var (
				items    []report.Item
				problems []report.ItemError
				fatal    string
			)
		loop:
			for range 100 {
				it, err := r.Next()
				var ie *report.ItemError
				switch {
				case errors.Is(err, io.EOF):
					break loop
				case errors.As(err, &ie):
					problems = append(problems, report.ItemError{Index: ie.Index, Field: ie.Field, Detail: ie.Detail})
				case err != nil:
					if !errors.Is(err, report.ErrInvalidInput) {
						t.Fatalf("fatal error %v does not wrap ErrInvalidInput", err)
					}
					fatal = err.Error()
					break loop
				default:
					items = append(items, it)
				}
			}
			if diff := cmp.Diff(tt.items, items); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if (tt.fatal == "") != (fatal == "") || !strings.Contains(fatal, tt.fatal) {
				t.Errorf("fatal error %q, want %q", fatal, tt.fatal)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	f.Add("amount,currency,booked_at,category\n-12.50,EUR,2025-01-31,food\n")
	f.Add("currency,amount\nEUR\n\"x\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := reportcsv.NewReader(strings.NewReader(in))
		for range len(in) + 2 {
			_, err := r.Next()
			var ie *report.ItemError
			switch {
			case errors.Is(err, io.EOF):
				return
			case errors.As(err, &ie):
			case err != nil:
				if !errors.Is(err, report.ErrInvalidInput) {
					t.Fatalf("unclassified error %v", err)
				}
				return
			}
		}
		t.Fatalf("reader does not end on %q", in)
	})
}
