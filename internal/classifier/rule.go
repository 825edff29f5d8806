package classifier

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
)

// Rule sets a category on the transactions that meet all its conditions.
// A user's rules are tried in Position order; the first that matches
// decides.
type Rule struct {
	ID         string
	UserID     string
	Position   int
	Name       string
	Conditions []Condition
	CategoryID string
	Enabled    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Condition is one test on a transaction:
//
//   - field description or counterparty, op contains, starts_with, equals
//     (case-insensitive) or regex (RE2, case-insensitive, at most
//     MaxPattern characters), with value;
//   - field amount, op between, with min and/or max: decimal bounds,
//     inclusive, on the amount's absolute value (use direction for the sign);
//   - field direction, op equals, value debit (money spent) or credit;
//   - field currency, op equals, value an ISO 4217 code.
type Condition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value string `json:"value,omitempty"`
	Min   string `json:"min,omitempty"`
	Max   string `json:"max,omitempty"`
}

// Matcher is a compiled rule.
type Matcher struct {
	tests []func(*Item) bool
}

// Compile checks conds and returns their matcher; broken rules are reported
// in v with field names prefixed by prefix (such as "conditions").
func Compile(v *fault.Validation, prefix string, conds []Condition) *Matcher {
	m := &Matcher{}
	switch {
	case len(conds) == 0:
		v.Add(prefix, "required", "must hold at least one condition")
		return m
	case len(conds) > MaxConditions:
		v.Addf(prefix, "max_items", "holds %d conditions; the limit is %d", len(conds), MaxConditions)
		return m
	}
	broken := len(v.Fields)
	for i, c := range conds {
		f := fmt.Sprintf("%s[%d]", prefix, i)
		if t := compileOne(v, f, c); t != nil {
			m.tests = append(m.tests, t)
		}
	}
	if len(v.Fields) > broken {
		// A rule with a broken condition matches nothing, even where the
		// conditions that compiled would match: never half a rule.
		m.tests = nil
	}
	return m
}

func compileOne(v *fault.Validation, f string, c Condition) func(*Item) bool {
	switch c.Field {
	case "description", "counterparty":
		return compileText(v, f, c)
	case "amount":
		if c.Op != "between" {
			v.Addf(f+".op", "enum", "%q is not an operator for amount; use between (with min and/or max)", c.Op)
			return nil
		}
		if c.Value != "" {
			v.Add(f+".value", "unexpected", "amount takes min and max, not value")
		}
		lo, okLo := bound(v, f+".min", c.Min)
		hi, okHi := bound(v, f+".max", c.Max)
		if !okLo || !okHi {
			return nil
		}
		if lo == nil && hi == nil {
			v.Add(f, "required", "amount between needs min, max or both")
			return nil
		}
		if lo != nil && hi != nil && lo.Cmp(hi) > 0 {
			v.Add(f+".max", "range", "must not be below min")
			return nil
		}
		return func(it *Item) bool {
			a := absRat(it.Amount, it.Exponent)
			return (lo == nil || a.Cmp(lo) >= 0) && (hi == nil || a.Cmp(hi) <= 0)
		}
	case "direction":
		if !checkEquals(v, f, c) {
			return nil
		}
		switch c.Value {
		case "debit":
			return func(it *Item) bool { return it.Amount < 0 }
		case "credit":
			return func(it *Item) bool { return it.Amount > 0 }
		}
		v.Addf(f+".value", "enum", "%q is not a direction; use debit (money spent) or credit (money received)", c.Value)
	case "currency":
		if !checkEquals(v, f, c) {
			return nil
		}
		if !money.ValidCurrency(c.Value) {
			v.Addf(f+".value", "iso4217", "%q is not an active ISO 4217 currency code", c.Value)
			return nil
		}
		code := c.Value
		return func(it *Item) bool { return it.Currency == code }
	default:
		v.Addf(f+".field", "enum", "%q is not a field a rule can test; use description, counterparty, amount, direction or currency", c.Field)
	}
	return nil
}

