// Package reportgen generates synthetic report inputs, for tests, Go
// benchmarks and `trx-bench report`: transactions shaped like the
// transactions API output (id, amount, currency, description, booked_at,
// category), about 170 bytes each in JSON, deterministic for a given seed.
package reportgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/trx-platform/trx/internal/money"
)

var (
	currencies  = []string{"EUR", "EUR", "EUR", "USD", "USD", "GBP", "JPY", "BHD", "CHF", "SEK"}
	categories  = []string{"food", "housing", "transport", "salary", "utilities", "health", "leisure", "travel", "refunds", ""}
	descriptors = []string{"Card payment at grocery store", "Monthly rent transfer", "Train ticket to the city centre",
		"Salary for the month", "Electricity and gas bill", "Pharmacy purchase", "Cinema tickets", "Hotel booking deposit",
		"Refund of an online order", "Transfer between own accounts"}
)

// Item is a generated transaction with its amount in minor units.
type Item struct {
	ID          string
	Minor       int64
	Currency    string
	Description string
	BookedAt    time.Time
	Category    string
}

// Items calls fn for n generated transactions.
func Items(n int, seed uint64, fn func(Item)) {
	r := rand.New(rand.NewPCG(seed, 0x7278))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		it := Item{
			ID:          fmt.Sprintf("01JF%022d", i),
			Currency:    currencies[r.IntN(len(currencies))],
			Description: descriptors[r.IntN(len(descriptors))],
			BookedAt:    start.Add(time.Duration(r.Int64N(int64(730 * 24 * time.Hour)))).Truncate(time.Second),
			Category:    categories[r.IntN(len(categories))],
		}
		it.Minor = r.Int64N(500_000) - 400_000 // mostly debits
		if it.Category == "salary" {
			it.Minor = 200_000 + r.Int64N(600_000)
		}
		fn(it)
	}
}

// WriteJSON writes n generated transactions to w as a JSON array, one per
// line.
func WriteJSON(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString("[\n")
	var buf []byte
	i := 0
	Items(n, seed, func(it Item) {
		buf = buf[:0]
		buf = append(buf, `{"id":"`...)
		buf = append(buf, it.ID...)
		buf = append(buf, `","amount":"`...)
		buf = append(buf, money.Format(it.Minor, it.Currency)...)
		buf = append(buf, `","currency":"`...)
		buf = append(buf, it.Currency...)
		buf = append(buf, `","description":`...)
		buf = strconv.AppendQuote(buf, it.Description)
		buf = append(buf, `,"booked_at":"`...)
		buf = it.BookedAt.AppendFormat(buf, time.RFC3339)
		buf = append(buf, `","category":`...)
		if it.Category == "" {
			buf = append(buf, "null"...)
		} else {
			buf = strconv.AppendQuote(buf, it.Category)
		}
		buf = append(buf, '}')
		if i < n-1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		_, _ = bw.Write(buf)
		i++
	})
	_, _ = bw.WriteString("]\n")
	return bw.Flush()
}

// WriteCSV writes n generated transactions to w as CSV with a header row.
func WriteCSV(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString("id,amount,currency,description,booked_at,category\n")
	Items(n, seed, func(it Item) {
		_, _ = fmt.Fprintf(bw, "%s,%s,%s,%s,%s,%s\n", it.ID, money.Format(it.Minor, it.Currency), it.Currency,
			it.Description, it.BookedAt.Format(time.RFC3339), it.Category)
	})
	return bw.Flush()
}
