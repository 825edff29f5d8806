package transactionapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
)

func TestCRUD(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			in := tx("-12.50", "EUR", "  Coffee at Blue Bottle ", "2026-11-27T08:30:00+01:00")
			in["counterparty"] = "Blue Bottle"
			created := e.create(e.alice, in)
			if created.Amount != "-12.50" || created.Currency != "EUR" || created.Description != "Coffee at Blue Bottle" ||
				created.BookedAt != "2026-11-27T07:30:00Z" || created.Version != 1 || created.CategoryID != nil ||
				created.Counterparty == nil || *created.Counterparty != "Blue Bottle" || len(created.ID) != 36 {
				t.Fatalf("created = %+v", created)
			}

			r := e.do(e.alice, "GET", "/api/v1/transactions/"+created.ID, nil)
			if r.Status != 200 || r.Header.Get("ETag") != `"1"` {
				t.Fatalf("get: %d ETag %q", r.Status, r.Header.Get("ETag"))
			}
			var got transactionapi.Resource
			r.Decode(t, &got)
			if diff := cmp.Diff(created, got); diff != "" {
				t.Fatalf("get differs from create (-create +get):\n%s", diff)
			}
			if r := e.do(e.alice, "GET", "/api/v1/transactions/"+created.ID, nil, "If-None-Match", `"1"`); r.Status != http.StatusNotModified {
				t.Fatalf("If-None-Match: %d", r.Status)
			}

			// Partial update: category set, counterparty cleared, amount kept.
			r = e.do(e.alice, "PATCH", "/api/v1/transactions/"+created.ID, map[string]any{"category_id": "food_and_drink", "counterparty": nil}, "If-Match", `"1"`)
			if r.Status != 200 || r.Header.Get("ETag") != `"2"` {
				t.Fatalf("patch: %d %s", r.Status, r.Body)
			}
			r.Decode(t, &got)
			if got.CategoryID == nil || *got.CategoryID != "food_and_drink" || got.Counterparty != nil || got.Amount != "-12.50" || got.Version != 2 {
				t.Fatalf("patched = %+v", got)
			}

			// Changing the currency alone keeps the decimal value, and is
			// refused when the value does not fit the new currency.
			r = e.do(e.alice, "PATCH", "/api/v1/transactions/"+created.ID, map[string]any{"currency": "JPY"})
			if p := r.Problem(t); r.Status != 400 || p.Errors[0].Field != "amount" || p.Errors[0].Rule != "scale" {
				t.Fatalf("patch currency to JPY: %d %+v", r.Status, p)
			}

			// Full update replaces every field.
			r = e.do(e.alice, "PUT", "/api/v1/transactions/"+created.ID, tx("1000", "JPY", "Refund", "2026-11-28"), "If-Match", `"2"`)
			if r.Status != 200 {
				t.Fatalf("put: %d %s", r.Status, r.Body)
			}
			r.Decode(t, &got)
			if got.Amount != "1000" || got.Currency != "JPY" || got.CategoryID != nil || got.Version != 3 || got.CreatedAt != created.CreatedAt {
				t.Fatalf("replaced = %+v", got)
			}

			if r := e.do(e.alice, "DELETE", "/api/v1/transactions/"+created.ID, nil, "If-Match", `"2"`); r.Status != http.StatusPreconditionFailed {
				t.Fatalf("stale delete: %d", r.Status)
			}
			if r := e.do(e.alice, "DELETE", "/api/v1/transactions/"+created.ID, nil, "If-Match", `"3"`); r.Status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", r.Status, r.Body)
			}
			for _, m := range []string{"GET", "DELETE"} {
				if r := e.do(e.alice, m, "/api/v1/transactions/"+created.ID, nil); r.Status != 404 {
					t.Fatalf("%s after delete: %d", m, r.Status)
				}
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, tc := range []struct{ name, header string }{
		{"no header", ""},
		{"unknown key", "Bearer trx_notakey"},
		{"other scheme", "Basic dXNlcjpwYXNz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("", "GET", "/api/v1/transactions", nil, "Authorization", tc.header)
			if r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("status %d, WWW-Authenticate %q", r.Status, r.Header.Get("WWW-Authenticate"))
			}
			r.Problem(t)
		})
	}
}

