package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trx-platform/trx/internal/metrics"
)

func TestRoute(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"GET /api/v1/transactions/{id}", "/api/v1/transactions/{id}"},
		{"POST /api/v1/transactions", "/api/v1/transactions"},
		{"/api/v1/things", "/api/v1/things"},
		{"GET /{$}", "/"},
		{"GET /ui/", "/ui/*"},
		{"GET /files/{path...}", "/files/{path...}"},
		{"GET /a/{$}", "/a/"},
		{"GET example.com/x", "/x"},
		{"", metrics.Unmatched},
		{"/", metrics.Unmatched},
		{"/api/", metrics.Unmatched},
	} {
		if got := metrics.Route(tc.pattern); got != tc.want {
			t.Errorf("Route(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
}

// TestHTTPLabelsBounded: invented methods and paths add no series; the
// route carries no method.
func TestHTTPLabelsBounded(t *testing.T) {
	reg := metrics.NewRegistry()
	m := metrics.NewHTTP(reg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(http.ResponseWriter, *http.Request) {})
	h := m.Middleware(mux)
	for i := 0; i < 10; i++ {
		method := "INVENTED" + strings.Repeat("X", i)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/items/"+method, nil))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/nowhere/"+method, nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/1", nil))
	want := `
# HELP trx_http_requests_total HTTP requests handled, by route (the path pattern), method (or OTHER) and status code.
# TYPE trx_http_requests_total counter
trx_http_requests_total{code="200",method="GET",route="/items/{id}"} 1
trx_http_requests_total{code="404",method="GET",route="unmatched"} 10
trx_http_requests_total{code="405",method="OTHER",route="unmatched"} 10
trx_http_requests_total{code="500",method="GET",route="unmatched"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "trx_http_requests_total"); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPInit: the series alerts divide by exist at zero before any request.
func TestHTTPInit(t *testing.T) {
	reg := metrics.NewRegistry()
	metrics.NewHTTP(reg).Init("GET /api/v1/transactions", "PATCH /api/v1/transactions/{id}")
	want := `
# HELP trx_http_requests_total HTTP requests handled, by route (the path pattern), method (or OTHER) and status code.
# TYPE trx_http_requests_total counter
trx_http_requests_total{code="200",method="GET",route="/api/v1/transactions"} 0
trx_http_requests_total{code="200",method="PATCH",route="/api/v1/transactions/{id}"} 0
trx_http_requests_total{code="404",method="GET",route="unmatched"} 0
trx_http_requests_total{code="500",method="GET",route="/api/v1/transactions"} 0
trx_http_requests_total{code="500",method="GET",route="unmatched"} 0
trx_http_requests_total{code="500",method="PATCH",route="/api/v1/transactions/{id}"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "trx_http_requests_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "trx_http_request_duration_seconds"); n != 2 {
		t.Fatalf("%d latency series, want 2 (one per route)", n)
	}
}

func TestDecisionsAtZero(t *testing.T) {
	reg := metrics.NewRegistry()
	g := metrics.NewGateway(reg)
	c := metrics.NewClassifier(reg)
	if err := metrics.RegisterBuildInfo(reg, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{
		"trx_gateway_throttle_decisions_total": 4, "trx_auth_failures_total": 6,
		"trx_classifier_decisions_total": 5, "trx_classifier_jobs_finished_total": 3, "trx_build_info": 1,
	} {
		if got := testutil.CollectAndCount(reg, name); got != n {
			t.Errorf("%s has %d series, want %d", name, got, n)
		}
	}
	g.Throttle("ip", false)
	g.AuthFailure("something else")
	c.Decided("")
	c.JobStarted()
	c.JobFinished("done")
	want := `
# HELP trx_auth_failures_total Requests refused by authentication, by reason (missing, malformed, invalid, scope, csrf, error).
# TYPE trx_auth_failures_total counter
trx_auth_failures_total{reason="csrf"} 0
trx_auth_failures_total{reason="error"} 1
trx_auth_failures_total{reason="invalid"} 0
trx_auth_failures_total{reason="malformed"} 0
trx_auth_failures_total{reason="missing"} 0
trx_auth_failures_total{reason="scope"} 0
# HELP trx_classifier_jobs_running Categorization jobs running in this process now.
# TYPE trx_classifier_jobs_running gauge
trx_classifier_jobs_running 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "trx_auth_failures_total", "trx_classifier_jobs_running"); err != nil {
		t.Fatal(err)
	}
}

func TestRelayAndNATS(t *testing.T) {
	reg := metrics.NewRegistry()
	r := metrics.NewRelay(reg)
	connected := true
	if err := metrics.RegisterNATS(reg, func() bool { return connected }, func() uint64 { return 3 }); err != nil {
		t.Fatal(err)
	}
	r.Leader(true)
	r.Round(2, time.Now().Add(-time.Minute))
	r.Published(time.Now().Add(-2 * time.Second))
	gauge := func(name string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				m := mf.GetMetric()[0]
				switch {
				case m.Gauge != nil:
					return m.GetGauge().GetValue()
				case m.Counter != nil:
					return m.GetCounter().GetValue()
				case m.Histogram != nil:
					return m.GetHistogram().GetSampleSum()
				}
			}
		}
		t.Fatalf("no %s", name)
		return 0
	}
	if gauge("trx_relay_leader") != 1 || gauge("trx_relay_backlog_changes") != 2 || gauge("trx_relay_backlog_age_seconds") < 59 ||
		gauge("trx_relay_published_total") != 1 || gauge("trx_relay_publish_lag_seconds") < 2 {
		t.Fatal("relay metrics do not show the leader's round and publish")
	}
	if gauge("trx_nats_connected") != 1 || gauge("trx_nats_reconnects_total") != 3 {
		t.Fatal("NATS metrics wrong while connected")
	}
	connected = false
	r.Leader(false)
	if gauge("trx_nats_connected") != 0 || gauge("trx_relay_leader") != 0 || gauge("trx_relay_backlog_age_seconds") != 0 {
		t.Fatal("a relay that stopped leading, or a lost NATS connection, still shows as before")
	}
}
