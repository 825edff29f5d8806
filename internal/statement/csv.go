package statement

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/transaction"
)

// Mapping says how to read a CSV statement: which column holds what, and
// how dates and numbers are written. A column is named by its header
// (case and surrounding spaces do not matter) or by its number from 1
// ("#3"), which also works in a file without a header. Presets are saved
// Mappings.
type Mapping struct {
	// Delimiter is one character; "" sniffs , ; tab or | from the header.
	Delimiter string `json:"delimiter,omitempty"`
	// Header says whether the first row (after SkipLines) names the
	// columns; nil sniffs it (a header holds the mapped names, or a first
	// row whose date does not read as one).
	Header    *bool  `json:"header,omitempty"`
	SkipLines int    `json:"skip_lines,omitempty"` // lines before the header (a bank's preamble)
	Encoding  string `json:"encoding,omitempty"`   // see Encodings; default utf-8
	Date      string `json:"date"`
	// DateFormat: see dateLayout; default "iso".
	DateFormat string `json:"date_format,omitempty"`
	// Amount is one signed column, or Debit and Credit two unsigned ones
	// (money out, money in).
	Amount string `json:"amount,omitempty"`
	Debit  string `json:"debit,omitempty"`
	Credit string `json:"credit,omitempty"`
	// Description is one or more columns, joined with a space.
	Description  []string `json:"description"`
	Counterparty string   `json:"counterparty,omitempty"`
	Reference    string   `json:"reference,omitempty"` // the bank's id of the line, used to dedupe
	Balance      string   `json:"balance,omitempty"`   // the running balance; read and checked as a number, not stored
	Category     string   `json:"category,omitempty"`  // a column of trx category ids, kept as a manual choice
	Currency     string   `json:"currency,omitempty"`  // a column of currency codes, which must be the account's
	Number
}

// Check reports what is wrong with m as a whole.
func (m *Mapping) Check() error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if m.Delimiter != "" && utf8.RuneCountInString(m.Delimiter) != 1 {
		add("delimiter %q must be one character", m.Delimiter)
	}
	if m.Delimiter == "\"" || m.Delimiter == "\n" || m.Delimiter == "\r" {
		add("delimiter %q cannot be a quote or a line break", m.Delimiter)
	}
	if m.SkipLines < 0 || m.SkipLines > 100 {
		add("skip_lines %d is outside 0–100", m.SkipLines)
	}
	if m.Date == "" {
		add("date names no column")
	}
	if _, err := dateLayout(m.DateFormat); err != nil {
		add("date_format: %v", err)
	}
	switch {
	case m.Amount != "" && (m.Debit != "" || m.Credit != ""):
		add("amount and debit/credit are exclusive: name one amount column, or a debit and a credit column")
	case m.Amount == "" && (m.Debit == "" || m.Credit == ""):
		add("name an amount column, or both a debit and a credit column")
	}
	if len(m.Description) == 0 {
		add("description names no column")
	}
	if _, ok := normalizeEncoding(m.Encoding); !ok {
		add("encoding %q is not one of %s", m.Encoding, strings.Join(Encodings, ", "))
	}
	if err := m.Number.check("mapping"); err != nil {
		add("%v", err)
	}
	if len(errs) > 0 {
		return fileError("mapping", "invalid", "%s", strings.Join(errs, "; "))
	}
	return nil
}

// columnRef is a mapped column: its name or number as written, and where
// it is in the rows (-1: not mapped).
type columnRef struct {
	field, spec string
	at          int
}

// ParseCSV reads a CSV statement with mapping m into entries in currency.
func ParseCSV(data []byte, m Mapping, currency string) (*Statement, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	text, err := decodeText(data, m.Encoding)
	if err != nil {
		return nil, err
	}
	lines := skipLines(text, m.SkipLines)
	r := csv.NewReader(strings.NewReader(lines.rest))
	r.Comma = sniffDelimiter(lines.rest, m.Delimiter)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	layout, _ := dateLayout(m.DateFormat)
	p := csvParser{m: m, currency: currency, layout: layout, st: &Statement{Format: FormatCSV}}
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, lineError(pe.StartLine+lines.skipped, "csv", "syntax", "%v (a quote inside a field must be doubled; check the delimiter)", pe.Err)
			}
			return nil, fileError("file", "csv", "cannot be read as CSV: %v", err)
		}
		if blank(rec) {
			continue
		}
		line, _ := r.FieldPos(0)
		line += lines.skipped
		if first {
			first = false
			header, err := p.columns(rec)
			if err != nil {
				return nil, err
			}
			if header {
				continue
			}
		}
		if p.st.Rows++; p.st.Rows > MaxRows {
			return nil, tooManyRows()
		}
		p.row(line, rec)
	}
	if first {
		return nil, fileError("file", "empty", "holds no rows")
	}
	return p.st, nil
}

