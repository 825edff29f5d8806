package classifier

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
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
	classes []string         // sorted
	weights map[Feature][]wc // weights per class, sorted by class
	docs    []int64          // examples per class seen in training or corrections
	temp    float64          // softmax temperature for confidences
	vocab   map[Feature][]vc // examples per merchant word (MerchantFeatures) and class, for Evidence
	// calib calibrates the top confidence, for items whose merchant words
	// the model does not know (0) and does (1): fitted by cross-fitting
	// (TrainCalibrated); zero maps p to p.
	calib [2]Calibration
	// dict is how often the merchant dictionary's category was right on
	// the labelled training files (built-in model only; 0: unmeasured).
	dict float64
	// generic are the merchant words of the built-in model's training
	// examples that it saw in GenericCategories categories or more
	// (PAYMENT, USA, ONLINE): no merchant's name, so no evidence.
	generic map[Feature]bool
}

// GenericCategories is in how many categories of the built-in training
// data a merchant word must occur to count as generic.
const GenericCategories = 3

// EvidenceBeside is Evidence counting only the words that builtin does
// not hold generic (builtin nil: all).
func (m *Linear) EvidenceBeside(it Item, builtin *Linear) int {
	n := 0
	for _, e := range m.ClassEvidence(it, builtin) {
		n = max(n, e)
	}
	return n
}

// ClassEvidence is EvidenceBeside per category: for each category, the
// examples of it that share the item's best-known (not generic) merchant
// word. A category with none is not one the model has evidence for here,
// whatever its weights say. Counts of older models that did not keep the
// category are under "".
func (m *Linear) ClassEvidence(it Item, builtin *Linear) map[string]int {
	var out map[string]int
	for _, f := range MerchantFeatures(it) {
		if builtin != nil && builtin.generic[f] {
			continue
		}
		for _, c := range m.vocab[f] {
			if out == nil {
				out = map[string]int{}
			}
			name := ""
			if c.Class != anyClass {
				name = m.classes[c.Class]
			}
			out[name] = max(out[name], int(c.N))
		}
	}
	return out
}

// markGeneric sets generic from examples.
func (m *Linear) markGeneric(examples []Example) {
	cats := map[Feature]map[string]bool{}
	for _, e := range examples {
		for _, f := range MerchantFeatures(e.Item) {
			if cats[f] == nil {
				cats[f] = map[string]bool{}
			}
			cats[f][e.Category] = true
		}
	}
	m.generic = map[Feature]bool{}
	for f, cs := range cats {
		if len(cs) >= GenericCategories {
			m.generic[f] = true
		}
	}
}

// DictionaryPrecision returns how often a merchant dictionary match was
// right on the built-in model's labelled training files, or
// DefaultDictionaryPrecision when it was not measured.
func (m *Linear) DictionaryPrecision() float64 {
	if m == nil || m.dict == 0 {
		return DefaultDictionaryPrecision
	}
	return m.dict
}

type wc struct {
	Class int32
	W     float64
}

// vc is a count of examples of a class; class anyClass is a count kept
// by format v3 and v4, which did not say of which class.
type vc struct {
	Class int32
	N     int32
}

const anyClass = -1

func total(cs []vc) int32 {
	var n int32
	for _, c := range cs {
		n += c.N
	}
	return n
}

// LinearVersion is the serialization format of Linear (3 adds the word
// counts, 4 the calibration, 5 the dictionary's precision and the generic
// words; 2 to 4 are still read).
const LinearVersion = 5

// Training settings.
const (
	DefaultEpochs = 8
	// learnStep is the size of an online update (times the temperature),
	// and maxSteps bounds the updates one correction makes.
	learnStep = 1.0
	maxSteps  = 8
)

// CalibrationScale sets the softmax temperature as a multiple of the mean
// absolute weight. It was chosen with 5-fold cross-validation inside the
// training part of each shipped data set (never its test rows), so that
// top confidences near 0.6 are right roughly 55–70% of the time.
const CalibrationScale = 4.0

// NewLinear returns an empty model.
func NewLinear() *Linear {
	return &Linear{weights: map[Feature][]wc{}, temp: 1, classes: []string{}, vocab: map[Feature][]vc{}}
}

