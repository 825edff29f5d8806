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
