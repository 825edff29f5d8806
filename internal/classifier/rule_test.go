package classifier

import (
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
)

func TestRuleConditions(t *testing.T) {
	coffee := Item{Description: "SQ *BLUE BOTTLE Coffee 123", Counterparty: "Blue Bottle", Amount: -450, Currency: "USD", Exponent: 2}
	salary := Item{Description: "ACME payroll", Amount: 250000, Currency: "EUR", Exponent: 2}
	yen := Item{Description: "Ramen", Amount: -1200, Currency: "JPY", Exponent: 0}
	for _, tc := range []struct {
		name  string
		conds []Condition
		match []Item
		miss  []Item
	}{
		{"contains, any case", []Condition{{Field: "description", Op: "contains", Value: "blue bottle"}}, []Item{coffee}, []Item{salary}},
		{"starts_with", []Condition{{Field: "description", Op: "starts_with", Value: "sq *"}}, []Item{coffee}, []Item{salary}},
		{"equals", []Condition{{Field: "description", Op: "equals", Value: "acme PAYROLL"}}, []Item{salary}, []Item{coffee}},
		{"regex", []Condition{{Field: "description", Op: "regex", Value: `^sq \*\w+ bottle`}}, []Item{coffee}, []Item{salary}},
		{"counterparty", []Condition{{Field: "counterparty", Op: "equals", Value: "blue bottle"}}, []Item{coffee}, []Item{salary}},
		{"amount between on the absolute value", []Condition{{Field: "amount", Op: "between", Min: "4.50", Max: "4.50"}}, []Item{coffee}, []Item{salary, yen}},
		{"amount min only, exact across exponents", []Condition{{Field: "amount", Op: "between", Min: "1200"}}, []Item{yen, salary}, []Item{coffee}},
		{"amount max only", []Condition{{Field: "amount", Op: "between", Max: "1199.99"}}, []Item{coffee}, []Item{yen, salary}},
		{"debit", []Condition{{Field: "direction", Op: "equals", Value: "debit"}}, []Item{coffee, yen}, []Item{salary}},
		{"credit", []Condition{{Field: "direction", Op: "equals", Value: "credit"}}, []Item{salary}, []Item{coffee, yen}},
		{"currency", []Condition{{Field: "currency", Op: "equals", Value: "JPY"}}, []Item{yen}, []Item{coffee, salary}},
		{"all conditions must hold", []Condition{{Field: "direction", Op: "equals", Value: "debit"}, {Field: "currency", Op: "equals", Value: "USD"}}, []Item{coffee}, []Item{yen, salary}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v fault.Validation
			m := Compile(&v, "conditions", tc.conds)
			if err := v.Err(); err != nil {
				t.Fatal(err)
			}
			for _, it := range tc.match {
				if !m.Match(it) {
					t.Errorf("does not match %+v", it)
				}
			}
			for _, it := range tc.miss {
				if m.Match(it) {
					t.Errorf("matches %+v", it)
				}
			}
		})
	}
}

func TestRuleValidation(t *testing.T) {
	for _, tc := range []struct {
		name        string
		conds       []Condition
		field, rule string
	}{
		{"none", nil, "conditions", "required"},
		{"too many", make([]Condition, MaxConditions+1), "conditions", "max_items"},
		{"unknown field", []Condition{{Field: "date", Op: "equals", Value: "x"}}, "conditions[0].field", "enum"},
		{"unknown op", []Condition{{Field: "description", Op: "like", Value: "x"}}, "conditions[0].op", "enum"},
		{"empty value", []Condition{{Field: "description", Op: "contains"}}, "conditions[0].value", "required"},
		{"long pattern", []Condition{{Field: "description", Op: "regex", Value: strings.Repeat("a", MaxPattern+1)}}, "conditions[0].value", "max_length"},
		{"bad regex", []Condition{{Field: "description", Op: "regex", Value: "a(b"}}, "conditions[0].value", "regex"},
		{"backreference (not RE2)", []Condition{{Field: "description", Op: "regex", Value: `(a)\1`}}, "conditions[0].value", "regex"},
		{"counted repetition over the cap", []Condition{{Field: "description", Op: "regex", Value: `\w{1,51}`}}, "conditions[0].value", "regex_repeat"},
		{"nested repetitions over the program cap", []Condition{{Field: "description", Op: "regex", Value: `(\w{1,20}x){1,30}`}}, "conditions[0].value", "regex_size"},
		{"second condition named", []Condition{{Field: "description", Op: "contains", Value: "x"}, {Field: "counterparty", Op: "regex", Value: `[a-z]{2,50}[0-9]{2,50}[a-z]{2,50}[0-9]{2,50}[a-z]{2,50}[0-9]{2,50}`}}, "conditions[1].value", "regex_size"},
		{"amount without bounds", []Condition{{Field: "amount", Op: "between"}}, "conditions[0]", "required"},
		{"amount min over max", []Condition{{Field: "amount", Op: "between", Min: "5", Max: "1"}}, "conditions[0].max", "range"},
		{"amount exponent", []Condition{{Field: "amount", Op: "between", Min: "1e9"}}, "conditions[0].min", "format"},
		{"direction", []Condition{{Field: "direction", Op: "equals", Value: "out"}}, "conditions[0].value", "enum"},
		{"currency", []Condition{{Field: "currency", Op: "equals", Value: "eur"}}, "conditions[0].value", "iso4217"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v fault.Validation
			Compile(&v, "conditions", tc.conds)
			if len(v.Fields) == 0 || v.Fields[0].Field != tc.field || v.Fields[0].Rule != tc.rule {
				t.Fatalf("errors %+v, want %s/%s first", v.Fields, tc.field, tc.rule)
			}
		})
	}
}

