package transactionsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// listEnv is a store with rows of every kind that the list filters tell
// apart, for alice, and look-alikes for bob that must never show.
type listEnv struct {
	db         *sqldb.DB
	s          *transactionsql.Store
	alice, bob string
	accounts   [2]string // alice's
	rows       []transaction.Transaction
}

var listDescriptions = []string{"Coffee at Mugg & Bean", "coffee beans 1kg", "Groceries Woolworths", "Uber trip", "Salary November", "Rent", "50% off: coffee_shop!"}

func newListEnv(t *testing.T, d sqldb.Dialect, n int) *listEnv {
	t.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(t, d)
	users := auth.NewService(authsql.New(db))
	e := &listEnv{db: db, s: transactionsql.New(db)}
	for i, name := range []string{"alice", "bob"} {
		u, _, err := users.AddUser(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.alice = u.ID
		} else {
			e.bob = u.ID
		}
	}
	now := sqldb.FormatTime(base)
	for i := range e.accounts {
		e.accounts[i] = uuid.Must(uuid.NewV7()).String()
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO accounts (id, user_id, name, name_key, kind, currency, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, 'checking', 'EUR', ?, ?, 1)`, e.accounts[i], e.alice, fmt.Sprintf("A%d", i), fmt.Sprintf("a%d", i), now, now); err != nil {
			t.Fatal(err)
		}
	}
	currencies := []string{"EUR", "USD", "JPY", "BHD"}
	var bobs []transaction.Transaction
	for i := range n {
		// Several rows share a booked_at (i%9), so pages break inside ties.
		r := tx(e.alice, i%9, int64((i*37)%2000-1000), currencies[i%4], listDescriptions[i%len(listDescriptions)])
		switch i % 3 {
		case 0:
			r.CategoryID = "food"
		case 1:
			r.CategoryID = "travel"
		}
		if i%5 < 2 {
			r.AccountID = e.accounts[i%5]
		}
		e.rows = append(e.rows, r)
		bobs = append(bobs, tx(e.bob, i%9, r.Amount, r.Currency, r.Description))
	}
	if n == 0 {
		return e
	}
	if _, err := e.s.Insert(ctx, append(slices.Clone(e.rows), bobs...), nil, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// bands are the amount bands of [lo, hi] in major units, as
// transaction.Filter makes them: one per exponent, over every currency
// when currency is "".
func bands(t testing.TB, lo, hi, currency string) []transaction.AmountBand {
	t.Helper()
	groups := map[int][]string{}
	if currency != "" {
		exp, _ := money.Exponent(currency)
		groups[exp] = []string{currency}
	} else {
		for _, c := range money.Currencies() {
			exp, _ := money.Exponent(c)
			groups[exp] = append(groups[exp], c)
		}
	}
	var out []transaction.AmountBand
	for _, cur := range groups {
		b := transaction.AmountBand{Currencies: cur}
		if lo != "" {
			n, err := money.LowerBound(lo, cur[0])
			if err != nil {
				t.Fatal(err)
			}
			b.Min = &n
		}
		if hi != "" {
			n, err := money.UpperBound(hi, cur[0])
			if err != nil {
				t.Fatal(err)
			}
			b.Max = &n
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currencies[0] < out[j].Currencies[0] })
	return out
}

// listCase is a documented filter combination.
type listCase struct {
	name string
	q    transaction.Query
}

func (e *listEnv) cases(t *testing.T) []listCase {
	from, to := base.AddDate(0, 0, 2), base.AddDate(0, 0, 6)
	q := func(f func(*transaction.Query)) transaction.Query {
		x := transaction.Query{UserID: e.alice, Limit: 7}
		f(&x)
		return x
	}
	return []listCase{
		{"none", q(func(*transaction.Query) {})},
		{"from-to", q(func(x *transaction.Query) { x.From, x.To = from, to })},
		{"category", q(func(x *transaction.Query) { x.CategoryID = "food" })},
		{"category+from", q(func(x *transaction.Query) { x.CategoryID, x.From = "travel", from })},
		{"uncategorized", q(func(x *transaction.Query) { x.Uncategorized = true })},
		{"currency", q(func(x *transaction.Query) { x.Currency = "USD" })},
		{"currency+to", q(func(x *transaction.Query) { x.Currency, x.To = "EUR", to })},
		{"account", q(func(x *transaction.Query) { x.AccountID = e.accounts[1] })},
		{"amount", q(func(x *transaction.Query) { x.Bands = bands(t, "-2.5", "3", "") })},
		{"amount-min", q(func(x *transaction.Query) { x.Bands = bands(t, "0", "", "") })},
		{"amount+currency", q(func(x *transaction.Query) { x.Currency, x.Bands = "JPY", bands(t, "-500", "500", "JPY") })},
		{"amount+category", q(func(x *transaction.Query) { x.CategoryID, x.Bands = "food", bands(t, "", "1", "") })},
		{"text", q(func(x *transaction.Query) { x.Text = "COFFEE" })},
		{"text-wildcards", q(func(x *transaction.Query) { x.Text = "50% off" })},
		{"text-none", q(func(x *transaction.Query) { x.Text = "no such thing" })},
		{"text-short", q(func(x *transaction.Query) { x.Text = "Ub" })},
		{"text+amount", q(func(x *transaction.Query) { x.Text, x.Bands = "bean", bands(t, "-3", "3", "") })},
		{"text+account+from", q(func(x *transaction.Query) { x.Text, x.AccountID, x.From = "coffee", e.accounts[0], from })},
		{"text+currency+uncategorized", q(func(x *transaction.Query) { x.Text, x.Currency, x.Uncategorized = "ee", "EUR", true })},
	}
}

// want is the reference answer: q's rows among e.rows, newest first.
func (e *listEnv) want(q transaction.Query) []string {
	var out []transaction.Transaction
	for _, r := range e.rows {
		if matches(r, q) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].BookedAt.Equal(out[j].BookedAt) {
			return out[i].BookedAt.After(out[j].BookedAt)
		}
		return out[i].ID > out[j].ID
	})
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	return ids
}

func matches(r transaction.Transaction, q transaction.Query) bool {
	switch {
	case r.UserID != q.UserID,
		!q.From.IsZero() && r.BookedAt.Before(q.From),
		!q.To.IsZero() && !r.BookedAt.Before(q.To),
		q.CategoryID != "" && r.CategoryID != q.CategoryID,
		q.Uncategorized && r.CategoryID != "",
		q.Currency != "" && r.Currency != q.Currency,
		q.AccountID != "" && r.AccountID != q.AccountID,
		q.Text != "" && !strings.Contains(strings.ToLower(r.Description), strings.ToLower(q.Text)):
		return false
	}
	if len(q.Bands) == 0 {
		return true
	}
	for _, b := range q.Bands {
		if slices.Contains(b.Currencies, r.Currency) && (b.Min == nil || r.Amount >= *b.Min) && (b.Max == nil || r.Amount <= *b.Max) {
			return true
		}
	}
	return false
}

// pageAll lists q page by page, each page from the last one's position.
func pageAll(t *testing.T, s *transactionsql.Store, q transaction.Query) []string {
	t.Helper()
	var ids []string
	for range 1000 {
		page, err := s.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			ids = append(ids, r.ID)
		}
		if len(page) < q.Limit {
			return ids
		}
		last := page[len(page)-1]
		q.After = &transaction.Position{BookedAt: last.BookedAt, ID: last.ID}
	}
	t.Fatal("no last page after 1,000")
	return nil
}

// TestListEveryPathPages: every documented filter combination, paged 7
// rows at a time, returns exactly the rows it should in the cursor's
// order, whether the store walks an index (a probe of 1: no candidate
// set is small enough) or reads the candidates of an amount range or a
// text (a probe above every count), on both engines.
func TestListEveryPathPages(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newListEnv(t, d, 120)
			for _, c := range e.cases(t) {
				want := e.want(c.q)
				for _, probe := range []int{1, 1_000_000} {
					e.s.SetProbe(probe)
					path, err := e.s.ChoosePath(context.Background(), c.q)
					if err != nil {
						t.Fatal(err)
					}
					wantPath := transactionsql.PathWalk
					if probe > 1 {
						switch {
						case len([]rune(c.q.Text)) >= 3:
							wantPath = transactionsql.PathText
						case len(c.q.Bands) > 0:
							wantPath = transactionsql.PathAmount
						}
					}
					if c.name == "text-none" {
						wantPath = transactionsql.PathText // no match: under any probe
					}
					if c.name == "text+amount" && probe > 1 {
						// The smaller candidate set wins; both are right.
						wantPath = path
					}
					if path != wantPath {
						t.Errorf("%s, probe %d: path %d, want %d", c.name, probe, path, wantPath)
					}
					if got := pageAll(t, e.s, c.q); !slices.Equal(got, want) {
						t.Errorf("%s, probe %d (path %d): %d rows, want %d:\n got %v\nwant %v", c.name, probe, path, len(got), len(want), got, want)
					}
				}
			}
			if n := len(e.want(transaction.Query{UserID: e.alice, Text: "coffee"})); n == 0 {
				t.Fatal("the fixture has no coffee: the text cases test nothing")
			}
		})
	}
}

var sqliteFullScan = regexp.MustCompile(`^SCAN (t|transactions|s|transaction_search)\b`)

// TestListPlansUseIndexes explains every statement a listing can run, for
// every documented filter combination and each of its paths, and checks
// that each reads the index meant for it and none reads all of a user's
// rows (or all rows): EXPLAIN QUERY PLAN on SQLite, EXPLAIN on MySQL.
func TestListPlansUseIndexes(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newListEnv(t, d, 300)
			if d == sqldb.MySQL {
				if _, err := e.db.Write.Exec(`ANALYZE TABLE transactions, transaction_trigrams`); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range e.cases(t) {
				for _, q := range []transaction.Query{c.q, withCursor(c.q)} {
					for _, path := range []transactionsql.ListPath{transactionsql.PathWalk, transactionsql.PathAmount, transactionsql.PathText} {
						cands, _ := e.s.Candidates(q, path)
						if path != transactionsql.PathWalk && cands == "" {
							continue
						}
						name := fmt.Sprintf("%s (cursor %v) path %d", c.name, q.After != nil, path)
						var ids []string
						if cands != "" {
							pstmt, pargs := e.s.ProbeStatement(q, path, 10)
							e.checkPlan(t, name+" probe", pstmt, pargs, q, path)
							var err error
							if ids, err = e.s.ProbeIDs(context.Background(), q, path, 10); err != nil {
								t.Fatal(err)
							}
							for len(ids) < 3 { // a plan for several ids, also where none match
								ids = append(ids, uuid.Must(uuid.NewV7()).String())
							}
						}
						stmt, args := e.s.ListStatement(q, path, ids)
						e.checkPlan(t, name, stmt, args, q, path)
					}
				}
			}
		})
	}
}

func withCursor(q transaction.Query) transaction.Query {
	q.After = &transaction.Position{BookedAt: base.AddDate(0, 0, 5), ID: uuid.Must(uuid.NewV7()).String()}
	return q
}

func (e *listEnv) checkPlan(t *testing.T, name, stmt string, args []any, q transaction.Query, path transactionsql.ListPath) {
	t.Helper()
	probe := strings.HasPrefix(stmt, "SELECT cand_id FROM (")
	if e.db.Dialect == sqldb.SQLite {
		plan := explainSQLite(t, e.db.Read, stmt, args)
		joined := strings.Join(plan, "\n")
		for _, l := range plan {
			if sqliteFullScan.MatchString(l) {
				t.Errorf("%s: a full scan: %q\nplan:\n%s\n%s", name, l, joined, stmt)
			}
		}
		var want []string
		switch {
		case path != transactionsql.PathWalk && !probe:
			// The page of a candidate path: the probe's ids, each row by
			// its primary key.
			want = []string{`^SCAN json_each VIRTUAL TABLE INDEX`, `^SEARCH t USING INDEX sqlite_autoindex_transactions_1 \(id=\?\)`}
		case path == transactionsql.PathWalk:
			want = []string{`^SEARCH t USING (COVERING )?INDEX ` + transactionsql.WalkIndex(q) + ` \(user_id=\?`}
			if strings.Contains(joined, "TEMP B-TREE") {
				t.Errorf("%s: a walk sorts:\n%s", name, joined)
			}
			if q.After != nil && !strings.Contains(joined, "booked_at<?") {
				t.Errorf("%s: a page after a cursor does not start at the cursor:\n%s", name, joined)
			}
		case path == transactionsql.PathAmount:
			want = []string{`^SEARCH transactions USING COVERING INDEX transactions_user_amount \(user_id=\? AND currency=\?`}
		case path == transactionsql.PathText:
			want = []string{`^SCAN transaction_search_fts VIRTUAL TABLE INDEX`, `^SEARCH s USING INTEGER PRIMARY KEY \(rowid=\?\)`}
		}
		for _, w := range want {
			if !regexp.MustCompile(`(?m)` + w).MatchString(joined) {
				t.Errorf("%s: no step %s in the plan:\n%s", name, w, joined)
			}
		}
		return
	}
	plan := explainMySQL(t, e.db.Read, stmt, args)
	if probe && !slices.ContainsFunc(plan, func(r map[string]string) bool { return strings.HasPrefix(r["table"], "<derived") }) {
		// Merged into the probe's statement, the candidates' joins could
		// run in their written order rather than from the rarest trigram.
		t.Errorf("%s: the candidates are not a derived table of their own:\n%s", name, stmt)
	}
	for _, r := range plan {
		table, typ, key, extra := r["table"], r["type"], r["key"], r["Extra"]
		if table == "" || strings.HasPrefix(table, "<") { // a derived table (at most the probe's count of rows) or none
			continue
		}
		if typ == "ALL" || typ == "index" || key == "" {
			t.Errorf("%s: %s is read whole (type %s, key %q, %s):\n%s", name, table, typ, key, extra, stmt)
			continue
		}
		switch {
		case table == "w":
			// The walk checks the filters on its index's columns in the
			// index alone, then reads the rows that pass them.
			if path != transactionsql.PathWalk || key != transactionsql.WalkIndex(q) || strings.Contains(extra, "filesort") || !strings.Contains(extra, "Using index") {
				t.Errorf("%s: the walk reads %s (%s), want %s alone, in order", name, key, extra, transactionsql.WalkIndex(q))
			}
		case table == "t" && path != transactionsql.PathWalk:
			// The page of a candidate path: the probe's ids looked up.
			if key != "PRIMARY" || (typ != "range" && typ != "eq_ref" && typ != "const") {
				t.Errorf("%s: the rows are read by %s (%s), want PRIMARY by id", name, key, typ)
			}
		case table == "t":
			if key != "PRIMARY" || typ != "eq_ref" {
				t.Errorf("%s: the rows are read by %s (%s), want PRIMARY eq_ref", name, key, typ)
			}
		case table == "transactions" && key != "transactions_user_amount":
			t.Errorf("%s: the amount candidates read %s, want transactions_user_amount", name, key)
		}
	}
}

func explainSQLite(t *testing.T, db *sql.DB, stmt string, args []any) []string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+stmt, args...)
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, stmt)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

func explainMySQL(t *testing.T, db *sql.DB, stmt string, args []any) []map[string]string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN `+stmt, args...)
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, stmt)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := map[string]string{}
		for i, c := range cols {
			r[c] = vals[i].String
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSearchIndexFollowsWrites: the search index follows inserts, updates
// of the description (and of nothing else), deletes, and the deletes that
// cascade from a user, on both engines; a text search stays a substring
// match in any case, with LIKE's wildcards taken literally.
func TestSearchIndexFollowsWrites(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			e := newListEnv(t, d, 0)
			e.s.SetProbe(1_000_000) // always the search index
			search := func(text string) []string {
				t.Helper()
				page, err := e.s.List(ctx, transaction.Query{UserID: e.alice, Text: text, Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range page {
					out = append(out, r.Description)
				}
				sort.Strings(out)
				return out
			}
			a := tx(e.alice, 0, -100, "EUR", "Flat white, Origin Coffee")
			b := tx(e.alice, 1, -200, "EUR", "100% Arabica_beans")
			if _, err := e.s.Insert(ctx, []transaction.Transaction{a, b}, nil, nil); err != nil {
				t.Fatal(err)
			}
			check := func(text string, want ...string) {
				t.Helper()
				if got := search(text); !slices.Equal(got, want) {
					t.Errorf("q=%q: %q, want %q", text, got, want)
				}
			}
			check("ORIGIN", "Flat white, Origin Coffee")
			check("0% A", "100% Arabica_beans")
			check("a_b", "100% Arabica_beans")
			check("a%b")
			check("e, o", "Flat white, Origin Coffee")
			c := tx(e.alice, 2, -300, "EUR", "Café Crème")
			if _, err := e.s.Insert(ctx, []transaction.Transaction{c}, nil, nil); err != nil {
				t.Fatal(err)
			}
			// Today's semantics per engine, as README states them: on
			// SQLite q is lower-cased whole and the description's ASCII
			// letters only; on MySQL the collation decides (accents too).
			if d == sqldb.MySQL {
				check("CAFE CREME", "Café Crème")
				check("crÈme", "Café Crème")
			} else {
				check("CAFÉ CRÈME", "Café Crème")
				check("cRème", "Café Crème")
				check("cafe")
			}
			if err := e.s.Delete(ctx, e.alice, c.ID, 0); err != nil {
				t.Fatal(err)
			}

			a.Description, a.Version, a.UpdatedAt = "Cortado", 2, base.Add(time.Second)
			if err := e.s.Update(ctx, a, nil); err != nil {
				t.Fatal(err)
			}
			check("origin")
			check("ortad", "Cortado")
			b.Amount, b.Version = -250, 2
			if err := e.s.Update(ctx, b, nil); err != nil {
				t.Fatal(err)
			}
			check("arabica", "100% Arabica_beans")
			if err := e.s.Delete(ctx, e.alice, a.ID, 0); err != nil {
				t.Fatal(err)
			}
			check("ortad")
			if n := e.indexed(t, e.alice); n == 0 {
				t.Fatal("alice's remaining row is not in the search index")
			}
			if _, err := e.db.Write.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, e.alice); err != nil {
				t.Fatal(err)
			}
			if n := e.indexed(t, e.alice); n != 0 {
				t.Errorf("%d search index rows left of a deleted user", n)
			}
		})
	}
}

// indexed counts the search index's rows of user.
func (e *listEnv) indexed(t *testing.T, user string) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM transaction_search WHERE user_id = ?`
	if e.db.Dialect == sqldb.MySQL {
		q = `SELECT COUNT(*) FROM transaction_trigrams WHERE user_id = ?`
	}
	var n int
	if err := e.db.Read.QueryRow(q, user).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