type skipped struct {
	rest    string
	skipped int
}

func skipLines(text string, n int) skipped {
	out := skipped{rest: text}
	for ; out.skipped < n && out.rest != ""; out.skipped++ {
		i := strings.IndexByte(out.rest, '\n')
		if i < 0 {
			out.rest = ""
			break
		}
		out.rest = out.rest[i+1:]
	}
	return out
}

// sniffDelimiter returns the delimiter named, or the one of , ; tab | seen
// most in the first line (outside quotes).
func sniffDelimiter(text, named string) rune {
	if named != "" {
		r, _ := utf8.DecodeRuneInString(named)
		return r
	}
	first, _, _ := strings.Cut(text, "\n")
	counts := map[rune]int{}
	quoted := false
	for _, r := range first {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t' || r == '|'):
			counts[r]++
		}
	}
	best, n := ',', 0
	for _, r := range []rune{',', ';', '\t', '|'} {
		if counts[r] > n {
			best, n = r, counts[r]
		}
	}
	return best
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

type csvParser struct {
	m        Mapping
	currency string
	layout   string
	st       *Statement

	date, amount, debit, credit, counterparty, reference, balance, category, cur columnRef
	description                                                                  []columnRef
}

func (p *csvParser) refs() []*columnRef {
	out := []*columnRef{&p.date, &p.amount, &p.debit, &p.credit, &p.counterparty, &p.reference, &p.balance, &p.category, &p.cur}
	for i := range p.description {
		out = append(out, &p.description[i])
	}
	return out
}

// columns finds the mapped columns, from the first row, and reports
// whether that row is a header.
func (p *csvParser) columns(first []string) (bool, error) {
	m := p.m
	p.date, p.amount, p.debit, p.credit = columnRef{"date", m.Date, -1}, columnRef{"amount", m.Amount, -1}, columnRef{"debit", m.Debit, -1}, columnRef{"credit", m.Credit, -1}
	p.counterparty, p.reference = columnRef{"counterparty", m.Counterparty, -1}, columnRef{"reference", m.Reference, -1}
	p.balance, p.category, p.cur = columnRef{"balance", m.Balance, -1}, columnRef{"category", m.Category, -1}, columnRef{"currency", m.Currency, -1}
	p.description = nil
	for _, d := range m.Description {
		p.description = append(p.description, columnRef{"description", d, -1})
	}
	names := map[string]int{}
	for i, h := range first {
		key := strings.ToLower(strings.TrimSpace(h))
		if _, dup := names[key]; !dup {
			names[key] = i
		}
	}
	byName, missing := false, []string{}
	for _, c := range p.refs() {
		if c.spec == "" {
			continue
		}
		if n, ok := columnNumber(c.spec); ok {
			c.at = n - 1
			continue
		}
		byName = true
		if i, ok := names[strings.ToLower(strings.TrimSpace(c.spec))]; ok {
			c.at = i
		} else {
			missing = append(missing, strconv.Quote(c.spec))
		}
	}
	header := byName
	if m.Header != nil {
		header = *m.Header
	} else if !byName {
		_, err := parseDate(cell(first, p.date.at), p.layout, m.DateFormat)
		header = err != nil
	}
	if byName && (!header || len(missing) > 0) {
		return false, p.mappingError(first, header, missing)
	}
	return header, nil
}

func (p *csvParser) mappingError(first []string, header bool, missing []string) error {
	if !header {
		return fileError("mapping", "header", "names columns by their header, but the file has no header row; name them by number (\"#1\") or set header")
	}
	cols := make([]string, len(first))
	for i, h := range first {
		cols[i] = strconv.Quote(strings.TrimSpace(h))
	}
	return fileError("mapping", "columns", "the file has no column %s; its header is %s (a file of another bank, or another preset?)",
		strings.Join(missing, ", "), strings.Join(cols, ", "))
}

