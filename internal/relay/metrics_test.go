package relay_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/metrics"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/stock"
)

// metricValue reads a gauge or counter of reg, or a histogram's sample
// count (its sum with the suffix _sum), by name.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != strings.TrimSuffix(name, "_sum") {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Histogram != nil && strings.HasSuffix(name, "_sum"):
			return m.GetHistogram().GetSampleSum()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestRelayMetrics drives a relay with metrics.Relay as its observer: it
// leads, publishes three changes, fails one round (marking them fails, so
// they are published again) and then marks them; each event moved its
// series.
func TestRelayMetrics(t *testing.T) {
	at := time.Now().Add(-time.Hour)
	allMarked := make(chan struct{})
	src := &fakeSource{published: map[int64]bool{}, failMarks: 1, allMarked: allMarked}
	for i := int64(1); i <= 3; i++ {
		src.changes = append(src.changes, stock.Change{ID: i, Symbol: "ACME", Op: stock.OpInsert,
			New: &stock.Image{Price: i, Currency: "USD"}, ChangedAt: at})
	}
	reg := metrics.NewRegistry()
	m := metrics.NewRelay(reg)
	for _, name := range []string{"trx_relay_leader", "trx_relay_published_total", "trx_relay_publish_failures_total", "trx_relay_publish_lag_seconds"} {
		if v := metricValue(t, reg, name); v != 0 {
			t.Fatalf("%s is %v before the relay ran", name, v)
		}
	}
	r := relay.New(relay.Config{Node: "t", Poll: time.Millisecond, Metrics: m}, src, stubPublisher{}, memLease{}, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	select {
	case <-allMarked:
	case <-time.After(time.Minute): // a bound against hanging, not an assertion on speed
		t.Fatal("the relay did not mark the changes published")
	}
	// Published is told before each mark: both rounds' publishes are in.
	if v := metricValue(t, reg, "trx_relay_leader"); v != 1 {
		t.Errorf("trx_relay_leader %v while the relay runs, want 1", v)
	}
	if v := metricValue(t, reg, "trx_relay_published_total"); v != 6 {
		t.Errorf("trx_relay_published_total %v, want 6 (3, then the same 3 after the failed mark)", v)
	}
	if v := metricValue(t, reg, "trx_relay_publish_lag_seconds"); v != 6 {
		t.Errorf("trx_relay_publish_lag_seconds has %v samples, want 6", v)
	}
	if v := metricValue(t, reg, "trx_relay_publish_lag_seconds_sum"); v < 6*3600 {
		t.Errorf("trx_relay_publish_lag_seconds sums %v s, want at least 6 × the hour since the commit", v)
	}
	if v := metricValue(t, reg, "trx_relay_publish_failures_total"); v != 1 {
		t.Errorf("trx_relay_publish_failures_total %v, want 1 (the failed mark)", v)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if v := metricValue(t, reg, "trx_relay_leader"); v != 0 {
		t.Errorf("trx_relay_leader %v after the relay stopped, want 0", v)
	}
	if v := metricValue(t, reg, "trx_relay_backlog_changes"); v != 0 {
		t.Errorf("trx_relay_backlog_changes %v after the relay stopped leading, want 0", v)
	}
}
