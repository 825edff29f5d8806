package stocksql_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/stock"
	"github.com/trx-platform/trx/internal/stock/stocksql"
)

func describe(chs []stock.Change) []string {
	var out []string
	for _, c := range chs {
		old, nw := "-", "-"
		if c.Old != nil {
			old = fmt.Sprintf("%s/%d/%s", c.Old.Name, c.Old.Price, c.Old.Currency)
		}
		if c.New != nil {
			nw = fmt.Sprintf("%s/%d/%s", c.New.Name, c.New.Price, c.New.Currency)
		}
		out = append(out, fmt.Sprintf("%s %s %s -> %s", c.Symbol, c.Op, old, nw))
	}
	return out
}

// TestCapture: writes through the store and by plain SQL are both recorded,
// with old and new images, in the order they were made; an update that
// changes nothing is not recorded.
func TestCapture(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			st, ch := stocksql.New(db), stocksql.NewChanges(db)
			now := time.Now().UTC()
			if err := st.Insert(ctx, stock.Stock{Symbol: "ACME", Name: "Acme", Price: 100_000000, Currency: "USD", UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := st.Insert(ctx, stock.Stock{Symbol: "ACME", Name: "Acme", Price: 1, Currency: "USD", UpdatedAt: now}); err != stock.ErrExists {
				t.Fatalf("duplicate insert: %v", err)
			}
			if err := st.Update(ctx, stock.Stock{Symbol: "ACME", Name: "Acme", Price: 110_000000, Currency: "USD", UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO stocks (symbol, name, price_micros, currency, updated_at) VALUES ('BETA', 'Beta', 5000000, 'EUR', 'x')`,
				`UPDATE stocks SET price_micros = price_micros + 1000000 WHERE symbol IN ('ACME', 'BETA')`,
				`UPDATE stocks SET name = name WHERE symbol = 'ACME'`, // no change: no record
				`DELETE FROM stocks WHERE symbol = 'BETA'`,
			} {
				if _, err := db.Write.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := st.SetPrices(ctx, map[string]int64{"ACME": 1}, now); err != nil {
				t.Fatal(err)
			}
			if err := st.SetPrices(ctx, map[string]int64{"ACME": 2, "NOPE": 3}, now); err == nil {
				t.Fatal("SetPrices with an unknown symbol succeeded")
			}
			got, err := ch.All(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"ACME insert - -> Acme/100000000/USD",
				"ACME update Acme/100000000/USD -> Acme/110000000/USD",
				"BETA insert - -> Beta/5000000/EUR",
				"ACME update Acme/110000000/USD -> Acme/111000000/USD",
				"BETA update Beta/5000000/EUR -> Beta/6000000/EUR",
				"BETA delete Beta/6000000/EUR -> -",
				"ACME update Acme/111000000/USD -> Acme/1/USD",
			}
			if fmt.Sprint(describe(got)) != fmt.Sprint(want) {
				t.Fatalf("changes:\n%v\nwant\n%v", describe(got), want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].ID <= got[i-1].ID || got[i].ChangedAt.Before(got[i-1].ChangedAt) {
					t.Fatalf("change %d out of order: %+v after %+v", i, got[i], got[i-1])
				}
			}
			// The relay's view: pending in id order, then marked.
			pending, err := ch.Pending(ctx, 3)
			if err != nil || len(pending) != 3 || pending[0].ID != got[0].ID {
				t.Fatalf("Pending(3) = %d rows, %v", len(pending), err)
			}
			if err := ch.MarkPublished(ctx, []int64{pending[0].ID, pending[1].ID}, now); err != nil {
				t.Fatal(err)
			}
			pending, _ = ch.Pending(ctx, 100)
			if len(pending) != len(want)-2 || pending[0].ID != got[2].ID {
				t.Fatalf("after marking two: %d pending starting at %d", len(pending), pending[0].ID)
			}
			if n, err := ch.PurgePublished(ctx, now.Add(time.Hour)); err != nil || n != 2 {
				t.Fatalf("purge: %d, %v", n, err)
			}
		})
	}
}

// TestConcurrentWritersCaptureAll: many writers at once lose no change, and
// each symbol's changes are recorded in the order its writes committed.
func TestConcurrentWritersCaptureAll(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			st, ch := stocksql.New(db), stocksql.NewChanges(db)
			syms := []string{"A", "B", "C", "D"}
			for _, s := range syms {
				if err := st.Insert(ctx, stock.Stock{Symbol: s, Name: s, Price: 0, Currency: "USD", UpdatedAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			const perSymbol = 40
			var wg sync.WaitGroup
			for _, s := range syms {
				for w := range 2 {
					wg.Go(func() {
						for i := range perSymbol / 2 {
							q := `UPDATE stocks SET price_micros = price_micros + 1 WHERE symbol = ?`
							if _, err := db.Write.ExecContext(ctx, q, s); err != nil {
								t.Errorf("writer %s/%d/%d: %v", s, w, i, err)
								return
							}
						}
					})
				}
			}
			wg.Wait()
			got, err := ch.All(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(syms)*(perSymbol+1) {
				t.Fatalf("%d changes, want %d", len(got), len(syms)*(perSymbol+1))
			}
			last := map[string]int64{}
			for _, c := range got {
				if c.Op != stock.OpUpdate {
					continue
				}
				if c.Old.Price != last[c.Symbol] || c.New.Price != c.Old.Price+1 {
					t.Fatalf("%s: change %d -> %d after %d", c.Symbol, c.Old.Price, c.New.Price, last[c.Symbol])
				}
				last[c.Symbol] = c.New.Price
			}
		})
	}
}

// TestPreviousPrice: the database keeps the price before the latest price
// change, for writes through the store and by plain SQL alike; a write
// that does not change the price keeps it, a change of currency clears it.
func TestPreviousPrice(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			st := stocksql.New(db)
			now := time.Now().UTC()
			check := func(step string, wantPrev int64, wantPct string) {
				t.Helper()
				got, err := st.Get(ctx, "ACME")
				if err != nil {
					t.Fatal(err)
				}
				list, err := st.List(ctx, "", 10)
				if err != nil || len(list) != 1 {
					t.Fatalf("list: %v %v", list, err)
				}
				for _, s := range []stock.Stock{got, list[0]} {
					pct, ok := s.ChangePercent()
					switch {
					case wantPrev < 0 && s.PreviousPrice != nil:
						t.Errorf("%s: previous price %d, want none", step, *s.PreviousPrice)
					case wantPrev >= 0 && (s.PreviousPrice == nil || *s.PreviousPrice != wantPrev):
						t.Errorf("%s: previous price %v, want %d", step, s.PreviousPrice, wantPrev)
					case wantPct != pct || ok != (wantPct != ""):
						t.Errorf("%s: change %q %v, want %q", step, pct, ok, wantPct)
					}
				}
			}
			if err := st.Insert(ctx, stock.Stock{Symbol: "ACME", Name: "Acme", Price: 100_000000, Currency: "USD", UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			check("inserted", -1, "")
			if err := st.Update(ctx, stock.Stock{Symbol: "ACME", Name: "Acme", Price: 110_000000, Currency: "USD", UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			check("price changed", 100_000000, "10.00")
			if err := st.Update(ctx, stock.Stock{Symbol: "ACME", Name: "Acme Corp", Price: 110_000000, Currency: "USD", UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			check("renamed, same price", 100_000000, "10.00")
			if _, err := db.Write.ExecContext(ctx, `UPDATE stocks SET price_micros = 99000000 WHERE symbol = 'ACME'`); err != nil {
				t.Fatal(err)
			}
			check("plain SQL", 110_000000, "-10.00")
			if err := st.SetPrices(ctx, map[string]int64{"ACME": 120_000000}, now); err != nil {
				t.Fatal(err)
			}
			check("batch", 99_000000, "21.21")
			if err := st.Update(ctx, stock.Stock{Symbol: "ACME", Name: "Acme Corp", Price: 120_000000, Currency: "EUR", UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			check("currency changed", -1, "")
			chs, err := stocksql.NewChanges(db).All(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(chs) != 6 {
				t.Errorf("%d change records, want 6 (keeping the previous price records nothing): %v", len(chs), describe(chs))
			}
		})
	}
}
