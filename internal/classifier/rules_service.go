package classifier

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// RuleDraft is a new rule, or changes to one (nil: unchanged).
type RuleDraft struct {
	Name       *string
	Position   *int // 1-based; past the end means last
	Conditions *[]Condition
	CategoryID *string
	Enabled    *bool
}

// Rules returns the user's rules in order.
func (s *Service) Rules(ctx context.Context, userID string) ([]Rule, error) {
	return s.store.ListRules(ctx, userID)
}

// Rule returns one rule.
func (s *Service) Rule(ctx context.Context, userID, id string) (Rule, error) {
	if !validUUID(id) {
		return Rule{}, ErrRuleNotFound
	}
	return s.store.GetRule(ctx, userID, id)
}

// CreateRule adds a rule (last unless Position says otherwise; enabled
// unless Enabled says otherwise).
func (s *Service) CreateRule(ctx context.Context, userID string, d RuleDraft) (Rule, error) {
	rules, err := s.store.ListRules(ctx, userID)
	if err != nil {
		return Rule{}, err
	}
	if len(rules) >= MaxRules {
		return Rule{}, fault.Errorf(fault.Conflict, "you have %d rules, the limit", MaxRules)
	}
	now := s.now()
	r := Rule{ID: s.newID(), UserID: userID, Position: len(rules) + 1, Enabled: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if d.Name == nil {
		d.Name = new(string)
	}
	if d.Conditions == nil {
		d.Conditions = &[]Condition{}
	}
	if d.CategoryID == nil {
		d.CategoryID = new(string)
	}
	if err := s.applyRule(ctx, &r, d, len(rules)+1); err != nil {
		return Rule{}, err
	}
	if err := checkRegexBudget(rules, r); err != nil {
		return Rule{}, err
	}
	if err := s.store.CreateRule(ctx, r); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// UpdateRule changes a rule; ifVersion > 0 makes it conditional.
func (s *Service) UpdateRule(ctx context.Context, userID, id string, d RuleDraft, ifVersion int64) (Rule, error) {
	r, err := s.Rule(ctx, userID, id)
	if err != nil {
		return Rule{}, err
	}
	if ifVersion > 0 && r.Version != ifVersion {
		return Rule{}, ErrRuleVersion
	}
	rules, err := s.store.ListRules(ctx, userID)
	if err != nil {
		return Rule{}, err
	}
	if err := s.applyRule(ctx, &r, d, len(rules)); err != nil {
		return Rule{}, err
	}
	if err := checkRegexBudget(rules, r); err != nil {
		return Rule{}, err
	}
	r.Version++
	r.UpdatedAt = s.now()
	if err := s.store.UpdateRule(ctx, r); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// DeleteRule deletes a rule. Transactions it categorized keep their
// category.
func (s *Service) DeleteRule(ctx context.Context, userID, id string) error {
	if !validUUID(id) {
		return ErrRuleNotFound
	}
	return s.store.DeleteRule(ctx, userID, id)
}

// checkRegexBudget refuses r if, with the user's other rules, it makes
// more than MaxRegexConditions regex conditions.
func checkRegexBudget(rules []Rule, r Rule) error {
	n := RegexConditions(r.Conditions)
	if n == 0 {
		return nil
	}
	for _, o := range rules {
		if o.ID != r.ID {
			n += RegexConditions(o.Conditions)
		}
	}
	if n > MaxRegexConditions {
		return fault.Errorf(fault.Conflict, "your rules would hold %d regex conditions; the limit is %d per user (contains, starts_with and equals cost nothing)",
			n, MaxRegexConditions)
	}
	return nil
}

func (s *Service) applyRule(ctx context.Context, r *Rule, d RuleDraft, last int) error {
	var v fault.Validation
	if d.Name != nil {
		r.Name = strings.TrimSpace(*d.Name)
		if !utf8.ValidString(r.Name) || utf8.RuneCountInString(r.Name) > MaxCategoryName || strings.ContainsFunc(r.Name, func(c rune) bool { return c < ' ' }) {
			v.Addf("name", "max_length", "must be valid text of at most %d characters without control characters", MaxCategoryName)
		}
	}
	if d.Position != nil {
		if *d.Position < 1 {
			v.Add("position", "range", "must be 1 or more (1 is tried first)")
		}
		r.Position = min(*d.Position, last)
	}
	if d.Conditions != nil {
		r.Conditions = *d.Conditions
		Compile(&v, "conditions", r.Conditions)
	}
	if d.Enabled != nil {
		r.Enabled = *d.Enabled
	}
	if d.CategoryID != nil {
		r.CategoryID = *d.CategoryID
		if r.CategoryID == "" {
			v.Add("category_id", "required", "is required: the category the rule sets")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if d.CategoryID != nil {
		if _, err := s.Category(ctx, r.UserID, r.CategoryID); errors.Is(err, ErrCategoryNotFound) {
			v.Addf("category_id", "exists", "%q is not one of your categories", r.CategoryID)
			return &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: &v}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// RuleChange is a transaction a rule would change (dry run) or changed.
type RuleChange struct {
	Transaction transaction.Transaction
	From, To    string // category ids; "" = uncategorized
}

// MaxRuleChangesShown bounds the changes a dry run lists (Total counts
// them all).
const MaxRuleChangesShown = 1000

// RuleRun is the result of a dry run or an apply.
type RuleRun struct {
	Total   int64        // transactions changed (or that would be)
	Changes []RuleChange // the first MaxRuleChangesShown of them
}

// DryRun lists the transactions that applying the rule to existing
// transactions would change: those it matches whose category was not
// chosen by hand and is not already this rule's decision.
func (s *Service) DryRun(ctx context.Context, userID, ruleID string) (RuleRun, error) {
	return s.runRule(ctx, userID, ruleID, false)
}

// Apply applies the rule to existing transactions: exactly what DryRun
// lists (a manual choice that appears in between is still never
// overwritten).
func (s *Service) Apply(ctx context.Context, userID, ruleID string) (RuleRun, error) {
	return s.runRule(ctx, userID, ruleID, true)
}

func (s *Service) runRule(ctx context.Context, userID, ruleID string, apply bool) (RuleRun, error) {
	r, err := s.Rule(ctx, userID, ruleID)
	if err != nil {
		return RuleRun{}, err
	}
	var v fault.Validation
	m := Compile(&v, "conditions", r.Conditions)
	if err := v.Err(); err != nil {
		return RuleRun{}, err
	}
	var run RuleRun
	err = s.txs.Each(ctx, userID, transaction.Selection{ExcludeManual: true}, func(page []transaction.Transaction) error {
		var changes []transaction.CategoryChange
		for _, t := range page {
			if !m.Match(ItemOf(t)) || (t.CategoryID == r.CategoryID && t.CategoryRuleID == r.ID) {
				continue
			}
			if !apply {
				run.Total++
				if len(run.Changes) < MaxRuleChangesShown {
					run.Changes = append(run.Changes, RuleChange{Transaction: t, From: t.CategoryID, To: r.CategoryID})
				}
				continue
			}
			changes = append(changes, transaction.CategoryChange{ID: t.ID, Categorization: transaction.Categorization{
				CategoryID: r.CategoryID, Source: transaction.SourceRule, Confidence: transaction.MaxConfidence, RuleID: r.ID}})
		}
		if len(changes) == 0 {
			return nil
		}
		changed, err := s.txs.SetCategories(ctx, userID, changes)
		if err != nil {
			return err
		}
		byID := make(map[string]transaction.Transaction, len(page))
		for _, t := range page {
			byID[t.ID] = t
		}
		for _, id := range changed {
			run.Total++
			if len(run.Changes) < MaxRuleChangesShown {
				t := byID[id]
				run.Changes = append(run.Changes, RuleChange{Transaction: t, From: t.CategoryID, To: r.CategoryID})
			}
		}
		return nil
	})
	return run, err
}
