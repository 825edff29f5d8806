// Package reportcsv reads report input from CSV, one record at a time.
//
// The first record must be a header naming the columns, in any order:
// "amount" and "currency" are required, "booked_at" (RFC 3339 or
// YYYY-MM-DD) and "category" are optional. Header names are matched without
// regard to case or surrounding spaces, and a UTF-8 byte order mark is
// skipped. Like reportjson, the columns of a transactions export that a
// report does not use ("id", "description", "counterparty", "category_id",
// "category_source", "category_confidence", "category_rule_id", "account_id",
// "created_at", "updated_at", "version") are accepted and ignored
// ("category_id" stands in for a missing "category"); any other column is
// refused, so that a misspelt "categroy" is not silently dropped.
package reportcsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/trx-platform/trx/internal/report"
)

// column indexes of the fields the report uses; -1 when absent.
type columns struct {
	amount, currency, bookedAt, category, categoryID int
}

// Reader reads items from CSV. It is a report.Source.
type Reader struct {
	r     *csv.Reader
	cols  columns
	index int // index of the next item
	err   error
	begun bool
}

var _ report.Source = (*Reader)(nil)

// NewReader returns a Reader reading CSV from r.
func NewReader(r io.Reader) *Reader {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	return &Reader{r: cr}
}

// Next returns the next item. It returns io.EOF after the last one, an
// *report.ItemError for a bad record (reading can go on), and an error
// wrapping report.ErrInvalidInput for a missing or bad header or broken CSV
// (reading cannot go on).
func (r *Reader) Next() (report.Item, error) {
	if r.err != nil {
		return report.Item{}, r.err
	}
	if !r.begun {
		if err := r.header(); err != nil {
			r.err = err
			return report.Item{}, err
		}
		r.begun = true
	}
	rec, err := r.r.Read()
	idx := r.index
	if errors.Is(err, csv.ErrFieldCount) {
		r.index++
		var line int
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			line = pe.StartLine
		}
		return report.Item{}, &report.ItemError{Index: idx, Rule: "format",
			Detail: fmt.Sprintf("line %d has %d fields, the header has %d", line, len(rec), r.r.FieldsPerRecord), Err: err}
	}
	if err != nil {
		if !errors.Is(err, io.EOF) {
			r.err = report.Invalidf("CSV: %v", err)
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				r.err = err // the reader's own error
			}
		} else {
			r.err = io.EOF
		}
		return report.Item{}, r.err
	}
	r.index++
	c := r.cols
	it := report.Item{Amount: rec[c.amount], Currency: rec[c.currency]}
	if c.category >= 0 {
		it.Category = rec[c.category]
	}
	if it.Category == "" && c.categoryID >= 0 {
		it.Category = rec[c.categoryID]
	}
	if c.bookedAt >= 0 && rec[c.bookedAt] != "" {
		t, err := report.ParseBookedAt(rec[c.bookedAt])
		if err != nil {
			line, _ := r.r.FieldPos(c.bookedAt)
			return report.Item{}, &report.ItemError{Index: idx, Field: "booked_at", Rule: "format", Detail: fmt.Sprintf("line %d: %v", line, err), Err: err}
		}
		it.BookedAt = t
	}
	// ReuseRecord reuses only the slice: the field strings stay valid.
	return it, nil
}

// header reads and checks the header record.
func (r *Reader) header() error {
	rec, err := r.r.Read()
	if errors.Is(err, io.EOF) {
		return report.Invalidf("the CSV input is empty; it needs a header row such as \"amount,currency,booked_at,category\"")
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return report.Invalidf("CSV header: %v", err)
		}
		return err
	}
	r.cols = columns{-1, -1, -1, -1, -1}
	seen := map[string]bool{}
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if seen[name] {
			return report.Invalidf("CSV header names column %q twice", name)
		}
		seen[name] = true
		switch name {
		case "amount":
			r.cols.amount = i
		case "currency":
			r.cols.currency = i
		case "booked_at":
			r.cols.bookedAt = i
		case "category":
			r.cols.category = i
		case "category_id":
			r.cols.categoryID = i
		case "id", "description", "counterparty", "category_source", "category_confidence", "category_rule_id",
			"account_id", "created_at", "updated_at", "version":
		default:
			if _, err := report.ParseBookedAt(name); err == nil || isNumber(name) {
				return report.Invalidf("the CSV input has no header row; its first row must name the columns, such as \"amount,currency,booked_at,category\"")
			}
			return report.Invalidf("unknown CSV column %q; use amount, currency, booked_at and category", name)
		}
	}
	if r.cols.amount < 0 || r.cols.currency < 0 {
		return report.Invalidf("the CSV header needs the columns \"amount\" and \"currency\" (it has %q)", strings.Join(rec, ","))
	}
	r.r.FieldsPerRecord = len(rec)
	return nil
}

func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return s != "" && strings.Trim(s, "0123456789.") == ""
}
