package classifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Linear is a multiclass linear model over sparse binary features: one
// weight per (feature, class) pair that training touched, the score of a
// class the sum of its weights over an item's features. It is trained as an
// averaged perceptron (Collins 2002; deterministic for a seed), and learns
// online from a correction with perceptron updates until it predicts the
// corrected class, so a correction changes the next prediction at once.
// Updates only ever touch the two classes involved, so the model stays
// sparse and small enough to store per user.
type Linear struct {
	classes []string        // sorted
	weights map[string][]wc // feature → weights per class, sorted by class
	docs    []int64         // examples per class seen in training or corrections
	temp    float64         // softmax temperature for confidences
}

type wc struct {
	Class int32
	W     float64
}

// LinearVersion is the serialization format of Linear.
const LinearVersion = 1

// Training settings.
const (
	DefaultEpochs = 8
	// learnStep is the size of an online update, and maxSteps bounds the
	// updates one correction makes.
	learnStep = 1.0
	maxSteps  = 8
)

// NewLinear returns an empty model.
func NewLinear() *Linear { return &Linear{weights: map[string][]wc{}, temp: 1} }

// Classes returns the categories the model knows, sorted.
func (m *Linear) Classes() []string { return m.classes }

// Examples returns the number of examples the model learned from.
func (m *Linear) Examples() int64 {
	var n int64
	for _, d := range m.docs {
		n += d
	}
	return n
}

// TrainLinear trains an averaged perceptron on examples for epochs passes,
// visiting them in an order shuffled by seed. The same input, epochs and
// seed give the same model, to the bit.
func TrainLinear(examples []Example, epochs int, seed uint64) *Linear {
	m := NewLinear()
	cls := map[string]bool{}
	for _, e := range examples {
		cls[e.Category] = true
	}
	for c := range cls {
		m.classes = append(m.classes, c)
	}
	sort.Strings(m.classes)
	m.docs = make([]int64, len(m.classes))
	type ex struct {
		fs []string
		y  int32
	}
	xs := make([]ex, len(examples))
	for i, e := range examples {
		y, _ := slices.BinarySearch(m.classes, e.Category)
		xs[i] = ex{fs: dedupe(Features(e.Item)), y: int32(y)}
		m.docs[y]++
	}
	// Averaging with the usual trick: keep the sum of c·Δ in acc, and the
	// average is w − acc/c at the end.
	acc := map[string][]wc{}
	rng := rand.New(rand.NewPCG(seed, 0x7472786c696e6561))
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	scores := make([]float64, len(m.classes))
	c := 1.0
	for range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := xs[i]
			m.scoreInto(x.fs, scores)
			p := argmaxExcept(scores, x.y)
			if scores[p] >= scores[x.y] {
				for _, f := range x.fs {
					m.weights[f] = addW(m.weights[f], x.y, 1)
					m.weights[f] = addW(m.weights[f], int32(p), -1)
					acc[f] = addW(acc[f], x.y, c)
					acc[f] = addW(acc[f], int32(p), -c)
				}
			}
			c++
		}
	}
	for f, ws := range m.weights {
		as := acc[f]
		out := ws[:0]
		for _, w := range ws {
			j := sort.Search(len(as), func(k int) bool { return as[k].Class >= w.Class })
			v := w.W
			if j < len(as) && as[j].Class == w.Class {
				v -= as[j].W / c
			}
			if v != 0 {
				out = append(out, wc{Class: w.Class, W: v})
			}
		}
		if len(out) == 0 {
			delete(m.weights, f)
		} else {
			m.weights[f] = out
		}
	}
	m.temp = m.calibrate()
	return m
}

