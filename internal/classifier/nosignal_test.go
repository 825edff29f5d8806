package classifier

import "testing"

// TestNoMerchantSignal: descriptors that name no merchant never get a
// confident answer from what is built in, except a bank's own fee words,
// which are bank fees; character n-grams of car parks and service
// stations do not make them transportation.
func TestNoMerchantSignal(t *testing.T) {
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	d, err := BuiltinDictionary()
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Builtin: m, Dictionary: d, Threshold: DefaultThreshold}
	for _, desc := range []string{"POS PURCHASE", "CARTE BANCAIRE", "DIRECT DEBIT", "CARD PAYMENT", "VISA DEBIT 0412"} {
		r := p.Decide(Item{Description: desc, Amount: -2500, Exponent: 2})
		if r.CategoryID != "" {
			t.Errorf("%q: %s at %.2f, want no category (suggestions only)", desc, r.CategoryID, r.Confidence)
		}
		for _, s := range r.Suggestions {
			if s.Category == "transportation" && s.P > 0.5 {
				t.Errorf("%q: transportation at %.2f", desc, s.P)
			}
		}
	}
	for _, desc := range []string{"SERVICE CHARGE", "MONTHLY SERVICE FEE", "OVERDRAFT FEE"} {
		if r := p.Decide(Item{Description: desc, Amount: -500, Exponent: 2}); r.CategoryID != "bank_fees" && (len(r.Suggestions) == 0 || r.Suggestions[0].Category != "bank_fees") {
			t.Errorf("%q: %+v, want bank_fees", desc, r)
		}
	}
}
