package classifiereval

import (
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/trx-platform/trx/internal/classifier"
)

// ReplayConfig is a replay: Config's data, labels, built-in model and
// threshold; each seed holds out another ProbePercent of the merchants.
type ReplayConfig struct {
	Config
	ProbePercent int
	AllRows      bool
}

// Step is what happened to one row of a replay.
type Step struct {
	Row       Row
	Key       string // the row's merchant: the file's merchant column, else its merchant key
	Got       classifier.Result
	Right     bool // the category applied is the truth
	Corrected bool // the user had to categorize it (wrong or none applied)
}

// Checkpoint is the accuracy on the held-out merchants' rows after some
// corrections.
type Checkpoint struct {
	Corrections int
	Accuracy    float64 // top answer right
	Strict      float64 // answer applied and right
}

// ReplayResult is the outcome of one replay.
type ReplayResult struct {
	Steps       []Step
	Probe       []Row
	Checkpoints []Checkpoint
	// After one correction of a merchant, its next transaction whose
	// descriptor differs from the corrected one: how many, how many right.
	NextChanged, NextChangedRight int
	// The same for the next transaction, changed or not.
	Next, NextRight int
	// Corrections per merchant seen at least twice: merchant → count.
	PerMerchant map[string]int
	Seen        map[string]int
}

// merchantOf is the merchant a row belongs to: the file says, or trx's
// merchant key.
func merchantOf(r Row) string {
	if r.Merchant != "" {
		return "file:" + r.Merchant
	}
	return classifier.MerchantKey(r.Item)
}

var replayEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// checkpointsAt are the corrections after which the held-out merchants
// are measured (and at the end).
var checkpointsAt = []int{0, 10, 25, 50, 100, 200, 400}

// ReplayOnce feeds rows (in date order, then file order) to a user who
// starts with nothing of their own: each row of a merchant not held out is
// decided by the pipeline, and categorized by hand when the pipeline did
// not apply the right category (the correction is learned as the service
// learns it: the merchant memory and the model online). The held-out
// merchants' rows are never corrected: they are measured at checkpoints.
// A merchant is what the file's merchant column says, else trx's merchant
// key.
func ReplayOnce(rows []Row, b Builtin, threshold float64, probePercent int, seed uint64) ReplayResult {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b Row) int { return a.Date.Compare(b.Date) })
	keys := map[string]bool{}
	for _, r := range rows {
		keys[merchantOf(r)] = true
	}
	all := make([]string, 0, len(keys))
	for k := range keys {
		all = append(all, k)
	}
	slices.Sort(all)
	rng := rand.New(rand.NewPCG(seed, 0x7265706c6179))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	probeKeys := map[string]bool{}
	for _, k := range all[:len(all)*probePercent/100] {
		probeKeys[k] = true
	}
	var res ReplayResult
	var stream []Row
	for _, r := range rows {
		if probeKeys[merchantOf(r)] {
			res.Probe = append(res.Probe, r)
		} else {
			stream = append(stream, r)
		}
	}
	mem, user := classifier.NewMemoryWith(b.Dictionary, nil), classifier.NewLinear()
	top := classifier.BuiltinTop(b.Model, b.Dictionary)
	adapter := classifier.NewAdapter(top, nil)
	p := &classifier.Pipeline{Memory: mem, User: user, Builtin: b.Model, Dictionary: b.Dictionary, Adapter: adapter, Threshold: threshold}
	measure := func(corrections int) {
		cp := Checkpoint{Corrections: corrections}
		for _, r := range res.Probe {
			c, _, applied := pipelineDecider(p)(r.Item)
			if c == r.Category {
				cp.Accuracy++
				if applied {
					cp.Strict++
				}
			}
		}
		if n := float64(len(res.Probe)); n > 0 {
			cp.Accuracy, cp.Strict = cp.Accuracy/n, cp.Strict/n
		}
		res.Checkpoints = append(res.Checkpoints, cp)
	}
	res.PerMerchant, res.Seen = map[string]int{}, map[string]int{}
	corrections, next := 0, 0
	measure(0)
	// watching: merchant → the descriptor of its first correction, while
	// its next transaction is awaited.
	watching := map[string]string{}
	for i, r := range stream {
		key := merchantOf(r)
		got := p.Decide(r.Item)
		st := Step{Row: r, Key: key, Got: got, Right: got.CategoryID == r.Category}
		st.Corrected = !st.Right
		if desc, ok := watching[key]; ok {
			delete(watching, key)
			res.Next++
			if st.Right {
				res.NextRight++
			}
			if BaselineNorm(desc) != BaselineNorm(r.Description) {
				res.NextChanged++
				if st.Right {
					res.NextChangedRight++
				}
			}
		}
		res.Seen[key]++
		if st.Corrected {
			if res.PerMerchant[key] == 0 {
				watching[key] = r.Description
			}
			res.PerMerchant[key]++
			// The stream is in time order: its position is the time.
			l := classifier.Learned{TxID: fmt.Sprintf("row-%d", r.Line), Example: r.Example, At: replayEpoch.Add(time.Duration(i) * time.Second)}
			mem.Put(l)
			adapter.Put(top, l)
			classifier.LearnOnline(user, []classifier.Learned{l})
			corrections++
			if next < len(checkpointsAt) && corrections == checkpointsAt[next] {
				measure(corrections)
			}
			for next < len(checkpointsAt) && checkpointsAt[next] <= corrections {
				next++
			}
		}
		res.Steps = append(res.Steps, st)
	}
	if last := res.Checkpoints[len(res.Checkpoints)-1]; last.Corrections != corrections {
		measure(corrections)
	}
	return res
}

