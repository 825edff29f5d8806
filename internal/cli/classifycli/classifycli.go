// Package classifycli is `trx classify`: the thin command over the
// classifier's evaluation (classifiereval) and the training of its
// built-in model (classifier.BuildBuiltin).
package classifycli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifiereval"
)

// Run is `trx classify eval|train`.
func Run(ctx context.Context, e cli.Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.Stderr, "Usage: trx classify eval --data FILE.csv [flags]\n       trx classify train [flags]\n\n"+
			"eval   measures the classifier on labelled rows (columns description, category; amount, counterparty, date optional)\n"+
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

func runClassifyEval(_ context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlagSet("classify eval", "classify eval --data FILE.csv [flags]", e)
	var (
		c            classifiereval.Config
		dir, sign    string
		replay       bool
		probe        int
		threshold100 int
		allRows      bool
	)
	fs.StringVar(&c.Data, "data", "", "labelled CSV with the columns description, category (amount, counterparty, date optional)")
	fs.StringVar(&c.Split, "split", "python", "python: shuffled as Python's random.Random(seed), first 80% train (baseline.py's split); kfold: seeded stratified k-fold")
	fs.IntVar(&c.Seed, "seed", 42, "first seed (42 is baseline.py's split)")
	fs.IntVar(&c.Seeds, "seeds", 5, "seeds to run: seed, seed+1, …; mean and spread are reported")
	fs.IntVar(&c.Folds, "folds", 5, "folds for --split kfold")
	fs.StringVar(&c.Methods, "method", "pipeline,model,baseline", "comma-separated: pipeline (what a user gets), model (the user's model alone), baseline (baseline.py's naive Bayes)")
	fs.StringVar(&c.Labels, "labels", "file", "file: the file's categories, as a user's own; taxonomy: mapped onto the built-in taxonomy by mapping.csv")
	fs.StringVar(&c.Builtin, "builtin", "rebuilt", "rebuilt: the built-in model trained without the evaluated file; shipped; none")
	fs.StringVar(&sign, "spent-sign", "auto", "sign of money spent in the file: auto (sources.csv, else -1), 1 or -1")
	fs.IntVar(&threshold100, "threshold", int(classifier.DefaultThreshold*100), "confidence an answer needs, in percent")
	fs.BoolVar(&c.Inner, "inner", false, "choose constants, not measure: evaluate on folds (--folds) of each split's training rows only; the test rows are not used")
	fs.BoolVar(&c.PerClass, "per-class", false, "print precision and recall per category (first seed)")
	fs.StringVar(&dir, "dir", "internal/classifier/data", "the classifier's data directory (sources.csv, mapping.csv, training/)")
	fs.BoolVar(&replay, "replay", false, "replay the file in time order as a user would: classify each row, correct it when wrong")
	fs.IntVar(&probe, "probe", 30, "--replay: percent of merchants held out, never corrected, to measure what corrections do to them")
	fs.BoolVar(&allRows, "all-rows", false, "--replay: report every row's outcome")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if c.SpentSign, err = classifiereval.ParseSign(sign); err != nil {
		return err
	}
	c.Threshold, c.DataDir = float64(threshold100)/100, os.DirFS(dir)
	if replay {
		return classifiereval.Replay(e.Stdout, classifiereval.ReplayConfig{Config: c, ProbePercent: probe, AllRows: allRows})
	}
	return classifiereval.Run(e.Stdout, c)
}

func runClassifyTrain(_ context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlagSet("classify train", "classify train [flags]", e)
	var dir, out string
	fs.StringVar(&dir, "dir", "internal/classifier/data", "directory with sources.csv, mapping.csv, merchants.csv and training/")
	fs.StringVar(&out, "out", "internal/classifier/data/builtin-model.bin.gz", "where to write the model (go:embed'ed by internal/classifier)")
	if err := fs.Parse(args); err != nil {
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
	fmt.Fprintf(e.Stdout, "trained the built-in model on %d examples (%d categories, seed %d) in %s; wrote %s (%d bytes)\n",
		n, len(m.Classes()), classifier.BuiltinSeed, time.Since(start).Round(time.Millisecond), out, len(b))
	return nil
}
