// Package money holds exact amounts of money as integer minor units.
//
// trx never uses floating point for money. An amount travels
// in JSON as a decimal string ("-12.50") next to an ISO 4217 currency code,
// and lives in Go and SQL as an int64 count of the currency's minor unit
// (cents for EUR, yen for JPY, fils for BHD). The currency's ISO 4217
// exponent decides the scale. Parse refuses an amount with more significant
// decimal places than the currency allows instead of rounding it, and Add
// refuses to overflow instead of wrapping.
//
// Only active ISO 4217 codes with a minor unit are currencies here; see
// Currencies for the list and iso4217.go for its source.
package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is) and carry a message fit to show a user.
var (
	// ErrUnknownCurrency means the code is not an active ISO 4217 code with a
	// minor unit. Codes must be three upper-case letters; "eur" is refused.
	ErrUnknownCurrency = errors.New("unknown currency")
	// ErrInvalidAmount means the amount does not match
	// ^[+-]?[0-9]+(\.[0-9]+)?$: no exponent, spaces, thousands separators,
	// leading or trailing '.'. Leading zeros are allowed.
	ErrInvalidAmount = errors.New("invalid amount")
	// ErrTooManyDecimals means the amount has non-zero digits beyond the
	// currency's exponent ("1.001" EUR, "1.5" JPY). Trailing zeros are fine
	// ("1.500" EUR is 150). trx never rounds.
	ErrTooManyDecimals = errors.New("too many decimal places for currency")
	// ErrOutOfRange means the amount does not fit in int64 minor units.
	ErrOutOfRange = errors.New("amount out of range")
	// ErrOverflow means a sum does not fit in int64 minor units.
	ErrOverflow = errors.New("amount overflow")
)

// Error is the error type returned by Parse, LowerBound and UpperBound. Its
// message is written for a user (it names the amount and the rule); Unwrap
// returns one of the sentinel errors.
type Error struct {
	msg string
	err error
}

// Error returns the user-facing message.
func (e *Error) Error() string { return e.msg }

// Unwrap returns the sentinel error: ErrUnknownCurrency, ErrInvalidAmount,
// ErrTooManyDecimals or ErrOutOfRange.
func (e *Error) Unwrap() error { return e.err }

func errorf(sentinel error, format string, args ...any) error {
	return &Error{msg: fmt.Sprintf(format, args...), err: sentinel}
}

// codeIndex maps an alphabetic code to exponent+1 (0 = unknown). It is
// derived once from the iso4217 table and never written after.
var codeIndex = func() (idx [26 * 26 * 26]int8) {
	for _, c := range iso4217 {
		i, _ := index(c.code)
		idx[i] = c.exp + 1
	}
	return idx
}()

func index(code string) (int, bool) {
	if len(code) != 3 {
		return 0, false
	}
	a, b, c := code[0]-'A', code[1]-'A', code[2]-'A'
	if a >= 26 || b >= 26 || c >= 26 { // bytes are unsigned: catches < 'A' too
		return 0, false
	}
	return (int(a)*26+int(b))*26 + int(c), true
}

// Exponent returns the number of minor-unit digits of an active ISO 4217
// currency (JPY 0, EUR 2, BHD 3, CLF 4, UYW 4), and ok=false if code is not
// one: lower case, codes without a minor unit (XAU, XDR, XXX, …) and
// withdrawn codes are unknown.
func Exponent(code string) (exp int, ok bool) {
	i, ok := index(code)
	if !ok || codeIndex[i] == 0 {
		return 0, false
	}
	return int(codeIndex[i]) - 1, true
}

// ValidCurrency reports whether code is an active ISO 4217 code with a minor
// unit.
func ValidCurrency(code string) bool {
	_, ok := Exponent(code)
	return ok
}

// Currencies returns all accepted currency codes, sorted. The caller owns the
// returned slice.
func Currencies() []string {
	codes := make([]string, len(iso4217))
	for i, c := range iso4217 {
		codes[i] = c.code
	}
	return codes
}

