package metrics

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trx-platform/trx/internal/web"
)

// Summary is a JSON digest of the registry for the dashboard's live charts
// (GET /api/v1/metrics/summary): the seed's CloudWatch view of the
// WebSocket API (connections, messages, integration latency), the CRUD
// service (requests, latency, 4xx/5xx per route) and the database pool.
// Counters are totals since the process started: a client takes two
// summaries and divides the difference by the time between them, as
// Prometheus's rate() does; histograms come with their buckets for the same
// reason, and with quantiles since start.
type Summary struct {
	Time    time.Time      `json:"time"`
	Process ProcessSummary `json:"process"`
	WS      WSSummary      `json:"ws"`
	HTTP    HTTPSummary    `json:"http"`
	DB      []DBSummary    `json:"db"`
	// Backup is the scheduled backups of this process (absent when it
	// makes none).
	Backup *BackupSummary `json:"backup,omitempty"`
}

// BackupSummary is the scheduled backups (trx serve --backup-every).
type BackupSummary struct {
	RunsTotal           float64    `json:"runs_total"`
	FailuresTotal       float64    `json:"failures_total"`
	ConsecutiveFailures float64    `json:"consecutive_failures"`
	LastSuccess         *time.Time `json:"last_success"`
	LastSizeBytes       float64    `json:"last_size_bytes"`
	LastDurationSeconds float64    `json:"last_duration_seconds"`
	Kept                float64    `json:"kept"`
}

// ProcessSummary describes the process.
type ProcessSummary struct {
	StartTime           *time.Time `json:"start_time"`
	Goroutines          float64    `json:"goroutines"`
	ResidentMemoryBytes float64    `json:"resident_memory_bytes"`
	CPUSecondsTotal     float64    `json:"cpu_seconds_total"`
}

// WSSummary is the WebSocket notifier of this process.
type WSSummary struct {
	Connections        float64   `json:"connections"`
	ConnectsTotal      float64   `json:"connects_total"`
	DisconnectsTotal   float64   `json:"disconnects_total"`
	MessagesSentTotal  float64   `json:"messages_sent_total"`
	SlowClosesTotal    float64   `json:"slow_closes_total"`
	IntegrationLatency Histogram `json:"integration_latency"`
}

// HTTPSummary is the HTTP requests handled, in all and per route.
type HTTPSummary struct {
	InFlight          float64        `json:"in_flight"`
	RequestsTotal     float64        `json:"requests_total"`
	Responses4xxTotal float64        `json:"responses_4xx_total"`
	Responses5xxTotal float64        `json:"responses_5xx_total"`
	Routes            []RouteSummary `json:"routes"`
}

// RouteSummary is one route pattern and method.
type RouteSummary struct {
	Route             string    `json:"route"`
	Method            string    `json:"method"`
	RequestsTotal     float64   `json:"requests_total"`
	Responses4xxTotal float64   `json:"responses_4xx_total"`
	Responses5xxTotal float64   `json:"responses_5xx_total"`
	Duration          Histogram `json:"duration"`
}

// DBSummary is one database connection pool ("write", or "read" on SQLite).
type DBSummary struct {
	Name             string  `json:"name"`
	MaxOpen          float64 `json:"max_open"`
	Open             float64 `json:"open"`
	InUse            float64 `json:"in_use"`
	Idle             float64 `json:"idle"`
	WaitCountTotal   float64 `json:"wait_count_total"`
	WaitSecondsTotal float64 `json:"wait_seconds_total"`
}

// Histogram is a Prometheus histogram in seconds: observation count and
// sum, cumulative buckets (the +Inf bucket left out: its count is Count),
// and the 50th and 99th percentiles since start (null with no observation),
// interpolated within buckets as Prometheus's histogram_quantile does.
type Histogram struct {
	Count   uint64   `json:"count"`
	Sum     float64  `json:"sum"`
	P50     *float64 `json:"p50"`
	P99     *float64 `json:"p99"`
	Buckets []Bucket `json:"buckets"`
}

// Bucket is the count of observations less than or equal to LE.
type Bucket struct {
	LE    float64 `json:"le"`
	Count uint64  `json:"count"`
}

// SummaryHandler serves the Summary of g as JSON.
func SummaryHandler(g prometheus.Gatherer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := Summarize(g, time.Now())
		if err != nil {
			web.Problemf(w, r, http.StatusInternalServerError, "cannot gather the metrics: "+err.Error())
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		web.Respond(w, http.StatusOK, s)
	})
}