// TestRegexCaps: patterns within the caps compile; the caps are the
// documented numbers.
func TestRegexCaps(t *testing.T) {
	for _, p := range []string{`^uber \*eats\b`, `\d{50}`, `(tesco|sainsbury'?s|asda|morrisons|waitrose|lidl|aldi)\s+(stores?|superstore|express|metro)?`} {
		var v fault.Validation
		if compileRegex(&v, "value", p) == nil {
			t.Errorf("%q refused: %v", p, v.Err())
		}
	}
	if MaxRegexRepeat != 50 || MaxRegexProgram != 500 || MaxRegexConditions != 50 {
		t.Fatal("the caps changed: update the README")
	}
}

func TestRuleOrder(t *testing.T) {
	rules := []Rule{
		{ID: "off", Position: 1, Enabled: false, CategoryID: "x", Conditions: []Condition{{Field: "description", Op: "contains", Value: "uber"}}},
		{ID: "eats", Position: 2, Enabled: true, CategoryID: "food_and_drink", Conditions: []Condition{{Field: "description", Op: "contains", Value: "uber eats"}}},
		{ID: "uber", Position: 3, Enabled: true, CategoryID: "transportation", Conditions: []Condition{{Field: "description", Op: "contains", Value: "uber"}}},
		{ID: "broken", Position: 4, Enabled: true, CategoryID: "x", Conditions: []Condition{{Field: "description", Op: "regex", Value: "("}}},
	}
	rs := NewRuleSet(rules)
	for _, tc := range []struct{ desc, want string }{
		{"UBER EATS 123", "eats"},
		{"Uber trip", "uber"},
		{"Lyft", ""},
	} {
		r, ok := rs.First(Item{Description: tc.desc})
		if r.ID != tc.want || ok != (tc.want != "") {
			t.Errorf("%q: rule %q (%v), want %q", tc.desc, r.ID, ok, tc.want)
		}
	}
}

// FuzzRuleMatch: no condition, however malformed, and no transaction text
// makes compiling or matching panic; a compiled text condition agrees with
// the plain string operation it stands for.
func FuzzRuleMatch(f *testing.F) {
	f.Add("description", "contains", "coffee", "", "", "Blue Bottle COFFEE", int64(-450))
	f.Add("description", "regex", `^sq \*(\w+)`, "", "", "SQ *SHOP", int64(-1))
	f.Add("description", "regex", `(a+)+$`, "", "", strings.Repeat("a", 60)+"!", int64(0))
	f.Add("amount", "between", "", "0.01", "100", "x", int64(9999))
	f.Add("amount", "between", "", "-1", "1e3", "x", int64(-9223372036854775808))
	f.Add("direction", "equals", "credit", "", "", "", int64(5))
	f.Add("currency", "equals", "EUR", "", "", "", int64(5))
	f.Add("counterparty", "starts_with", "\xff", "", "", "\xffabc", int64(1))
	f.Fuzz(func(t *testing.T, field, op, value, lo, hi, desc string, amount int64) {
		var v fault.Validation
		m := Compile(&v, "conditions", []Condition{{Field: field, Op: op, Value: value, Min: lo, Max: hi}})
		it := Item{Description: desc, Counterparty: desc, Amount: amount, Currency: "EUR", Exponent: 2}
		got := m.Match(it)
		if v.Err() != nil {
			if got {
				t.Fatalf("an invalid rule matched")
			}
			return
		}
		low, want := strings.ToLower(desc), strings.ToLower(value)
		switch op {
		case "contains":
			if got != strings.Contains(low, want) {
				t.Fatalf("contains %q in %q: %v", value, desc, got)
			}
		case "starts_with":
			if got != strings.HasPrefix(low, want) {
				t.Fatalf("starts_with %q of %q: %v", value, desc, got)
			}
		case "equals":
			if field == "description" && got != (low == want) {
				t.Fatalf("equals %q, %q: %v", value, desc, got)
			}
		}
	})
}
