// Package classifiereval measures the classifier on labelled files, as
// trx classify eval runs it: the pipeline a user gets (rules aside: the
// merchant memory, the user's model, the built-in model and the blend,
// at the threshold) and its parts, over seeded splits, with calibration;
// and a replay that feeds a file in time order as a user would, correcting
// what trx gets wrong. It reads files and writes reports; the classifier
// itself stays pure.
package classifiereval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/classifier"
)

// Row is one labelled row of a file.
type Row struct {
	classifier.Example
	Date     time.Time // zero when the file has none
	Merchant string    // the file's merchant column, when it has one: the truth of which rows are one merchant
	Line     int
}

// ReadLabelled reads a CSV with a header naming description and category,
// and optionally amount, counterparty, date (YYYY-MM-DD) and merchant; rows with a
// blank description or category are skipped (as baseline.py does).
func ReadLabelled(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: read header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	di, ok1 := col["description"]
	ci, ok2 := col["category"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: the header must name description and category (and may name amount, counterparty, date)", path)
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Row
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if di >= len(rec) || ci >= len(rec) || strings.TrimSpace(rec[di]) == "" || strings.TrimSpace(rec[ci]) == "" {
			continue
		}
		row := Row{Example: classifier.Example{Item: classifier.Item{Description: rec[di], Counterparty: get(rec, "counterparty"), Exponent: 2},
			Category: rec[ci]}, Merchant: get(rec, "merchant"), Line: line}
		if a := get(rec, "amount"); a != "" {
			row.Amount, row.Exponent, err = classifier.ParseDecimal(a)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: amount %q: %w", path, line, a, err)
			}
		}
		if d := get(rec, "date"); d != "" {
			if row.Date, err = time.Parse("2006-01-02", d); err != nil {
				return nil, fmt.Errorf("%s:%d: date %q: want YYYY-MM-DD", path, line, d)
			}
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labelled rows", path)
	}
	return out, nil
}

// Examples returns the rows' examples.
func Examples(rows []Row) []classifier.Example {
	out := make([]classifier.Example, len(rows))
	for i, r := range rows {
		out[i] = r.Example
	}
	return out
}

// SpentSign fixes the sign of a file's amounts: files whose money spent is
// positive (sources.csv says so for the shipped ones) are negated, so that
// negative is money spent as in trx.
func SpentSign(rows []Row, sign int) {
	if sign >= 0 {
		for i := range rows {
			rows[i].Amount = -rows[i].Amount
		}
	}
}

// MapLabels replaces each row's category with its built-in taxonomy
// category per mapping (file name, category → taxonomy), dropping rows
// mapped to nothing.
func MapLabels(rows []Row, file string, mapping map[[2]string]string) []Row {
	file = filepath.Base(file)
	var out []Row
	for _, r := range rows {
		if t := mapping[[2]string{file, r.Category}]; t != "" {
			r.Category = t
			out = append(out, r)
		}
	}
	return out
}

// BaselineNorm is baseline.py's norm(): lowercase [a-z0-9]+ words joined
// by spaces, to tell which test rows have a description seen in training.
func BaselineNorm(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	return strings.Join(words, " ")
}
