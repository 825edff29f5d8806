package classifier

import (
	"math/rand/v2"
	"slices"
	"sort"
)

// Example is a labelled item, for training and evaluation.
type Example struct {
	Item
	Category string
}

// SplitPython splits rows as baseline.py does: shuffled with Python's
// random.Random(seed), the first 80% (rounded down) to train, the rest to
// test.
func SplitPython(rows []Example, seed uint64) (train, test []Example) {
	rs := slices.Clone(rows)
	PyShuffle(seed, len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	cut := len(rs) * 8 / 10
	return rs[:cut], rs[cut:]
}

// Folds assigns rows to k folds, stratified: within each category (in
// sorted order) the rows are shuffled with a generator seeded by seed and
// dealt round-robin, continuing where the previous category stopped, so
// that every fold holds about 1/k of every category. It returns the fold of
// each row.
func Folds(rows []Example, k int, seed uint64) []int {
	byCat := map[string][]int{}
	for i, r := range rows {
		byCat[r.Category] = append(byCat[r.Category], i)
	}
	cats := make([]string, 0, len(byCat))
	for c := range byCat {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	rng := rand.New(rand.NewPCG(seed, 0x7472785f666f6c64))
	fold := make([]int, len(rows))
	next := 0
	for _, c := range cats {
		idx := byCat[c]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			fold[i] = next % k
			next++
		}
	}
	return fold
}

// Metrics are the scores of predictions against the truth.
type Metrics struct {
	N        int
	Accuracy float64
	MacroF1  float64
	PerClass []ClassMetrics // sorted by category
}

// ClassMetrics are one category's scores.
type ClassMetrics struct {
	Category                  string
	Support                   int // rows of this category in the truth
	Precision, Recall, F1     float64
	TruePos, FalsePos, FalseN int
}

// Score compares pred with truth. Macro-F1 averages over the categories in
// the truth or the predictions, as scikit-learn (and baseline.py) do; an
// empty prediction counts as wrong and is no category.
func Score(truth, pred []string) Metrics {
	m := Metrics{N: len(truth)}
	if len(truth) == 0 {
		return m
	}
	stats := map[string]*ClassMetrics{}
	get := func(c string) *ClassMetrics {
		s, ok := stats[c]
		if !ok {
			s = &ClassMetrics{Category: c}
			stats[c] = s
		}
		return s
	}
	correct := 0
	for i, t := range truth {
		p := pred[i]
		get(t).Support++
		if p == t {
			correct++
			get(t).TruePos++
			continue
		}
		get(t).FalseN++
		if p != "" {
			get(p).FalsePos++
		}
	}
	m.Accuracy = float64(correct) / float64(len(truth))
	for _, s := range stats {
		if s.TruePos+s.FalsePos > 0 {
			s.Precision = float64(s.TruePos) / float64(s.TruePos+s.FalsePos)
		}
		if s.TruePos+s.FalseN > 0 {
			s.Recall = float64(s.TruePos) / float64(s.TruePos+s.FalseN)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		m.PerClass = append(m.PerClass, *s)
		m.MacroF1 += s.F1
	}
	m.MacroF1 /= float64(len(stats))
	sort.Slice(m.PerClass, func(i, j int) bool { return m.PerClass[i].Category < m.PerClass[j].Category })
	return m
}

// Coverage is how many predictions reach a confidence threshold, and how
// accurate those are.
type Coverage struct {
	Threshold float64
	Covered   float64 // share of rows at or above the threshold
	Accuracy  float64 // accuracy on those rows
}

// CoverageAt computes Coverage for each threshold.
func CoverageAt(truth, pred []string, conf []float64, thresholds []float64) []Coverage {
	out := make([]Coverage, len(thresholds))
	for k, th := range thresholds {
		n, ok := 0, 0
		for i := range truth {
			if conf[i] >= th {
				n++
				if pred[i] == truth[i] {
					ok++
				}
			}
		}
		out[k] = Coverage{Threshold: th}
		if len(truth) > 0 {
			out[k].Covered = float64(n) / float64(len(truth))
		}
		if n > 0 {
			out[k].Accuracy = float64(ok) / float64(n)
		}
	}
	return out
}