// MerchantFeatures returns the features of the words of it's merchant
// key (MerchantKey: the counterparty or the descriptor without the store
// number, place and card words), without repeats: what Evidence counts.
func MerchantFeatures(it Item) []Feature {
	src := it.Description
	if strings.TrimSpace(it.Counterparty) != "" {
		src = it.Counterparty
	}
	words := merchantWords(src)
	out := make([]Feature, 0, len(words))
	for _, w := range words {
		out = append(out, hashOf('w', w))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Evidence is how much the model knows of it's merchant: the number of
// examples it learned from that share the best-known word of the item's
// merchant key (0 when it never saw any). A user's model overrides the
// built-in one only where it has evidence: a place or a card word in
// common is none.
func (m *Linear) Evidence(it Item) int {
	n := int32(0)
	for _, f := range MerchantFeatures(it) {
		n = max(n, total(m.vocab[f]))
	}
	return int(n)
}

// bucket is the calibration bucket of it: 1 when the model knows a word
// of its merchant key that is not generic (a descriptor that names no
// merchant, such as CARD PAYMENT or DIRECT DEBIT, has none).
func (m *Linear) bucket(it Item) int {
	// EvidenceBeside(it, m) > 0, without counting per category: the first
	// example of a known word decides.
	for _, f := range MerchantFeatures(it) {
		if m.generic[f] {
			continue
		}
		for _, c := range m.vocab[f] {
			if c.N > 0 {
				return 1
			}
		}
	}
	return 0
}

// TrainCalibrated is TrainLinear with the confidences calibrated: the
// examples are cross-fitted in CalibrationFolds folds by merchant (each
// fold predicted by a model trained on the others), and the held-out
// predictions fit the calibration of the model trained on all of them.
func TrainCalibrated(examples []Example, epochs int, seed uint64) *Linear {
	train := func(ex []Example) *Linear { return TrainLinear(ex, epochs, seed) }
	m := train(examples)
	m.calib = crossFit(examples, train)
	return m
}

func (m *Linear) countWords(it Item, class int32) {
	for _, f := range MerchantFeatures(it) {
		cs := m.vocab[f]
		i, ok := slices.BinarySearchFunc(cs, class, func(c vc, k int32) int { return cmp.Compare(c.Class, k) })
		if ok {
			cs[i].N++
		} else {
			cs = slices.Insert(cs, i, vc{Class: class, N: 1})
		}
		m.vocab[f] = cs
	}
}

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
	k := len(m.classes)
	m.docs = make([]int64, k)
	// Dense feature indices, in order of first appearance, for the inner
	// loop; weights and the averaging sums per index.
	index := map[Feature]int32{}
	var feats []Feature
	type ex struct {
		fs []int32
		y  int32
	}
	xs := make([]ex, len(examples))
	var buf []Feature
	for i, e := range examples {
		y, _ := slices.BinarySearch(m.classes, e.Category)
		buf = AppendFeatures(buf[:0], e.Item)
		ids := make([]int32, len(buf))
		for j, f := range buf {
			id, ok := index[f]
			if !ok {
				id = int32(len(feats))
				index[f] = id
				feats = append(feats, f)
			}
			ids[j] = id
		}
		xs[i] = ex{fs: ids, y: int32(y)}
		m.docs[y]++
		m.countWords(e.Item, int32(y))
	}
	w := make([][]wc, len(feats))
	acc := make([][]wc, len(feats))
	rng := rand.New(rand.NewPCG(seed, 0x7472786c696e6561))
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	scores := make([]float64, k)
	c := 1.0
	for range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := xs[i]
			clear(scores)
			for _, f := range x.fs {
				for _, e := range w[f] {
					scores[e.Class] += e.W
				}
			}
			p := argmaxExcept(scores, x.y)
			if scores[p] >= scores[x.y] {
				for _, f := range x.fs {
					w[f] = addW(addW(w[f], x.y, 1), int32(p), -1)
					acc[f] = addW(addW(acc[f], x.y, c), int32(p), -c)
				}
			}
			c++
		}
	}
	for i, ws := range w {
		as := acc[i]
		var out []wc
		for j, e := range ws {
			// w and acc touch the same classes in the same order.
			if v := e.W - as[j].W/c; v != 0 {
				out = append(out, wc{Class: e.Class, W: v})
			}
		}
		if len(out) > 0 {
			m.weights[feats[i]] = out
		}
	}
	m.temp = m.calibrate()
	return m
}

// Calibrate resets the softmax temperature from the weights, as training
// does. A model built only from online corrections needs it now and then:
// its updates grow the weights, and its confidences with them.
func (m *Linear) Calibrate() { m.temp = m.calibrate() }

