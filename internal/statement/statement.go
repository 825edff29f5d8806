// Package statement brings bank statements into trx and takes transactions
// out again. Its core is pure: parsers for CSV (with a column mapping, saved
// as presets), OFX/QFX 1.x and 2.x, QIF and ISO 20022 CAMT.053 that turn a
// file into Entries in an account's currency, exactly (an amount with more
// decimals than the currency has is refused, never rounded), with every
// problem named by line and field; the dedupe keys that keep a statement
// line from being stored twice (dedupe.go); and writers for CSV and OFX
// (export.go). Around it, the import job (service.go): a file parsed and
// checked as a whole, then stored through the transaction service in one
// database transaction, so that an import is all or nothing, categorized
// by the classifier pipeline like any create, and undone as a whole. It
// knows nothing of HTTP or SQL.
package statement

import (
	"fmt"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// The formats a statement can be in.
const (
	FormatCSV  = "csv"
	FormatOFX  = "ofx"
	FormatQIF  = "qif"
	FormatCAMT = "camt"
)

// Formats lists the formats, in the order the documentation gives them.
var Formats = []string{FormatCSV, FormatOFX, FormatQIF, FormatCAMT}

// FileTooLarge is the 413 of a statement file larger than limit bytes;
// name says what sets the limit ("": nothing to name).
func FileTooLarge(limit int64, name string) error {
	size := fmt.Sprintf("%d bytes", limit)
	if limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", limit>>20)
	}
	by := ""
	if name != "" {
		by = ", set by " + name
	}
	return fault.Errorf(fault.TooLarge, "the file is larger than %s%s, the most one import takes; split it", size, by)
}

// Limits of an import, documented in the README.
const (
	MaxFileSize = 20 << 20 // bytes
	MaxRows     = 100_000  // statement lines per import
	MaxProblems = 1000     // problems kept and shown; the counts are exact
	PreviewRows = 20       // rows a dry run shows
)

// Entry is one line of a statement as it would be stored: an amount in
// minor units of the account's currency (negative spent), a booking
// instant in UTC (midnight for a date), and the bank's own id when the
// format has one.
type Entry struct {
	Line         int // where the line starts in the file, from 1
	BookedAt     time.Time
	Amount       int64
	Description  string
	Counterparty string
	Reference    string // FITID, CAMT entry reference, CSV reference column; "" if none
	CategoryID   string // from a mapped category column (CSV only)
	Key          string // dedupe key, set by Keys
}

// Problem is a statement line that cannot be imported, or something wrong
// with the file as a whole (Line 0).
type Problem struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Column string `json:"column,omitempty"` // the CSV column or the element, as the file names it
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

// Statement is a parsed file.
type Statement struct {
	Format   string
	Entries  []Entry
	Problems []Problem // at most MaxProblems; Rejected counts them all
	Rows     int       // statement lines read, good or bad
	Rejected int       // lines refused
	Skipped  int       // lines left out on purpose (pending CAMT entries, QIF investment or list sections)
}

func (st *Statement) problem(p Problem) {
	if len(st.Problems) < MaxProblems {
		st.Problems = append(st.Problems, p)
	}
}

// fileError is a problem with the file as a whole: a 400 naming it.
func fileError(field, rule, format string, args ...any) error {
	var v fault.Validation
	v.Addf(field, rule, format, args...)
	return &v
}

// lineError is a problem at a line that stops the whole file (a broken
// structure): a 400 naming the line.
func lineError(line int, field, rule, format string, args ...any) error {
	return fileError(fmt.Sprintf("line %d: %s", line, field), rule, format, args...)
}

// tooManyRows is the 413 of a file over MaxRows.
func tooManyRows() error {
	return fault.Errorf(fault.TooLarge, "the file holds more than %d statement lines, the most one import takes; split it", MaxRows)
}

// ProblemsError turns the problems of a file into one 400 whose errors name
// each line and field ("line 12: amount"); total is how many there are in
// all (only the first MaxProblems are listed).
func ProblemsError(ps []Problem, total int) error {
	var v fault.Validation
	for _, p := range ps {
		field := p.Field
		if p.Line > 0 {
			field = fmt.Sprintf("line %d: %s", p.Line, p.Field)
		}
		v.Add(field, p.Rule, p.Detail)
	}
	if total > len(ps) {
		v.Addf("file", "more", "%d more lines are refused; fix these first", total-len(ps))
	}
	return &v
}
