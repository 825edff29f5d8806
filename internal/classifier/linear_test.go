package classifier

import (
	"bytes"
	"fmt"
	"testing"
)

func trainingSet() []Example {
	var ex []Example
	add := func(cat string, amount int64, descs ...string) {
		for _, d := range descs {
			ex = append(ex, Example{Item: Item{Description: d, Amount: amount, Currency: "EUR", Exponent: 2}, Category: cat})
		}
	}
	add("food_and_drink", -1250, "TESCO STORES 2231 LONDON", "Tesco Express 881", "SAINSBURYS S/MKTS", "Starbucks 0042", "Pret a Manger 55")
	add("transportation", -4500, "SHELL OIL 57442", "BP Connect 0091", "Uber *Trip", "TfL Travel Charge", "ESSO 112")
	add("income", 250000, "ACME LTD SALARY", "Payroll ACME", "Salary November")
	add("entertainment", -999, "NETFLIX.COM", "Spotify P0A1B2", "Cinema World 12")
	return ex
}

func TestLinearPredicts(t *testing.T) {
	m := TrainLinear(trainingSet(), DefaultEpochs, 1)
	for _, tc := range []struct{ desc, want string }{
		{"TESCO STORES 9999 LEEDS", "food_and_drink"},
		{"SHELL OIL 11111", "transportation"},
		{"NETFLIX.COM 443", "entertainment"},
	} {
		got := m.Predict(Item{Description: tc.desc, Amount: -1000, Exponent: 2})
		if len(got) == 0 || got[0].Category != tc.want {
			t.Errorf("%q: %v, want %s first", tc.desc, got, tc.want)
		}
		sum := 0.0
		for _, s := range got {
			sum += s.P
		}
		if sum < 0.999 || sum > 1.001 {
			t.Errorf("%q: probabilities sum to %v", tc.desc, sum)
		}
	}
}

func TestLinearDeterministicAndRoundTrip(t *testing.T) {
	a, _ := TrainLinear(trainingSet(), DefaultEpochs, 7).MarshalBinary()
	b, _ := TrainLinear(trainingSet(), DefaultEpochs, 7).MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Fatal("two trainings with one seed differ")
	}
	var m Linear
	if err := m.UnmarshalBinary(a); err != nil {
		t.Fatal(err)
	}
	c, _ := m.MarshalBinary()
	if !bytes.Equal(a, c) {
		t.Fatal("decode then encode changes the bytes")
	}
	it := Item{Description: "Tesco 1", Amount: -100, Exponent: 2}
	if fmt.Sprint(m.Predict(it)) != fmt.Sprint(TrainLinear(trainingSet(), DefaultEpochs, 7).Predict(it)) {
		t.Fatal("a decoded model predicts differently")
	}
	for _, bad := range []string{``, `{}`, `{"version":2}`, `{"version":1,"classes":["a"],"examples":[]}`,
		`{"version":1,"classes":["a"],"examples":[1],"features":["w:x"],"weights":[["3","1"]]}`} {
		if err := new(Linear).UnmarshalBinary([]byte(bad)); err == nil {
			t.Errorf("decoded %q", bad)
		}
	}
}

// TestLinearLearnsCorrection: one correction changes the next prediction,
// for a new merchant and for a new category.
func TestLinearLearnsCorrection(t *testing.T) {
	m := TrainLinear(trainingSet(), DefaultEpochs, 1)
	it := Item{Description: "ZOOPLA PROPERTY 7781", Amount: -1250, Exponent: 2}
	before := m.Predict(it)[0].Category
	for _, cat := range []string{"rent_and_utilities", "entertainment"} {
		if cat == before {
			continue
		}
		m.Learn(cat, it)
		if got := m.Predict(Item{Description: "Zoopla property 1234", Amount: -1250, Exponent: 2}); got[0].Category != cat {
			t.Fatalf("after learning %s: %v (before: %s)", cat, got, before)
		}
	}
	// Old knowledge survives.
	if got := m.Predict(Item{Description: "TESCO STORES 1", Amount: -1000, Exponent: 2}); got[0].Category != "food_and_drink" {
		t.Fatalf("forgot Tesco: %v", got)
	}
}