// Replay runs ReplayOnce for each seed and writes the report.
func Replay(w io.Writer, c ReplayConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.ProbePercent < 0 || c.ProbePercent > 90 {
		return fmt.Errorf("--probe %d: want 0 to 90", c.ProbePercent)
	}
	rows, err := Load(c.Config)
	if err != nil {
		return err
	}
	builtin, err := LoadBuiltin(c.Config)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "replay file=%s rows=%d labels=%s builtin=%s threshold=%.2f probe=%d%% of merchants, seeds %d..%d\n",
		c.Data, len(rows), c.Labels, c.Builtin, c.Threshold, c.ProbePercent, c.Seed, c.Seed+c.Seeds-1)
	var nextChanged, next, acc, perMerchant, oneOrLess, drop50, dropEnd, strict50, strictEnd []float64
	for s := c.Seed; s < c.Seed+c.Seeds; s++ {
		r := ReplayOnce(rows, builtin, c.Threshold, c.ProbePercent, uint64(s))
		right, corr := 0, 0
		for _, st := range r.Steps {
			if st.Right {
				right++
			}
			if st.Corrected {
				corr++
			}
		}
		fmt.Fprintf(w, "\nseed %d: %d rows replayed, %d held out (%d merchants in the stream)\n", s, len(r.Steps), len(r.Probe), len(r.Seen))
		fmt.Fprintf(w, "  right without a correction: %.4f (%d of %d); corrections: %d\n", ratio(right, len(r.Steps)), right, len(r.Steps), corr)
		fmt.Fprintf(w, "  after one correction, the merchant's next transaction: right %.4f (%d of %d); with a changed descriptor: %.4f (%d of %d)\n",
			ratio(r.NextRight, r.Next), r.NextRight, r.Next, ratio(r.NextChangedRight, r.NextChanged), r.NextChangedRight, r.NextChanged)
		writeOverTime(w, r.Steps)
		pm, le1 := writeCorrections(w, r)
		fmt.Fprintf(w, "  held-out merchants (never corrected), top-1 accuracy / applied and right, after n corrections:\n")
		for _, cp := range r.Checkpoints {
			fmt.Fprintf(w, "    %4d: %.4f / %.4f\n", cp.Corrections, cp.Accuracy, cp.Strict)
		}
		if c.AllRows {
			for _, st := range r.Steps {
				fmt.Fprintf(w, "    %-5v %-40.40q key=%-24q truth=%-20s got=%-20s %.2f %s\n", st.Right, st.Row.Description, st.Key,
					st.Row.Category, st.Got.CategoryID, st.Got.Confidence, st.Got.Source)
			}
		}
		nextChanged = append(nextChanged, ratio(r.NextChangedRight, r.NextChanged))
		next = append(next, ratio(r.NextRight, r.Next))
		acc = append(acc, ratio(right, len(r.Steps)))
		perMerchant, oneOrLess = append(perMerchant, pm), append(oneOrLess, le1)
		base, last := r.Checkpoints[0], r.Checkpoints[len(r.Checkpoints)-1]
		for _, cp := range r.Checkpoints {
			if cp.Corrections == 50 {
				drop50, strict50 = append(drop50, base.Accuracy-cp.Accuracy), append(strict50, base.Strict-cp.Strict)
			}
		}
		dropEnd, strictEnd = append(dropEnd, base.Accuracy-last.Accuracy), append(strictEnd, base.Strict-last.Strict)
	}
	fmt.Fprintf(w, "\nover %d seeds (mean ± sd (min–max)):\n", c.Seeds)
	fmt.Fprintf(w, "  right without a correction            %s\n", SpreadOf(acc))
	fmt.Fprintf(w, "  next after one correction             %s\n", SpreadOf(next))
	fmt.Fprintf(w, "  next after one correction, changed    %s\n", SpreadOf(nextChanged))
	fmt.Fprintf(w, "  corrections per merchant seen twice+  %s\n", SpreadOf(perMerchant))
	fmt.Fprintf(w, "  share of those needing at most one    %s\n", SpreadOf(oneOrLess))
	fmt.Fprintf(w, "  held-out merchants, points of accuracy lost (negative: gained):\n")
	fmt.Fprintf(w, "    top-1, after 50 corrections            %s\n", scale(SpreadOf(drop50), 100))
	fmt.Fprintf(w, "    top-1, by the end                      %s\n", scale(SpreadOf(dropEnd), 100))
	fmt.Fprintf(w, "    applied and right, after 50 corrections %s\n", scale(SpreadOf(strict50), 100))
	fmt.Fprintf(w, "    applied and right, by the end           %s\n", scale(SpreadOf(strictEnd), 100))
	return nil
}