// calibrate returns the softmax temperature, a multiple of the mean
// absolute weight: the averaged perceptron's scores grow with its weights.
func (m *Linear) calibrate() float64 {
	keys := make([]Feature, 0, len(m.weights))
	for f := range m.weights {
		keys = append(keys, f)
	}
	slices.Sort(keys) // a float sum depends on its order
	var sum float64
	var n int
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

func addW(ws []wc, class int32, d float64) []wc {
	for j := range ws {
		if ws[j].Class == class {
			ws[j].W += d
			return ws
		}
		if ws[j].Class > class {
			return slices.Insert(ws, j, wc{Class: class, W: d})
		}
	}
	return append(ws, wc{Class: class, W: d})
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

func (m *Linear) scoreInto(fs []Feature, dst []float64) {
	clear(dst)
	for _, f := range fs {
		for _, w := range m.weights[f] {
			dst[w.Class] += w.W
		}
	}
}

// Predict returns the categories for it, most probable first, the top one
// calibrated (nil when the model knows none).
func (m *Linear) Predict(it Item) []Scored {
	return m.PredictItem(it, Features(it))
}

// PredictItem is Predict with it's Features given.
func (m *Linear) PredictItem(it Item, fs []Feature) []Scored {
	return m.calib[m.bucket(it)].Rescale(m.PredictFeatures(fs))
}

// PredictFeatures returns the model's scores for the Features of an item,
// uncalibrated.
func (m *Linear) PredictFeatures(fs []Feature) []Scored {
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
	fs := Features(it)
	y, ok := slices.BinarySearch(m.classes, category)
	if !ok {
		m.insertClass(y, category)
	}
	m.docs[y]++
	m.countWords(it, int32(y))
	scores := make([]float64, len(m.classes))
	for range maxSteps {
		m.scoreInto(fs, scores)
		p := argmaxExcept(scores, int32(y))
		if p == y || scores[p] < scores[y] {
			return
		}
		step := learnStep * m.temp
		for _, f := range fs {
			m.weights[f] = addW(addW(m.weights[f], int32(y), step), int32(p), -step)
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
	for _, cs := range m.vocab {
		for j := range cs {
			if int(cs[j].Class) >= i {
				cs[j].Class++
			}
		}
	}
}

// linearMagic starts an encoded model.
const linearMagic = "trxlin"

// MarshalBinary encodes the model: a compact binary form with the features
// in order, so that the same model always gives the same bytes.
//
//	"trxlin" version temperature(float64 bits) nclasses {len name docs}…
//	nfeatures {feature-delta nweights {class weight(float64 bits)}…}…
//	nwords {feature-delta examples}…
//
// (integers as uvarints).
func (m *Linear) MarshalBinary() ([]byte, error) {
	b := binary.AppendUvarint([]byte(linearMagic), LinearVersion)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.temp))
	b = binary.AppendUvarint(b, uint64(len(m.classes)))
	for i, c := range m.classes {
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
		b = binary.AppendUvarint(b, uint64(m.docs[i]))
	}
	keys := make([]Feature, 0, len(m.weights))
	for f, ws := range m.weights {
		if len(ws) > 0 {
			keys = append(keys, f)
		}
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	var prev Feature
	for _, f := range keys {
		b = binary.AppendUvarint(b, uint64(f-prev))
		prev = f
		ws := m.weights[f]
		b = binary.AppendUvarint(b, uint64(len(ws)))
		for _, w := range ws {
			b = binary.AppendUvarint(b, uint64(w.Class))
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(w.W))
		}
	}
	words := make([]Feature, 0, len(m.vocab))
	for f, cs := range m.vocab {
		if len(cs) > 0 {
			words = append(words, f)
		}
	}
	slices.Sort(words)
	b = binary.AppendUvarint(b, uint64(len(words)))
	prev = 0
	for _, f := range words {
		b = binary.AppendUvarint(b, uint64(f-prev))
		prev = f
		cs := m.vocab[f]
		b = binary.AppendUvarint(b, uint64(len(cs)))
		for _, c := range cs {
			b = binary.AppendUvarint(b, uint64(c.Class+1)) // anyClass is 0
			b = binary.AppendUvarint(b, uint64(c.N))
		}
	}
	for _, c := range m.calib {
		b = binary.AppendUvarint(b, uint64(len(c.X)))
		for i := range c.X {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c.X[i]))
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c.Y[i]))
		}
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.dict))
	generic := make([]Feature, 0, len(m.generic))
	for f := range m.generic {
		generic = append(generic, f)
	}
	slices.Sort(generic)
	b = binary.AppendUvarint(b, uint64(len(generic)))
	prev = 0
	for _, f := range generic {
		b = binary.AppendUvarint(b, uint64(f-prev))
		prev = f
	}
	return b, nil
}