// TestIsolation: another user's transaction is a 404 everywhere, never seen.
func TestIsolation(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			a := e.create(e.alice, tx("-1.00", "USD", "alice's", "2026-01-01"))
			path := "/api/v1/transactions/" + a.ID
			for _, tc := range []struct {
				method string
				body   any
			}{
				{"GET", nil},
				{"PUT", tx("-2.00", "USD", "bob was here", "2026-01-01")},
				{"PATCH", map[string]any{"description": "bob was here"}},
				{"DELETE", nil},
			} {
				if r := e.do(e.bob, tc.method, path, tc.body); r.Status != 404 {
					t.Errorf("bob %s alice's transaction: %d %s", tc.method, r.Status, r.Body)
				}
			}
			var page listPage
			e.do(e.bob, "GET", "/api/v1/transactions", nil).Decode(t, &page)
			if len(page.Items) != 0 {
				t.Errorf("bob lists %d transactions, want 0", len(page.Items))
			}
			r := e.do(e.alice, "GET", path, nil)
			var still transactionapi.Resource
			r.Decode(t, &still)
			if still.Description != "alice's" || still.Version != 1 {
				t.Errorf("alice's transaction changed: %+v", still)
			}
			// The same Idempotency-Key is per user.
			b := e.create(e.bob, tx("-1.00", "USD", "bob's", "2026-01-01"), "Idempotency-Key", "k1")
			a2 := e.create(e.alice, tx("-1.00", "USD", "alice's 2", "2026-01-01"), "Idempotency-Key", "k1")
			if a2.ID == b.ID || a2.Description != "alice's 2" {
				t.Errorf("idempotency key shared across users: %+v vs %+v", a2, b)
			}
		})
	}
}

// TestIfMatchConcurrent: of N concurrent updates of the same version, exactly
// one wins; the others get 412.
func TestIfMatchConcurrent(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			created := e.create(e.alice, tx("-5.00", "EUR", "start", "2026-02-01"))
			path := "/api/v1/transactions/" + created.ID
			for version := 1; version <= 3; version++ {
				const n = 12
				statuses := make([]int, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						r := e.do(e.alice, "PATCH", path, map[string]any{"description": fmt.Sprintf("writer %d", i)},
							"If-Match", fmt.Sprintf(`"%d"`, version))
						statuses[i] = r.Status
					})
				}
				wg.Wait()
				wins, lost := 0, 0
				for _, s := range statuses {
					switch s {
					case 200:
						wins++
					case 412:
						lost++
					default:
						t.Errorf("version %d: unexpected status %d", version, s)
					}
				}
				if wins != 1 || lost != n-1 {
					t.Fatalf("version %d: %d winners and %d 412s, want 1 and %d", version, wins, lost, n-1)
				}
			}
			var got transactionapi.Resource
			e.do(e.alice, "GET", path, nil).Decode(t, &got)
			if got.Version != 4 {
				t.Fatalf("final version %d, want 4", got.Version)
			}
			// Without If-Match, concurrent writers all succeed, one after another.
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					if r := e.do(e.alice, "PATCH", path, map[string]any{"counterparty": fmt.Sprint(i)}); r.Status != 200 {
						t.Errorf("unconditional patch: %d %s", r.Status, r.Body)
					}
				})
			}
			wg.Wait()
			e.do(e.alice, "GET", path, nil).Decode(t, &got)
			if got.Version != 12 {
				t.Fatalf("after 8 unconditional patches version %d, want 12", got.Version)
			}
		})
	}
}