func checkEquals(v *fault.Validation, f string, c Condition) bool {
	ok := true
	if c.Op != "equals" {
		v.Addf(f+".op", "enum", "%q is not an operator for %s; use equals", c.Op, c.Field)
		ok = false
	}
	if c.Min != "" || c.Max != "" {
		v.Addf(f, "unexpected", "%s takes value, not min or max", c.Field)
		ok = false
	}
	return ok
}

func compileText(v *fault.Validation, f string, c Condition) func(*Item) bool {
	if c.Min != "" || c.Max != "" {
		v.Addf(f, "unexpected", "%s takes value, not min or max", c.Field)
		return nil
	}
	switch {
	case c.Value == "":
		v.Add(f+".value", "required", "is required")
		return nil
	case !utf8.ValidString(c.Value):
		v.Add(f+".value", "utf8", "must be valid UTF-8")
		return nil
	case utf8.RuneCountInString(c.Value) > MaxPattern:
		v.Addf(f+".value", "max_length", "is %d characters long; the limit is %d", utf8.RuneCountInString(c.Value), MaxPattern)
		return nil
	}
	get := func(it *Item) string { return it.Description }
	if c.Field == "counterparty" {
		get = func(it *Item) string { return it.Counterparty }
	}
	want := strings.ToLower(c.Value)
	switch c.Op {
	case "contains":
		return func(it *Item) bool { return strings.Contains(strings.ToLower(get(it)), want) }
	case "starts_with":
		return func(it *Item) bool { return strings.HasPrefix(strings.ToLower(get(it)), want) }
	case "equals":
		return func(it *Item) bool { return strings.ToLower(get(it)) == want }
	case "regex":
		// Go's regexp is RE2: matching is linear in the input, so a user's
		// pattern cannot make it backtrack for ever.
		re, err := regexp.Compile("(?i)" + c.Value)
		if err != nil {
			v.Addf(f+".value", "regex", "is not a valid regular expression (RE2 syntax): %v", err)
			return nil
		}
		return func(it *Item) bool { return re.MatchString(get(it)) }
	}
	v.Addf(f+".op", "enum", "%q is not an operator for %s; use contains, starts_with, equals or regex", c.Op, c.Field)
	return nil
}

// bound parses an optional decimal bound; ok is false if it is malformed.
func bound(v *fault.Validation, f, s string) (*big.Rat, bool) {
	if s == "" {
		return nil, true
	}
	if len(s) > 40 || strings.ContainsAny(s, "eE/") {
		v.Add(f, "format", "must be a decimal such as \"12.50\"")
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		v.Add(f, "format", "must be a decimal such as \"12.50\"")
		return nil, false
	}
	if r.Sign() < 0 {
		v.Add(f, "range", "bounds the absolute amount, so must not be negative; use direction for the sign")
		return nil, false
	}
	return r, true
}

func absRat(minor int64, exp int) *big.Rat {
	n := new(big.Int).SetInt64(minor)
	n.Abs(n)
	d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)
	return new(big.Rat).SetFrac(n, d)
}

// Match reports whether it meets every condition.
func (m *Matcher) Match(it Item) bool {
	if m == nil || len(m.tests) == 0 {
		return false
	}
	for _, t := range m.tests {
		if !t(&it) {
			return false
		}
	}
	return true
}

// RuleSet is a user's enabled rules, compiled, in order.
type RuleSet struct {
	rules    []Rule
	matchers []*Matcher
}

// NewRuleSet compiles rules (skipping disabled ones, and ones that no
// longer compile) in Position order.
func NewRuleSet(rules []Rule) *RuleSet {
	rs := &RuleSet{}
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		var v fault.Validation
		m := Compile(&v, "conditions", r.Conditions)
		if v.Err() != nil {
			continue
		}
		rs.rules = append(rs.rules, r)
		rs.matchers = append(rs.matchers, m)
	}
	return rs
}

// First returns the first rule that matches it.
func (rs *RuleSet) First(it Item) (Rule, bool) {
	for i, m := range rs.matchers {
		if m.Match(it) {
			return rs.rules[i], true
		}
	}
	return Rule{}, false
}