func columnNumber(spec string) (int, bool) {
	if !strings.HasPrefix(spec, "#") {
		return 0, false
	}
	n, err := strconv.Atoi(spec[1:])
	return n, err == nil && n >= 1
}

func cell(rec []string, at int) string {
	if at < 0 || at >= len(rec) {
		return ""
	}
	return rec[at]
}

// row reads one data row into an entry, or records its problems.
func (p *csvParser) row(line int, rec []string) {
	bad := false
	problem := func(c columnRef, rule, detail string) {
		if !bad {
			p.st.Rejected++
		}
		bad = true
		p.st.problem(Problem{Line: line, Field: c.field, Column: c.spec, Rule: rule, Detail: fmt.Sprintf("column %s: %s", c.spec, detail)})
	}
	e := Entry{Line: line}
	var err error
	if e.BookedAt, err = parseDate(cell(rec, p.date.at), p.layout, p.m.DateFormat); err != nil {
		problem(p.date, "format", err.Error())
	}
	if p.amount.spec != "" {
		e.Amount, err = parseAmount(cell(rec, p.amount.at), p.m.Number, p.currency)
		if err != nil {
			problem(p.amount, amountRule(err), err.Error())
		}
	} else if c, rule, detail, ok := p.debitCredit(rec, &e); !ok {
		problem(c, rule, detail)
	}
	if p.balance.spec != "" && strings.TrimSpace(cell(rec, p.balance.at)) != "" {
		if _, err := parseAmount(cell(rec, p.balance.at), Number{Decimal: p.m.Decimal, Thousands: p.m.Thousands}, p.currency); err != nil {
			problem(p.balance, amountRule(err), err.Error())
		}
	}
	if p.cur.spec != "" {
		if c := strings.TrimSpace(cell(rec, p.cur.at)); c != "" && c != p.currency {
			problem(p.cur, "currency", fmt.Sprintf("%q: the account is in %s; import %s lines into a %s account", c, p.currency, c, c))
		}
	}
	var desc []string
	for _, d := range p.description {
		if s := strings.TrimSpace(cell(rec, d.at)); s != "" {
			desc = append(desc, s)
		}
	}
	e.Description = cleanText(strings.Join(desc, " "), transaction.MaxDescription)
	e.Counterparty = cleanText(cell(rec, p.counterparty.at), transaction.MaxCounterparty)
	e.Reference = cleanText(cell(rec, p.reference.at), 200)
	e.CategoryID = strings.TrimSpace(cell(rec, p.category.at))
	if e.Description == "" {
		e.Description = fallbackDescription(e)
	}
	if !bad {
		p.st.Entries = append(p.st.Entries, e)
	}
}

// debitCredit reads the amount of a row from its debit and credit columns:
// exactly one holds a number (both empty, or both non-zero, is a problem).
func (p *csvParser) debitCredit(rec []string, e *Entry) (columnRef, string, string, bool) {
	unsigned := Number{Decimal: p.m.Decimal, Thousands: p.m.Thousands}
	read := func(c columnRef) (int64, bool, error) {
		s := strings.TrimSpace(cell(rec, c.at))
		if s == "" {
			return 0, false, nil
		}
		v, err := parseAmount(s, unsigned, p.currency)
		if v < 0 {
			v = -v
		}
		return v, true, err
	}
	d, hasD, err := read(p.debit)
	if err != nil {
		return p.debit, amountRule(err), err.Error(), false
	}
	c, hasC, err := read(p.credit)
	if err != nil {
		return p.credit, amountRule(err), err.Error(), false
	}
	switch {
	case !hasD && !hasC:
		return p.debit, "required", "the debit and the credit columns are both empty", false
	case hasD && hasC && d != 0 && c != 0:
		return p.debit, "exclusive", "the debit and the credit columns both hold an amount", false
	}
	e.Amount = c - d
	return columnRef{}, "", "", true
}

func amountRule(err error) string {
	var ae *amountError
	if errors.As(err, &ae) {
		return ae.rule
	}
	return "format"
}

// fallbackDescription is what a line without a description is stored as:
// its counterparty, its reference, or a placeholder (a description is
// required, and a bank's line with none is still a real transaction).
func fallbackDescription(e Entry) string {
	switch {
	case e.Counterparty != "":
		return e.Counterparty
	case e.Reference != "":
		return e.Reference
	}
	return "(no description)"
}
