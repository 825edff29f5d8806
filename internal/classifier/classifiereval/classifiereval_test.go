package classifiereval

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/classifier"
)

func TestECE(t *testing.T) {
	// Confidence 0.8 right 8 times in 10, 0.3 right 3 in 10: calibrated.
	var conf []float64
	var ok []bool
	for i := range 10 {
		conf, ok = append(conf, 0.8), append(ok, i < 8)
		conf, ok = append(conf, 0.3), append(ok, i < 3)
	}
	if e, _ := ECE(conf, ok, 10); e > 1e-9 {
		t.Fatalf("calibrated: ECE %v", e)
	}
	// Sure and right half the time: 0.45 off.
	if e, bins := ECE([]float64{0.95, 0.95}, []bool{true, false}, 10); math.Abs(e-0.45) > 1e-9 || bins[9].N != 2 {
		t.Fatalf("overconfident: ECE %v, %+v", e, bins[9])
	}
	if e, _ := ECE([]float64{1}, []bool{true}, 10); e != 0 {
		t.Fatalf("confidence 1 falls in the last bin: %v", e)
	}
}

func TestSpread(t *testing.T) {
	s := SpreadOf([]float64{1, 2, 3})
	if s.Mean != 2 || s.SD != 1 || s.Min != 1 || s.Max != 3 {
		t.Fatalf("%+v", s)
	}
}

// TestBaselineReproduces: the reimplemented baseline gives baseline.py's
// figures on its split (the shipped copy of the za file).
func TestBaselineReproduces(t *testing.T) {
	rows, err := ReadLabelled("../data/training/za-bank-statements.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := Evaluate(Baseline(), SplitPython(rows, 42), nil)
	if math.Abs(o.All.Accuracy-0.5824) > 5e-5 || math.Abs(o.All.MacroF1-0.3430) > 5e-5 || o.Unseen.N != 62 {
		t.Fatalf("baseline: acc %.4f F1 %.4f unseen rows %d; baseline.py gives 0.5824 / 0.3430 / 62", o.All.Accuracy, o.All.MacroF1, o.Unseen.N)
	}
}

func writeCSV(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReplayLearnsMerchants: with nothing built in, every merchant needs
// exactly one correction, and its later transactions, with other store
// numbers and cities, are right; the held-out merchants are never
// corrected and what the others teach does not change them.
func TestReplayLearnsMerchants(t *testing.T) {
	var b strings.Builder
	b.WriteString("description,amount,category,date\n")
	merchants := []struct{ name, cat string }{{"SUPERCUTS", "hair"}, {"ZOOPLA PROPERTY", "rent"}, {"GREGGS", "food"}, {"PETS AT HOME", "pets"},
		{"BLUE BOTTLE COFFEE", "food"}, {"HARBOR FREIGHT TOOLS", "tools"}, {"WINCO FOODS", "food"}, {"MIDAS AUTO", "car"}}
	cities := []string{"AUSTIN TX", "LEEDS", "BERLIN", "DALLAS TX"}
	for day := range 4 {
		for i, m := range merchants {
			b.WriteString(m.name + " #" + string(rune('1'+i)) + string(rune('0'+day)) + "12 " + cities[(i+day)%4] + ",-12.00," + m.cat + ",2026-01-0" + string(rune('1'+day)) + "\n")
		}
	}
	rows, err := ReadLabelled(writeCSV(t, b.String()))
	if err != nil {
		t.Fatal(err)
	}
	r := ReplayOnce(rows, Builtin{}, classifier.DefaultThreshold, 25, 1)
	if len(r.Probe) != 8 || len(r.Steps) != 24 {
		t.Fatalf("%d held out, %d replayed", len(r.Probe), len(r.Steps))
	}
	for k, n := range r.PerMerchant {
		if n != 1 {
			t.Errorf("%s: %d corrections", k, n)
		}
	}
	if r.Next != 6 || r.NextRight != 6 || r.NextChanged != 6 || r.NextChangedRight != 6 {
		t.Fatalf("after one correction: %d/%d right, changed %d/%d", r.NextRight, r.Next, r.NextChangedRight, r.NextChanged)
	}
	for _, cp := range r.Checkpoints {
		if cp.Accuracy != 0 {
			t.Fatalf("held-out merchants learned from the others: %+v", r.Checkpoints)
		}
	}
	var out bytes.Buffer
	err = Replay(&out, ReplayConfig{Config: Config{Data: writeCSV(t, b.String()), Split: "python", Seed: 1, Seeds: 2, Methods: "pipeline",
		Labels: "file", Builtin: "none", Threshold: 0.6, DataDir: os.DirFS("../data")}, ProbePercent: 25})
	if err != nil || !strings.Contains(out.String(), "next after one correction, changed    1.0000") {
		t.Fatalf("%v\n%s", err, out.String())
	}
}

// TestRunReports: a run over seeds prints every method's figures.
func TestRunReports(t *testing.T) {
	var out bytes.Buffer
	err := Run(&out, Config{Data: "../data/training/za-bank-statements.csv", Split: "python", Seed: 42, Seeds: 2, Methods: "pipeline,model,baseline",
		Labels: "taxonomy", Builtin: "none", Threshold: 0.6, DataDir: os.DirFS("../data")})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\npipeline (", "\nmodel (", "\nbaseline (", "ECE (10 bins)", "per seed acc/F1     42:", "classes=16 labels=taxonomy"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	if err := (Config{Data: "x", Split: "python", Seeds: 1, Methods: "magic", Labels: "file", Builtin: "none"}).Validate(); err == nil {
		t.Fatal("an unknown method passed")
	}
}

// TestInnerPlan: the inner plan's folds are made of the outer training
// rows only, each of them tested exactly once, and no outer test row
// appears anywhere.
func TestInnerPlan(t *testing.T) {
	rows, err := ReadLabelled("../data/training/za-bank-statements.csv")
	if err != nil {
		t.Fatal(err)
	}
	outer := SplitPython(rows, 42)
	inner := InnerPlan(outer, 5, 42)
	if len(inner) != 5 {
		t.Fatalf("%d folds", len(inner))
	}
	train, test := map[int]bool{}, map[int]bool{}
	for _, r := range outer[0][0] {
		train[r.Line] = true
	}
	for _, r := range outer[0][1] {
		test[r.Line] = true
	}
	tested := map[int]int{}
	for _, f := range inner {
		if len(f[0])+len(f[1]) != len(train) {
			t.Fatalf("fold of %d+%d rows, %d training rows", len(f[0]), len(f[1]), len(train))
		}
		for _, part := range f {
			for _, r := range part {
				if test[r.Line] || !train[r.Line] {
					t.Fatalf("row %d is not an outer training row", r.Line)
				}
			}
		}
		for _, r := range f[1] {
			tested[r.Line]++
		}
	}
	for l := range train {
		if tested[l] != 1 {
			t.Fatalf("training row %d tested %d times", l, tested[l])
		}
	}
	var out bytes.Buffer
	err = Run(&out, Config{Data: "../data/training/za-bank-statements.csv", Split: "python", Seed: 42, Seeds: 1, Folds: 5, Inner: true,
		Methods: "model", Labels: "file", Builtin: "none", Threshold: 0.6, DataDir: os.DirFS("../data")})
	if err != nil || !strings.Contains(out.String(), "inner: 5 folds") || !strings.Contains(out.String(), "test rows per seed 360") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if err := (Config{Data: "x", Split: "none", Seeds: 1, Folds: 5, Inner: true, Methods: "model", Labels: "file", Builtin: "none"}).Validate(); err == nil {
		t.Fatal("--inner without training rows passed")
	}
}
