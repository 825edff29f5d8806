package transaction

import (
	"context"
	"fmt"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// MaxConfidence is a confidence of 1, in basis points.
const MaxConfidence = 10000

// CategoryChecker is an optional part of a Classifier: it reports which of
// ids are not categories of userID, so that a category_id naming none is
// refused (422) instead of stored.
type CategoryChecker interface {
	UnknownCategories(ctx context.Context, userID string, ids []string) ([]string, error)
}

// WithClassifier makes c the hook that categorizes new transactions and
// learns from manual choices (default: none, and both are off). The hook is
// built before the Service (the classifier's Engine), so that the
// classifier's own Service can be built over this one afterwards.
func WithClassifier(c Classifier) Option { return func(s *Service) { s.classifier = c } }

// SetCategory categorizes one transaction. A manual categorization always
// applies; an automatic one is ErrManualCategory when the category was chosen
// by hand. ifVersion > 0 makes it conditional on the stored version.
func (s *Service) SetCategory(ctx context.Context, userID, id string, c Categorization, ifVersion int64) (Transaction, error) {
	if err := s.checkCategorization(ctx, userID, "category_id", c); err != nil {
		return Transaction{}, err
	}
	return s.modify(ctx, userID, id, ifVersion, func(cur Transaction) (Transaction, error) {
		if Automatic(c.Source) && cur.CategorySource == SourceManual {
			return Transaction{}, ErrManualCategory
		}
		next := cur
		next.CategoryID, next.CategorySource, next.CategoryConfidence, next.CategoryRuleID = c.CategoryID, c.Source, c.Confidence, c.RuleID
		return next, nil
	})
}

// SetCategories applies many categorizations at once, atomically: every id
// must be a transaction of userID (else ErrNotFound, and nothing changes).
// Automatic changes skip manually categorized rows. It returns the ids it
// changed.
func (s *Service) SetCategories(ctx context.Context, userID string, changes []CategoryChange) ([]string, error) {
	var v fault.Validation
	switch {
	case len(changes) == 0:
		v.Add("items", "required", "must name at least one transaction")
	case len(changes) > s.maxBatch:
		v.Addf("items", "max_items", "names %d transactions; the limit is %d per request", len(changes), s.maxBatch)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(changes))
	seen := make(map[string]bool, len(changes))
	for i, c := range changes {
		if !validID(c.ID) {
			v.Addf(fmt.Sprintf("items[%d].id", i), "format", "%q is not a transaction id", c.ID)
		} else if seen[c.ID] {
			v.Addf(fmt.Sprintf("items[%d].id", i), "unique", "%q is named twice", c.ID)
		}
		seen[c.ID] = true
		ids = append(ids, c.ID)
		checkSource(&v, fmt.Sprintf("items[%d].source", i), c.Categorization)
		checkCategoryID(&v, fmt.Sprintf("items[%d].category_id", i), c.CategoryID)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cats := make([]Transaction, len(changes))
	for i, c := range changes {
		cats[i].CategoryID = c.CategoryID
	}
	if err := s.checkCategories(ctx, userID, cats, "items[%d].", 0); err != nil {
		return nil, err
	}
	before, err := s.store.GetMany(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	if len(before) != len(ids) {
		return nil, fault.Errorf(fault.NotFound, "%d of the %d transactions named are not yours or do not exist", len(ids)-len(before), len(ids))
	}
	changed, err := s.store.SetCategories(ctx, userID, changes, s.now(), EventCategorized)
	if err != nil {
		return nil, err
	}
	if s.observer != nil && len(changed) > 0 {
		if after, err := s.store.GetMany(ctx, userID, changed); err == nil {
			s.observer.Categorized(ctx, userID, after)
		}
	}
	if s.classifier != nil {
		byID := make(map[string]Transaction, len(before))
		for _, t := range before {
			byID[t.ID] = t
		}
		want := make(map[string]Categorization, len(changes))
		for _, c := range changes {
			want[c.ID] = c.Categorization
		}
		var learned []Categorized
		for _, id := range changed {
			b := byID[id]
			a := b
			c := want[id]
			a.CategoryID, a.CategorySource, a.CategoryConfidence, a.CategoryRuleID = c.CategoryID, c.Source, c.Confidence, c.RuleID
			if learnable(b, a) {
				learned = append(learned, Categorized{Before: b, After: a})
			}
		}
		s.learn(ctx, userID, learned)
	}
	return changed, nil
}

// CountCategory counts userID's transactions in a category.
func (s *Service) CountCategory(ctx context.Context, userID, categoryID string) (int64, error) {
	return s.store.CountCategory(ctx, userID, categoryID)
}

// ReassignCategory moves userID's transactions from one category to another
// ("" = uncategorized), keeping who decided each.
func (s *Service) ReassignCategory(ctx context.Context, userID, from, to string) (int64, error) {
	var v fault.Validation
	checkCategoryID(&v, "reassign_to", to)
	if err := v.Err(); err != nil {
		return 0, err
	}
	return s.store.ReassignCategory(ctx, userID, from, to, s.now())
}

// Selection picks transactions to walk with Each.
type Selection struct {
	From, To      time.Time // booked_at >= From and < To; zero is open
	Uncategorized bool
	ExcludeManual bool
	OnlyManual    bool
	PageSize      int // default MaxPageSize
}

// Each calls fn with successive pages of userID's transactions that match
// sel, newest booked first, until there are no more or fn fails.
func (s *Service) Each(ctx context.Context, userID string, sel Selection, fn func([]Transaction) error) error {
	q := Query{UserID: userID, From: sel.From, To: sel.To, Uncategorized: sel.Uncategorized,
		ExcludeManual: sel.ExcludeManual, OnlyManual: sel.OnlyManual, Limit: sel.PageSize}
	if q.Limit <= 0 {
		q.Limit = MaxPageSize
	}
	for {
		items, err := s.store.List(ctx, q)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		if err := fn(items); err != nil {
			return err
		}
		if len(items) < q.Limit {
			return nil
		}
		last := items[len(items)-1]
		q.After = &Position{BookedAt: last.BookedAt, ID: last.ID}
	}
}

// autoCategorize asks the classifier to categorize the new transactions
// that have no category.
func (s *Service) autoCategorize(ctx context.Context, userID string, txs []Transaction) {
	if s.classifier == nil {
		return
	}
	var (
		open []Transaction
		at   []int
	)
	for i, t := range txs {
		if t.CategoryID == "" && t.TransferID == "" { // a transfer is neither spending nor income
			open = append(open, t)
			at = append(at, i)
		}
	}
	if len(open) == 0 {
		return
	}
	cs := s.classifier.AutoCategorize(ctx, userID, open)
	for j, c := range cs {
		if j >= len(at) || c.CategoryID == "" || !Automatic(c.Source) {
			continue
		}
		t := &txs[at[j]]
		t.CategoryID, t.CategorySource, t.CategoryConfidence, t.CategoryRuleID = c.CategoryID, c.Source, c.Confidence, c.RuleID
	}
}

func (s *Service) learn(ctx context.Context, userID string, changes []Categorized) {
	if s.classifier != nil && len(changes) > 0 {
		s.classifier.Learn(ctx, userID, changes)
	}
}

// created lists the new manually categorized transactions among txs.
func created(txs []Transaction) []Categorized {
	var out []Categorized
	for _, t := range txs {
		if t.CategorySource == SourceManual && t.CategoryID != "" {
			out = append(out, Categorized{After: t})
		}
	}
	return out
}

// learnable reports whether a change from a to b is something a learner of
// manual choices should hear of: a manual category was set, changed or
// cleared, or a manually categorized transaction's text or amount changed.
func learnable(a, b Transaction) bool {
	if a.CategorySource != SourceManual && b.CategorySource != SourceManual {
		return false
	}
	return a.CategoryID != b.CategoryID || a.CategorySource != b.CategorySource || a.Description != b.Description ||
		a.Counterparty != b.Counterparty || a.Amount != b.Amount || a.Currency != b.Currency
}

// checkCategorization checks one categorization.
func (s *Service) checkCategorization(ctx context.Context, userID, field string, c Categorization) error {
	var v fault.Validation
	checkSource(&v, "source", c)
	checkCategoryID(&v, field, c.CategoryID)
	if err := v.Err(); err != nil {
		return err
	}
	return s.checkCategories(ctx, userID, []Transaction{{CategoryID: c.CategoryID}}, "", 0)
}

func checkSource(v *fault.Validation, field string, c Categorization) {
	switch {
	case c.Source != SourceManual && !Automatic(c.Source):
		v.Addf(field, "enum", "%q is not a category source (manual, rule, model, builtin)", c.Source)
	case c.Confidence < 0 || c.Confidence > MaxConfidence:
		v.Addf(field, "range", "confidence %d is outside 0–%d basis points", c.Confidence, MaxConfidence)
	case Automatic(c.Source) && c.CategoryID == "":
		v.Add(field, "required", "an automatic categorization must name a category")
	}
}

// checkCategories refuses (422) category ids that name no category of
// userID, when the classifier can tell. prefix is a format with the index of
// the item ("items[%d].", the index counted from off) or "".
func (s *Service) checkCategories(ctx context.Context, userID string, txs []Transaction, prefix string, off int) error {
	cc, ok := s.classifier.(CategoryChecker)
	if !ok {
		return nil
	}
	var ids []string
	for _, t := range txs {
		if t.CategoryID != "" {
			ids = append(ids, t.CategoryID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	unknown, err := cc.UnknownCategories(ctx, userID, ids)
	if err != nil || len(unknown) == 0 {
		return err
	}
	bad := make(map[string]bool, len(unknown))
	for _, id := range unknown {
		bad[id] = true
	}
	var v fault.Validation
	for i, t := range txs {
		if bad[t.CategoryID] {
			field := "category_id"
			if prefix != "" {
				field = fmt.Sprintf(prefix, off+i) + field
			}
			v.Addf(field, "exists", "%q is not one of your categories (GET /api/v1/categories lists them)", t.CategoryID)
		}
	}
	return &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: &v}
}
