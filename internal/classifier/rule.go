package classifier

import (
	"fmt"
	"math/big"
	"regexp"
	"regexp/syntax"
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
	tests []func(*prepared) bool
}

// prepared is an item as conditions test it: the text fields lowered once
// per item, not once per condition.
type prepared struct {
	*Item
	desc, cp string // lower case
}

func prepare(it *Item) prepared {
	return prepared{Item: it, desc: strings.ToLower(it.Description), cp: strings.ToLower(it.Counterparty)}
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

func compileOne(v *fault.Validation, f string, c Condition) func(*prepared) bool {
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
		return func(it *prepared) bool {
			a := absRat(it.Amount, it.Exponent)
			return (lo == nil || a.Cmp(lo) >= 0) && (hi == nil || a.Cmp(hi) <= 0)
		}
	case "direction":
		if !checkEquals(v, f, c) {
			return nil
		}
		switch c.Value {
		case "debit":
			return func(it *prepared) bool { return it.Amount < 0 }
		case "credit":
			return func(it *prepared) bool { return it.Amount > 0 }
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
		return func(it *prepared) bool { return it.Currency == code }
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

func compileText(v *fault.Validation, f string, c Condition) func(*prepared) bool {
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
	cp := c.Field == "counterparty"
	low := func(it *prepared) string { return it.desc }
	raw := func(it *prepared) string { return it.Description }
	if cp {
		low = func(it *prepared) string { return it.cp }
		raw = func(it *prepared) string { return it.Counterparty }
	}
	want := strings.ToLower(c.Value)
	switch c.Op {
	case "contains":
		return func(it *prepared) bool { return strings.Contains(low(it), want) }
	case "starts_with":
		return func(it *prepared) bool { return strings.HasPrefix(low(it), want) }
	case "equals":
		return func(it *prepared) bool { return low(it) == want }
	case "regex":
		re := compileRegex(v, f+".value", c.Value)
		if re == nil {
			return nil
		}
		return func(it *prepared) bool { return re.MatchString(raw(it)) }
	}
	v.Addf(f+".op", "enum", "%q is not an operator for %s; use contains, starts_with, equals or regex", c.Op, c.Field)
	return nil
}

// compileRegex compiles a rule's pattern, case-insensitive, within the
// caps: Go's regexp is RE2, so matching is linear in the input and a
// pattern cannot make it backtrack for ever, but a pattern's compiled size
// (and the memory of matching with it) grows with counted repetitions, so
// those and the program are capped here, when the rule is written.
func compileRegex(v *fault.Validation, field, pattern string) *regexp.Regexp {
	re, err := syntax.Parse(pattern, syntax.Perl|syntax.FoldCase)
	if err != nil {
		v.Addf(field, "regex", "is not a valid regular expression (RE2 syntax): %v", err)
		return nil
	}
	if n := maxRepeat(re); n > MaxRegexRepeat {
		v.Addf(field, "regex_repeat", "repeats something %d times ({n} or {n,m}); the limit is %d", n, MaxRegexRepeat)
		return nil
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		v.Addf(field, "regex", "is not a valid regular expression (RE2 syntax): %v", err)
		return nil
	}
	if len(prog.Inst) > MaxRegexProgram {
		v.Addf(field, "regex_size", "compiles to %d instructions; the limit is %d (fewer or smaller repetitions and alternatives)",
			len(prog.Inst), MaxRegexProgram)
		return nil
	}
	out, err := regexp.Compile("(?i)" + pattern)
	if err != nil {
		v.Addf(field, "regex", "is not a valid regular expression (RE2 syntax): %v", err)
		return nil
	}
	return out
}

// maxRepeat returns the largest bound of a counted repetition in re.
func maxRepeat(re *syntax.Regexp) int {
	n := 0
	if re.Op == syntax.OpRepeat {
		n = max(re.Min, re.Max)
	}
	for _, s := range re.Sub {
		n = max(n, maxRepeat(s))
	}
	return n
}

// RegexConditions counts the regex conditions in conds.
func RegexConditions(conds []Condition) int {
	n := 0
	for _, c := range conds {
		if c.Op == "regex" {
			n++
		}
	}
	return n
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
	p := prepare(&it)
	return m.match(&p)
}

func (m *Matcher) match(p *prepared) bool {
	if m == nil || len(m.tests) == 0 {
		return false
	}
	for _, t := range m.tests {
		if !t(p) {
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
	if len(rs.matchers) == 0 {
		return Rule{}, false
	}
	p := prepare(&it)
	for i, m := range rs.matchers {
		if m.match(&p) {
			return rs.rules[i], true
		}
	}
	return Rule{}, false
}

// Len returns the number of rules in the set.
func (rs *RuleSet) Len() int { return len(rs.rules) }