// TestIdempotencyConcurrent: the same key sent 20 times at once makes one row,
// and every response is that row.
func TestIdempotencyConcurrent(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			body := tx("-99.99", "GBP", "rent share", "2026-03-01")
			const n = 20
			ids := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					r := e.do(e.alice, "POST", "/api/v1/transactions", body, "Idempotency-Key", "pay-rent-2026-03")
					if r.Status != 201 {
						t.Errorf("attempt %d: %d %s", i, r.Status, r.Body)
						return
					}
					var res transactionapi.Resource
					r.Decode(t, &res)
					ids[i] = res.ID
				})
			}
			wg.Wait()
			for i := range ids {
				if ids[i] != ids[0] {
					t.Fatalf("attempt %d got id %s, attempt 0 got %s", i, ids[i], ids[0])
				}
			}
			var page listPage
			e.do(e.alice, "GET", "/api/v1/transactions", nil).Decode(t, &page)
			if len(page.Items) != 1 {
				t.Fatalf("%d rows stored, want 1", len(page.Items))
			}
			// Same key, same body with other whitespace and key order: a replay.
			r := e.do(e.alice, "POST", "/api/v1/transactions",
				`{ "booked_at":"2026-03-01", "description":"rent share", "currency":"GBP", "amount":"-99.99" }`, "Idempotency-Key", "pay-rent-2026-03")
			var res transactionapi.Resource
			r.Decode(t, &res)
			if r.Status != 201 || res.ID != ids[0] {
				t.Fatalf("replay: %d %s", r.Status, r.Body)
			}
			// Same key, another body: 422.
			other := tx("-100.00", "GBP", "rent share", "2026-03-01")
			r = e.do(e.alice, "POST", "/api/v1/transactions", other, "Idempotency-Key", "pay-rent-2026-03")
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("same key, other body: %d %s", r.Status, r.Body)
			}
			r.Problem(t)
			// A batch with a key replays too.
			items := map[string]any{"items": []any{tx("-1", "JPY", "a", "2026-03-02"), tx("-2", "JPY", "b", "2026-03-02")}}
			r1 := e.do(e.alice, "POST", "/api/v1/transactions/batch", items, "Idempotency-Key", "batch-1")
			r2 := e.do(e.alice, "POST", "/api/v1/transactions/batch", items, "Idempotency-Key", "batch-1")
			if r1.Status != 201 || r2.Status != 201 || string(r1.Body) != string(r2.Body) {
				t.Fatalf("batch replay: %d %d\n%s\n%s", r1.Status, r2.Status, r1.Body, r2.Body)
			}
			e.do(e.alice, "GET", "/api/v1/transactions", nil).Decode(t, &page)
			if len(page.Items) != 3 {
				t.Fatalf("%d rows after batch replay, want 3", len(page.Items))
			}
		})
	}
}

func TestBatch(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			items := make([]any, 1000)
			for i := range items {
				items[i] = tx(fmt.Sprintf("-%d.%02d", i, i%100), "EUR", fmt.Sprintf("item %d", i), "2026-04-01")
			}
			r := e.do(e.alice, "POST", "/api/v1/transactions/batch", map[string]any{"items": items})
			if r.Status != 201 {
				t.Fatalf("batch of 1000: %d %s", r.Status, r.Body[:min(len(r.Body), 500)])
			}
			var page listPage
			r.Decode(t, &page)
			if len(page.Items) != 1000 || page.Items[999].Description != "item 999" {
				t.Fatalf("batch returned %d items", len(page.Items))
			}

			r = e.do(e.alice, "POST", "/api/v1/transactions/batch", map[string]any{"items": append(items, tx("1", "EUR", "one too many", "2026-04-01"))})
			if p := r.Problem(t); r.Status != 400 || p.Errors[0].Rule != "max_items" {
				t.Fatalf("batch of 1001: %d %+v", r.Status, p)
			}

			bad := []any{tx("-1.00", "EUR", "fine", "2026-04-02"), tx("-1.001", "EUR", "bad", "2026-04-02"), tx("-1.00", "EUR", "", "2026-04-02")}
			r = e.do(e.alice, "POST", "/api/v1/transactions/batch", map[string]any{"items": bad})
			p := r.Problem(t)
			if r.Status != 400 || len(p.Errors) != 2 || p.Errors[0].Field != "items[1].amount" || p.Errors[1].Field != "items[2].description" {
				t.Fatalf("batch with bad items: %d %+v", r.Status, p)
			}
			var all listPage
			e.do(e.alice, "GET", "/api/v1/transactions?from=2026-04-02", nil).Decode(t, &all)
			if len(all.Items) != 0 {
				t.Fatalf("a refused batch stored %d rows", len(all.Items))
			}
		})
	}
}

