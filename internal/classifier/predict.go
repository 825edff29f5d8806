package classifier

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Scored is a category with the model's probability for it.
type Scored struct {
	Category string  `json:"category_id"`
	P        float64 `json:"confidence"`
}

// Temperature flattens naive Bayes' notoriously overconfident scores: the
// log-likelihood is divided by max(1, seen features / Temperature) before the
// softmax, so that a long descriptor (many correlated n-grams) does not look
// surer than a short one for the same evidence.
const Temperature = 6.0

// Predict returns the model's categories for fs, most probable first, with
// probabilities summing to 1 (nil when the model knows no class).
func (m *NB) Predict(fs []string) []Scored {
	scores, known := m.LogScores(fs, nil)
	return softmax(m.classes, scores, max(1, float64(known)/Temperature))
}

func softmax(classes []string, scores []float64, temp float64) []Scored {
	if len(classes) == 0 {
		return nil
	}
	hi := math.Inf(-1)
	for _, s := range scores {
		hi = max(hi, s)
	}
	out := make([]Scored, len(classes))
	sum := 0.0
	for i, s := range scores {
		p := math.Exp((s - hi) / temp)
		out[i] = Scored{Category: classes[i], P: p}
		sum += p
	}
	for i := range out {
		out[i].P /= sum
	}
	slices.SortStableFunc(out, func(a, b Scored) int { return cmp.Compare(b.P, a.P) })
	return out
}

var baselineWord = regexp.MustCompile(`[a-z0-9]+`)

// BaselineFeatures are the features of the naive Bayes baseline in the
// shipped data's baseline.py: lowercase word tokens and character 3-grams of
// the lowercased, space-collapsed description padded with one space. trx
// classify eval runs it on the same split, for a fair comparison.
func BaselineFeatures(it Item) []string {
	low := strings.ToLower(it.Description)
	var out []string
	for _, w := range baselineWord.FindAllString(low, -1) {
		out = append(out, "w:"+w)
	}
	padded := []rune(" " + strings.Join(strings.Fields(low), " ") + " ")
	for i := 0; i+3 <= len(padded); i++ {
		out = append(out, "c:"+string(padded[i:i+3]))
	}
	return out
}
