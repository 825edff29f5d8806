package reportapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/report/reportgen"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
)

// createMany creates n generated transactions for key through the batch API.
func (e *apiEnv) createMany(key string, n int, seed uint64) {
	e.t.Helper()
	var items []map[string]any
	flush := func() {
		if len(items) == 0 {
			return
		}
		r := e.do(key, "POST", "/api/v1/transactions/batch", "application/json", map[string]any{"items": items})
		if r.Status != http.StatusCreated {
			e.t.Fatalf("batch create: %d %s", r.Status, r.Body)
		}
		items = items[:0]
	}
	reportgen.Items(n, seed, func(it reportgen.Item) {
		in := map[string]any{"amount": money.Format(it.Minor, it.Currency), "currency": it.Currency,
			"description": it.Description, "booked_at": it.BookedAt.Format(time.RFC3339)}
		if it.Category != "" {
			in["category_id"] = it.Category
		}
		items = append(items, in)
		if len(items) == 500 {
			flush()
		}
	})
	flush()
}

// list returns every transaction the listing shows for query (from and
// to), following the cursor, as the raw JSON objects of its items.
func (e *apiEnv) list(key string, query url.Values) []json.RawMessage {
	e.t.Helper()
	var all []json.RawMessage
	q := url.Values{"limit": {"500"}}
	for _, k := range []string{"from", "to"} {
		if v := query.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	for {
		r := e.do(key, "GET", "/api/v1/transactions?"+q.Encode(), "", nil)
		if r.Status != http.StatusOK {
			e.t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		r.Decode(e.t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		q.Set("cursor", *page.NextCursor)
	}
}

// sums are reference totals of one currency, in big integers.
type sums struct {
	spent, received, net   big.Int
	count, debits, credits int64
}

// reference totals the listed transactions per currency, independently
// of package report.
func reference(t *testing.T, items []json.RawMessage) map[string]*sums {
	t.Helper()
	out := map[string]*sums{}
	for _, raw := range items {
		var it struct{ Amount, Currency string }
		if err := json.Unmarshal(raw, &it); err != nil {
			t.Fatal(err)
		}
		minor, err := money.Parse(it.Amount, it.Currency)
		if err != nil {
			t.Fatalf("listed amount %q %s: %v", it.Amount, it.Currency, err)
		}
		s := out[it.Currency]
		if s == nil {
			s = &sums{}
			out[it.Currency] = s
		}
		a := big.NewInt(minor)
		s.net.Add(&s.net, a)
		s.count++
		switch a.Sign() {
		case -1:
			s.spent.Sub(&s.spent, a)
			s.debits++
		case 1:
			s.received.Add(&s.received, a)
			s.credits++
		}
	}
	return out
}

// TestStored checks that GET /api/v1/report agrees with summing the
// transactions that the listing shows, on every engine: the same totals as
// a big-number sum, and the very report that POSTing the listed
// transactions gives. Another user's transactions are never counted.
func TestStored(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, reportapi.Config{})
			e.createMany(e.alice, 700, 1)
			e.createMany(e.bob, 300, 2)
			// Bounds exactly on a transaction: from is inclusive, to exclusive.
			for _, b := range []string{"2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z"} {
				r := e.do(e.alice, "POST", "/api/v1/transactions", "application/json",
					map[string]any{"amount": "-1.00", "currency": "EUR", "description": "on the bound", "booked_at": b, "category_id": "food"})
				if r.Status != http.StatusCreated {
					t.Fatalf("create: %d %s", r.Status, r.Body)
				}
			}
			queries := []string{
				"",
				"from=2024-06-01&to=2025-01-01",
				"from=2024-06-01&to=2025-01-01&group_by=category,month",
				"group_by=month",
				"group_by=category",
				"from=2025-03-01T12:00:00%2B02:00",
				"to=2024-02-01",
				"from=2030-01-01",
			}
			for _, key := range []string{e.alice, e.bob} {
				user := "alice"
				if key == e.bob {
					user = "bob"
				}
				for _, qs := range queries {
					t.Run(user+"?"+qs, func(t *testing.T) {
						q, err := url.ParseQuery(qs)
						if err != nil {
							t.Fatal(err)
						}
						r := e.do(key, "GET", "/api/v1/report?"+qs, "", nil)
						if r.Status != http.StatusOK {
							t.Fatalf("report: %d %s", r.Status, r.Body)
						}
						var got report.Result
						r.Decode(t, &got)
						listed := e.list(key, q)
						if got.Count != int64(len(listed)) {
							t.Fatalf("report counts %d transactions, the listing shows %d", got.Count, len(listed))
						}
						ref := reference(t, listed)
						if len(got.Currencies) != len(ref) {
							t.Errorf("report has %d currencies, the listing %d", len(got.Currencies), len(ref))
						}
						for _, c := range got.Currencies {
							s := ref[c.Currency]
							if s == nil {
								t.Errorf("report has %s, the listing not", c.Currency)
								continue
							}
							want := []string{s.spent.String(), s.received.String(), s.net.String()}
							gotMinor := make([]string, 3)
							for i, amount := range []string{c.Spent, c.Received, c.Net} {
								m, err := money.Parse(amount, c.Currency)
								if err != nil {
									t.Fatal(err)
								}
								gotMinor[i] = big.NewInt(m).String()
							}
							if diff := cmp.Diff(want, gotMinor); diff != "" || c.Count != s.count || c.Debits != s.debits || c.Credits != s.credits {
								t.Errorf("%s: spent/received/net (-listing +report):\n%s counts %d/%d/%d, listing %d/%d/%d",
									c.Currency, diff, c.Count, c.Debits, c.Credits, s.count, s.debits, s.credits)
							}
						}
						// The listed transactions, posted as the listing shows them,
						// give the very same report.
						post := e.do(key, "POST", "/api/v1/report?group_by="+url.QueryEscape(q.Get("group_by")), "application/json",
							"["+string(joinRaw(listed))+"]")
						if post.Status != http.StatusOK {
							t.Fatalf("post the listed transactions: %d %s", post.Status, post.Body)
						}
						if diff := cmp.Diff(indent(t, post.Body), indent(t, r.Body)); diff != "" {
							t.Errorf("GET differs from POST of the listed transactions (-post +get):\n%s", diff)
						}
					})
				}
			}
		})
	}
}

