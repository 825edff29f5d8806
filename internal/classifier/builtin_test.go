package classifier

import (
	"bytes"
	"os"
	"testing"
)

// TestBuiltinReproducible: training from data/ gives the shipped model, to
// the byte (run trx classify train after changing data/ or the model).
func TestBuiltinReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the built-in model")
	}
	m, _, err := BuildBuiltin(os.DirFS("data"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := EncodeBuiltin(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, builtinModel) {
		t.Fatalf("rebuilding the built-in model gives %d bytes unlike the shipped %d: run go run ./cmd/trx classify train", len(got), len(builtinModel))
	}
}

func TestBuiltinModel(t *testing.T) {
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Classes()) != len(Builtin) {
		t.Fatalf("classes %v", m.Classes())
	}
	for _, tc := range []struct {
		desc   string
		amount int64
		want   string
	}{
		{"POS PURCHASE TESCO STORES 3341 LEEDS", -2350, "food_and_drink"},
		{"SQ *BLUE BOTTLE COFFEE 0042", -450, "food_and_drink"},
		{"PAYPAL *NETFLIX.COM", -1299, "entertainment"},
		{"UBER   *TRIP HELP.UBER.COM", -1840, "transportation"},
		{"SHELL OIL 57442 HOUSTON TX", -4512, "transportation"},
		{"RYANAIR DUBLIN", -8999, "travel"},
		{"MONTHLY SERVICE FEE", -500, "bank_fees"},
		{"ACME CORP PAYROLL", 310000, "income"},
	} {
		got := m.Predict(Item{Description: tc.desc, Amount: tc.amount, Exponent: 2})
		if got[0].Category != tc.want {
			t.Errorf("%q: %v, want %s", tc.desc, got[:3], tc.want)
		}
	}
}
