package classifier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestFitCalibration(t *testing.T) {
	// Said 0.9, right half the time; said 0.6, right 9 times in 10:
	// isotonic pools them (never lower for a higher confidence).
	var conf []float64
	var ok []bool
	for i := range 100 {
		conf, ok = append(conf, 0.9), append(ok, i%2 == 0)
		conf, ok = append(conf, 0.6), append(ok, i%10 != 0)
	}
	c := FitCalibration(conf, ok)
	lo, hi := c.Apply(0.6), c.Apply(0.9)
	if lo > hi || math.Abs(hi-0.7) > 0.01 {
		t.Fatalf("calibrated 0.6 → %v, 0.9 → %v; want pooled near 0.7", lo, hi)
	}
	if got := (Calibration{}).Apply(0.42); got != 0.42 {
		t.Fatalf("zero calibration: %v", got)
	}
	s := c.Rescale([]Scored{{"a", 0.9}, {"b", 0.08}, {"c", 0.02}})
	if s[0].Category != "a" || s[0].P != hi || s[1].P > s[0].P {
		t.Fatalf("rescaled %v", s)
	}
}

// synthetic is a labelled set where the perceptron is sure and often
// wrong: merchants whose words say nothing of their (random) category.
func synthetic(n int, seed uint64) []Example {
	rng := rand.New(rand.NewPCG(seed, 1))
	cats := []string{"a", "b", "c", "d"}
	var out []Example
	for i := range n {
		m := rng.IntN(n / 4)
		cat := cats[m%4]
		if rng.IntN(3) == 0 {
			cat = cats[rng.IntN(4)] // a third of the labels are noise
		}
		out = append(out, Example{Item: Item{Description: fmt.Sprintf("SHOP%c%c %d", 'a'+rune(m%26), 'a'+rune(m/26%26), i), Amount: -1000, Exponent: 2},
			Category: cat})
	}
	return out
}

// TestTrainCalibrated: on a synthetic set, calibration brings the reported
// confidence of held-out answers near their accuracy, and keeps the
// answers; it survives encoding.
func TestTrainCalibrated(t *testing.T) {
	train, test := synthetic(2000, 1), synthetic(2000, 2)
	raw, cal := TrainLinear(train, DefaultEpochs, 1), TrainCalibrated(train, DefaultEpochs, 1)
	gap := func(m *Linear) float64 {
		var conf, right float64
		for _, e := range test {
			p := m.Predict(e.Item)
			conf += p[0].P
			if p[0].Category == e.Category {
				right++
			}
		}
		return math.Abs(conf-right) / float64(len(test))
	}
	if g, r := gap(cal), gap(raw); g > 0.05 || g >= r {
		t.Fatalf("mean confidence off accuracy by %.3f calibrated, %.3f raw", g, r)
	}
	for _, e := range test[:200] {
		if raw.Predict(e.Item)[0].Category != cal.Predict(e.Item)[0].Category {
			t.Fatalf("%q: calibration changed the answer", e.Description)
		}
	}
	b, _ := cal.MarshalBinary()
	var back Linear
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(back.Predict(test[0].Item)) != fmt.Sprint(cal.Predict(test[0].Item)) {
		t.Fatal("a decoded model calibrates differently")
	}
}
