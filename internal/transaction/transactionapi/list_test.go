package transactionapi_test

import (
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// pageAll follows next_cursor from the first page of query and returns the
// ids in order.
func (e *apiEnv) pageAll(key, query string, pageSize int, between func()) []string {
	e.t.Helper()
	var ids []string
	q, _ := url.ParseQuery(query)
	q.Set("limit", fmt.Sprint(pageSize))
	for pages := 0; ; pages++ {
		if pages > 10000 {
			e.t.Fatal("paging does not end")
		}
		r := e.do(key, "GET", "/api/v1/transactions?"+q.Encode(), nil)
		if r.Status != 200 {
			e.t.Fatalf("list %s: %d %s", q.Encode(), r.Status, r.Body)
		}
		var p listPage
		r.Decode(e.t, &p)
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		if p.NextCursor == nil {
			return ids
		}
		if len(p.Items) != pageSize {
			e.t.Fatalf("a page before the last holds %d items, want %d", len(p.Items), pageSize)
		}
		if between != nil {
			between()
		}
		q.Set("cursor", *p.NextCursor)
	}
}

// TestPaginationUnderInserts: rows inserted while a client pages never make
// it skip or repeat a row that existed when it started.
func TestPaginationUnderInserts(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			var items []any
			for i := range 150 {
				// Many rows share a booked_at, so the id breaks ties.
				items = append(items, tx("-1.00", "EUR", fmt.Sprintf("seed %d", i), fmt.Sprintf("2026-05-%02d", 1+i%10)))
			}
			var created listPage
			e.do(e.alice, "POST", "/api/v1/transactions/batch", map[string]any{"items": items}).Decode(t, &created)
			want := map[string]bool{}
			for _, it := range created.Items {
				want[it.ID] = true
			}

			var (
				wg   sync.WaitGroup
				stop = make(chan struct{})
				n    int
			)
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					// Inserts before, inside and after the range being paged.
					e.create(e.alice, tx("-2.00", "EUR", "late", fmt.Sprintf("2026-05-%02d", 1+n%12)))
					n++
				}
			})
			got := e.pageAll(e.alice, "", 7, func() {
				e.create(e.alice, tx("-3.00", "EUR", "between pages", "2026-05-05"))
			})
			close(stop)
			wg.Wait()

			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("id %s listed twice", id)
				}
				seen[id] = true
			}
			for id := range want {
				if !seen[id] {
					t.Fatalf("seed row %s skipped (%d rows inserted concurrently)", id, n)
				}
			}
			t.Logf("paged %d rows while %d were inserted concurrently", len(got), n)
		})
	}
}

func TestListFilters(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			mk := func(amount, cur, desc, booked, cat string) string {
				in := tx(amount, cur, desc, booked)
				if cat != "" {
					in["category_id"] = cat
				}
				return e.create(e.alice, in).ID
			}
			coffee := mk("-3.50", "EUR", "Coffee 100% arabica", "2026-06-01T08:00:00Z", "food_and_drink")
			salary := mk("2500.00", "EUR", "SALARY June", "2026-06-30", "income")
			sushi := mk("-4500", "JPY", "Sushi dinner", "2026-06-15", "")
			fuel := mk("-45.125", "BHD", "Fuel", "2026-07-02", "")
			tea := mk("-3.50", "GBP", "Tea_time", "2026-05-31T23:59:59.999999Z", "")

			for _, tc := range []struct {
				name, query string
				want        []string // in listing order: booked_at descending
			}{
				{"all", "", []string{fuel, salary, sushi, coffee, tea}},
				{"from is inclusive, to exclusive", "from=2026-06-01&to=2026-06-30", []string{sushi, coffee}},
				{"from with time", "from=2026-05-31T23:59:59.999999Z&to=2026-06-01T08:00:00.000001Z", []string{coffee, tea}},
				{"category", "category_id=income", []string{salary}},
				{"uncategorized", "uncategorized=true", []string{fuel, sushi, tea}},
				{"currency", "currency=EUR", []string{salary, coffee}},
				{"spending only", "amount_max=0", []string{fuel, sushi, coffee, tea}},
				{"amount range across exponents", "amount_min=-50&amount_max=-4", []string{fuel}},
				{"amount range, JPY", "amount_min=-5000&amount_max=-4000", []string{sushi}},
				{"amount bounds are exact", "amount_min=-3.50&amount_max=-3.50", []string{coffee, tea}},
				{"amount between minor units", "amount_min=-3.505&amount_max=-3.501", nil},
				{"amount range with currency", "amount_min=-10&amount_max=0&currency=GBP", []string{tea}},
				{"text is case-insensitive", "q=salary", []string{salary}},
				{"text with %", "q=100%25", []string{coffee}},
				{"text with _", "q=a_t", []string{tea}},
				{"text with _ matches only _", "q=ee_", nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got := e.pageAll(e.alice, tc.query, 2, nil)
					if fmt.Sprint(got) != fmt.Sprint(tc.want) {
						t.Fatalf("got %v\nwant %v", got, tc.want)
					}
				})
			}

			for _, tc := range []struct{ name, query, field string }{
				{"unknown parameter", "categry=income", "categry"},
				{"repeated parameter", "q=a&q=b", "q"},
				{"bad from", "from=yesterday", "from"},
				{"to before from", "from=2026-06-02&to=2026-06-01", "to"},
				{"bad limit", "limit=0", "limit"},
				{"limit too large", "limit=501", "limit"},
				{"bad uncategorized", "uncategorized=maybe", "uncategorized"},
				{"both category filters", "uncategorized=true&category_id=x", "uncategorized"},
				{"bad amount", "amount_min=1e3", "amount_min"},
				{"min over max", "amount_min=10&amount_max=-10", "amount_max"},
				{"bad currency", "currency=XYZ", "currency"},
				{"bad cursor", "cursor=bm90IGEgY3Vyc29y", "cursor"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do(e.alice, "GET", "/api/v1/transactions?"+tc.query, nil)
					p := r.Problem(t)
					if r.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
						t.Fatalf("%d %+v, want 400 on field %q", r.Status, p, tc.field)
					}
				})
			}

			// A cursor is bound to the filters it was made with.
			var first listPage
			e.do(e.alice, "GET", "/api/v1/transactions?limit=1&currency=EUR", nil).Decode(t, &first)
			r := e.do(e.alice, "GET", "/api/v1/transactions?limit=1&currency=JPY&cursor="+*first.NextCursor, nil)
			if p := r.Problem(t); r.Status != 400 || p.Errors[0].Field != "cursor" {
				t.Fatalf("cursor with other filters: %d %+v", r.Status, p)
			}

		})
	}
}