func joinRaw(items []json.RawMessage) []byte {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = string(it)
	}
	return []byte(strings.Join(parts, ","))
}

func TestStoredBadParams(t *testing.T) {
	e := newEnv(t, sqldbtest.Engines()[0], reportapi.Config{})
	tests := []struct {
		name, query, field string
		status             int
	}{
		{"bad from", "from=yesterday", "from", 400},
		{"bad to", "to=2025-13-01", "to", 400},
		{"to before from", "from=2025-02-01&to=2025-01-01", "to", 400},
		{"to equal to from", "from=2025-02-01&to=2025-02-01", "to", 400},
		{"bad group_by", "group_by=week", "group_by", 400},
		{"unknown parameter", "currency=EUR", "currency", 400},
		{"repeated", "from=2025-01-01&from=2025-02-01", "from", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(e.alice, "GET", "/api/v1/report?"+tt.query, "", nil)
			var p struct {
				Type   string
				Status int
				Errors []struct{ Field, Rule, Detail string }
			}
			r.Decode(t, &p)
			if r.Status != tt.status || p.Status != tt.status || r.Header.Get("Content-Type") != "application/problem+json" ||
				len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
				t.Errorf("status %d: %s; want %d naming %s", r.Status, r.Body, tt.status, tt.field)
			}
		})
	}
	if r := e.do("", "GET", "/api/v1/report", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("no key: %d", r.Status)
	}
	if r := e.do(e.aliceRead, "GET", "/api/v1/report", "", nil); r.Status != http.StatusOK {
		t.Errorf("read-only key: %d %s", r.Status, r.Body)
	}
}

// fakeSource is a StoredSource of fixed transactions, or of an error.
type fakeSource struct {
	txs []transaction.Transaction
	err error
}

func (f fakeSource) Each(_ context.Context, _ string, _ transaction.Span, fn func(transaction.Transaction) error) error {
	for _, t := range f.txs {
		if err := fn(t); err != nil {
			return err
		}
	}
	return f.err
}

// TestStoredFailures checks the answers when stored transactions cannot be
// totalled (422, naming the transaction) or the database fails (500).
func TestStoredFailures(t *testing.T) {
	at := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		src    fakeSource
		status int
		detail string
	}{
		{"overflow", fakeSource{txs: []transaction.Transaction{
			{ID: "t1", Amount: math.MaxInt64, Currency: "EUR", BookedAt: at},
			{ID: "t2", Amount: 1, Currency: "EUR", BookedAt: at},
		}}, 422, "transaction t2 cannot be totalled"},
		{"database error", fakeSource{err: errors.New("connection reset")}, 500, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			authn := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{UserID: "u1"})))
				})
			}
			reportapi.Routes(mux, tt.src, authn, slog.New(slog.DiscardHandler), reportapi.Config{})
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/report", nil))
			var p struct{ Detail string }
			_ = json.Unmarshal(w.Body.Bytes(), &p)
			if w.Code != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("status %d: %s; want %d with %q", w.Code, w.Body, tt.status, tt.detail)
			}
		})
	}
}
