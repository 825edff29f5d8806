package classifier

import "sync"

// adapterPrior is how many of a user's examples it takes, for a built-in
// category, before the user's own use outweighs the assumption that they
// keep the built-in category as it is.
const adapterPrior = 1.0

// Adapter translates the built-in model's categories into the ones a user
// actually uses: for each built-in category b, how the user categorized the
// examples the built-in model put in b. A user who keeps the built-in
// categories gets them unchanged; a user with categories of their own
// (Groceries, Fuel) gets the built-in model's knowledge in their terms
// (food_and_drink → Groceries). It is safe for concurrent use.
type Adapter struct {
	mu     sync.RWMutex
	counts map[string]map[string]float64 // built-in top category → user category → examples
	byTx   map[string][2]string          // transaction → (built-in, user) counted
}

// NewAdapter returns the adapter of a user's examples under builtin.
func NewAdapter(builtin *Linear, ls []Learned) *Adapter {
	a := &Adapter{counts: map[string]map[string]float64{}, byTx: map[string][2]string{}}
	for _, l := range ls {
		a.put(builtin, l)
	}
	return a
}

// Put counts an example, replacing what its transaction counted.
func (a *Adapter) Put(builtin *Linear, l Learned) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.put(builtin, l)
}

// Forget removes what a transaction counted.
func (a *Adapter) Forget(txID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.forget(txID)
}

func (a *Adapter) put(builtin *Linear, l Learned) {
	a.forget(l.TxID)
	if builtin == nil {
		return
	}
	p := builtin.Predict(l.Item)
	if len(p) == 0 {
		return
	}
	b := p[0].Category
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
	if a.counts[bu[0]][bu[1]]--; a.counts[bu[0]][bu[1]] <= 0 {
		delete(a.counts[bu[0]], bu[1])
	}
}

// Translate returns the built-in model's scores in the user's categories.
func (a *Adapter) Translate(pb []Scored) []Scored {
	if a == nil {
		return pb
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := map[string]float64{}
	for _, s := range pb {
		cs := a.counts[s.Category]
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