// currencyError builds the ErrUnknownCurrency error for code.
func currencyError(code string) error {
	if up := strings.ToUpper(code); up != code && ValidCurrency(up) {
		return errorf(ErrUnknownCurrency, "unknown currency %s: currency codes are upper case, use %q", quote(code), up)
	}
	return errorf(ErrUnknownCurrency, "unknown currency %s: use an active ISO 4217 code such as \"EUR\"", quote(code))
}

// quote quotes s for an error message, shortening very long input.
func quote(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		return strconv.Quote(s[:maxLen]) + "…"
	}
	return strconv.Quote(s)
}

// limit is the largest magnitude of an int64: -math.MinInt64.
const limit = uint64(1) << 63

// decimal is the result of scanning a decimal string for a given exponent.
type decimal struct {
	neg bool
	// mag is the magnitude truncated to minor units, saturated just past
	// limit when it does not fit (then big is true).
	mag uint64
	big bool
	// places is the number of decimal places once trailing zeros are
	// dropped; extra is true when some dropped digit beyond exp is non-zero.
	places int
	extra  bool
}

// scan checks the syntax of amount and reads it as a count of 10^-exp.
func scan(amount string, exp int) (decimal, error) {
	var d decimal
	s := amount
	if s == "" {
		return d, errorf(ErrInvalidAmount, "amount is empty: write a decimal number such as \"-12.50\"")
	}
	switch s[0] {
	case '-':
		d.neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, dot := strings.Cut(s, ".")
	if !digits(intPart) || (dot && !digits(frac)) {
		return d, errorf(ErrInvalidAmount, "amount %s is not a decimal number: write digits with an optional sign and '.', such as \"-12.50\" (no exponent, spaces or thousands separators)", quote(amount))
	}
	frac = strings.TrimRight(frac, "0")
	d.places = len(frac)
	if len(frac) > exp {
		d.extra = true
		frac = frac[:exp]
	}
	add := func(c byte) {
		if d.big {
			return
		}
		if d.mag > (math.MaxUint64-9)/10 {
			d.big = true
			return
		}
		d.mag = d.mag*10 + uint64(c-'0')
		if d.mag > limit {
			d.big = true
		}
	}
	for i := 0; i < len(intPart); i++ {
		add(intPart[i])
	}
	for i := 0; i < exp; i++ {
		if i < len(frac) {
			add(frac[i])
		} else {
			add('0')
		}
	}
	if d.mag == 0 && !d.extra {
		d.neg = false // "-0.00" is zero
	}
	return d, nil
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Parse converts a decimal string into minor units of currency: Parse("-12.5",
// "EUR") is -1250. The amount must match ^[+-]?[0-9]+(\.[0-9]+)?$. Digits past
// the currency's exponent must be zeros; Parse never rounds. Errors wrap
// ErrUnknownCurrency, ErrInvalidAmount, ErrTooManyDecimals or ErrOutOfRange
// and read well to a user, e.g. `"12.345" has 3 decimal places, EUR allows 2`.
func Parse(amount, currency string) (int64, error) {
	exp, ok := Exponent(currency)
	if !ok {
		return 0, currencyError(currency)
	}
	return parse(amount, currency, exp)
}

// ParseScaled converts a decimal string into units of 10^-exp, with the
// rules of Parse: ParseScaled("1.2345", 6) is 1234500; "1.0000001" is
// refused with ErrTooManyDecimals. It is for fixed-scale quantities that
// are not a currency's amounts (stock prices).
func ParseScaled(amount string, exp int) (int64, error) {
	return parse(amount, "a scale of "+strconv.Itoa(exp)+" decimal places", exp)
}

// parse is Parse for exponent exp; what names the scale in messages.
func parse(amount, what string, exp int) (int64, error) {
	currency := what
	d, err := scan(amount, exp)
	if err != nil {
		return 0, err
	}
	if d.extra {
		return 0, errorf(ErrTooManyDecimals, "%s has %d decimal places, %s allows %d", quote(amount), d.places, currency, exp)
	}
	if d.big || (!d.neg && d.mag > math.MaxInt64) {
		return 0, errorf(ErrOutOfRange, "%s is out of range for %s: amounts run from %s to %s", quote(amount), currency,
			Format(math.MinInt64, currency), Format(math.MaxInt64, currency))
	}
	if d.neg {
		return int64(-d.mag), nil // -(1<<63) wraps to MinInt64, as wanted
	}
	return int64(d.mag), nil
}

// Format renders minor units as a decimal string with exactly the currency's
// exponent digits after the point: Format(-1250, "EUR") is "-12.50",
// Format(5, "JPY") is "5", Format(1, "BHD") is "0.001". Every int64 formats,
// math.MinInt64 included.
//
// Format never fails: for an unknown currency code it uses exponent 2, the
// most common one. Callers are expected to have validated the code (Parse
// does), so this fallback only keeps a bad code from crashing a report.
func Format(minor int64, currency string) string {
	exp, ok := Exponent(currency)
	if !ok {
		exp = 2
	}
	return FormatScaled(minor, exp)
}

// FormatScaled renders n units of 10^-exp as a decimal string with exactly
// exp digits after the point, for quantities with a fixed scale that is not
// a currency's (stock prices): FormatScaled(1234500, 6) is "1.234500".
func FormatScaled(minor int64, exp int) string {
	mag := uint64(minor)
	if minor < 0 {
		mag = -mag // two's complement: correct for math.MinInt64 too
	}
	var buf [32]byte
	b := strconv.AppendUint(buf[:0], mag, 10)
	if exp == 0 {
		if minor < 0 {
			return "-" + string(b)
		}
		return string(b)
	}
	var out [40]byte
	o := out[:0]
	if minor < 0 {
		o = append(o, '-')
	}
	if len(b) <= exp {
		o = append(o, '0', '.')
		for i := len(b); i < exp; i++ {
			o = append(o, '0')
		}
		o = append(o, b...)
	} else {
		o = append(o, b[:len(b)-exp]...)
		o = append(o, '.')
		o = append(o, b[len(b)-exp:]...)
	}
	return string(o)
}

// Add returns a+b, or ErrOverflow if the sum does not fit in an int64. It
// never wraps.
func Add(a, b int64) (int64, error) {
	s := a + b
	// Overflow happened iff a and b have the same sign and s has the other.
	if (a^s)&(b^s) < 0 {
		return 0, ErrOverflow
	}
	return s, nil
}

// LowerBound converts amount to minor units of currency for the lower end of
// a range filter (amount >= bound): it rounds up (ceil), so "12.345" EUR is
// 1235 and "-12.345" EUR is -1234. Syntax and currency errors are those of
// Parse; an amount beyond the int64 range is clamped to math.MinInt64 or
// math.MaxInt64 instead of failing.
func LowerBound(amount, currency string) (int64, error) {
	return bound(amount, currency, true)
}

// UpperBound converts amount to minor units of currency for the upper end of
// a range filter (amount <= bound): it rounds down (floor), so "12.345" EUR
// is 1234 and "-12.345" EUR is -1235. Errors and clamping are as for
// LowerBound.
func UpperBound(amount, currency string) (int64, error) {
	return bound(amount, currency, false)
}

func bound(amount, currency string, lower bool) (int64, error) {
	exp, ok := Exponent(currency)
	if !ok {
		return 0, currencyError(currency)
	}
	d, err := scan(amount, exp)
	if err != nil {
		return 0, err
	}
	// The value is ±(mag + f) with 0 <= f < 1, f > 0 iff extra.
	// Away from zero means: up for a positive lower bound, down for a
	// negative upper bound.
	if d.extra && lower != d.neg && !d.big {
		d.mag++
		if d.mag > limit {
			d.big = true
		}
	}
	switch {
	case d.neg && (d.big || d.mag >= limit):
		return math.MinInt64, nil
	case !d.neg && (d.big || d.mag > math.MaxInt64):
		return math.MaxInt64, nil
	case d.neg:
		return -int64(d.mag), nil
	default:
		return int64(d.mag), nil
	}
}