// calibrate returns the softmax temperature: the spread of top scores on
// the model's own weights is a fair proxy, since the averaged perceptron's
// scores grow with the number of features.
func (m *Linear) calibrate() float64 {
	var sum float64
	var n int
	keys := make([]string, 0, len(m.weights))
	for f := range m.weights {
		keys = append(keys, f)
	}
	sort.Strings(keys) // a float sum depends on its order
	for _, f := range keys {
		for _, w := range m.weights[f] {
			sum += math.Abs(w.W)
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return max(sum/float64(n)*CalibrationScale, 1e-9)
}

// CalibrationScale sets the softmax temperature as a multiple of the mean
// absolute weight: chosen by cross-validation on training folds only, so
// that a confidence of 0.6 is right about 60–80% of the time.
const CalibrationScale = 1.0

func addW(ws []wc, class int32, d float64) []wc {
	j := sort.Search(len(ws), func(k int) bool { return ws[k].Class >= class })
	if j < len(ws) && ws[j].Class == class {
		ws[j].W += d
		return ws
	}
	return slices.Insert(ws, j, wc{Class: class, W: d})
}

func argmaxExcept(scores []float64, y int32) int {
	best := -1
	for k, s := range scores {
		if int32(k) == y {
			continue
		}
		if best < 0 || s > scores[best] {
			best = k
		}
	}
	if best < 0 {
		return int(y)
	}
	return best
}

func (m *Linear) scoreInto(fs []string, dst []float64) {
	for k := range dst {
		dst[k] = 0
	}
	for _, f := range fs {
		for _, w := range m.weights[f] {
			dst[w.Class] += w.W
		}
	}
}

func dedupe(fs []string) []string {
	slices.Sort(fs)
	return slices.Compact(fs)
}

// Predict returns the categories for it, most probable first (nil when the
// model knows none).
func (m *Linear) Predict(it Item) []Scored {
	return m.PredictFeatures(dedupe(Features(it)))
}

// PredictFeatures is Predict on features already extracted and deduplicated.
func (m *Linear) PredictFeatures(fs []string) []Scored {
	if len(m.classes) == 0 {
		return nil
	}
	scores := make([]float64, len(m.classes))
	m.scoreInto(fs, scores)
	return softmax(m.classes, scores, m.temp)
}

// Learn makes the model predict category for it: perceptron updates toward
// category and away from the class predicted instead, until it wins (at
// most a few steps). A new category is added.
func (m *Linear) Learn(category string, it Item) {
	fs := dedupe(Features(it))
	y, ok := slices.BinarySearch(m.classes, category)
	if !ok {
		m.insertClass(y, category)
	}
	m.docs[y]++
	scores := make([]float64, len(m.classes))
	for range maxSteps {
		m.scoreInto(fs, scores)
		p := argmaxExcept(scores, int32(y))
		if p == y || scores[p] < scores[y] {
			return
		}
		step := learnStep * m.temp
		for _, f := range fs {
			m.weights[f] = addW(m.weights[f], int32(y), step)
			m.weights[f] = addW(m.weights[f], int32(p), -step)
		}
	}
}

func (m *Linear) insertClass(i int, c string) {
	m.classes = slices.Insert(m.classes, i, c)
	m.docs = slices.Insert(m.docs, i, 0)
	for f, ws := range m.weights {
		for j := range ws {
			if int(ws[j].Class) >= i {
				ws[j].Class++
			}
		}
		m.weights[f] = ws
	}
}

// linearJSON is Linear's serialized form: features sorted, so that the same
// model always gives the same bytes.
type linearJSON struct {
	Version  int             `json:"version"`
	Temp     float64         `json:"temperature"`
	Classes  []string        `json:"classes"`
	Docs     []int64         `json:"examples"`
	Features []string        `json:"features"`
	Weights  [][]json.Number `json:"weights"` // per feature: class, weight, class, weight, …
}

// MarshalBinary encodes the model (JSON, deterministic).
func (m *Linear) MarshalBinary() ([]byte, error) {
	out := linearJSON{Version: LinearVersion, Temp: m.temp, Classes: m.classes, Docs: m.docs}
	for f := range m.weights {
		out.Features = append(out.Features, f)
	}
	sort.Strings(out.Features)
	out.Weights = make([][]json.Number, len(out.Features))
	for i, f := range out.Features {
		ws := m.weights[f]
		row := make([]json.Number, 0, 2*len(ws))
		for _, w := range ws {
			row = append(row, json.Number(fmt.Sprint(w.Class)), json.Number(formatWeight(w.W)))
		}
		out.Weights[i] = row
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("classifier: encode model: %w", err)
	}
	return buf.Bytes(), nil
}

func formatWeight(w float64) string {
	b, _ := json.Marshal(w)
	return string(b)
}

// UnmarshalBinary decodes a model that MarshalBinary encoded.
func (m *Linear) UnmarshalBinary(b []byte) error {
	var in linearJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("classifier: decode model: %w", err)
	}
	if in.Version != LinearVersion {
		return fmt.Errorf("classifier: model format version %d, this trx reads %d", in.Version, LinearVersion)
	}
	if len(in.Docs) != len(in.Classes) || len(in.Weights) != len(in.Features) || !sort.StringsAreSorted(in.Classes) {
		return errors.New("classifier: decode model: inconsistent lengths or unsorted classes")
	}
	*m = Linear{classes: in.Classes, docs: in.Docs, temp: in.Temp, weights: make(map[string][]wc, len(in.Features))}
	if m.classes == nil {
		m.classes = []string{}
	}
	for i, f := range in.Features {
		row := in.Weights[i]
		if len(row)%2 != 0 {
			return fmt.Errorf("classifier: decode model: feature %q has an odd weight row", f)
		}
		ws := make([]wc, 0, len(row)/2)
		for j := 0; j < len(row); j += 2 {
			c, err1 := row[j].Int64()
			w, err2 := row[j+1].Float64()
			if err1 != nil || err2 != nil || c < 0 || int(c) >= len(m.classes) {
				return fmt.Errorf("classifier: decode model: bad weight for %q", f)
			}
			ws = append(ws, wc{Class: int32(c), W: w})
		}
		m.weights[f] = ws
	}
	return nil
}
