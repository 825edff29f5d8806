package classifiereval

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/trx-platform/trx/internal/classifier"
)

// Method is a way to classify trained on some rows: Fit returns the
// decider for the test rows.
type Method struct {
	Name string
	Fit  func(train []Row) Decider
}

// Decider answers for one item: the top category, its confidence, and
// whether it reaches the threshold (it would be applied).
type Decider func(classifier.Item) (category string, confidence float64, applied bool)

// Baseline is baseline.py's multinomial naive Bayes (add-one) over
// lowercase words and character 3-grams, reimplemented.
func Baseline() Method {
	return Method{Name: "baseline", Fit: func(train []Row) Decider {
		m := classifier.NewNB(1)
		for _, r := range train {
			m.Learn(r.Category, classifier.BaselineFeatures(r.Item))
		}
		return func(it classifier.Item) (string, float64, bool) {
			got := m.Predict(classifier.BaselineFeatures(it))
			if len(got) == 0 {
				return "", 0, false
			}
			return got[0].Category, got[0].P, true
		}
	}}
}

// Model is the user's model alone (what the file's rows, as manual
// categorizations, train), without memory or built-in model.
func Model(threshold float64) Method {
	return Method{Name: "model", Fit: func(train []Row) Decider {
		m := classifier.TrainUser(Learned(train))
		return func(it classifier.Item) (string, float64, bool) {
			got := m.Predict(it)
			if len(got) == 0 {
				return "", 0, false
			}
			return got[0].Category, got[0].P, got[0].P >= threshold
		}
	}}
}

// Pipeline is what a user gets: the training rows are their manual
// categorizations (merchant memory and model, as a retrain builds them),
// b what is built in (nothing when empty), decided by classifier.Pipeline
// at the threshold. The user's categories (Pipeline.Known, as the service
// sets them) are those of the training rows: a built-in category the user
// does not have is never an answer.
func Pipeline(b Builtin, threshold float64) Method {
	return Method{Name: "pipeline", Fit: func(train []Row) Decider {
		ls := Learned(train)
		known := map[string]bool{}
		for _, r := range train {
			known[r.Category] = true
		}
		p := &classifier.Pipeline{Known: known, Memory: classifier.NewMemoryWith(b.Dictionary, ls), User: classifier.TrainUser(ls), Builtin: b.Model, Dictionary: b.Dictionary,
			Threshold: threshold, Adapter: classifier.NewAdapter(classifier.BuiltinTop(b.Model, b.Dictionary), ls)}
		return pipelineDecider(p)
	}}
}

func pipelineDecider(p *classifier.Pipeline) Decider {
	return func(it classifier.Item) (string, float64, bool) {
		r := p.Decide(it)
		if r.CategoryID != "" {
			return r.CategoryID, r.Confidence, true
		}
		if len(r.Suggestions) > 0 {
			return r.Suggestions[0].Category, r.Suggestions[0].P, false
		}
		return "", 0, false
	}
}

// Learned returns rows as manual categorizations, in order (a row's time
// is its date, else its position).
func Learned(rows []Row) []classifier.Learned {
	out := make([]classifier.Learned, len(rows))
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, r := range rows {
		at := r.Date
		if at.IsZero() {
			at = base.Add(time.Duration(i) * time.Second)
		}
		out[i] = classifier.Learned{TxID: "row-" + strconv.Itoa(r.Line), Example: r.Example, At: at}
	}
	return out
}

// Plan is the train/test splits of one seed.
type Plan [][2][]Row

