package reportgen_test

import (
	"bytes"
	"context"
	"math/big"
	"testing"

	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcsv"
	"github.com/trx-platform/trx/internal/report/reportgen"
	"github.com/trx-platform/trx/internal/report/reportjson"
)

// TestGeneratedInputs decodes generated JSON and CSV and checks the totals
// against sums of the generated minor units in math/big.
func TestGeneratedInputs(t *testing.T) {
	const n = 5000
	type want struct{ spent, received big.Int }
	sums := map[string]*want{}
	reportgen.Items(n, 1, func(it reportgen.Item) {
		w := sums[it.Currency]
		if w == nil {
			w = &want{}
			sums[it.Currency] = w
		}
		if it.Minor < 0 {
			w.spent.Sub(&w.spent, big.NewInt(it.Minor))
		} else {
			w.received.Add(&w.received, big.NewInt(it.Minor))
		}
	})
	var js, cs bytes.Buffer
	if err := reportgen.WriteJSON(&js, n, 1); err != nil {
		t.Fatal(err)
	}
	if err := reportgen.WriteCSV(&cs, n, 1); err != nil {
		t.Fatal(err)
	}
	if per := js.Len() / n; per < 150 || per > 200 {
		t.Errorf("%d bytes per JSON transaction, want about 170", per)
	}
	for name, src := range map[string]report.Source{"json": reportjson.NewDecoder(&js), "csv": reportcsv.NewReader(&cs)} {
		res, err := report.Run(context.Background(), src, report.Options{GroupBy: report.GroupBy{Category: true, Month: true}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Count != n || len(res.Currencies) != len(sums) {
			t.Fatalf("%s: %d items in %d currencies, want %d in %d", name, res.Count, len(res.Currencies), n, len(sums))
		}
		for _, c := range res.Currencies {
			w := sums[c.Currency]
			if w.spent.Int64() != c.SpentMinor || w.received.Int64() != c.ReceivedMinor {
				t.Errorf("%s: %s spent %d received %d, want %s %s", name, c.Currency, c.SpentMinor, c.ReceivedMinor, &w.spent, &w.received)
			}
		}
	}
}
