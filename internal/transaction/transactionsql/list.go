package transactionsql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
)

// How a listing finds its page without reading all of a user's rows
// (migration 0011 adds the indexes; docs/LISTING.md has the reasoning).
//
// A listing is ordered by (booked_at, id) descending, the cursor's order.
// The equality filters (account, category, currency) and from/to have an
// index in that order each, so a page is read from the index's newest end
// and the read stops at the page's last row: the walk. An amount range and
// a text search cannot be in the cursor's order: a walk would read rows
// until it has found a page of matches, which is all of them when the
// filter matches few. So for those the store first counts the matches in
// the filter's own index, up to Store.probe: fewer than that, and it reads
// just those rows and sorts them (the candidate path); as many, and the
// matches are common enough for the walk to find a page soon (about
// limit×N/probe rows read, for N rows of the user, when the matches are
// spread over time).

// candidateLimit is the default Store.probe: the number of matches of an
// amount range or a text up to which the candidate path reads and sorts
// them, rather than walking. Each costs about one row read; the walk past
// it reads about limit×N/candidateLimit rows.
const candidateLimit = 2000

// minTrigram is the shortest q (in characters) that the search index finds:
// a shorter one is matched by the walk alone, which stops at a page of
// matches (a one-letter search finds a page soon) or at the statement's
// time limit (--db-statement-timeout), whichever comes first.
const minTrigram = 3

// The indexes a walk reads (see walkIndex), in migration 0011.
const (
	indexBooked   = "transactions_user_booked_amount"
	indexAccount  = "transactions_user_account"
	indexCategory = "transactions_user_category"
	indexCurrency = "transactions_user_currency"
	indexAmount   = "transactions_user_amount"
)

// listPath is how a listing reads its rows.
type listPath int

const (
	pathWalk   listPath = iota // an index in the cursor's order, newest first
	pathAmount                 // the rows in the amount range, sorted
	pathText                   // the rows the search index finds, sorted
)

// List returns the transactions that match q, newest booked first.
func (s *Store) List(ctx context.Context, q transaction.Query) ([]transaction.Transaction, error) {
	path, ids, err := s.choosePath(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]transaction.Transaction, 0, min(q.Limit, 64))
	if path != pathWalk && len(ids) == 0 {
		return out, nil
	}
	stmt, args := s.listStatement(q, path, ids)
	rows, err := s.db.Read.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("transactionsql: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("transactionsql: list: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("transactionsql: list: %w", err)
	}
	return out, nil
}

// choosePath reads the ids of q's amount range and text matches in their
// indexes (up to s.probe each) and picks the candidate path of the one with
// fewer, with those ids, or the walk when neither has fewer than s.probe.
// The page is then read from the ids: the candidates are found once, not
// again by the page's statement (a rare text on MariaDB at 1M rows: the
// trigram intersection is most of the listing's time).
func (s *Store) choosePath(ctx context.Context, q transaction.Query) (listPath, []string, error) {
	best, bestN := pathWalk, s.probe
	var bestIDs []string
	for _, p := range []listPath{pathText, pathAmount} {
		ids, ok, err := s.probeIDs(ctx, q, p, bestN)
		if err != nil {
			return pathWalk, nil, err
		}
		if ok && len(ids) < bestN {
			best, bestN, bestIDs = p, len(ids), ids
		}
	}
	return best, bestIDs, nil
}

// probeIDs reads the ids of q's candidates along path, up to limit; ok is
// false when q has none along path.
func (s *Store) probeIDs(ctx context.Context, q transaction.Query, path listPath, limit int) (ids []string, ok bool, err error) {
	stmt, args := s.probeStatement(q, path, limit)
	if stmt == "" {
		return nil, false, nil
	}
	rows, err := s.db.Read.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, false, fmt.Errorf("transactionsql: list: find candidates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, false, fmt.Errorf("transactionsql: list: find candidates: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("transactionsql: list: find candidates: %w", err)
	}
	return ids, true, nil
}