// SplitPython is baseline.py's split for seed: shuffled as Python's
// random.Random(seed), the first 80% train.
func SplitPython(rows []Row, seed uint64) Plan {
	rs := slices.Clone(rows)
	classifier.PyShuffle(seed, len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	cut := len(rs) * 8 / 10
	return Plan{{rs[:cut], rs[cut:]}}
}

// SplitFolds is seeded stratified k-fold.
func SplitFolds(rows []Row, k int, seed uint64) Plan {
	fold := classifier.Folds(Examples(rows), k, seed)
	plan := make(Plan, k)
	for i, r := range rows {
		for f := range k {
			if fold[i] == f {
				plan[f][1] = append(plan[f][1], r)
			} else {
				plan[f][0] = append(plan[f][0], r)
			}
		}
	}
	return plan
}

// InnerPlan replaces each split of plan by k stratified folds of its
// training rows (seeded by seed): a plan for choosing constants that
// never sees the test rows.
func InnerPlan(plan Plan, k int, seed uint64) Plan {
	var out Plan
	for _, p := range plan {
		out = append(out, SplitFolds(p[0], k, seed)...)
	}
	return out
}

// Outcome is the scores of one method on one seed's plan.
type Outcome struct {
	All, Unseen classifier.Metrics
	// Covered is the share of test rows whose answer reaches the
	// threshold; CoveredAcc the accuracy on those; Strict the accuracy
	// with every row below the threshold counted wrong.
	Covered, CoveredAcc, Strict float64
	ECE                         float64
	Reliability                 []Bin
	Coverage                    []classifier.Coverage
	truth, pred                 []string
	conf                        []float64
}

// Evaluate runs m over plan.
func Evaluate(m Method, plan Plan, thresholds []float64) Outcome {
	var (
		truth, pred, unseenTruth, unseenPred []string
		conf                                 []float64
		correct                              []bool
		covered, coveredOK                   int
	)
	for _, p := range plan {
		train, test := p[0], p[1]
		decide := m.Fit(train)
		seen := map[string]bool{}
		for _, r := range train {
			seen[BaselineNorm(r.Description)] = true
		}
		for _, r := range test {
			c, pr, applied := decide(r.Item)
			truth, pred, conf = append(truth, r.Category), append(pred, c), append(conf, pr)
			correct = append(correct, c == r.Category)
			if applied {
				covered++
				if c == r.Category {
					coveredOK++
				}
			}
			if !seen[BaselineNorm(r.Description)] {
				unseenTruth, unseenPred = append(unseenTruth, r.Category), append(unseenPred, c)
			}
		}
	}
	o := Outcome{All: classifier.Score(truth, pred), Unseen: classifier.Score(unseenTruth, unseenPred), truth: truth, pred: pred, conf: conf}
	if n := len(truth); n > 0 {
		o.Covered, o.Strict = float64(covered)/float64(n), float64(coveredOK)/float64(n)
	}
	if covered > 0 {
		o.CoveredAcc = float64(coveredOK) / float64(covered)
	}
	o.ECE, o.Reliability = ECE(conf, correct, 10)
	o.Coverage = classifier.CoverageAt(truth, pred, conf, thresholds)
	return o
}

// Bin is one confidence bin of a reliability table.
type Bin struct {
	Lo, Hi   float64
	N        int
	Conf     float64 // mean confidence
	Accuracy float64
}

// ECE is the expected calibration error of top-1 confidences over bins
// equal-width bins: the mean over rows of |accuracy − confidence| of their
// bin. It returns the bins too.
func ECE(conf []float64, correct []bool, bins int) (float64, []Bin) {
	out := make([]Bin, bins)
	for i := range out {
		out[i].Lo, out[i].Hi = float64(i)/float64(bins), float64(i+1)/float64(bins)
	}
	for i, c := range conf {
		b := min(int(c*float64(bins)), bins-1)
		out[b].N++
		out[b].Conf += c
		if correct[i] {
			out[b].Accuracy++
		}
	}
	ece := 0.0
	for i := range out {
		if out[i].N == 0 {
			continue
		}
		out[i].Conf /= float64(out[i].N)
		out[i].Accuracy /= float64(out[i].N)
		ece += float64(out[i].N) * math.Abs(out[i].Accuracy-out[i].Conf)
	}
	if len(conf) > 0 {
		ece /= float64(len(conf))
	}
	return ece, out
}

// Spread is the mean, standard deviation, minimum and maximum of values.
type Spread struct{ Mean, SD, Min, Max float64 }

// SpreadOf returns the spread of xs.
func SpreadOf(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	s := Spread{Min: xs[0], Max: xs[0]}
	for _, x := range xs {
		s.Mean += x
		s.Min, s.Max = min(s.Min, x), max(s.Max, x)
	}
	s.Mean /= float64(len(xs))
	for _, x := range xs {
		s.SD += (x - s.Mean) * (x - s.Mean)
	}
	if len(xs) > 1 {
		s.SD = math.Sqrt(s.SD / float64(len(xs)-1))
	}
	return s
}

func (s Spread) String() string {
	return fmt.Sprintf("%.4f ± %.4f (%.4f–%.4f)", s.Mean, s.SD, s.Min, s.Max)
}
