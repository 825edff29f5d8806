package classifier

import (
	"math"
	"slices"
	"sort"
)

// NB is a multinomial naive Bayes model over Features with integer counts,
// so that learning and unlearning an example are exact and cheap (a user's
// model is updated on every correction) and a model serializes to the same
// bytes however it was built. The zero value is not usable; use NewNB.
type NB struct {
	Alpha   float64            // additive smoothing
	classes []string           // sorted
	docs    []int32            // examples per class
	total   []int64            // feature occurrences per class
	counts  map[string][]count // feature → counts per class, sorted by class
	ndocs   int64
}

type count struct {
	Class int32
	N     int32
}

// NewNB returns an empty model with additive smoothing alpha.
func NewNB(alpha float64) *NB {
	return &NB{Alpha: alpha, counts: map[string][]count{}}
}

// Examples returns the number of examples the model holds.
func (m *NB) Examples() int64 { return m.ndocs }

// Classes returns the classes the model knows, sorted.
func (m *NB) Classes() []string { return m.classes }

// ClassExamples returns the number of examples of class c.
func (m *NB) ClassExamples(c string) int {
	i, ok := slices.BinarySearch(m.classes, c)
	if !ok {
		return 0
	}
	return int(m.docs[i])
}

func (m *NB) classIndex(c string) int {
	i, ok := slices.BinarySearch(m.classes, c)
	if ok {
		return i
	}
	// A new class: insert it, renumbering the classes after it.
	m.classes = slices.Insert(m.classes, i, c)
	m.docs = slices.Insert(m.docs, i, 0)
	m.total = slices.Insert(m.total, i, 0)
	for f, cs := range m.counts {
		for j := range cs {
			if int(cs[j].Class) >= i {
				cs[j].Class++
			}
		}
		m.counts[f] = cs
	}
	return i
}

// Learn adds one example of class c with features fs (Features of an Item).
func (m *NB) Learn(c string, fs []string) { m.add(c, fs, 1) }

// Unlearn removes an example that Learn added; unlearning what was never
// learned is ignored (counts never go below zero).
func (m *NB) Unlearn(c string, fs []string) {
	if _, ok := slices.BinarySearch(m.classes, c); ok {
		m.add(c, fs, -1)
	}
}

func (m *NB) add(c string, fs []string, d int32) {
	ci := int32(m.classIndex(c))
	if d < 0 && m.docs[ci] == 0 {
		return
	}
	m.docs[ci] += d
	m.ndocs += int64(d)
	for _, f := range fs {
		cs := m.counts[f]
		j := sort.Search(len(cs), func(k int) bool { return cs[k].Class >= ci })
		if j < len(cs) && cs[j].Class == ci {
			if cs[j].N+d < 0 {
				continue
			}
			cs[j].N += d
			m.total[ci] += int64(d)
			if cs[j].N == 0 {
				cs = slices.Delete(cs, j, j+1)
			}
		} else if d > 0 {
			cs = slices.Insert(cs, j, count{Class: ci, N: d})
			m.total[ci] += int64(d)
		}
		if len(cs) == 0 {
			delete(m.counts, f)
		} else {
			m.counts[f] = cs
		}
	}
	if d < 0 && m.docs[ci] == 0 {
		m.dropClass(int(ci))
	}
}

// dropClass forgets a class that has no example left.
func (m *NB) dropClass(i int) {
	m.classes = slices.Delete(m.classes, i, i+1)
	m.docs = slices.Delete(m.docs, i, i+1)
	m.total = slices.Delete(m.total, i, i+1)
	for f, cs := range m.counts {
		out := cs[:0]
		for _, c := range cs {
			switch {
			case int(c.Class) == i:
			case int(c.Class) > i:
				c.Class--
				out = append(out, c)
			default:
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			delete(m.counts, f)
		} else {
			m.counts[f] = out
		}
	}
}

// LogScores returns, per class (in Classes order), the log of the prior
// times the likelihood of the features the model has seen, and how many of
// fs it has seen. Features never seen in training are ignored.
func (m *NB) LogScores(fs []string, dst []float64) ([]float64, int) {
	k := len(m.classes)
	dst = slices.Grow(dst[:0], k)[:k]
	if k == 0 {
		return dst, 0
	}
	a := m.Alpha
	v := float64(len(m.counts))
	known := 0
	for c := range k {
		dst[c] = 0
	}
	for _, f := range fs {
		cs, ok := m.counts[f]
		if !ok {
			continue
		}
		known++
		for _, e := range cs {
			dst[e.Class] += math.Log((float64(e.N) + a) / a)
		}
	}
	la := math.Log(a)
	n := float64(m.ndocs)
	for c := range k {
		dst[c] += math.Log(float64(m.docs[c])/n) + float64(known)*(la-math.Log(float64(m.total[c])+a*v))
	}
	return dst, known
}
