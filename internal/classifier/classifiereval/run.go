package classifiereval

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/trx-platform/trx/internal/classifier"
)

// Config is a run of trx classify eval.
type Config struct {
	Data      string  // the labelled CSV
	Split     string  // python, kfold or none (every row a test row, nothing learned: the cold start)
	Seed      int     // the first seed
	Seeds     int     // seeds Seed, Seed+1, …
	Folds     int     // for kfold
	Methods   string  // comma-separated: pipeline, model, baseline
	Labels    string  // file (the file's own categories) or taxonomy (mapped onto the built-in one)
	Builtin   string  // rebuilt (without the evaluated file), shipped or none
	SpentSign int     // the sign of money spent in the file (0: from sources.csv, else -1)
	Threshold float64 // the confidence an answer needs to apply
	PerClass  bool
	// Inner evaluates on the training rows only, for choosing constants:
	// each seed's training rows are split again (Folds stratified folds)
	// and the test rows are never used.
	Inner   bool
	DataDir fs.FS // internal/classifier/data: sources, mapping, training files
}

// Validate checks the config.
func (c Config) Validate() error {
	switch {
	case c.Data == "":
		return errors.New("--data FILE.csv is required")
	case c.Seed < 0:
		return errors.New("--seed must not be negative")
	case c.Seeds < 1 || c.Seeds > 100:
		return errors.New("--seeds: want 1 to 100")
	case c.Split != "python" && c.Split != "kfold" && c.Split != "none":
		return fmt.Errorf("--split %q: want python, kfold or none", c.Split)
	case c.Labels != "file" && c.Labels != "taxonomy":
		return fmt.Errorf("--labels %q: want file or taxonomy", c.Labels)
	case c.Builtin != "rebuilt" && c.Builtin != "shipped" && c.Builtin != "none":
		return fmt.Errorf("--builtin %q: want rebuilt, shipped or none", c.Builtin)
	case c.Inner && c.Split == "none":
		return errors.New("--inner needs training rows: not with --split none")
	case c.Inner && c.Folds < 2:
		return errors.New("--inner: --folds must be at least 2")
	case c.Threshold < 0 || c.Threshold > 1:
		return errors.New("--threshold: want 0 to 1")
	}
	for _, m := range strings.Split(c.Methods, ",") {
		if m != "pipeline" && m != "model" && m != "baseline" {
			return fmt.Errorf("--method %q: want pipeline, model or baseline (comma-separated)", m)
		}
	}
	return nil
}

// Load reads the data file as the config says: amounts signed as in trx,
// labels mapped when asked.
func Load(c Config) ([]Row, error) {
	rows, err := ReadLabelled(c.Data)
	if err != nil {
		return nil, err
	}
	sign := c.SpentSign
	if sign == 0 {
		sign = -1
		if s, ok, err := classifier.SpentSignOf(c.DataDir, filepath.Base(c.Data)); err != nil {
			return nil, err
		} else if ok {
			sign = s
		}
	}
	SpentSign(rows, sign)
	if c.Labels == "taxonomy" {
		mapping, err := classifier.TaxonomyMapping(c.DataDir)
		if err != nil {
			return nil, err
		}
		if rows = MapLabels(rows, c.Data, mapping); len(rows) == 0 {
			return nil, fmt.Errorf("%s: no row maps onto the taxonomy (mapping.csv)", c.Data)
		}
	}
	return rows, nil
}

// Builtin is what is built in: the model and the merchant dictionary.
type Builtin struct {
	Model      *classifier.Linear
	Dictionary *classifier.Dictionary
}

// LoadBuiltin returns what is built in as the config asks: the model
// rebuilt from the data directory without the evaluated file (so that it
// never saw a test row) and the dictionary of the data directory, the
// shipped ones, or none.
func LoadBuiltin(c Config) (Builtin, error) {
	switch c.Builtin {
	case "none":
		return Builtin{}, nil
	case "shipped":
		m, err := classifier.BuiltinModel()
		if err != nil {
			return Builtin{}, err
		}
		d, err := classifier.BuiltinDictionary()
		return Builtin{m, d}, err
	}
	m, _, err := classifier.BuildBuiltinWithout(c.DataDir, filepath.Base(c.Data))
	if err != nil {
		return Builtin{}, err
	}
	nsi, err := fs.ReadFile(c.DataDir, "nsi.tsv")
	if err != nil {
		return Builtin{}, err
	}
	merchants, err := fs.ReadFile(c.DataDir, "merchants.csv")
	if err != nil {
		return Builtin{}, err
	}
	d, err := classifier.NewDictionary(nsi, merchants)
	return Builtin{m, d}, err
}

