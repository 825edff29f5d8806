package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/classifier"
)

func runClassify(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stderr, "Usage: trx classify eval --data FILE.csv [flags]\n       trx classify train [flags]\n\n"+
			"eval   measures the classifier on labelled rows (columns description,amount,category)\n"+
			"train  builds the built-in model from the shipped data and merchant list")
		if len(args) == 0 {
			return errors.New("classify: no subcommand given")
		}
		return nil
	}
	switch args[0] {
	case "eval":
		return runClassifyEval(ctx, e, args[1:])
	case "train":
		return runClassifyTrain(ctx, e, args[1:])
	}
	return fmt.Errorf("classify: unknown subcommand %q; want eval or train", args[0])
}

func runClassifyEval(_ context.Context, e env, args []string) error {
	fs := newFlagSet("classify eval", "classify eval --data FILE.csv [flags]", e)
	var (
		data, split, method string
		seed, folds         int
		perClass            bool
	)
	fs.stringVar(&data, "data", "", "labelled CSV with the columns description, amount (optional), category")
	fs.stringVar(&split, "split", "python", "python: shuffled as Python's random.Random(seed), first 80% train (the split of the data's baseline.py); kfold: seeded stratified k-fold")
	fs.intVar(&seed, "seed", 42, "seed of the split")
	fs.intVar(&folds, "folds", 5, "folds for --split kfold")
	fs.stringVar(&method, "method", "both", "trx (the user model), baseline (baseline.py's naive Bayes, in Go) or both")
	fs.boolVar(&perClass, "per-class", true, "print precision and recall per category")
	if err := fs.parse(args); err != nil {
		return err
	}
	if data == "" {
		return errors.New("classify eval: --data FILE.csv is required")
	}
	if seed < 0 {
		return errors.New("classify eval: --seed must not be negative")
	}
	rows, err := readLabelled(data)
	if err != nil {
		return err
	}
	var methods []evalMethod
	switch method {
	case "trx":
		methods = []evalMethod{trxMethod}
	case "baseline":
		methods = []evalMethod{baselineMethod}
	case "both":
		methods = []evalMethod{baselineMethod, trxMethod}
	default:
		return fmt.Errorf("classify eval: --method %q: want trx, baseline or both", method)
	}
	var plan [][2][]classifier.Example
	switch split {
	case "python":
		train, test := classifier.SplitPython(rows, uint64(seed))
		plan = append(plan, [2][]classifier.Example{train, test})
	case "kfold":
		if folds < 2 || folds > len(rows) {
			return fmt.Errorf("classify eval: --folds %d: want 2 to the number of rows", folds)
		}
		fold := classifier.Folds(rows, folds, uint64(seed))
		for k := range folds {
			var train, test []classifier.Example
			for i, r := range rows {
				if fold[i] == k {
					test = append(test, r)
				} else {
					train = append(train, r)
				}
			}
			plan = append(plan, [2][]classifier.Example{train, test})
		}
	default:
		return fmt.Errorf("classify eval: --split %q: want python or kfold", split)
	}
	classes := map[string]bool{}
	for _, r := range rows {
		classes[r.Category] = true
	}
	fmt.Fprintf(e.stdout, "file=%s rows=%d classes=%d split=%s seed=%d", data, len(rows), len(classes), split, seed)
	if split == "python" {
		fmt.Fprintf(e.stdout, " train=%d test=%d", len(plan[0][0]), len(plan[0][1]))
	} else {
		fmt.Fprintf(e.stdout, " folds=%d", folds)
	}
	fmt.Fprintln(e.stdout)
	for _, m := range methods {
		var truth, pred, unseenTruth, unseenPred []string
		var conf []float64
		for _, p := range plan {
			train, test := p[0], p[1]
			predict := m.train(train)
			seen := map[string]bool{}
			for _, r := range train {
				seen[baselineNorm(r.Description)] = true
			}
			for _, r := range test {
				got := predict(r.Item)
				c, pr := "", 0.0
				if len(got) > 0 {
					c, pr = got[0].Category, got[0].P
				}
				truth, pred, conf = append(truth, r.Category), append(pred, c), append(conf, pr)
				if !seen[baselineNorm(r.Description)] {
					unseenTruth, unseenPred = append(unseenTruth, r.Category), append(unseenPred, c)
				}
			}
		}
		all := classifier.Score(truth, pred)
		un := classifier.Score(unseenTruth, unseenPred)
		fmt.Fprintf(e.stdout, "\n%s: acc=%.4f macroF1=%.4f (n=%d)\n", m.name, all.Accuracy, all.MacroF1, all.N)
		fmt.Fprintf(e.stdout, "  on %d test rows with a description unseen in train: acc=%.4f macroF1=%.4f\n", un.N, un.Accuracy, un.MacroF1)
		if m.name == "baseline" {
			continue
		}
		fmt.Fprintln(e.stdout, "  coverage vs accuracy (rows whose top confidence reaches the threshold):")
		for _, c := range classifier.CoverageAt(truth, pred, conf, []float64{0, 0.3, 0.5, classifier.DefaultThreshold, 0.7, 0.8, 0.9}) {
			mark := ""
			if c.Threshold == classifier.DefaultThreshold {
				mark = "  (default threshold)"
			}
			fmt.Fprintf(e.stdout, "    >= %.2f: coverage=%.4f acc=%.4f%s\n", c.Threshold, c.Covered, c.Accuracy, mark)
		}
		if perClass {
			fmt.Fprintf(e.stdout, "  %-40s %7s %9s %6s %6s\n", "category", "support", "precision", "recall", "f1")
			for _, c := range all.PerClass {
				fmt.Fprintf(e.stdout, "  %-40s %7d %9.3f %6.3f %6.3f\n", c.Category, c.Support, c.Precision, c.Recall, c.F1)
			}
		}
	}
	return nil
}

