package classifier

import (
	"fmt"

	"github.com/trx-platform/trx/internal/transaction"
)

// EvidenceHalf is the evidence (Linear.Evidence: the user's examples that
// share the item's best-known word) at which the user's model gets half
// the vote against the built-in model; with none it gets none. It was
// chosen by cross-validation inside the training rows of the shared files
// (trx classify eval --inner, 5 folds of each seed's training rows, the
// test rows unused: 0.5, 0.2, 0.1 and 0.05 tried, 0.1 best or within
// 0.001 of the best on all four files and labellings).
const EvidenceHalf = 0.1

// Result is an automatic decision about one item: the category (empty when
// no source was confident enough), its confidence, what decided it and
// why, and up to MaxSuggestions candidates.
type Result struct {
	CategoryID  string
	Confidence  float64
	Source      string // transaction.SourceRule, SourceMerchant, SourceModel or SourceBuiltin; "" when undecided
	RuleID      string
	LearnedFrom string // SourceMerchant: the transaction whose categorization decided
	Reason      string
	Suggestions []Scored
}

// Categorization returns r as the transaction domain stores it.
func (r Result) Categorization() transaction.Categorization {
	return transaction.Categorization{CategoryID: r.CategoryID, Source: r.Source,
		Confidence: int(r.Confidence*transaction.MaxConfidence + 0.5), RuleID: r.RuleID}
}

// Pipeline is everything that decides for one user, in the order it is
// consulted: the user's rules, their merchant memory, the user's model
// blended with the built-in model, and the threshold. It is pure (no I/O):
// the Service builds one per request from what it caches, and trx classify
// eval builds the same from labelled files.
type Pipeline struct {
	Rules      *RuleSet        // nil: none
	Memory     *Memory         // nil: none
	User       *Linear         // nil: none
	Builtin    *Linear         // nil: none
	Dictionary *Dictionary     // the merchant dictionary, part of what is built in; nil: none
	Adapter    *Adapter        // the built-in categories in the user's terms; nil: as they are
	Known      map[string]bool // the user's categories; nil: any
	Threshold  float64
}

// Decide classifies one item:
//
//  1. the first matching rule decides, with confidence 1;
//  2. else the merchant memory, when the user categorized the item's
//     merchant before;
//  3. else the models: the user's model gets the weight e/(e+EvidenceHalf)
//     against the built-in one, e being its evidence for this item, so it
//     only overrides the built-in model where the user's own examples share
//     the item's words (corrections elsewhere change nothing here);
//
// and the top category applies if it reaches the threshold; otherwise the
// result carries suggestions only.
func (p *Pipeline) Decide(it Item) Result {
	if p.Rules != nil {
		if r, ok := p.Rules.First(it); ok {
			return Result{CategoryID: r.CategoryID, Confidence: 1, Source: transaction.SourceRule, RuleID: r.ID,
				Reason: fmt.Sprintf("rule %s (position %d)", r.ID, r.Position)}
		}
	}
	rec, ok := p.Memory.Lookup(it)
	if ok && p.known(rec.From.Category) && rec.Agree == rec.Count {
		r := Result{Suggestions: p.filter(rec.Scores), Reason: rec.Reason()}
		if rec.Confidence >= p.Threshold {
			r.CategoryID, r.Confidence, r.Source, r.LearnedFrom = rec.From.Category, rec.Confidence, transaction.SourceMerchant, rec.From.TxID
		}
		return r
	}
	if ok {
		// The merchant's history disagrees with itself: it and the models
		// get half the vote each.
		return p.mix(it, rec)
	}
	return p.models(it)
}

func (p *Pipeline) known(c string) bool { return p.Known == nil || p.Known[c] }

// filter drops categories the user no longer has and keeps the first
// MaxSuggestions.
func (p *Pipeline) filter(s []Scored) []Scored {
	out := make([]Scored, 0, min(len(s), MaxSuggestions))
	for _, c := range s {
		if p.known(c.Category) {
			out = append(out, c)
			if len(out) == MaxSuggestions {
				break
			}
		}
	}
	return out
}

const mixMemory = 0.25

// mix decides with the merchant memory's scores and the models' at half
// weight each.
func (p *Pipeline) mix(it Item, rec Recall) Result {
	models, bl, _, _ := p.scores(it)
	score := map[string]float64{}
	for _, s := range rec.Scores {
		score[s.Category] += s.P * mixMemory
	}
	for _, s := range models {
		score[s.Category] += s.P * (1 - mixMemory)
	}
	cands := make([]Scored, 0, len(score))
	for c, v := range score {
		if p.known(c) {
			cands = append(cands, Scored{Category: c, P: v})
		}
	}
	sortScored(cands)
	if len(cands) > MaxSuggestions {
		cands = cands[:MaxSuggestions]
	}
	r := Result{Suggestions: cands, Reason: rec.Reason() + "; its history disagrees, so the models had half the vote"}
	if len(cands) == 0 || cands[0].P < p.Threshold {
		return r
	}
	win := cands[0].Category
	r.CategoryID, r.Confidence, r.Source = win, cands[0].P, ""
	if hasScore(models, win) {
		r.Source = bl.source(win)
	}
	if win == rec.From.Category {
		// The merchant's latest choice stands: it decided.
		r.Source, r.LearnedFrom = transaction.SourceMerchant, rec.From.TxID
	}
	if r.Source == "" {
		r.Source = transaction.SourceBuiltin
	}
	return r
}