// probeStatement selects q's candidates along path, up to limit ("" when
// q has none). Each part of a UNION ALL stops at limit too: MariaDB
// materializes a whole union before the LIMIT around it, so a broad amount
// range read every one of its rows (170 ms at 1M rows) to learn that
// there are at least limit.
func (s *Store) probeStatement(q transaction.Query, path listPath, limit int) (string, []any) {
	cands, args := s.candidates(q, path)
	if cands == "" {
		return "", nil
	}
	if path == pathAmount && len(q.Bands) > 1 {
		cands, args = "", nil
		for i, b := range q.Bands {
			part, pargs := s.amountCandidates(transaction.Query{UserID: q.UserID, Bands: []transaction.AmountBand{b}})
			if i > 0 {
				cands += " UNION ALL "
			}
			cands += fmt.Sprintf("SELECT cand_id FROM (%s LIMIT ?) AS part%d", part, i)
			args = append(append(args, pargs...), limit)
		}
	}
	return `SELECT cand_id FROM (` + cands + ` LIMIT ?) AS probe`, append(args, limit)
}

// listStatement is the SELECT of a page of q read along path: for the
// walk, an index in the cursor's order; for a candidate path, the rows of
// ids (the candidates probeIDs found, at most s.probe of them) by their
// primary key, sorted.
func (s *Store) listStatement(q transaction.Query, path listPath, ids []string) (string, []any) {
	if path == pathWalk && s.db.Dialect == sqldb.MySQL {
		return s.mysqlWalk(q)
	}
	where, args := conditions(q)
	tail := ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY booked_at DESC, id DESC LIMIT ?`
	args = append(args, q.Limit)
	if path == pathWalk {
		return `SELECT ` + columns + ` FROM transactions AS t ` + s.forceIndex(walkIndex(q)) + tail, args
	}
	if s.db.Dialect == sqldb.MySQL {
		in := make([]any, len(ids), len(ids)+len(args))
		for i, id := range ids {
			in[i] = id
		}
		return `SELECT ` + columns + ` FROM transactions AS t FORCE INDEX (PRIMARY) WHERE id IN (` +
			strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + `) AND ` + strings.TrimPrefix(tail, ` WHERE `), append(in, args...)
	}
	// The ids as one JSON array, then each one's row by its primary key:
	// the join order is fixed (CROSS JOIN) so that the planner does not
	// walk the user's rows instead.
	list, _ := json.Marshal(ids) // strings: cannot fail
	return `SELECT ` + columns + ` FROM (SELECT value AS cand_id FROM json_each(?)) AS c CROSS JOIN transactions AS t ON t.id = c.cand_id` + tail,
		append([]any{string(list)}, args...)
}

// indexColumns are the columns of each walk's index on MySQL (InnoDB's
// secondary indexes hold the primary key, id, too).
var indexColumns = map[string][]string{
	indexBooked:   {"user_id", "booked_at", "id", "currency", "amount_minor"},
	indexAccount:  {"user_id", "account_id", "booked_at", "id"},
	indexCategory: {"user_id", "category_id", "booked_at", "id"},
	indexCurrency: {"user_id", "currency", "booked_at", "id"},
}

// mysqlWalk is a walk on MySQL: the index read in order as w, with the
// filters on its columns checked there, and each row that passes them
// read by its primary key as t for the others. InnoDB checks a filter on
// an index's columns only after reading the row when it walks the index
// backwards, so a plain walk read a row for every index entry (an amount
// range with a text, one match in 1,000 rows: 372 ms a page at 1M rows;
// 38 ms this way).
func (s *Store) mysqlWalk(q transaction.Query) (string, []any) {
	idx := walkIndex(q)
	where, args := conditionsOn(q, func(col string) string {
		if slices.Contains(indexColumns[idx], col) {
			return "w." + col
		}
		return "t." + col
	})
	args = append(args, q.Limit)
	return `SELECT STRAIGHT_JOIN ` + qualified("t.", columns) + ` FROM transactions AS w ` + s.forceIndex(idx) +
		` JOIN transactions AS t ON t.id = w.id WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY w.booked_at DESC, w.id DESC LIMIT ?`, args
}

// qualified prefixes each of a comma-separated list of columns.
func qualified(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// walkIndex is the index in the cursor's order that narrows q's rows most:
// an equality filter's, or else the user's.
func walkIndex(q transaction.Query) string {
	switch {
	case q.AccountID != "":
		return indexAccount
	case q.Uncategorized || q.CategoryID != "":
		return indexCategory
	case q.Currency != "":
		return indexCurrency
	}
	return indexBooked
}

// forceIndex names the index a statement on transactions must read.
func (s *Store) forceIndex(name string) string {
	if s.db.Dialect == sqldb.MySQL {
		return `FORCE INDEX (` + name + `)`
	}
	return `INDEXED BY ` + name
}

// candidates is a SELECT of the ids (as cand_id) of the user's rows that
// match q's amount range (pathAmount) or text (pathText), through their
// index; "" when q has no such filter (or a text too short for the index).
// The candidates are a superset: the page's statement checks every filter.
func (s *Store) candidates(q transaction.Query, path listPath) (string, []any) {
	switch {
	case path == pathAmount && len(q.Bands) > 0:
		return s.amountCandidates(q)
	case path == pathText && len([]rune(q.Text)) >= minTrigram:
		if s.db.Dialect == sqldb.MySQL {
			return trigramCandidates(q)
		}
		return `SELECT s.transaction_id AS cand_id FROM transaction_search_fts
			JOIN transaction_search AS s ON s.rid = transaction_search_fts.rowid
			WHERE transaction_search_fts MATCH ? AND s.user_id = ?`, []any{ftsPhrase(q.Text), q.UserID}
	}
	return "", nil
}

// amountCandidates reads each band's range of amounts per currency in
// transactions_user_amount; the bands are apart (each has its own
// currencies), so UNION ALL repeats no row.
func (s *Store) amountCandidates(q transaction.Query) (string, []any) {
	var (
		parts []string
		args  []any
	)
	for _, b := range q.Bands {
		cond := "user_id = ? AND currency IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(b.Currencies)), ", ") + ")"
		args = append(args, q.UserID)
		for _, c := range b.Currencies {
			args = append(args, c)
		}
		if b.Min != nil {
			cond += " AND amount_minor >= ?"
			args = append(args, *b.Min)
		}
		if b.Max != nil {
			cond += " AND amount_minor <= ?"
			args = append(args, *b.Max)
		}
		parts = append(parts, `SELECT id AS cand_id FROM transactions `+s.forceIndex(indexAmount)+` WHERE `+cond)
	}
	return strings.Join(parts, " UNION ALL "), args
}

// maxTrigrams bounds the trigrams of a search that MySQL's candidates
// join on: the first, the last and some between find nearly as few rows as
// all of them, and LIKE decides.
const maxTrigrams = 6

// trigramCandidates joins transaction_trigrams once per trigram of q: the
// rows that have every one of them (on MariaDB/MySQL).
func trigramCandidates(q transaction.Query) (string, []any) {
	tgs := trigrams(q.Text, maxTrigrams)
	var (
		sb   strings.Builder
		args []any
	)
	sb.WriteString("SELECT g0.transaction_id AS cand_id FROM transaction_trigrams AS g0")
	for i := 1; i < len(tgs); i++ {
		fmt.Fprintf(&sb, " JOIN transaction_trigrams AS g%d ON g%d.user_id = g0.user_id AND g%d.trigram = ? AND g%d.transaction_id = g0.transaction_id", i, i, i, i)
		args = append(args, tgs[i])
	}
	sb.WriteString(" WHERE g0.user_id = ? AND g0.trigram = ?")
	return sb.String(), append(args, q.UserID, tgs[0])
}

// trigrams returns up to max of the distinct three-character substrings of
// text (lower-cased; the column's collation ignores case anyway), the first
// and the last among them. text has at least three characters.
func trigrams(text string, max int) []string {
	r := []rune(strings.ToLower(text))
	var all []string
	seen := map[string]bool{}
	for i := 0; i+3 <= len(r); i++ {
		if g := string(r[i : i+3]); !seen[g] {
			seen[g] = true
			all = append(all, g)
		}
	}
	if len(all) <= max {
		return all
	}
	out := make([]string, 0, max)
	for i := range max {
		out = append(out, all[i*(len(all)-1)/(max-1)])
	}
	return out
}

// ftsPhrase quotes text as one FTS5 phrase: with the trigram tokenizer, the
// rows whose description holds it as a substring, in any case.
func ftsPhrase(text string) string {
	return `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
}

