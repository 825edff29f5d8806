// Package metrics builds trx's Prometheus registry and the metrics every
// process exposes on /metrics: the seed's "TRX-CRUD real-time metrics"
// (requests, status codes, latency per route), "RDS real-time metrics"
// (connection pool use) and its DynamoDB Streams IteratorAge (the relay's
// publish lag and backlog, the notifiers' consumer lag), plus the decisions
// of the gateway, authentication and the classifier.
//
// Every metric goes on the *prometheus.Registry that is passed in (no
// globals), and labels come from fixed sets: the route is the ServeMux
// pattern without its method, the method one of the standard ones or
// OTHER. The series that alerts divide by exist from the start at zero.
package metrics

import (
	"database/sql"
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// RegisterBuildInfo exports trx_build_info{version,goversion} = 1.
func RegisterBuildInfo(reg prometheus.Registerer, version string) error {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "trx_build_info",
		Help:        "Always 1; its labels say which trx build (version) and Go toolchain (goversion) this process runs.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	g.Set(1)
	return reg.Register(g)
}

// Handler serves reg in the Prometheus text format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, EnableOpenMetrics: false})
}

// RegisterDB exports the pool statistics of db (open, in use, idle
// connections, waits and wait time) labelled db_name=name.
func RegisterDB(reg prometheus.Registerer, name string, db *sql.DB) error {
	return reg.Register(collectors.NewDBStatsCollector(db, name))
}
