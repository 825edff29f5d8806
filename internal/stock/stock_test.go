package stock_test

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/stock"
)

func price(t *testing.T, s string) int64 {
	t.Helper()
	var v fault.Validation
	n := stock.ParsePrice(&v, "price", s)
	if err := v.Err(); err != nil {
		t.Fatalf("ParsePrice(%q): %v", s, err)
	}
	return n
}

func TestPercentChange(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
		ok                   bool
	}{
		{"up", "100", "110", "10.00", true},
		{"down", "100", "90", "-10.00", true},
		{"unchanged", "42.5", "42.5", "0.00", true},
		{"old price zero", "0", "5", "", false},
		{"to zero", "5", "0", "-100.00", true},
		{"one third up", "3", "4", "33.33", true},
		{"one third down", "3", "2", "-33.33", true},
		{"two thirds", "3", "5", "66.67", true},
		{"different scales", "10.5", "10.25", "-2.38", true},
		{"tiny prices", "0.000001", "0.000003", "200.00", true},
		{"half rounds to even (down)", "200", "200.025", "0.01", true},          // 0.0125 -> 0.01
		{"half rounds to even (up)", "200", "200.075", "0.04", true},            // 0.0375 -> 0.04
		{"negative half to even", "200", "199.975", "-0.01", true},              // -0.0125 -> -0.01
		{"negative half to even up", "200", "199.925", "-0.04", true},           // -0.0375 -> -0.04
		{"just under a half", "3", "3.000149", "0.00", true},                    // 0.004966…
		{"huge", "0.000001", "9000000000000", "899999999999999999900.00", true}, // (9e12 - 1e-6) / 1e-6 * 100
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := stock.PercentChange(price(t, tc.old), price(t, tc.new))
			if got != tc.want || ok != tc.ok {
				t.Fatalf("PercentChange(%s, %s) = %q, %v; want %q, %v", tc.old, tc.new, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestPercentChangeReference checks random prices against big.Rat rounding.
func TestPercentChangeReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		old := r.Int64N(1_000_000_000) + 1
		nw := r.Int64N(2_000_000_000)
		got, _ := stock.PercentChange(old, nw)
		exact := new(big.Rat).SetFrac64((nw-old)*100, old)
		// FloatString rounds half away from zero; check half-even by hand.
		scaled := new(big.Rat).Mul(exact, big.NewRat(100, 1))
		fl := new(big.Int).Quo(scaled.Num(), scaled.Denom())
		rem := new(big.Rat).Sub(scaled, new(big.Rat).SetInt(fl))
		half := big.NewRat(1, 2)
		neg := scaled.Sign() < 0
		absRem := new(big.Rat).Abs(rem)
		if c := absRem.Cmp(half); c > 0 || (c == 0 && fl.Bit(0) == 1) {
			if neg {
				fl.Sub(fl, big.NewInt(1))
			} else {
				fl.Add(fl, big.NewInt(1))
			}
		}
		want := new(big.Rat).SetFrac(fl, big.NewInt(100)).FloatString(2)
		if got != want {
			t.Fatalf("PercentChange(%d, %d) = %s, want %s", old, nw, got, want)
		}
	}
}

func TestParseAndFormatPrice(t *testing.T) {
	for _, tc := range []struct{ in, cur, want string }{
		{"123.45", "USD", "123.45"},
		{"123.4", "USD", "123.40"},
		{"0.0001", "USD", "0.0001"},
		{"1500", "JPY", "1500"},
		{"1500.5", "JPY", "1500.5"},
		{"1.234567", "BHD", "1.234567"},
	} {
		if got := stock.FormatPrice(price(t, tc.in), tc.cur); got != tc.want {
			t.Errorf("FormatPrice(%s %s) = %s, want %s", tc.in, tc.cur, got, tc.want)
		}
	}
	for _, bad := range []string{"", "-1", "1.0000001", "abc", "1e5", "99999999999999"} {
		var v fault.Validation
		stock.ParsePrice(&v, "price", bad)
		if v.Err() == nil {
			t.Errorf("ParsePrice(%q) accepted", bad)
		}
	}
}