// Run measures the methods of c on its data and writes the report to w.
func Run(w io.Writer, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	rows, err := Load(c)
	if err != nil {
		return err
	}
	builtin, err := LoadBuiltin(c)
	if err != nil {
		return err
	}
	var methods []Method
	for _, name := range strings.Split(c.Methods, ",") {
		switch name {
		case "pipeline":
			methods = append(methods, Pipeline(builtin, c.Threshold))
		case "model":
			methods = append(methods, Model(c.Threshold))
		case "baseline":
			methods = append(methods, Baseline())
		}
	}
	classes := map[string]bool{}
	for _, r := range rows {
		classes[r.Category] = true
	}
	fmt.Fprintf(w, "file=%s rows=%d classes=%d labels=%s builtin=%s split=%s seeds=%d..%d threshold=%.2f\n",
		c.Data, len(rows), len(classes), c.Labels, c.Builtin, c.Split, c.Seed, c.Seed+c.Seeds-1, c.Threshold)
	if c.Inner {
		fmt.Fprintf(w, "inner: %d folds of each split's training rows (the test rows are not used)\n", c.Folds)
	}
	thresholds := []float64{0, 0.3, 0.5, c.Threshold, 0.7, 0.8, 0.9}
	for _, m := range methods {
		var outs []Outcome
		for s := c.Seed; s < c.Seed+c.Seeds; s++ {
			var plan Plan
			switch c.Split {
			case "python":
				plan = SplitPython(rows, uint64(s))
			case "kfold":
				plan = SplitFolds(rows, c.Folds, uint64(s))
			case "none":
				plan = Plan{{nil, rows}} // a user with nothing of their own: the cold start
			}
			if c.Inner {
				plan = InnerPlan(plan, c.Folds, uint64(s))
			}
			outs = append(outs, Evaluate(m, plan, thresholds))
		}
		report(w, m.Name, c, outs)
	}
	return nil
}

func report(w io.Writer, name string, c Config, outs []Outcome) {
	col := func(f func(Outcome) float64) Spread {
		xs := make([]float64, len(outs))
		for i, o := range outs {
			xs[i] = f(o)
		}
		return SpreadOf(xs)
	}
	fmt.Fprintf(w, "\n%s (mean ± sd (min–max) over %d seeds; test rows per seed %d)\n", name, len(outs), outs[0].All.N)
	fmt.Fprintf(w, "  accuracy            %s\n", col(func(o Outcome) float64 { return o.All.Accuracy }))
	fmt.Fprintf(w, "  macro-F1            %s\n", col(func(o Outcome) float64 { return o.All.MacroF1 }))
	fmt.Fprintf(w, "  unseen accuracy     %s (rows per seed %d)\n", col(func(o Outcome) float64 { return o.Unseen.Accuracy }), outs[0].Unseen.N)
	fmt.Fprintf(w, "  coverage at %.2f     %s\n", c.Threshold, col(func(o Outcome) float64 { return o.Covered }))
	fmt.Fprintf(w, "  accuracy if covered %s\n", col(func(o Outcome) float64 { return o.CoveredAcc }))
	fmt.Fprintf(w, "  accuracy, abstentions wrong %s\n", col(func(o Outcome) float64 { return o.Strict }))
	fmt.Fprintf(w, "  ECE (10 bins)       %s\n", col(func(o Outcome) float64 { return o.ECE }))
	if len(outs) > 1 {
		var seeds []string
		for i, o := range outs {
			seeds = append(seeds, fmt.Sprintf("%d:%.3f/%.3f", c.Seed+i, o.All.Accuracy, o.All.MacroF1))
		}
		fmt.Fprintf(w, "  per seed acc/F1     %s\n", strings.Join(seeds, " "))
	}
	first := outs[0]
	fmt.Fprintf(w, "  seed %d: coverage vs accuracy (top confidence >= threshold):\n", c.Seed)
	for _, cv := range first.Coverage {
		fmt.Fprintf(w, "    >= %.2f: coverage=%.4f acc=%.4f\n", cv.Threshold, cv.Covered, cv.Accuracy)
	}
	fmt.Fprintf(w, "  seed %d: reliability (confidence bin: rows, mean confidence, accuracy):\n", c.Seed)
	for _, b := range first.Reliability {
		if b.N > 0 {
			fmt.Fprintf(w, "    [%.1f,%.1f) n=%-4d conf=%.3f acc=%.3f\n", b.Lo, b.Hi, b.N, b.Conf, b.Accuracy)
		}
	}
	if c.PerClass {
		fmt.Fprintf(w, "  seed %d: %-38s %7s %9s %6s %6s\n", c.Seed, "category", "support", "precision", "recall", "f1")
		for _, pc := range first.All.PerClass {
			fmt.Fprintf(w, "  %-46s %7d %9.3f %6.3f %6.3f\n", pc.Category, pc.Support, pc.Precision, pc.Recall, pc.F1)
		}
	}
}

// ParseSign reads a --spent-sign value.
func ParseSign(s string) (int, error) {
	switch s {
	case "", "auto":
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || (n != 1 && n != -1) {
		return 0, fmt.Errorf("--spent-sign %q: want auto, 1 or -1", s)
	}
	return n, nil
}