// TestValidation: every input rule gives a 4xx problem naming the field and rule.
func TestValidation(t *testing.T) {
	e := newEnv(t, "sqlite")
	ok := `"currency":"EUR","description":"d","booked_at":"2026-01-01"`
	cases := []struct {
		name, body  string
		status      int
		field, rule string
	}{
		{"missing amount", `{` + ok + `}`, 400, "amount", "required"},
		{"amount as number", `{"amount":12.5,` + ok + `}`, 400, "amount", "type"},
		{"amount with comma", `{"amount":"12,50",` + ok + `}`, 400, "amount", "format"},
		{"amount with exponent", `{"amount":"1e3",` + ok + `}`, 400, "amount", "format"},
		{"amount with spaces", `{"amount":" 1.00",` + ok + `}`, 400, "amount", "format"},
		{"amount too precise for EUR", `{"amount":"1.001",` + ok + `}`, 400, "amount", "scale"},
		{"amount too large", `{"amount":"92233720368547758.08",` + ok + `}`, 400, "amount", "range"},
		{"decimals on JPY", `{"amount":"1.5","currency":"JPY","description":"d","booked_at":"2026-01-01"}`, 400, "amount", "scale"},
		{"unknown currency", `{"amount":"1","currency":"EUX","description":"d","booked_at":"2026-01-01"}`, 400, "currency", "iso4217"},
		{"lower-case currency", `{"amount":"1","currency":"eur","description":"d","booked_at":"2026-01-01"}`, 400, "currency", "iso4217"},
		{"missing currency", `{"amount":"1","description":"d","booked_at":"2026-01-01"}`, 400, "currency", "required"},
		{"blank description", `{"amount":"1","currency":"EUR","description":"  ","booked_at":"2026-01-01"}`, 400, "description", "required"},
		{"long description", `{"amount":"1","currency":"EUR","description":"` + strings.Repeat("x", 1001) + `","booked_at":"2026-01-01"}`, 400, "description", "max_length"},
		{"control characters", `{"amount":"1","currency":"EUR","description":"a\u0007b","booked_at":"2026-01-01"}`, 400, "description", "control_chars"},
		{"long counterparty", `{"amount":"1",` + ok + `,"counterparty":"` + strings.Repeat("y", 201) + `"}`, 400, "counterparty", "max_length"},
		{"bad booked_at", `{"amount":"1","currency":"EUR","description":"d","booked_at":"27/11/2026"}`, 400, "booked_at", "format"},
		{"booked_at out of range", `{"amount":"1","currency":"EUR","description":"d","booked_at":"1850-01-01"}`, 400, "booked_at", "range"},
		{"missing booked_at", `{"amount":"1","currency":"EUR","description":"d"}`, 400, "booked_at", "required"},
		{"bad category id", `{"amount":"1",` + ok + `,"category_id":"food and drink"}`, 400, "category_id", "format"},
		{"unknown field", `{"amount":"1",` + ok + `,"amout":"2"}`, 400, "amout", "unknown_field"},
		{"read-only field", `{"amount":"1",` + ok + `,"id":"x"}`, 400, "id", "unknown_field"},
		{"not JSON", `amount=1`, 400, "", ""},
		{"two values", `{"amount":"1",` + ok + `}{}`, 400, "", ""},
		{"empty body", ``, 400, "", ""},
		{"array instead of object", `[]`, 400, "body", "type"},
		{"body over 1 MiB", `{"amount":"1",` + ok + `,"counterparty":"` + strings.Repeat("z", 1<<20) + `"}`, 413, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(e.alice, "POST", "/api/v1/transactions", tc.body)
			p := r.Problem(t)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.field == "" {
				return
			}
			for _, fe := range p.Errors {
				if fe.Field == tc.field && fe.Rule == tc.rule && fe.Detail != "" {
					return
				}
			}
			t.Fatalf("errors %+v lack field %q rule %q", p.Errors, tc.field, tc.rule)
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		r := e.do(e.alice, "POST", "/api/v1/transactions", `{}`, "Content-Type", "text/plain")
		if r.Status != 415 {
			t.Fatalf("status %d", r.Status)
		}
		if p := r.Problem(t); !strings.Contains(p.Detail, "send application/json") {
			t.Errorf("detail %q does not name the accepted type", p.Detail)
		}
	})
	created := e.create(e.alice, tx("1.00", "EUR", "x", "2026-01-01"))
	path := "/api/v1/transactions/" + created.ID
	for _, tc := range []struct {
		name   string
		body   any
		hdr    []string
		status int
	}{
		{"patch null amount", map[string]any{"amount": nil}, nil, 400},
		{"patch unknown field", map[string]any{"version": "3"}, nil, 400},
		{"patch empty", map[string]any{}, nil, 400},
		{"patch number", map[string]any{"amount": 3}, nil, 400},
		{"bad If-Match", map[string]any{"description": "y"}, []string{"If-Match", "abc"}, 400},
		{"stale If-Match", map[string]any{"description": "y"}, []string{"If-Match", `"7"`}, 412},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(e.alice, "PATCH", path, tc.body, tc.hdr...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			r.Problem(t)
		})
	}
	for _, id := range []string{"nope", "01a21f45-32c2-796e-b8b6-574ffcc5db04", strings.ToUpper(created.ID)} {
		if r := e.do(e.alice, "GET", "/api/v1/transactions/"+url.PathEscape(id), nil); r.Status != 404 {
			t.Errorf("GET %s: %d", id, r.Status)
		}
	}
}