// conditions are the WHERE terms of every filter of q, on the columns of
// transactions: the page's statement checks all of them on whichever path.
func conditions(q transaction.Query) ([]string, []any) {
	return conditionsOn(q, func(col string) string { return col })
}

// conditionsOn is conditions with each column named by col.
func conditionsOn(q transaction.Query, col func(string) string) ([]string, []any) {
	var (
		where = []string{col("user_id") + " = ?"}
		args  = []any{q.UserID}
	)
	if !q.From.IsZero() {
		where = append(where, col("booked_at")+" >= ?")
		args = append(args, sqldb.FormatTime(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, col("booked_at")+" < ?")
		args = append(args, sqldb.FormatTime(q.To))
	}
	switch {
	case q.Uncategorized:
		where = append(where, col("category_id")+" IS NULL")
	case q.CategoryID != "":
		where = append(where, col("category_id")+" = ?")
		args = append(args, q.CategoryID)
	}
	switch {
	case q.OnlyManual:
		where = append(where, col("category_source")+" = ?")
		args = append(args, transaction.SourceManual)
	case q.ExcludeManual:
		where = append(where, "("+col("category_source")+" IS NULL OR "+col("category_source")+" <> ?)")
		args = append(args, transaction.SourceManual)
	}
	if q.AccountID != "" {
		where = append(where, col("account_id")+" = ?")
		args = append(args, q.AccountID)
	}
	if q.Currency != "" {
		where = append(where, col("currency")+" = ?")
		args = append(args, q.Currency)
	}
	where, args = bandConditions(q.Bands, col, where, args)
	if q.Text != "" {
		// Today's semantics on both paths: a substring, case-insensitive as
		// LOWER and the column's collation make it (the search index only
		// finds candidates; it never decides).
		where = append(where, `LOWER(`+col("description")+`) LIKE ? ESCAPE '!'`)
		args = append(args, "%"+escapeLike(strings.ToLower(q.Text))+"%")
	}
	if q.After != nil {
		// The first term repeats what the OR implies: SQLite sees a range
		// of booked_at only in a term of its own (the OR's two parameters
		// are not known to be equal), and without it a deep page walked
		// every newer row of the user (265 ms at 1M rows).
		b := sqldb.FormatTime(q.After.BookedAt)
		where = append(where, col("booked_at")+" <= ?", "("+col("booked_at")+" < ? OR ("+col("booked_at")+" = ? AND "+col("id")+" < ?))")
		args = append(args, b, b, b, q.After.ID)
	}
	return where, args
}

// bandConditions adds the amount must fall in one of bands.
func bandConditions(bands []transaction.AmountBand, col func(string) string, where []string, args []any) ([]string, []any) {
	if len(bands) == 0 {
		return where, args
	}
	var ors []string
	for _, b := range bands {
		cond := col("currency") + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(b.Currencies)), ", ") + ")"
		for _, c := range b.Currencies {
			args = append(args, c)
		}
		if b.Min != nil {
			cond += " AND " + col("amount_minor") + " >= ?"
			args = append(args, *b.Min)
		}
		if b.Max != nil {
			cond += " AND " + col("amount_minor") + " <= ?"
			args = append(args, *b.Max)
		}
		ors = append(ors, "("+cond+")")
	}
	return append(where, "("+strings.Join(ors, " OR ")+")"), args
}

// escapeLike escapes LIKE's wildcards with '!' (the ESCAPE character used).
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