func TestDecideThresholdAndSuggestions(t *testing.T) {
	builtin := TrainLinear(trainingSet(), DefaultEpochs, 1)
	known := map[string]bool{}
	for _, c := range Builtin {
		known[c.ID] = true
	}
	d := &Pipeline{Rules: NewRuleSet(nil), Builtin: builtin, Known: known, Threshold: 0.6}
	r := d.Decide(Item{Description: "TESCO STORES 123", Amount: -500, Exponent: 2})
	if r.CategoryID != "food_and_drink" || r.Source != "builtin" || r.Confidence < 0.6 || len(r.Suggestions) == 0 || len(r.Suggestions) > MaxSuggestions {
		t.Fatalf("confident: %+v", r)
	}
	d.Threshold = 1.01
	r = d.Decide(Item{Description: "TESCO STORES 123", Amount: -500, Exponent: 2})
	if r.CategoryID != "" || r.Source != "" || len(r.Suggestions) == 0 || r.Suggestions[0].Category != "food_and_drink" {
		t.Fatalf("below threshold: %+v", r)
	}
	// A user's model with enough examples takes over its own categories.
	user := NewLinear()
	for i := range 30 {
		user.Learn("custom-groceries", Item{Description: fmt.Sprintf("TESCO STORES %d", i), Amount: -500, Exponent: 2})
		user.Learn("custom-fuel", Item{Description: fmt.Sprintf("SHELL %d", i), Amount: -500, Exponent: 2})
	}
	d.User, d.Threshold = user, 0.3
	d.Known["custom-groceries"], d.Known["custom-fuel"] = true, true
	r = d.Decide(Item{Description: "TESCO STORES 123", Amount: -500, Exponent: 2})
	if r.CategoryID != "custom-groceries" || r.Source != "model" {
		t.Fatalf("blended: %+v", r)
	}
	// A deleted category is never suggested.
	delete(d.Known, "custom-groceries")
	r = d.Decide(Item{Description: "TESCO STORES 123", Amount: -500, Exponent: 2})
	for _, s := range r.Suggestions {
		if s.Category == "custom-groceries" {
			t.Fatalf("suggests a deleted category: %+v", r)
		}
	}
}

func TestFeaturesNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"POS PURCHASE SQ *BLUE BOTTLE 0042 07 Oct", "blue bottle"},
		{"PAYPAL *NETFLIX.COM", "paypal netflix"},
		{"Café Crème", "cafe creme"},
		{"TST* JOE'S PIZZA #123", "joes pizza"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestScore(t *testing.T) {
	m := Score([]string{"a", "a", "b", "c"}, []string{"a", "b", "b", ""})
	if m.Accuracy != 0.5 || len(m.PerClass) != 3 {
		t.Fatalf("%+v", m)
	}
	// F1: a = 2·1·0.5/1.5, b = 2·0.5·1/1.5, c = 0.
	if want := (2.0/3 + 2.0/3) / 3; m.MacroF1 < want-1e-9 || m.MacroF1 > want+1e-9 {
		t.Fatalf("macro-F1 %v, want %v", m.MacroF1, want)
	}
	folds := Folds([]Example{{Category: "a"}, {Category: "a"}, {Category: "b"}, {Category: "b"}}, 2, 1)
	if folds[0] == folds[1] || folds[2] == folds[3] {
		t.Fatalf("not stratified: %v", folds)
	}
}

// TestCalibrateOnline: a model built only from corrections is less sure of
// itself after Calibrate, and ranks the categories as before.
func TestCalibrateOnline(t *testing.T) {
	m := NewLinear()
	for _, e := range trainingSet() {
		m.Learn(e.Category, e.Item)
	}
	it := Item{Description: "TESCO STORES 9999", Amount: -1000, Exponent: 2}
	before := m.Predict(it)[0]
	m.Calibrate()
	after := m.Predict(it)[0]
	if before.Category != after.Category || after.P > before.P {
		t.Fatalf("before %+v, after %+v", before, after)
	}
}
