// Package stock is the stocks domain (the seed's DynamoDB stocks table and
// its stream): stocks with a price, and the change records that the
// database writes for every insert, update and delete of a stock — through
// the API or by plain SQL — with the old and new images, like a DynamoDB
// Stream with NEW_AND_OLD_IMAGES.
package stock

import (
	"context"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
)

// Errors callers can check with errors.Is.
var (
	ErrNotFound = fault.New(fault.NotFound, "stock not found")
	ErrExists   = fault.New(fault.Conflict, "a stock with that symbol exists")
)

// PriceScale is the number of decimal places a price is stored with: prices
// are integers of 10^-6 currency units (SQLite has no exact DECIMAL type, so
// both engines store the same integer).
const PriceScale = 6

// MaxBatch is the most price updates in one batch request.
const MaxBatch = 1000

// Stock is a listed instrument and its current price.
type Stock struct {
	Symbol    string
	Name      string
	Price     int64 // units of 10^-PriceScale of Currency
	Currency  string
	UpdatedAt time.Time
	// PreviousPrice is the price before the latest price change, nil until
	// the price first changes or after a change of currency (the database
	// keeps it, for writes by plain SQL too; Store.Insert and Update
	// ignore it).
	PreviousPrice *int64
}

// ChangePercent is the latest price change in percent (PercentChange from
// PreviousPrice to Price); ok is false when there is none.
func (s Stock) ChangePercent() (pct string, ok bool) {
	if s.PreviousPrice == nil {
		return "", false
	}
	return PercentChange(*s.PreviousPrice, s.Price)
}

// Image is a stock as a change record saw it, before or after the change.
type Image = Stock

// Operations of a change record.
const (
	OpInsert = "insert"
	OpUpdate = "update"
	OpDelete = "delete"
)

// Change is one captured write of a stock: Old is nil for an insert, New
// nil for a delete. ID increases in the order rows were written (not
// necessarily committed).
type Change struct {
	ID        int64
	Symbol    string
	Op        string
	Old, New  *Image
	ChangedAt time.Time
}

// PriceUpdate is one entry of a batch price update.
type PriceUpdate struct {
	Symbol string
	Price  string
}

// Store keeps stocks; the database itself records their changes.
type Store interface {
	Insert(ctx context.Context, s Stock) error
	Get(ctx context.Context, symbol string) (Stock, error)
	List(ctx context.Context, after string, limit int) ([]Stock, error)
	// Update writes every field of s; ErrNotFound if there is no such stock.
	Update(ctx context.Context, s Stock) error
	Delete(ctx context.Context, symbol string) error
	// SetPrices sets the prices of many stocks in one transaction; it fails
	// whole with ErrNotFound (naming the symbol) if one does not exist.
	SetPrices(ctx context.Context, prices map[string]int64, at time.Time) error
}

var symbolRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-]{0,15}$`)

// CheckSymbol records in v whether symbol is well formed.
func CheckSymbol(v *fault.Validation, field, symbol string) {
	if !symbolRE.MatchString(symbol) {
		v.Addf(field, "format", "%q is not a symbol: 1 to 16 upper-case letters, digits, '.' or '-', starting with a letter or digit", symbol)
	}
}

// ParsePrice reads a non-negative decimal price with at most PriceScale
// decimal places.
func ParsePrice(v *fault.Validation, field, s string) int64 {
	if s == "" {
		v.Add(field, "required", "is required: a decimal string such as \"123.45\"")
		return 0
	}
	n, err := money.ParseScaled(s, PriceScale)
	switch {
	case errors.Is(err, money.ErrTooManyDecimals):
		v.Addf(field, "scale", "%q has more than %d decimal places", s, PriceScale)
	case errors.Is(err, money.ErrOutOfRange):
		v.Addf(field, "range", "%q is too large", s)
	case err != nil:
		v.Addf(field, "format", "%q is not a decimal string such as \"123.45\"", s)
	case n < 0:
		v.Addf(field, "range", "%q is negative; a price is zero or more", s)
	}
	return n
}

// FormatPrice renders a price with as many decimals as it needs, but at
// least the currency's: 123450000 USD is "123.45", 100 USD is "0.0001".
func FormatPrice(price int64, currency string) string {
	s := money.FormatScaled(price, PriceScale)
	keep, ok := money.Exponent(currency)
	if !ok {
		keep = 2
	}
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	for len(frac) < keep {
		frac += "0"
	}
	if frac == "" {
		return intPart
	}
	return intPart + "." + frac
}

// PercentChange returns the change from oldPrice to newPrice in percent, as a decimal
// string with two places, rounded half to even, computed on integers (no
// floats): from 3 to 4 is "33.33", from 3 to 2 is "-33.33", from 8 to 8.001
// is "0.01". ok is false when there is no percentage: oldPrice is zero.
func PercentChange(oldPrice, newPrice int64) (pct string, ok bool) {
	if oldPrice == 0 {
		return "", false
	}
	// (new-old)/old*100 in hundredths of a percent = (new-old)*10000/old.
	num := new(big.Int).Sub(big.NewInt(newPrice), big.NewInt(oldPrice))
	num.Mul(num, big.NewInt(10000))
	den := big.NewInt(oldPrice)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	// Round half to even: compare 2|r| with |den|.
	twiceR := new(big.Int).Abs(r)
	twiceR.Lsh(twiceR, 1)
	switch c := twiceR.Cmp(new(big.Int).Abs(den)); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return formatHundredths(q), true
}

func formatHundredths(q *big.Int) string {
	neg := q.Sign() < 0
	s := new(big.Int).Abs(q).String()
	for len(s) < 3 {
		s = "0" + s
	}
	s = s[:len(s)-2] + "." + s[len(s)-2:]
	if neg {
		s = "-" + s
	}
	return s
}

// CheckName records in v whether a stock name is acceptable.
func CheckName(v *fault.Validation, field, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.Add(field, "required", "is required")
	case utf8.RuneCountInString(name) > 200:
		v.Add(field, "max_length", "is longer than 200 characters")
	}
}
