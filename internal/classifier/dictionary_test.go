package classifier

import (
	"strings"
	"testing"
)

func TestDictionary(t *testing.T) {
	d, err := BuiltinDictionary()
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() < 10000 {
		t.Fatalf("%d names", d.Len())
	}
	for _, tc := range []struct{ desc, want, source string }{
		{"STARBUCKS STORE 09876 PORTLAND OR", "food_and_drink", "nsi"},
		{"WAL-MART #1234 BENTONVILLE AR", "general_merchandise", ""},
		{"HOME DEPOT #6512 ATLANTA GA", "home_improvement", ""},
		{"BP#9876543 CHICAGO IL", "transportation", ""},
		{"CB CARREFOUR MARKET 12/03 LYON", "food_and_drink", ""},
		{"PAYPAL *NETFLIX.COM", "entertainment", "merchants.csv"},
		{"H&M 0567 BERLIN", "general_merchandise", ""},
		{"PLANET FITNESS 0123 HAMPTON NH", "personal_care", ""},
	} {
		e, ok := d.Lookup(Item{Description: tc.desc})
		if !ok || e.Category != tc.want || (tc.source != "" && e.Source != tc.source) {
			t.Errorf("%q: %+v %v, want %s from %s", tc.desc, e, ok, tc.want, tc.source)
		}
	}
	// Whole words at the start of the merchant only.
	for _, desc := range []string{"CARTE BANCAIRE", "POS PURCHASE", "DIRECT DEBIT", "SHELLFISH SHACK 12", "PAYMENT THANK YOU"} {
		if e, ok := d.Lookup(Item{Description: desc}); ok {
			t.Errorf("%q matched %+v", desc, e)
		}
	}
	if e, _ := d.Lookup(Item{Description: "STARBUCKS 1"}); !strings.Contains(e.Reason(), "Wikidata Q") {
		t.Errorf("reason %q", e.Reason())
	}
}
