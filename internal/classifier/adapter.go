package classifier

import (
	"slices"
	"sync"
)

// adapterPrior is how many of a user's examples it takes, for a built-in
// category, before the user's own use outweighs the assumption that they
// keep the built-in category as it is.
const adapterPrior = 1.0

// adapterMin is the fewest examples with one built-in answer that translate
// it.
const adapterMin = 2

// Adapter translates the built-in model's categories into the ones a user
// actually uses: for each built-in category b, how the user categorized the
// examples the built-in model put in b. A user who keeps the built-in
// categories gets them unchanged; a user with categories of their own
// (Groceries, Fuel) gets the built-in model's knowledge in their terms
// (food_and_drink → Groceries). It is safe for concurrent use.
type Adapter struct {
	mu     sync.RWMutex
	counts map[string]map[string]float64 // built-in top category → user category → examples
	used   map[string]int                // user category → examples
	byTx   map[string][2]string          // transaction → (built-in, user) counted
}

// BuiltinTop returns what is built in (the dictionary, else the model)
// says of an item: the category an Adapter translates from ("" none).
func BuiltinTop(model *Linear, dict *Dictionary) func(Item) string {
	return func(it Item) string {
		if e, ok := dict.Lookup(it); ok {
			return e.Category
		}
		if model == nil {
			return ""
		}
		if p := model.Predict(it); len(p) > 0 {
			return p[0].Category
		}
		return ""
	}
}

// NewAdapter returns the adapter of a user's examples; top is what is
// built in says of an item (BuiltinTop).
func NewAdapter(top func(Item) string, ls []Learned) *Adapter {
	a := &Adapter{counts: map[string]map[string]float64{}, used: map[string]int{}, byTx: map[string][2]string{}}
	for _, l := range ls {
		a.put(top, l)
	}
	return a
}

// Put counts an example, replacing what its transaction counted.
func (a *Adapter) Put(top func(Item) string, l Learned) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.put(top, l)
}

// Forget removes what a transaction counted.
func (a *Adapter) Forget(txID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.forget(txID)
}

func (a *Adapter) put(top func(Item) string, l Learned) {
	a.forget(l.TxID)
	a.used[l.Category]++
	a.byTx[l.TxID] = [2]string{"", l.Category}
	b := top(l.Item)
	if b == "" {
		return
	}
	if a.counts[b] == nil {
		a.counts[b] = map[string]float64{}
	}
	a.counts[b][l.Category]++
	a.byTx[l.TxID] = [2]string{b, l.Category}
}

func (a *Adapter) forget(txID string) {
	bu, ok := a.byTx[txID]
	if !ok {
		return
	}
	delete(a.byTx, txID)
	if a.used[bu[1]]--; a.used[bu[1]] <= 0 {
		delete(a.used, bu[1])
	}
	if bu[0] == "" {
		return
	}
	if a.counts[bu[0]][bu[1]]--; a.counts[bu[0]][bu[1]] <= 0 {
		delete(a.counts[bu[0]], bu[1])
	}
}

// translates reports whether s's category is shared out into the user's
// categories (see Translate). a.mu must be held.
func (a *Adapter) translates(s Scored) bool {
	cs := a.counts[s.Category]
	return a.used[s.Category] <= 0 && totalOf(cs) >= adapterMin
}

func totalOf(cs map[string]float64) float64 {
	n := 0.0
	for _, c := range cs {
		n += c
	}
	return n
}

// Translate returns the built-in model's scores in the user's categories,
// most likely first: a built-in category the user never files anything
// in, and that at least adapterMin of their examples had as the built-in
// answer, is shared out as those examples were. pb holds each category at
// most once; when none of them is translated, Translate sorts pb in place
// and returns it.
func (a *Adapter) Translate(pb []Scored) []Scored {
	if a == nil {
		return pb
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if !slices.ContainsFunc(pb, a.translates) {
		sortScored(pb)
		return pb
	}
	out := make(map[string]float64, len(pb))
	for _, s := range pb {
		cs := a.counts[s.Category]
		if !a.translates(s) {
			// A category the user files things in themselves is theirs as
			// it is: their corrections of it are mistakes of the model, not
			// a category of their own.
			out[s.Category] += s.P
			continue
		}
		n := adapterPrior
		for _, c := range cs {
			n += c
		}
		out[s.Category] += s.P * adapterPrior / n
		for u, c := range cs {
			out[u] += s.P * c / n
		}
	}
	res := make([]Scored, 0, len(out))
	for c, p := range out {
		res = append(res, Scored{Category: c, P: p})
	}
	sortScored(res)
	return res
}