// Summarize reads the metrics trx registers (by their names) from g.
// Metrics that are not registered (a process without a notifier, say) are
// zero.
func Summarize(g prometheus.Gatherer, now time.Time) (Summary, error) {
	mfs, err := g.Gather()
	if err != nil && len(mfs) == 0 {
		return Summary{}, err
	}
	s := Summary{Time: now.UTC(), DB: []DBSummary{}, HTTP: HTTPSummary{Routes: []RouteSummary{}}}
	s.WS.IntegrationLatency = histogram(nil)
	routes := map[[2]string]*RouteSummary{}
	route := func(m *dto.Metric) *RouteSummary {
		k := [2]string{label(m, "route"), label(m, "method")}
		if routes[k] == nil {
			routes[k] = &RouteSummary{Route: k[0], Method: k[1], Duration: histogram(nil)}
		}
		return routes[k]
	}
	pools := map[string]*DBSummary{}
	pool := func(m *dto.Metric) *DBSummary {
		name := label(m, "db_name")
		if pools[name] == nil {
			pools[name] = &DBSummary{Name: name}
		}
		return pools[name]
	}
	backup := func() *BackupSummary {
		if s.Backup == nil {
			s.Backup = &BackupSummary{}
		}
		return s.Backup
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			v := value(m)
			switch mf.GetName() {
			case "trx_backup_runs_total":
				backup().RunsTotal = v
			case "trx_backup_failures_total":
				backup().FailuresTotal = v
			case "trx_backup_consecutive_failures":
				backup().ConsecutiveFailures = v
			case "trx_backup_last_success_timestamp_seconds":
				if v > 0 {
					sec, frac := math.Modf(v)
					t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
					backup().LastSuccess = &t
				}
			case "trx_backup_last_size_bytes":
				backup().LastSizeBytes = v
			case "trx_backup_last_duration_seconds":
				backup().LastDurationSeconds = v
			case "trx_backup_kept":
				backup().Kept = v
			case "process_start_time_seconds":
				sec, frac := math.Modf(v)
				t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
				s.Process.StartTime = &t
			case "go_goroutines":
				s.Process.Goroutines = v
			case "process_resident_memory_bytes":
				s.Process.ResidentMemoryBytes = v
			case "process_cpu_seconds_total":
				s.Process.CPUSecondsTotal = v
			case "trx_ws_connections":
				s.WS.Connections += v
			case "trx_ws_connects_total":
				s.WS.ConnectsTotal += v
			case "trx_ws_disconnects_total":
				s.WS.DisconnectsTotal += v
			case "trx_ws_messages_sent_total":
				s.WS.MessagesSentTotal += v
			case "trx_ws_slow_closes_total":
				s.WS.SlowClosesTotal += v
			case "trx_ws_integration_latency_seconds":
				s.WS.IntegrationLatency = histogram(m.GetHistogram())
			case "trx_http_requests_in_flight":
				s.HTTP.InFlight = v
			case "trx_http_requests_total":
				rs := route(m)
				rs.RequestsTotal += v
				s.HTTP.RequestsTotal += v
				switch code, _ := strconv.Atoi(label(m, "code")); {
				case code >= 500:
					rs.Responses5xxTotal += v
					s.HTTP.Responses5xxTotal += v
				case code >= 400:
					rs.Responses4xxTotal += v
					s.HTTP.Responses4xxTotal += v
				}
			case "trx_http_request_duration_seconds":
				route(m).Duration = histogram(m.GetHistogram())
			case "go_sql_max_open_connections":
				pool(m).MaxOpen = v
			case "go_sql_open_connections":
				pool(m).Open = v
			case "go_sql_in_use_connections":
				pool(m).InUse = v
			case "go_sql_idle_connections":
				pool(m).Idle = v
			case "go_sql_wait_count_total":
				pool(m).WaitCountTotal = v
			case "go_sql_wait_duration_seconds_total":
				pool(m).WaitSecondsTotal = v
			}
		}
	}
	for _, rs := range routes {
		if rs.RequestsTotal == 0 && rs.Duration.Count == 0 {
			continue // a series made at zero in advance (HTTP.Init), not a route used
		}
		s.HTTP.Routes = append(s.HTTP.Routes, *rs)
	}
	sort.Slice(s.HTTP.Routes, func(i, j int) bool {
		a, b := s.HTTP.Routes[i], s.HTTP.Routes[j]
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		return a.Method < b.Method
	})
	for _, p := range pools {
		s.DB = append(s.DB, *p)
	}
	sort.Slice(s.DB, func(i, j int) bool { return s.DB[i].Name < s.DB[j].Name })
	return s, nil
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}

func histogram(h *dto.Histogram) Histogram {
	out := Histogram{Buckets: []Bucket{}}
	if h == nil {
		return out
	}
	out.Count, out.Sum = h.GetSampleCount(), h.GetSampleSum()
	for _, b := range h.GetBucket() {
		if math.IsInf(b.GetUpperBound(), +1) {
			continue
		}
		out.Buckets = append(out.Buckets, Bucket{LE: b.GetUpperBound(), Count: b.GetCumulativeCount()})
	}
	out.P50 = Quantile(0.5, out.Buckets, out.Count)
	out.P99 = Quantile(0.99, out.Buckets, out.Count)
	return out
}

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) of count observations from
// cumulative buckets in increasing order of LE, the +Inf bucket implied by
// count, as Prometheus's histogram_quantile does: linear interpolation
// within the bucket that holds the rank, from 0 for the first bucket; a
// rank in the +Inf bucket answers the highest finite bound. It is nil when
// there is no observation.
func Quantile(q float64, buckets []Bucket, count uint64) *float64 {
	if count == 0 || math.IsNaN(q) {
		return nil
	}
	q = min(max(q, 0), 1)
	rank := q * float64(count)
	lower, below := 0.0, uint64(0)
	for _, b := range buckets {
		if float64(b.Count) >= rank && b.Count > below {
			v := lower + (b.LE-lower)*(rank-float64(below))/float64(b.Count-below)
			return &v
		}
		lower, below = b.LE, b.Count
	}
	v := lower // in the +Inf bucket: the highest finite bound
	return &v
}
