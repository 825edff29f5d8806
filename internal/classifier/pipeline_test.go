package classifier

import (
	"fmt"
	"reflect"
	"testing"
)

// TestNoDilution: a user's corrections on some merchants leave the
// decisions on unrelated ones exactly as the built-in model makes them.
func TestNoDilution(t *testing.T) {
	builtin := TrainLinear(trainingSet(), DefaultEpochs, 1)
	probes := []Item{
		{Description: "TESCO STORES 9999 LEEDS", Amount: -1250, Exponent: 2},
		{Description: "SHELL OIL 11111", Amount: -4000, Exponent: 2},
		{Description: "NETFLIX.COM 443", Amount: -999, Exponent: 2},
		{Description: "Payroll November", Amount: 250000, Exponent: 2},
		{Description: "UNKNOWN PLACE 12", Amount: -300, Exponent: 2},
	}
	cold := &Pipeline{Builtin: builtin, Threshold: DefaultThreshold}
	before := make([]Result, len(probes))
	for i, it := range probes {
		before[i] = cold.Decide(it)
	}
	var ls []Learned
	merchants := []string{"ZOOPLA PROPERTY", "RIGHTMOVE LETTINGS", "GREGGS BAKERY", "COSTA COFFEE", "PETS AT HOME"}
	for i := range 50 {
		ls = append(ls, learned(i, fmt.Sprintf("%s %d", merchants[i%len(merchants)], i), fmt.Sprintf("custom-%d", i%len(merchants))))
	}
	warm := &Pipeline{Builtin: builtin, Memory: NewMemory(ls), User: TrainUser(ls), Threshold: DefaultThreshold}
	for i, it := range probes {
		if got := warm.Decide(it); !reflect.DeepEqual(got, before[i]) {
			t.Errorf("%q: %+v after 50 unrelated corrections, %+v before", it.Description, got, before[i])
		}
	}
	// Where the user has evidence, the user decides.
	if got := warm.Decide(Item{Description: "GREGGS BAKERY 77", Amount: -300, Exponent: 2}); got.Source != "merchant" {
		t.Errorf("a corrected merchant: %+v", got)
	}
	if got := warm.Decide(Item{Description: "GREGGS THE BAKERS", Amount: -300, Exponent: 2}); got.Source != "model" && got.CategoryID != "" {
		t.Errorf("a merchant sharing a word: %+v", got)
	}
}

// TestAdapter: the built-in model's categories are given in the user's
// terms: a user who files groceries under a category of their own gets it
// for a supermarket they never categorized; one who keeps the built-in
// categories gets them unchanged.
func TestAdapter(t *testing.T) {
	builtin := TrainLinear(trainingSet(), DefaultEpochs, 1)
	var own, kept []Learned
	for i, d := range []string{"TESCO STORES 1", "SAINSBURYS S/MKTS 2", "Tesco Express 3"} {
		own = append(own, learned(i, d, "groceries-uuid"))
		kept = append(kept, learned(i, d, "food_and_drink"))
	}
	probe := Item{Description: "Pret a Manger 0099", Amount: -1250, Exponent: 2}
	p := &Pipeline{Builtin: builtin, Adapter: NewAdapter(BuiltinTop(builtin, nil), own), Threshold: 0.3}
	if got := p.Decide(probe); got.CategoryID != "groceries-uuid" || got.Source != "builtin" {
		t.Fatalf("own categories: %+v", got)
	}
	p.Adapter = NewAdapter(BuiltinTop(builtin, nil), kept)
	cold := (&Pipeline{Builtin: builtin, Threshold: DefaultThreshold}).Decide(probe)
	if got := p.Decide(probe); got.Suggestions[0].Category != "food_and_drink" || cold.Suggestions[0].Category != "food_and_drink" {
		t.Fatalf("built-in categories kept: %+v, cold %+v", got, cold)
	}
	// Forgetting the examples forgets the translation.
	a := NewAdapter(BuiltinTop(builtin, nil), own)
	for _, l := range own {
		a.Forget(l.TxID)
	}
	if got := (&Pipeline{Builtin: builtin, Adapter: a, Threshold: DefaultThreshold}).Decide(probe); !reflect.DeepEqual(got, cold) {
		t.Fatalf("after forgetting: %+v", got)
	}
}