type evalMethod struct {
	name  string
	train func([]classifier.Example) func(classifier.Item) []classifier.Scored
}

var baselineMethod = evalMethod{name: "baseline", train: func(rows []classifier.Example) func(classifier.Item) []classifier.Scored {
	m := classifier.NewNB(1)
	for _, r := range rows {
		m.Learn(r.Category, classifier.BaselineFeatures(r.Item))
	}
	return func(it classifier.Item) []classifier.Scored {
		return m.Predict(classifier.BaselineFeatures(it))
	}
}}

var trxMethod = evalMethod{name: "trx", train: func(rows []classifier.Example) func(classifier.Item) []classifier.Scored {
	return classifier.TrainLinear(rows, classifier.DefaultEpochs, 1).Predict
}}

// baselineNorm is baseline.py's norm(): lowercase [a-z0-9]+ words joined by
// spaces, to tell which test rows have a description seen in training.
func baselineNorm(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	return strings.Join(words, " ")
}

// readLabelled reads a CSV with a header naming description, category and
// optionally amount; rows with a blank description or category are skipped
// (as baseline.py does).
func readLabelled(path string) ([]classifier.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: read header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	di, ok1 := col["description"]
	ci, ok2 := col["category"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: the header must name description and category (and may name amount)", path)
	}
	ai, hasAmount := col["amount"]
	var out []classifier.Example
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if di >= len(rec) || ci >= len(rec) || strings.TrimSpace(rec[di]) == "" || strings.TrimSpace(rec[ci]) == "" {
			continue
		}
		ex := classifier.Example{Item: classifier.Item{Description: rec[di]}, Category: rec[ci]}
		if hasAmount && ai < len(rec) && rec[ai] != "" {
			ex.Amount, ex.Exponent, err = classifier.ParseDecimal(rec[ai])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: amount %q: %w", path, line, rec[ai], err)
			}
		}
		out = append(out, ex)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labelled rows", path)
	}
	return out, nil
}

func runClassifyTrain(_ context.Context, e env, args []string) error {
	fs := newFlagSet("classify train", "classify train [flags]", e)
	var dir, out string
	fs.stringVar(&dir, "dir", "internal/classifier/data", "directory with sources.csv, mapping.csv, merchants.csv and training/")
	fs.stringVar(&out, "out", "internal/classifier/data/builtin-model.bin.gz", "where to write the model (go:embed'ed by internal/classifier)")
	if err := fs.parse(args); err != nil {
		return err
	}
	start := time.Now()
	m, n, err := classifier.BuildBuiltin(os.DirFS(dir))
	if err != nil {
		return err
	}
	b, err := classifier.EncodeBuiltin(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "trained the built-in model on %d examples (%d categories, seed %d) in %s; wrote %s (%d bytes)\n",
		n, len(m.Classes()), classifier.BuiltinSeed, time.Since(start).Round(time.Millisecond), out, len(b))
	return nil
}
