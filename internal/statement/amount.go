package statement

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/trx-platform/trx/internal/money"
)

// Number is how a file writes its amounts: the decimal separator ('.' or
// ','), the thousands separator ("" for none, or one of , . space '), and
// whether a positive amount is money spent (card statements that list
// purchases as positive numbers).
type Number struct {
	Decimal       string `json:"decimal_separator,omitempty"`
	Thousands     string `json:"thousands_separator,omitempty"`
	PositiveSpent bool   `json:"positive_is_spent,omitempty"`
}

func (n Number) check(field string) error {
	dec := n.Decimal
	if dec == "" {
		dec = "."
	}
	if dec != "." && dec != "," {
		return fileError(field+".decimal_separator", "enum", "%q is not a decimal separator; want \".\" or \",\"", n.Decimal)
	}
	switch n.Thousands {
	case "", ",", ".", " ", "'":
	default:
		return fileError(field+".thousands_separator", "enum", "%q is not a thousands separator; want none, \",\", \".\", \" \" or \"'\"", n.Thousands)
	}
	if n.Thousands == dec {
		return fileError(field+".thousands_separator", "distinct", "is the same as the decimal separator %q", dec)
	}
	return nil
}

// amountError is an amount that cannot be read, with the rule it breaks.
type amountError struct {
	rule, detail string
}

func (e *amountError) Error() string { return e.detail }

// parseAmount reads s as an amount of currency in the conventions of n and
// returns it in minor units, negative for money spent. It accepts a sign
// in front or behind ("12.50-"), parentheses for a negative, a DR/CR mark,
// a currency symbol or code around the number, and white space; it never
// rounds: more decimals than the currency has is the rule "scale".
func parseAmount(s string, n Number, currency string) (int64, error) {
	orig := s
	s = strings.TrimSpace(strings.NewReplacer("\u00a0", " ", "\u202f", " ", "\u2212", "-").Replace(s))
	if s == "" {
		return 0, &amountError{"required", "is empty"}
	}
	neg := false
	upper := strings.ToUpper(s)
	switch {
	case strings.HasSuffix(upper, "DR"), strings.HasSuffix(upper, "DB"):
		neg, s = true, strings.TrimSpace(s[:len(s)-2])
	case strings.HasSuffix(upper, "CR"):
		s = strings.TrimSpace(s[:len(s)-2])
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = !neg, strings.TrimSpace(s[1:len(s)-1])
	}
	s = trimCurrency(s, currency)
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = !neg, strings.TrimSpace(s[1:])
	case strings.HasPrefix(s, "+"):
		s = strings.TrimSpace(s[1:])
	case strings.HasSuffix(s, "-"):
		neg, s = !neg, strings.TrimSpace(s[:len(s)-1])
	}
	s = trimCurrency(s, currency)
	dec := n.Decimal
	if dec == "" {
		dec = "."
	}
	if n.Thousands != "" {
		s = strings.ReplaceAll(s, n.Thousands, "")
		if n.Thousands == " " {
			s = strings.ReplaceAll(s, "\u00a0", "")
		}
	}
	other := map[string]string{".": ",", ",": "."}[dec]
	if strings.Contains(s, other) {
		return 0, &amountError{"format", fmt.Sprintf("%q has a %q; this file's decimal separator is %q (set decimal_separator and thousands_separator to match the file)", orig, other, dec)}
	}
	s = strings.Replace(s, dec, ".", 1)
	if neg {
		s = "-" + s
	}
	v, err := money.Parse(s, currency)
	switch {
	case err == nil:
	case errors.Is(err, money.ErrTooManyDecimals):
		exp, _ := money.Exponent(currency)
		return 0, &amountError{"scale", fmt.Sprintf("%q has more decimal places than %s allows (%d); trx never rounds", orig, currency, exp)}
	case errors.Is(err, money.ErrOutOfRange):
		return 0, &amountError{"range", fmt.Sprintf("%q is too large", orig)}
	default:
		return 0, &amountError{"format", fmt.Sprintf("%q is not a number", orig)}
	}
	if n.PositiveSpent {
		v = -v
	}
	return v, nil
}

// trimCurrency removes a currency symbol or the code of currency written
// before or after a number ("R 12.50", "12,50 €", "EUR 3").
func trimCurrency(s, currency string) string {
	for _, p := range []string{currency, strings.ToLower(currency)} {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, p), p))
	}
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.Is(unicode.Sc, r) || r == ' ' })
	if currency == "ZAR" { // the rand's symbol is a letter
		s = strings.TrimSpace(strings.TrimPrefix(s, "R"))
	}
	return s
}
