package classifier

import (
	"bytes"
	"compress/gzip"
	_ "embed" // the built-in model
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// builtinModel is the built-in model as trx classify train writes it, from
// the files in data/ (BuildBuiltin). TestBuiltinReproducible rebuilds it.
//
//go:embed data/builtin-model.bin.gz
var builtinModel []byte

// BuiltinSeed is the training seed of the built-in model.
const BuiltinSeed = 1

// BuiltinModel decodes the shipped built-in model.
func BuiltinModel() (*Linear, error) {
	zr, err := gzip.NewReader(bytes.NewReader(builtinModel))
	if err != nil {
		return nil, fmt.Errorf("classifier: built-in model: %w", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("classifier: built-in model: %w", err)
	}
	m := NewLinear()
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("classifier: built-in model: %w", err)
	}
	return m, nil
}

// EncodeBuiltin returns m as the gzip'd bytes that are shipped (no name or
// time in the header, so the same model gives the same bytes).
func EncodeBuiltin(m *Linear) ([]byte, error) {
	raw, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BuildBuiltin trains the built-in model from dir, which holds:
//
//   - sources.csv (file, spent_sign): the labelled files under training/,
//     and the sign their amounts give money spent (trx: -1);
//   - mapping.csv (file, category, taxonomy): each file's categories on the
//     built-in taxonomy; a category mapped to nothing, or not listed, is
//     left out (too mixed to teach anything);
//   - merchants.csv (name, category, region, source; '#' comments): common
//     merchants and descriptor words, each expanded into a few descriptors
//     as card statements print them.
//
// It returns the training examples' count with the model.
func BuildBuiltin(dir fs.FS) (*Linear, int, error) {
	return BuildBuiltinWithout(dir)
}

// BuildBuiltinWithout is BuildBuiltin leaving out the labelled files named
// in exclude: trx classify eval measures the built-in model on one of them
// with a model that never saw it.
func BuildBuiltinWithout(dir fs.FS, exclude ...string) (*Linear, int, error) {
	sources, err := readCSV(dir, "sources.csv", "file", "spent_sign")
	if err != nil {
		return nil, 0, err
	}
	sources = slices.DeleteFunc(sources, func(r []string) bool { return slices.Contains(exclude, r[0]) })
	mapping, err := readCSV(dir, "mapping.csv", "file", "category", "taxonomy")
	if err != nil {
		return nil, 0, err
	}
	to := map[[2]string]string{}
	for _, r := range mapping {
		if r[2] != "" && !IsBuiltin(r[2]) {
			return nil, 0, fmt.Errorf("classifier: mapping.csv: %q is not a built-in category", r[2])
		}
		to[[2]string{r[0], r[1]}] = r[2]
	}
	var ex []Example
	for _, s := range sources {
		sign, err := strconv.Atoi(s[1])
		if err != nil || (sign != 1 && sign != -1) {
			return nil, 0, fmt.Errorf("classifier: sources.csv: spent_sign of %s must be 1 or -1", s[0])
		}
		rows, err := readCSV(dir, "training/"+s[0], "description", "amount", "category")
		if err != nil {
			return nil, 0, err
		}
		for _, r := range rows {
			cat := to[[2]string{s[0], r[2]}]
			if cat == "" || strings.TrimSpace(r[0]) == "" {
				continue
			}
			var amount int64
			exp := 2
			if r[1] != "" {
				amount, exp, err = ParseDecimal(r[1])
			}
			if err != nil {
				return nil, 0, fmt.Errorf("classifier: %s: amount %q: %w", s[0], r[1], err)
			}
			// trx's sign: negative is money spent.
			ex = append(ex, Example{Item: Item{Description: r[0], Amount: -int64(sign) * amount, Exponent: exp}, Category: cat})
		}
	}
	merchants, err := readCSV(dir, "merchants.csv", "name", "category", "region", "source")
	if err != nil {
		return nil, 0, err
	}
	for i, r := range merchants {
		if !IsBuiltin(r[1]) {
			return nil, 0, fmt.Errorf("classifier: merchants.csv: %q is not a built-in category", r[1])
		}
		ex = append(ex, descriptors(i, r[0], r[1])...)
	}
	m := TrainCalibrated(ex, DefaultEpochs, BuiltinSeed)
	m.markGeneric(ex)
	if m.dict, err = dictionaryPrecision(dir); err != nil {
		return nil, 0, err
	}
	return m, len(ex), nil
}

// dictionaryPrecision measures how often the name-suggestion-index part
// of the merchant dictionary of dir gives a brand the category that
// merchants.csv (sourced for each merchant by its Wikipedia article) gives
// it, for the merchants.csv names it matches (smoothed: one right and one
// wrong more). The labelled files are no measure of it: their categories
// are a council's expense codes and one person's budget lines mapped onto
// the taxonomy (Tesco is fuel where the council's cards bought fuel).
func dictionaryPrecision(dir fs.FS) (float64, error) {
	nsi, err := fs.ReadFile(dir, "nsi.tsv")
	if err != nil {
		return 0, fmt.Errorf("classifier: %w", err)
	}
	merchants, err := readCSV(dir, "merchants.csv", "name", "category")
	if err != nil {
		return 0, err
	}
	d, err := NewDictionary(nsi, []byte("name,category\n"))
	if err != nil {
		return 0, err
	}
	hits, right := 0, 0
	for _, r := range merchants {
		if h, ok := d.Lookup(Item{Description: r[0]}); ok {
			hits++
			if h.Category == r[1] {
				right++
			}
		}
	}
	return float64(right+1) / float64(hits+2), nil
}

// Decorations card networks and banks put around a merchant's name, and
// places, to spread over the generated descriptors so that the model learns
// they say nothing of the category.
var (
	descPrefixes = []string{"", "POS PURCHASE ", "CARD PAYMENT TO ", "VISA DEBIT ", "SQ *", "PAYPAL *", "TST* ", "CONTACTLESS "}
	descPlaces   = []string{"LONDON", "NEW YORK NY", "BERLIN", "PARIS", "CHICAGO IL", "MADRID", "AMSTERDAM", "SEATTLE WA",
		"MANCHESTER", "MUNICH", "LOS ANGELES CA", "DUBLIN", "MILANO", "AUSTIN TX", "LYON", "ROTTERDAM"}
	typicalAmount = map[string]int64{ // minor units, EUR/USD-like
		"income": 250000, "transfer_in": 20000, "transfer_out": -20000, "loan_payments": -50000, "bank_fees": -500,
		"entertainment": -1500, "food_and_drink": -2500, "general_merchandise": -5000, "home_improvement": -12000,
		"medical": -3000, "personal_care": -3500, "general_services": -6000, "government_and_non_profit": -15000,
		"transportation": -4000, "travel": -30000, "rent_and_utilities": -8000,
	}
)

// descriptors returns six deterministic descriptors for merchant number i.
func descriptors(i int, name, cat string) []Example {
	out := make([]Example, 0, 6)
	for k := range 6 {
		d := descPrefixes[(i+k)%len(descPrefixes)] + strings.ToUpper(name)
		switch k % 3 {
		case 1:
			d += " " + strconv.Itoa(1000+(i*37+k*101)%9000)
		case 2:
			d += " #" + strconv.Itoa(10+(i*13+k)%90) + " " + descPlaces[(i*3+k)%len(descPlaces)]
		}
		if k >= 3 {
			d = name + " " + descPlaces[(i+k*5)%len(descPlaces)]
		}
		// Amounts spread around the category's typical one, with odd
		// cents, so that no exact amount stands for a category.
		typical := typicalAmount[cat]
		amount := typical*int64(2+(i*7+k*13)%9)/4 + int64((i*31+k*17)%97)*sign(typical)
		out = append(out, Example{Item: Item{Description: d, Amount: amount, Exponent: 2}, Category: cat})
	}
	return out
}

func sign(n int64) int64 {
	if n < 0 {
		return -1
	}
	return 1
}

// SpentSignOf returns the sign money spent has in a labelled file of
// dir's sources.csv (ok false when it is not listed there).
func SpentSignOf(dir fs.FS, file string) (sign int, ok bool, err error) {
	sources, err := readCSV(dir, "sources.csv", "file", "spent_sign")
	if err != nil {
		return 0, false, err
	}
	for _, s := range sources {
		if s[0] == file {
			n, err := strconv.Atoi(s[1])
			if err != nil || (n != 1 && n != -1) {
				return 0, false, fmt.Errorf("classifier: sources.csv: spent_sign of %s must be 1 or -1", file)
			}
			return n, true, nil
		}
	}
	return 0, false, nil
}

// TaxonomyMapping reads mapping.csv of dir: each labelled file's
// categories on the built-in taxonomy, keyed by file name and category ("":
// left out).
func TaxonomyMapping(dir fs.FS) (map[[2]string]string, error) {
	rows, err := readCSV(dir, "mapping.csv", "file", "category", "taxonomy")
	if err != nil {
		return nil, err
	}
	out := make(map[[2]string]string, len(rows))
	for _, r := range rows {
		out[[2]string{r[0], r[1]}] = r[2]
	}
	return out, nil
}

// readCSV reads a CSV file of dir whose header names cols (in any order,
// others ignored; lines starting with '#' before the header are comments)
// and returns each row's cols.
func readCSV(dir fs.FS, name string, cols ...string) ([][]string, error) {
	b, err := fs.ReadFile(dir, name)
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	return parseCSV(name, b, cols...)
}

// parseCSV is readCSV of the file's bytes.
func parseCSV(name string, b []byte, cols ...string) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("classifier: %s: header: %w", name, err)
	}
	at := map[string]int{}
	for i, h := range head {
		at[strings.TrimSpace(h)] = i
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		j, ok := at[c]
		if !ok {
			return nil, fmt.Errorf("classifier: %s: no column %q", name, c)
		}
		idx[i] = j
	}
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("classifier: %s: %w", name, err)
		}
		row := make([]string, len(cols))
		for i, j := range idx {
			if j < len(rec) {
				row[i] = rec[j]
			}
		}
		out = append(out, row)
	}
}

// ParseDecimal reads a decimal such as "-12.50" as minor units and the
// number of decimals (-1250, 2), without floats.
func ParseDecimal(s string) (int64, int, error) {
	s = strings.TrimSpace(s)
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || intPart == "-" || strings.ContainsAny(frac, "+-") {
		return 0, 0, errors.New("not a decimal number")
	}
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, 0, errors.New("not a decimal number")
	}
	return n, len(frac), nil
}
