package classifier

import (
	"cmp"
	"hash/fnv"
	"slices"
)

// Calibration maps a model's top confidence to how often answers given
// with it were right: an isotonic (monotone) step function fitted by pool
// adjacent violators on held-out predictions. The zero value maps p to p.
type Calibration struct {
	X []float64 // upper confidence of each step, ascending
	Y []float64 // accuracy of each step, ascending
}

// calibrationPrior pulls each step toward its own mean confidence as if
// from this many predictions, so that a step fitted on a few rows does not
// say 0 or 1.
const calibrationPrior = 2.0

// FitCalibration fits conf (top confidences of held-out predictions) to
// correct (whether each was right).
func FitCalibration(conf []float64, correct []bool) Calibration {
	type pt struct {
		x, y, w float64
	}
	pts := make([]pt, len(conf))
	for i, c := range conf {
		y := 0.0
		if correct[i] {
			y = 1
		}
		pts[i] = pt{x: c, y: y, w: 1}
	}
	slices.SortStableFunc(pts, func(a, b pt) int { return cmp.Compare(a.x, b.x) })
	// Pool adjacent violators: blocks of mean accuracy that never go down.
	type block struct{ hi, sumY, sumX, w float64 }
	var bs []block
	for _, p := range pts {
		bs = append(bs, block{hi: p.x, sumY: p.y, sumX: p.x, w: p.w})
		for len(bs) > 1 {
			a, b := bs[len(bs)-2], bs[len(bs)-1]
			if a.sumY/a.w < b.sumY/b.w {
				break
			}
			bs = append(bs[:len(bs)-2], block{hi: b.hi, sumY: a.sumY + b.sumY, sumX: a.sumX + b.sumX, w: a.w + b.w})
		}
	}
	var c Calibration
	for _, b := range bs {
		y := (b.sumY + calibrationPrior*b.sumX/b.w) / (b.w + calibrationPrior)
		if n := len(c.Y); n > 0 && y < c.Y[n-1] {
			y = c.Y[n-1] // the prior must not break monotony
		}
		c.X, c.Y = append(c.X, b.hi), append(c.Y, y)
	}
	return c
}

// Apply returns the calibrated confidence for p.
func (c Calibration) Apply(p float64) float64 {
	if len(c.X) == 0 {
		return p
	}
	i, _ := slices.BinarySearch(c.X, p)
	if i == len(c.Y) {
		i--
	}
	return c.Y[i]
}

// Rescale returns scores with the top one calibrated and the others
// scaled so that they still sum to what they summed to.
func (c Calibration) Rescale(s []Scored) []Scored {
	if len(s) == 0 || len(c.X) == 0 {
		return s
	}
	top := s[0].P
	cal := c.Apply(top)
	out := slices.Clone(s)
	out[0].P = cal
	if rest := 1 - top; rest > 1e-12 {
		k := (1 - cal) / rest
		for i := 1; i < len(out); i++ {
			// Calibration says how sure the answer is, not what it is:
			// the others never overtake it.
			out[i].P = min(out[i].P*k, cal)
		}
	}
	return out
}

// CalibrationFolds is how many folds cross-fitting uses.
const CalibrationFolds = 5

// foldOf deals examples into k folds by a hash of their text and place,
// so that a held-out example's merchant is sometimes known to the model
// trained on the other folds (from its other transactions) and sometimes
// not, as for a user's next transactions.
func foldOf(i int, it Item, k int) int {
	h := fnv.New32a()
	h.Write([]byte(it.Description))
	h.Write([]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24)})
	return int(h.Sum32() % uint32(k))
}

// crossFit trains on all folds but one and predicts that one, for each
// fold, and fits the calibration of each evidence bucket (the item's
// merchant words known to the fold's model or not) from the held-out
// predictions.
func crossFit(examples []Example, train func([]Example) *Linear) [2]Calibration {
	var conf [2][]float64
	var ok [2][]bool
	for f := range CalibrationFolds {
		var tr, te []Example
		for i, e := range examples {
			if foldOf(i, e.Item, CalibrationFolds) == f {
				te = append(te, e)
			} else {
				tr = append(tr, e)
			}
		}
		if len(tr) == 0 || len(te) == 0 {
			continue
		}
		m := train(tr)
		for _, e := range te {
			p := m.Predict(e.Item)
			if len(p) == 0 {
				continue
			}
			b := m.bucket(e.Item)
			conf[b], ok[b] = append(conf[b], p[0].P), append(ok[b], p[0].Category == e.Category)
		}
	}
	var out [2]Calibration
	for b := range out {
		if len(conf[b]) >= minCalibrationRows {
			out[b] = FitCalibration(conf[b], ok[b])
		}
	}
	return out
}

// minCalibrationRows is the fewest held-out predictions a calibration is
// fitted from; with fewer, confidences stay as the model gives them.
const minCalibrationRows = 20
