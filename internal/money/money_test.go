package money_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/money"
)

func TestCurrencyTable(t *testing.T) {
	codes := money.Currencies()
	// List one has 166 codes with a minor unit (see iso4217.go); update this
	// count with the table.
	if got, want := len(codes), 166; got != want {
		t.Errorf("len(Currencies()) = %d, want %d", got, want)
	}
	if !slices.IsSorted(codes) {
		t.Error("Currencies() is not sorted")
	}
	if len(slices.Compact(slices.Clone(codes))) != len(codes) {
		t.Error("Currencies() has duplicates")
	}
	code3 := regexp.MustCompile(`^[A-Z]{3}$`)
	for _, c := range codes {
		if !code3.MatchString(c) {
			t.Errorf("code %q is not 3 upper-case letters", c)
		}
		if !money.ValidCurrency(c) {
			t.Errorf("ValidCurrency(%q) = false for a listed code", c)
		}
	}
	codes[0] = "ZZZ" // the caller owns the slice
	if money.Currencies()[0] != "AED" {
		t.Error("Currencies() shares its backing array")
	}
}

func TestExponent(t *testing.T) {
	known := map[string]int{
		"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "CNY": 2, "INR": 2, "MGA": 2, "MRU": 2, "XCG": 2, "ZWG": 2,
		"SLE": 2, "VED": 2, "BOV": 2, "CHE": 2, "CHW": 2, "COU": 2, "MXV": 2, "USN": 2,
		"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
		"CLF": 4, "UYW": 4,
		"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
		"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	}
	for code, want := range known {
		got, ok := money.Exponent(code)
		if !ok || got != want {
			t.Errorf("Exponent(%q) = %d, %v; want %d, true", code, got, ok, want)
		}
	}
	unknown := []string{
		"", "eur", "Eur", "EU", "EURO", "E1R", "€UR", " EUR", "EUR ",
		// No minor unit in list one: not money amounts trx can hold.
		"XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XTS", "XXX",
		// Withdrawn.
		"HRK", "SLL", "ZWL", "ANG", "VEF", "MRO", "STD", "DEM", "FRF",
	}
	for _, code := range unknown {
		if exp, ok := money.Exponent(code); ok {
			t.Errorf("Exponent(%q) = %d, true; want unknown", code, exp)
		}
		if money.ValidCurrency(code) {
			t.Errorf("ValidCurrency(%q) = true", code)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		amount   string
		currency string
		want     int64
		err      error
		msg      string // substring of the error message, if set
	}{
		{name: "eur cents", amount: "-12.50", currency: "EUR", want: -1250},
		{name: "eur one decimal", amount: "12.5", currency: "EUR", want: 1250},
		{name: "eur integer", amount: "12", currency: "EUR", want: 1200},
		{name: "eur plus sign", amount: "+0.01", currency: "EUR", want: 1},
		{name: "eur trailing zeros beyond exponent", amount: "1.500", currency: "EUR", want: 150},
		{name: "eur many trailing zeros", amount: "1.5000000000000000000000", currency: "EUR", want: 150},
		{name: "leading zeros", amount: "0000000000000000000000000000012.34", currency: "EUR", want: 1234},
		{name: "negative zero", amount: "-0.00", currency: "EUR", want: 0},
		{name: "zero", amount: "0", currency: "EUR", want: 0},
		{name: "jpy", amount: "-1500", currency: "JPY", want: -1500},
		{name: "jpy zero decimals", amount: "1500.000", currency: "JPY", want: 1500},
		{name: "bhd", amount: "1.234", currency: "BHD", want: 1234},
		{name: "bhd short", amount: "0.1", currency: "BHD", want: 100},
		{name: "clf", amount: "1.2345", currency: "CLF", want: 12345},
		{name: "uyw", amount: "-0.0001", currency: "UYW", want: -1},
		{name: "max eur", amount: "92233720368547758.07", currency: "EUR", want: math.MaxInt64},
		{name: "min eur", amount: "-92233720368547758.08", currency: "EUR", want: math.MinInt64},
		{name: "max jpy", amount: "9223372036854775807", currency: "JPY", want: math.MaxInt64},
		{name: "min jpy", amount: "-9223372036854775808", currency: "JPY", want: math.MinInt64},

		{name: "too many decimals eur", amount: "12.345", currency: "EUR", err: money.ErrTooManyDecimals,
			msg: `"12.345" has 3 decimal places, EUR allows 2`},
		{name: "too many decimals with trailing zero", amount: "1.0010", currency: "EUR", err: money.ErrTooManyDecimals,
			msg: "has 3 decimal places, EUR allows 2"},
		{name: "jpy half", amount: "1.5", currency: "JPY", err: money.ErrTooManyDecimals, msg: "JPY allows 0"},
		{name: "bhd four", amount: "1.2345", currency: "BHD", err: money.ErrTooManyDecimals},
		{name: "tiny", amount: "0.000000000000000000001", currency: "EUR", err: money.ErrTooManyDecimals},

		{name: "above max", amount: "92233720368547758.08", currency: "EUR", err: money.ErrOutOfRange,
			msg: "amounts run from -92233720368547758.08 to 92233720368547758.07"},
		{name: "below min", amount: "-92233720368547758.09", currency: "EUR", err: money.ErrOutOfRange},
		{name: "jpy above max", amount: "9223372036854775808", currency: "JPY", err: money.ErrOutOfRange},
		{name: "huge", amount: strings.Repeat("9", 100), currency: "EUR", err: money.ErrOutOfRange},
		{name: "2^64", amount: "18446744073709551616", currency: "JPY", err: money.ErrOutOfRange},

		{name: "empty", amount: "", currency: "EUR", err: money.ErrInvalidAmount, msg: "amount is empty"},
		{name: "sign only", amount: "-", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "double sign", amount: "--1", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "plus minus", amount: "+-1", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "leading dot", amount: ".5", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "trailing dot", amount: "5.", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "two dots", amount: "1.2.3", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "exponent", amount: "1e3", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "capital exponent", amount: "1E3", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "leading space", amount: " 1", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "trailing space", amount: "1 ", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "thousands comma", amount: "1,000.00", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "thousands underscore", amount: "1_000", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "decimal comma", amount: "1,5", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "hex", amount: "0x10", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "nan", amount: "NaN", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "inf", amount: "Inf", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "unicode digit", amount: "١", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "currency symbol", amount: "€1", currency: "EUR", err: money.ErrInvalidAmount},
		{name: "long garbage is shortened", amount: strings.Repeat("x", 1000), currency: "EUR", err: money.ErrInvalidAmount,
			msg: `"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"…`},

		{name: "lowercase currency", amount: "1", currency: "eur", err: money.ErrUnknownCurrency, msg: `use "EUR"`},
		{name: "unknown currency", amount: "1", currency: "ABC", err: money.ErrUnknownCurrency},
		{name: "metal", amount: "1", currency: "XAU", err: money.ErrUnknownCurrency},
		{name: "empty currency", amount: "1", currency: "", err: money.ErrUnknownCurrency},
		{name: "currency checked first", amount: "garbage", currency: "XXX", err: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.Parse(tt.amount, tt.currency)
			if tt.err == nil {
				if err != nil || got != tt.want {
					t.Fatalf("Parse(%q, %q) = %d, %v; want %d, nil", tt.amount, tt.currency, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Parse(%q, %q) = %d, %v; want error %v", tt.amount, tt.currency, got, err, tt.err)
			}
			var me *money.Error
			if !errors.As(err, &me) {
				t.Errorf("error %v is not a *money.Error", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name     string
		minor    int64
		currency string
		want     string
	}{
		{"eur negative", -1250, "EUR", "-12.50"},
		{"eur positive", 1250, "EUR", "12.50"},
		{"eur cent", 1, "EUR", "0.01"},
		{"eur minus cent", -1, "EUR", "-0.01"},
		{"eur zero", 0, "EUR", "0.00"},
		{"jpy", 5, "JPY", "5"},
		{"jpy negative", -5, "JPY", "-5"},
		{"jpy zero", 0, "JPY", "0"},
		{"bhd", 1, "BHD", "0.001"},
		{"bhd big", -123456, "BHD", "-123.456"},
		{"clf", 12345, "CLF", "1.2345"},
		{"eur max", math.MaxInt64, "EUR", "92233720368547758.07"},
		{"eur min", math.MinInt64, "EUR", "-92233720368547758.08"},
		{"jpy min", math.MinInt64, "JPY", "-9223372036854775808"},
		{"uyw min", math.MinInt64, "UYW", "-922337203685477.5808"},
		// Unknown codes fall back to exponent 2 rather than panicking.
		{"unknown fallback", -1250, "ABC", "-12.50"},
		{"lowercase fallback", 5, "jpy", "0.05"},
		{"empty fallback", math.MinInt64, "", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := money.Format(tt.minor, tt.currency); got != tt.want {
				t.Errorf("Format(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
			}
		})
	}
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name    string
		a, b    int64
		want    int64
		wantErr bool
	}{
		{"small", 1, 2, 3, false},
		{"signs", -5, 3, -2, false},
		{"max plus zero", math.MaxInt64, 0, math.MaxInt64, false},
		{"min plus zero", math.MinInt64, 0, math.MinInt64, false},
		{"max plus min", math.MaxInt64, math.MinInt64, -1, false},
		{"max plus one", math.MaxInt64, 1, 0, true},
		{"min minus one", math.MinInt64, -1, 0, true},
		{"min plus min", math.MinInt64, math.MinInt64, 0, true},
		{"max plus max", math.MaxInt64, math.MaxInt64, 0, true},
		{"to min exactly", math.MinInt64 + 1, -1, math.MinInt64, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.Add(tt.a, tt.b)
			if tt.wantErr {
				if !errors.Is(err, money.ErrOverflow) {
					t.Fatalf("Add(%d, %d) = %d, %v; want ErrOverflow", tt.a, tt.b, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Add(%d, %d) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name         string
		amount       string
		currency     string
		lower, upper int64
	}{
		{"exact", "12.34", "EUR", 1234, 1234},
		{"positive fraction", "12.345", "EUR", 1235, 1234},
		{"negative fraction", "-12.345", "EUR", -1234, -1235},
		{"trailing zeros", "12.3400", "EUR", 1234, 1234},
		{"small negative", "-0.001", "EUR", 0, -1},
		{"small positive", "0.001", "EUR", 1, 0},
		{"jpy", "1.5", "JPY", 2, 1},
		{"jpy negative", "-1.5", "JPY", -1, -2},
		{"clamp high", "1" + strings.Repeat("0", 30), "EUR", math.MaxInt64, math.MaxInt64},
		{"clamp low", "-1" + strings.Repeat("0", 30), "EUR", math.MinInt64, math.MinInt64},
		{"max exact", "92233720368547758.07", "EUR", math.MaxInt64, math.MaxInt64},
		{"max plus fraction", "92233720368547758.071", "EUR", math.MaxInt64, math.MaxInt64},
		{"min exact", "-92233720368547758.08", "EUR", math.MinInt64, math.MinInt64},
		{"min minus fraction", "-92233720368547758.081", "EUR", math.MinInt64, math.MinInt64},
		{"min plus fraction", "-92233720368547758.075", "EUR", math.MinInt64 + 1, math.MinInt64},
		{"just past max", "92233720368547758.08", "EUR", math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, err := money.LowerBound(tt.amount, tt.currency)
			if err != nil || lo != tt.lower {
				t.Errorf("LowerBound(%q, %q) = %d, %v; want %d", tt.amount, tt.currency, lo, err, tt.lower)
			}
			hi, err := money.UpperBound(tt.amount, tt.currency)
			if err != nil || hi != tt.upper {
				t.Errorf("UpperBound(%q, %q) = %d, %v; want %d", tt.amount, tt.currency, hi, err, tt.upper)
			}
		})
	}
	errTests := []struct {
		name, amount, currency string
		err                    error
	}{
		{"syntax", "1e3", "EUR", money.ErrInvalidAmount},
		{"empty", "", "EUR", money.ErrInvalidAmount},
		{"currency", "1", "eur", money.ErrUnknownCurrency},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := money.LowerBound(tt.amount, tt.currency); !errors.Is(err, tt.err) {
				t.Errorf("LowerBound(%q, %q) error = %v, want %v", tt.amount, tt.currency, err, tt.err)
			}
			if _, err := money.UpperBound(tt.amount, tt.currency); !errors.Is(err, tt.err) {
				t.Errorf("UpperBound(%q, %q) error = %v, want %v", tt.amount, tt.currency, err, tt.err)
			}
		})
	}
}

var (
	minInt64 = big.NewInt(math.MinInt64)
	maxInt64 = big.NewInt(math.MaxInt64)
)

// randomAmount returns a random decimal string: sign, 1–25 integer digits
// (often leading zeros), and 0–6 fraction digits.
func randomAmount(r *rand.Rand) string {
	var b strings.Builder
	switch r.IntN(3) {
	case 0:
		b.WriteByte('-')
	case 1:
		b.WriteByte('+')
	}
	n := 1 + r.IntN(25)
	if r.IntN(4) == 0 {
		n = 1 + r.IntN(4)
	}
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	if f := r.IntN(7); f > 0 {
		b.WriteByte('.')
		for range f {
			if r.IntN(3) == 0 {
				b.WriteByte('0')
			} else {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
		}
	}
	return b.String()
}

// TestParseBigReference checks Parse and the bounds against math/big.Rat on
// random amounts.
func TestParseBigReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	currencies := []string{"JPY", "EUR", "BHD", "CLF"}
	for range 20000 {
		amount := randomAmount(r)
		cur := currencies[r.IntN(len(currencies))]
		exp, _ := money.Exponent(cur)
		rat, ok := new(big.Rat).SetString(amount)
		if !ok {
			t.Fatalf("big.Rat cannot parse %q", amount)
		}
		scaled := new(big.Rat).Mul(rat, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
		got, err := money.Parse(amount, cur)
		switch {
		case !scaled.IsInt():
			if !errors.Is(err, money.ErrTooManyDecimals) {
				t.Fatalf("Parse(%q, %s) = %d, %v; want ErrTooManyDecimals", amount, cur, got, err)
			}
		case scaled.Num().Cmp(minInt64) < 0 || scaled.Num().Cmp(maxInt64) > 0:
			if !errors.Is(err, money.ErrOutOfRange) {
				t.Fatalf("Parse(%q, %s) = %d, %v; want ErrOutOfRange", amount, cur, got, err)
			}
		default:
			if err != nil || got != scaled.Num().Int64() {
				t.Fatalf("Parse(%q, %s) = %d, %v; want %s", amount, cur, got, err, scaled.Num())
			}
		}
		// Bounds: ceil and floor of scaled, clamped.
		floor := new(big.Int).Div(scaled.Num(), scaled.Denom()) // Euclidean: floor for positive denominators
		ceil := new(big.Int).Set(floor)
		if !scaled.IsInt() {
			ceil.Add(ceil, big.NewInt(1))
		}
		clamp := func(x *big.Int) int64 {
			if x.Cmp(minInt64) < 0 {
				return math.MinInt64
			}
			if x.Cmp(maxInt64) > 0 {
				return math.MaxInt64
			}
			return x.Int64()
		}
		if lo, err := money.LowerBound(amount, cur); err != nil || lo != clamp(ceil) {
			t.Fatalf("LowerBound(%q, %s) = %d, %v; want %d", amount, cur, lo, err, clamp(ceil))
		}
		if hi, err := money.UpperBound(amount, cur); err != nil || hi != clamp(floor) {
			t.Fatalf("UpperBound(%q, %s) = %d, %v; want %d", amount, cur, hi, err, clamp(floor))
		}
	}
}

// TestAddBigReference checks Add against math/big.Int on random operands,
// biased towards the edges of the int64 range.
func TestAddBigReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	edge := []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64}
	pick := func() int64 {
		switch r.IntN(3) {
		case 0:
			return edge[r.IntN(len(edge))] + int64(r.IntN(3)) - 1
		case 1:
			return r.Int64N(1_000_000) - 500_000
		default:
			return int64(r.Uint64())
		}
	}
	for range 100000 {
		a, b := pick(), pick()
		want := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		got, err := money.Add(a, b)
		if want.IsInt64() {
			if err != nil || got != want.Int64() {
				t.Fatalf("Add(%d, %d) = %d, %v; want %s", a, b, got, err, want)
			}
		} else if !errors.Is(err, money.ErrOverflow) {
			t.Fatalf("Add(%d, %d) = %d, %v; want ErrOverflow (sum %s)", a, b, got, err, want)
		}
	}
}

// canonical matches what Format produces for each exponent.
var canonical = map[int]*regexp.Regexp{
	0: regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`),
	2: regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]{2}$`),
	3: regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]{3}$`),
	4: regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]{4}$`),
}

func FuzzParseFormat(f *testing.F) {
	f.Add("-12.50", int64(-1250), uint8(1))
	f.Add("1.500", int64(0), uint8(1))
	f.Add("0000.1", int64(1), uint8(2))
	f.Add("-0.00", int64(math.MinInt64), uint8(0))
	f.Add("92233720368547758.07", int64(math.MaxInt64), uint8(1))
	f.Add("-9223372036854775808", int64(math.MinInt64), uint8(0))
	f.Add("1.2345", int64(-1), uint8(3))
	f.Add("1e3", int64(7), uint8(1))
	f.Add(".5", int64(5), uint8(2))
	f.Add("+7.", int64(-7), uint8(0))
	currencies := []string{"JPY", "EUR", "BHD", "CLF"}
	f.Fuzz(func(t *testing.T, s string, n int64, c uint8) {
		cur := currencies[int(c)%len(currencies)]
		exp, _ := money.Exponent(cur)

		// Parse(Format(n)) == n, and Format's output is canonical.
		formatted := money.Format(n, cur)
		if !canonical[exp].MatchString(formatted) || formatted == "-0" || strings.HasPrefix(formatted, "-0.") && strings.Trim(formatted[3:], "0") == "" {
			t.Fatalf("Format(%d, %s) = %q is not canonical", n, cur, formatted)
		}
		back, err := money.Parse(formatted, cur)
		if err != nil || back != n {
			t.Fatalf("Parse(Format(%d, %s) = %q) = %d, %v", n, cur, formatted, back, err)
		}

		// Format(Parse(s)) normalizes s: same value, canonical form.
		v, err := money.Parse(s, cur)
		if err != nil {
			if !errors.Is(err, money.ErrInvalidAmount) && !errors.Is(err, money.ErrTooManyDecimals) && !errors.Is(err, money.ErrOutOfRange) {
				t.Fatalf("Parse(%q, %s) error %v wraps no sentinel", s, cur, err)
			}
			return
		}
		norm := money.Format(v, cur)
		if !canonical[exp].MatchString(norm) {
			t.Fatalf("Format(Parse(%q, %s)) = %q is not canonical", s, cur, norm)
		}
		ra, _ := new(big.Rat).SetString(s)
		rb, _ := new(big.Rat).SetString(norm)
		if ra == nil || rb == nil || ra.Cmp(rb) != 0 {
			t.Fatalf("Format(Parse(%q, %s)) = %q changes the value", s, cur, norm)
		}
		if v2, err := money.Parse(norm, cur); err != nil || v2 != v {
			t.Fatalf("Parse(%q, %s) = %d, %v; want %d", norm, cur, v2, err, v)
		}
	})
}
