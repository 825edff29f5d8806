package classifier_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/metrics"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// value reads a counter or gauge of reg by name and labels.
func value(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue metric
				}
			}
			if m.Gauge != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

// TestObserverMetrics drives the classifier's events through a real
// service and checks that metrics.Classifier counted each: a decision by a
// rule, an undecided one, a job started and finished.
func TestObserverMetrics(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			db := sqldbtest.Open(t, d)
			ctx := context.Background()
			u, _, err := auth.NewService(authsql.New(db)).AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			reg := metrics.NewRegistry()
			m := metrics.NewClassifier(reg)
			eng := classifier.NewDefaultEngine(classifiersql.New(db), nil, m, slog.New(slog.DiscardHandler))
			txs := transaction.NewService(transactionsql.New(db), transaction.WithClassifier(eng))
			jobCtx, cancel := context.WithCancel(ctx)
			cls := classifier.NewFromEngine(jobCtx, eng, txs)
			t.Cleanup(func() { cancel(); cls.Wait() })

			name, cat := "coffee", "food_and_drink"
			conds := []classifier.Condition{{Field: "description", Op: "regex", Value: "coffee"}}
			if _, err := cls.CreateRule(ctx, u.ID, classifier.RuleDraft{Name: &name, Conditions: &conds, CategoryID: &cat}); err != nil {
				t.Fatal(err)
			}
			decided := func(source string) float64 {
				return value(t, reg, "trx_classifier_decisions_total", map[string]string{"source": source})
			}
			if decided("rule") != 0 || decided("none") != 0 {
				t.Fatal("decisions counted before any")
			}
			res, err := cls.Classify(ctx, u.ID, []classifier.Item{
				{Description: "Blue Bottle Coffee", Amount: -450, Currency: "EUR", Exponent: 2},
				{Description: "qzxv 0815", Amount: -100, Currency: "EUR", Exponent: 2},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Source != transaction.SourceRule || res[1].Source != "" {
				t.Fatalf("sources %q and %q, want rule and none", res[0].Source, res[1].Source)
			}
			if decided("rule") != 1 || decided("none") != 1 {
				t.Fatalf("decisions: rule %v, none %v; want 1 and 1", decided("rule"), decided("none"))
			}

			// A job decides the uncategorized transaction (by the rule).
			if _, err := txs.Create(ctx, u.ID, transaction.Draft{Amount: "-3.00", Currency: "EUR", Description: "Coffee to go", BookedAt: "2026-11-30"}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := cls.StartJob(ctx, u.ID, "", ""); err != nil {
				t.Fatal(err)
			}
			if n := value(t, reg, "trx_classifier_jobs_started_total", nil); n != 1 {
				t.Fatalf("jobs started %v, want 1", n)
			}
			cls.Wait() // the job has finished
			if n := value(t, reg, "trx_classifier_jobs_finished_total", map[string]string{"state": classifier.JobDone}); n != 1 {
				t.Fatalf("jobs finished done %v, want 1", n)
			}
			if n := value(t, reg, "trx_classifier_jobs_running", nil); n != 0 {
				t.Fatalf("jobs running %v after the job ended, want 0", n)
			}
			if decided("rule") != 2 {
				t.Fatalf("after the job's decision by the rule: %v rule decisions, want 2", decided("rule"))
			}
		})
	}
}
