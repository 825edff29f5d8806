package metrics_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite"

	"github.com/trx-platform/trx/internal/metrics"
)

func ptr(v float64) *float64 { return &v }

func TestQuantile(t *testing.T) {
	buckets := []metrics.Bucket{{LE: 0.01, Count: 10}, {LE: 0.1, Count: 90}, {LE: 1, Count: 100}}
	for _, tc := range []struct {
		name    string
		q       float64
		buckets []metrics.Bucket
		count   uint64
		want    *float64
	}{
		{"no observations", 0.5, buckets[:0], 0, nil},
		{"in the first bucket, from zero", 0.05, buckets, 100, ptr(0.005)},
		{"median in the second bucket", 0.5, buckets, 100, ptr(0.01 + 0.09*40/80)},
		{"p99 in the third bucket", 0.99, buckets, 100, ptr(0.1 + 0.9*9/10)},
		{"rank on a bucket's edge", 0.9, buckets, 100, ptr(0.1)},
		{"in the +Inf bucket", 0.99, buckets, 200, ptr(1)},
		{"empty buckets are skipped", 0.5, []metrics.Bucket{{LE: 1, Count: 0}, {LE: 2, Count: 4}}, 4, ptr(1.5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := metrics.Quantile(tc.q, tc.buckets, tc.count)
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 })); diff != "" {
				t.Fatalf("Quantile(%v) (-want +got):\n%s", tc.q, diff)
			}
		})
	}
}

// TestSummary builds a registry the way trx serve does, makes some requests
// and WebSocket observations, and checks the digest.
func TestSummary(t *testing.T) {
	reg := metrics.NewRegistry()
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/x.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(3)
	if err := metrics.RegisterDB(reg, "write", db); err != nil {
		t.Fatal(err)
	}
	// The notifier's metrics, as package notify names them.
	conns := prometheus.NewGauge(prometheus.GaugeOpts{Name: "trx_ws_connections"})
	sent := prometheus.NewCounter(prometheus.CounterOpts{Name: "trx_ws_messages_sent_total"})
	latency := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "trx_ws_integration_latency_seconds",
		Buckets: []float64{0.001, 0.01, 0.1}})
	reg.MustRegister(conns, sent, latency)
	conns.Set(2)
	sent.Add(7)
	for _, v := range []float64{0.0005, 0.005, 0.005, 0.05} {
		latency.Observe(v)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(400) })
	mux.HandleFunc("POST /fail", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) })
	mux.Handle("GET /summary", metrics.SummaryHandler(reg))
	h := metrics.NewHTTP(reg).Middleware(mux)
	for _, req := range []struct{ method, path string }{
		{"GET", "/ok"}, {"GET", "/ok"}, {"GET", "/bad"}, {"POST", "/fail"}, {"GET", "/nowhere"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/summary", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("summary: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var s metrics.Summary
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	if s.Process.StartTime == nil || s.Process.StartTime.After(time.Now()) || s.Process.Goroutines < 1 {
		t.Errorf("process: %+v", s.Process)
	}
	if s.WS.Connections != 2 || s.WS.MessagesSentTotal != 7 {
		t.Errorf("ws: %+v", s.WS)
	}
	il := s.WS.IntegrationLatency
	if il.Count != 4 || il.P50 == nil || *il.P50 <= 0.001 || *il.P50 > 0.01 || *il.P99 <= 0.01 || *il.P99 > 0.1 {
		t.Errorf("integration latency: %+v (p50 %v, p99 %v)", il, deref(il.P50), deref(il.P99))
	}
	if diff := cmp.Diff([]metrics.Bucket{{0.001, 1}, {0.01, 3}, {0.1, 4}}, il.Buckets); diff != "" {
		t.Errorf("buckets (-want +got):\n%s", diff)
	}
	// The summary request itself is in flight, and not yet counted.
	if s.HTTP.RequestsTotal != 5 || s.HTTP.Responses4xxTotal != 2 || s.HTTP.Responses5xxTotal != 1 || s.HTTP.InFlight != 1 {
		t.Errorf("http: total %v 4xx %v 5xx %v in flight %v", s.HTTP.RequestsTotal, s.HTTP.Responses4xxTotal,
			s.HTTP.Responses5xxTotal, s.HTTP.InFlight)
	}
	type row struct {
		Route, Method string
		N, E4, E5     float64
		Count         uint64
	}
	var rows []row
	for _, r := range s.HTTP.Routes {
		rows = append(rows, row{r.Route, r.Method, r.RequestsTotal, r.Responses4xxTotal, r.Responses5xxTotal, r.Duration.Count})
	}
	want := []row{
		{"/bad", "GET", 1, 1, 0, 1},
		{"/fail", "POST", 1, 0, 1, 1},
		{"/ok", "GET", 2, 0, 0, 2},
		{"unmatched", "GET", 1, 1, 0, 1},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
	if len(s.DB) != 1 || s.DB[0].Name != "write" || s.DB[0].MaxOpen != 3 {
		t.Errorf("db: %+v", s.DB)
	}
}

// TestSummaryEmpty: a registry without trx's metrics gives zeros and empty
// lists, never nulls where the dashboard expects arrays.
func TestSummaryEmpty(t *testing.T) {
	s, err := metrics.Summarize(prometheus.NewRegistry(), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	want := `{"time":"1970-01-01T00:00:00Z","process":{"start_time":null,"goroutines":0,"resident_memory_bytes":0,"cpu_seconds_total":0},` +
		`"ws":{"connections":0,"connects_total":0,"disconnects_total":0,"messages_sent_total":0,"slow_closes_total":0,` +
		`"integration_latency":{"count":0,"sum":0,"p50":null,"p99":null,"buckets":[]}},` +
		`"http":{"in_flight":0,"requests_total":0,"responses_4xx_total":0,"responses_5xx_total":0,"routes":[]},"db":[]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestSummaryBackup: the scheduled backups' metrics, when registered,
// make the summary's backup member (absent otherwise: TestSummaryEmpty).
func TestSummaryBackup(t *testing.T) {
	reg := prometheus.NewRegistry()
	set := func(name string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: name})
		g.Set(v)
		reg.MustRegister(g)
	}
	set("trx_backup_runs_total", 3)
	set("trx_backup_failures_total", 1)
	set("trx_backup_consecutive_failures", 0)
	set("trx_backup_last_success_timestamp_seconds", 1796083200.5)
	set("trx_backup_last_size_bytes", 4096)
	set("trx_backup_last_duration_seconds", 0.25)
	set("trx_backup_kept", 2)
	s, err := metrics.Summarize(reg, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1796083200, 500_000_000).UTC()
	want := &metrics.BackupSummary{RunsTotal: 3, FailuresTotal: 1, LastSuccess: &at, LastSizeBytes: 4096, LastDurationSeconds: 0.25, Kept: 2}
	if diff := cmp.Diff(want, s.Backup); diff != "" {
		t.Errorf("backup (-want +got):\n%s", diff)
	}
}
