package classifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// Rule suggestions, as Actual Budget makes them: a merchant whose last
// SuggestWindow manual categorizations put at least SuggestMin in one
// category gets a rule proposed for it.
const (
	SuggestWindow = 5
	SuggestMin    = 3
	// MaxSuggestionsListed bounds the suggestions returned at once, and
	// MaxSuggestionChanges the dry-run changes each lists.
	MaxSuggestionsListed = 20
	MaxSuggestionChanges = 10
)

// ErrSuggestionNotFound is a suggestion that no longer holds (or never
// did): its merchant's history changed, or a rule now covers it.
var ErrSuggestionNotFound = fault.New(fault.NotFound, "no such rule suggestion (the merchant's history changed or a rule covers it now); list them again")

// Suggestion is a proposed rule: the merchant, the category most of its
// latest manual categorizations chose, the rule's conditions, and what
// applying it to existing transactions would change (a dry run).
type Suggestion struct {
	ID         string // stable for the merchant, category and conditions
	Merchant   string // the merchant key
	CategoryID string
	Count, Of  int      // Count of its last Of manual categorizations chose CategoryID
	Examples   []string // those transactions' ids, newest first
	Rule       RuleDraft
	DryRun     RuleRun // Total is every transaction it would change; Changes the first MaxSuggestionChanges
}

// RuleSuggestions proposes rules for the user's merchants whose recent
// manual categorizations agree, that no enabled rule covers yet, most
// categorizations first.
func (s *Service) RuleSuggestions(ctx context.Context, userID string) ([]Suggestion, error) {
	st, err := s.store.State(ctx, userID)
	if err != nil {
		return nil, err
	}
	k, err := s.knowledge(ctx, userID, st.Memory)
	if err != nil {
		return nil, err
	}
	rules, err := s.rules.get(ctx, userID, st.Rules, func() (*RuleSet, error) {
		rs, err := s.store.ListRules(ctx, userID)
		if err != nil {
			return nil, err
		}
		return NewRuleSet(rs), nil
	})
	if err != nil {
		return nil, err
	}
	var out []Suggestion
	for _, h := range k.memory.Merchants() {
		sg, ok := suggest(h)
		if !ok {
			continue
		}
		if r, covered := rules.First(h.Events[0].Item); covered && r.CategoryID == sg.CategoryID {
			continue
		}
		out = append(out, sg)
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int { return b.Count - a.Count })
	if len(out) > MaxSuggestionsListed {
		out = out[:MaxSuggestionsListed]
	}
	if len(out) == 0 {
		return out, nil
	}
	return out, s.dryRunSuggestions(ctx, userID, out)
}

// suggest returns the suggestion for a merchant's history, if it has one.
func suggest(h History) (Suggestion, bool) {
	last := h.Events[:min(len(h.Events), SuggestWindow)]
	count := map[string]int{}
	for _, e := range last {
		count[e.Category]++
	}
	best, n := "", 0
	for c, k := range count {
		if k > n || k == n && c < best {
			best, n = c, k
		}
	}
	if n < SuggestMin {
		return Suggestion{}, false
	}
	var descs []string
	sg := Suggestion{Merchant: h.Key, CategoryID: best, Count: n, Of: len(last)}
	field := "description"
	for _, e := range last {
		if e.Category != best {
			continue
		}
		sg.Examples = append(sg.Examples, e.TxID)
		d := e.Description
		if strings.TrimSpace(e.Counterparty) != "" {
			field, d = "counterparty", e.Counterparty
		}
		descs = append(descs, d)
	}
	value := commonText(descs)
	if value == "" {
		return Suggestion{}, false
	}
	conds := []Condition{{Field: field, Op: "contains", Value: value}}
	name := fmt.Sprintf("%s → %s (suggested)", strings.ToUpper(value), best)
	sg.Rule = RuleDraft{Name: &name, Conditions: &conds, CategoryID: &best}
	sum := sha256.Sum256([]byte(h.Key + "\x00" + best + "\x00" + field + "\x00" + value))
	sg.ID = hex.EncodeToString(sum[:8])
	return sg, true
}

// commonText returns the longest run of whole words of one of descs that
// every one of them contains (case-insensitive), without digits, of three
// letters or more and not a noise word; "" when there is none.
func commonText(descs []string) string {
	if len(descs) == 0 {
		return ""
	}
	var best string
	for _, d := range descs {
		words := strings.Fields(strings.ToLower(d))
		for i := range words {
			for j := i + 1; j <= len(words); j++ {
				cand := strings.Join(words[i:j], " ")
				if strings.ContainsFunc(cand, unicode.IsDigit) || len(cand) <= len(best) || len(cand) > MaxPattern {
					continue
				}
				letters := strings.Count(strings.Map(func(r rune) rune {
					if unicode.IsLetter(r) {
						return 'x'
					}
					return -1
				}, cand), "x")
				if letters < 3 || noise[strings.Trim(cand, "*#.-/")] {
					continue
				}
				all := true
				for _, o := range descs {
					if !strings.Contains(strings.ToLower(o), cand) {
						all = false
						break
					}
				}
				if all {
					best = cand
				}
			}
		}
	}
	return strings.Trim(best, " *#")
}

// dryRunSuggestions fills each suggestion's DryRun in one pass over the
// user's transactions that automation may change.
func (s *Service) dryRunSuggestions(ctx context.Context, userID string, sgs []Suggestion) error {
	matchers := make([]*Matcher, len(sgs))
	for i, sg := range sgs {
		var v fault.Validation
		matchers[i] = Compile(&v, "conditions", *sg.Rule.Conditions)
		if err := v.Err(); err != nil {
			return err
		}
	}
	return s.txs.Each(ctx, userID, transaction.Selection{ExcludeManual: true}, func(page []transaction.Transaction) error {
		for _, t := range page {
			it := ItemOf(t)
			for i, m := range matchers {
				if t.CategoryID == sgs[i].CategoryID || !m.Match(it) {
					continue
				}
				sgs[i].DryRun.Total++
				if len(sgs[i].DryRun.Changes) < MaxSuggestionChanges {
					sgs[i].DryRun.Changes = append(sgs[i].DryRun.Changes, RuleChange{Transaction: t, From: t.CategoryID, To: sgs[i].CategoryID})
				}
			}
		}
		return nil
	})
}

// AcceptSuggestion creates the rule a current suggestion proposes (last
// in the user's order). apply also applies it to existing transactions,
// as POST /rules/{id}/apply does.
func (s *Service) AcceptSuggestion(ctx context.Context, userID, id string, apply bool) (Rule, RuleRun, error) {
	sgs, err := s.RuleSuggestions(ctx, userID)
	if err != nil {
		return Rule{}, RuleRun{}, err
	}
	for _, sg := range sgs {
		if sg.ID != id {
			continue
		}
		r, err := s.CreateRule(ctx, userID, sg.Rule)
		if err != nil || !apply {
			return r, RuleRun{}, err
		}
		run, err := s.Apply(ctx, userID, r.ID)
		return r, run, err
	}
	return Rule{}, RuleRun{}, ErrSuggestionNotFound
}