var errModelFormat = errors.New("classifier: decode model: malformed")

// UnmarshalBinary decodes a model that MarshalBinary encoded.
func (m *Linear) UnmarshalBinary(b []byte) error {
	if len(b) < len(linearMagic) || string(b[:len(linearMagic)]) != linearMagic {
		return errModelFormat
	}
	r := reader{b: b[len(linearMagic):]}
	version := r.uvarint()
	if version < 2 || version > LinearVersion {
		if r.err != nil {
			return errModelFormat
		}
		return fmt.Errorf("classifier: model format version %d, this trx reads 2 to %d", version, LinearVersion)
	}
	out := Linear{weights: map[Feature][]wc{}, temp: math.Float64frombits(r.u64()), vocab: map[Feature][]vc{}}
	n := r.count(2)
	out.classes, out.docs = make([]string, 0, n), make([]int64, 0, n)
	for range n {
		l := r.count(1)
		out.classes = append(out.classes, string(r.bytes(l)))
		out.docs = append(out.docs, int64(r.uvarint()))
	}
	if !slices.IsSorted(out.classes) {
		return errModelFormat
	}
	nf := r.count(2)
	var f Feature
	for range nf {
		f += Feature(r.uvarint())
		nw := r.count(9)
		ws := make([]wc, 0, nw)
		for range nw {
			c := r.uvarint()
			w := math.Float64frombits(r.u64())
			if c >= uint64(len(out.classes)) || (len(ws) > 0 && int32(c) <= ws[len(ws)-1].Class) {
				return errModelFormat
			}
			ws = append(ws, wc{Class: int32(c), W: w})
		}
		if r.err != nil {
			return errModelFormat
		}
		out.weights[f] = ws
	}
	if version >= 3 {
		nw := r.count(2)
		f = 0
		for range nw {
			f += Feature(r.uvarint())
			if version < 5 { // one count, of no class
				n := r.uvarint()
				if n == 0 || n > math.MaxInt32 {
					return errModelFormat
				}
				out.vocab[f] = []vc{{Class: anyClass, N: int32(n)}}
				continue
			}
			nc := r.count(2)
			cs := make([]vc, 0, nc)
			for range nc {
				c, n := r.uvarint(), r.uvarint()
				if c > uint64(len(out.classes)) || n == 0 || n > math.MaxInt32 || (len(cs) > 0 && int32(c)-1 <= cs[len(cs)-1].Class) {
					return errModelFormat
				}
				cs = append(cs, vc{Class: int32(c) - 1, N: int32(n)})
			}
			out.vocab[f] = cs
		}
	}
	if version >= 4 {
		for b := range out.calib {
			n := r.count(16)
			c := Calibration{X: make([]float64, 0, n), Y: make([]float64, 0, n)}
			for range n {
				c.X = append(c.X, math.Float64frombits(r.u64()))
				c.Y = append(c.Y, math.Float64frombits(r.u64()))
			}
			if !slices.IsSorted(c.X) || !slices.IsSorted(c.Y) {
				return errModelFormat
			}
			if n > 0 {
				out.calib[b] = c
			}
		}
	}
	if version >= 5 {
		out.dict = math.Float64frombits(r.u64())
		if !(out.dict >= 0 && out.dict <= 1) {
			return errModelFormat
		}
		n := r.count(1)
		if n > 0 {
			out.generic = make(map[Feature]bool, n)
		}
		f = 0
		for range n {
			f += Feature(r.uvarint())
			out.generic[f] = true
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return errModelFormat
	}
	*m = out
	return nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errModelFormat, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) u64() uint64 {
	if len(r.b) < 8 {
		r.err, r.b = errModelFormat, nil
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// count reads a length whose items take at least min bytes each, refusing
// one the remaining input cannot hold (so that bad input cannot make it
// allocate much).
func (r *reader) count(min int) int {
	v := r.uvarint()
	if v > uint64(len(r.b)/min) {
		r.err, r.b = errModelFormat, nil
		return 0
	}
	return int(v)
}

func (r *reader) bytes(n int) []byte {
	if n > len(r.b) {
		r.err, r.b = errModelFormat, nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}