func scale(s Spread, k float64) Spread { return Spread{s.Mean * k, s.SD * k, s.Min * k, s.Max * k} }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// writeOverTime prints the accuracy per tenth of the replay.
func writeOverTime(w io.Writer, steps []Step) {
	fmt.Fprintf(w, "  right without a correction, per tenth of the replay:")
	for t := range 10 {
		lo, hi := len(steps)*t/10, len(steps)*(t+1)/10
		right := 0
		for _, st := range steps[lo:hi] {
			if st.Right {
				right++
			}
		}
		fmt.Fprintf(w, " %.2f", ratio(right, hi-lo))
	}
	fmt.Fprintln(w)
}

// writeCorrections prints the corrections merchants seen at least twice
// needed, and returns their mean and the share needing at most one.
func writeCorrections(w io.Writer, r ReplayResult) (mean, atMostOne float64) {
	hist := map[int]int{}
	n, sum := 0, 0
	for k, seen := range r.Seen {
		if seen < 2 {
			continue
		}
		c := r.PerMerchant[k]
		hist[min(c, 5)]++
		n++
		sum += c
	}
	counts := make([]int, 0, len(hist))
	for c := range hist {
		counts = append(counts, c)
	}
	slices.SortFunc(counts, cmp.Compare)
	fmt.Fprintf(w, "  corrections per merchant seen twice or more (%d merchants):", n)
	for _, c := range counts {
		label := fmt.Sprint(c)
		if c == 5 {
			label = "5+"
		}
		fmt.Fprintf(w, " %s:%d", label, hist[c])
	}
	fmt.Fprintln(w)
	return ratio(sum, n), ratio(hist[0]+hist[1], n)
}