// userScores returns the user's model's scores of the categories it has
// evidence for on this item (its examples of the category share a merchant
// word of the item that is not generic), as the model gives them (what it
// gave the others is not passed on), and the model's weight
// e/(e+EvidenceHalf), e the most such examples of one category; without
// evidence, nil and 0.
func (p *Pipeline) userScores(it Item, fs []Feature) ([]Scored, float64) {
	ev := p.User.ClassEvidence(it, p.Builtin)
	if len(ev) == 0 {
		return nil, 0
	}
	old, anyOld := ev[""]
	e := old
	var out []Scored
	for _, s := range p.User.PredictItem(it, fs) {
		n, ok := ev[s.Category]
		if !ok && !anyOld {
			continue
		}
		e = max(e, n)
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, 0
	}
	return out, float64(e) / (float64(e) + EvidenceHalf)
}

// dictionaryScores is what is built in when the dictionary names the
// merchant's category: that category with the dictionary's precision, the
// built-in model's scores for the rest.
func dictionaryScores(cat string, precision float64, model []Scored) []Scored {
	out := append(make([]Scored, 0, len(model)+1), Scored{Category: cat, P: precision})
	rest := 0.0
	for _, s := range model {
		if s.Category != cat {
			rest += s.P
		}
	}
	for _, s := range model {
		if s.Category != cat && rest > 0 {
			out = append(out, Scored{Category: s.Category, P: s.P / rest * (1 - precision)})
		}
	}
	return out
}

// scores blends the models: every category they know, most likely first,
// the blend (which model gave each category more), the user model's
// weight, and dict the dictionary's entry for the merchant ("" Name when
// none).
func (p *Pipeline) scores(it Item) (cands []Scored, bl blend, wu float64, dict DictEntry) {
	fs := Features(it)
	var pu, pb []Scored
	if p.User != nil {
		pu, wu = p.userScores(it, fs)
	}
	if p.Builtin != nil {
		pb = p.Builtin.PredictItem(it, fs)
	}
	if e, ok := p.Dictionary.Lookup(it); ok {
		pb, dict = dictionaryScores(e.Category, p.Builtin.DictionaryPrecision(), pb), e
	}
	if pb != nil {
		pb = p.Adapter.Translate(pb)
	} else if pu != nil {
		wu = 1
	}
	bl = blend{user: pu, builtin: pb, wu: wu}
	// Each category gets the surer of the two claims: the user's model,
	// weighed by its evidence, can raise a category past the built-in
	// answer, never lower what is built in. The built-in scores come most
	// likely first, so the candidates are nearly sorted already.
	cands = make([]Scored, 0, len(pb)+len(pu))
	for _, s := range pb {
		if p.known(s.Category) { // else a category deleted since the model learned it
			cands = append(cands, Scored{Category: s.Category, P: max(wu*scoreOf(pu, s.Category), s.P)})
		}
	}
	for _, s := range pu {
		if p.known(s.Category) && !hasScore(pb, s.Category) {
			cands = append(cands, Scored{Category: s.Category, P: max(wu*s.P, 0)})
		}
	}
	sortScored(cands)
	return cands, bl, wu, dict
}

// blend is what the models gave the items' categories: the user model's
// scores (weighed by wu) and the built-in ones, each category at most once
// in each.
type blend struct {
	user, builtin []Scored
	wu            float64
}

// source returns which model gave category c more: SourceModel when the
// user's model did, else SourceBuiltin.
func (b blend) source(c string) string {
	if b.wu*scoreOf(b.user, c) > scoreOf(b.builtin, c) {
		return transaction.SourceModel
	}
	return transaction.SourceBuiltin
}

// scoreOf returns c's score in s, 0 when s has none.
func scoreOf(s []Scored, c string) float64 {
	for _, x := range s {
		if x.Category == c {
			return x.P
		}
	}
	return 0
}

func hasScore(s []Scored, c string) bool {
	for _, x := range s {
		if x.Category == c {
			return true
		}
	}
	return false
}

func (p *Pipeline) models(it Item) Result {
	cands, bl, wu, dict := p.scores(it)
	if len(cands) > MaxSuggestions {
		cands = cands[:MaxSuggestions]
	}
	if len(cands) == 0 || cands[0].P < p.Threshold {
		return Result{Suggestions: cands}
	}
	src := bl.source(cands[0].Category)
	reason := "the built-in model"
	if dict.Name != "" {
		reason = dict.Reason()
	}
	if src == transaction.SourceModel {
		reason = fmt.Sprintf("your model (%.0f%% of the vote: your examples share this description's words)", 100*wu)
	}
	return Result{CategoryID: cands[0].Category, Confidence: cands[0].P, Source: src, Reason: reason, Suggestions: cands}
}
