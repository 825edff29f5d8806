// Command grafana writes trx's Grafana dashboards (dashboards/*.json) from
// the code below, built with the Grafana Foundation SDK: go generate (or
// go run .) in this directory. A test checks that the committed files are
// what this writes, and that they load strictly with the SDK's schema.
//
// Every query reads metrics that trx exposes on /metrics (the root
// module's cmd/trx test TestDashboardMetricsExist checks each name against
// a live server), through the data source chosen in the dashboard's
// "datasource" variable.
package main

//go:generate go run .

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

func main() {
	if err := write("dashboards"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// write renders every dashboard into dir.
func write(dir string) error {
	for name, b := range Dashboards() {
		data, err := Render(b)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Render builds a dashboard and encodes it as indented JSON.
func Render(b *dashboard.DashboardBuilder) ([]byte, error) {
	d, err := b.Build()
	if err != nil {
		return nil, err
	}
	number(&d)
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// number gives every panel and row a unique id, and every query of a
// panel its refId (A, B, ...), as Grafana does when a dashboard is saved.
func number(d *dashboard.Dashboard) {
	id := uint32(0)
	for i := range d.Panels {
		id++
		switch p := d.Panels[i]; {
		case p.RowPanel != nil:
			p.RowPanel.Id = id
		case p.Panel != nil:
			p.Panel.Id = cog.ToPtr(id)
			for j, t := range p.Panel.Targets {
				if pq, ok := t.(prometheus.Dataquery); ok {
					pq.RefId = cog.ToPtr(string(rune('A' + j)))
					p.Panel.Targets[j] = pq
				}
			}
		}
	}
}

// Dashboards returns trx's dashboards by file name.
func Dashboards() map[string]*dashboard.DashboardBuilder {
	return map[string]*dashboard.DashboardBuilder{
		"trx-overview":   overview(),
		"trx-realtime":   realtime(),
		"trx-classifier": classifierBoard(),
	}
}

// ds is the data source every panel queries: the dashboard variable.
var ds = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

func base(uid, title, description string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"trx"}).
		Refresh("30s").
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus")).
		WithVariable(dashboard.NewQueryVariableBuilder("instance").
			Label("Instance").
			Datasource(ds).
			Query(dashboard.StringOrMap{String: cog.ToPtr("label_values(trx_build_info, instance)")}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Multi(true).
			IncludeAll(true).
			AllValue(".*"))
}

// q is one PromQL query with its legend.
func q(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(ds).Expr(expr).LegendFormat(legend).Range()
}

// sel is the instance selector every query carries.
const sel = `instance=~"$instance"`

func graph(title, desc, unit string, w uint32, queries ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().
		Title(title).
		Description(desc).
		Datasource(ds).
		Unit(unit).
		Min(0).
		Height(8).
		Span(w).
		FillOpacity(10).
		Legend(common.NewVizLegendOptionsBuilder().
			ShowLegend(true).
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom))
	for _, x := range queries {
		p.WithTarget(x)
	}
	return p
}

func single(title, desc, unit string, w uint32, query *prometheus.DataqueryBuilder) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).
		Description(desc).
		Datasource(ds).
		Unit(unit).
		Height(4).
		Span(w).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		WithTarget(query.Instant())
}

func overview() *dashboard.DashboardBuilder {
	return base("trx-overview", "trx: overview",
		"Requests, errors and latency per route; the gateway's decisions; the database pools; the processes.").
		WithRow(dashboard.NewRowBuilder("Requests")).
		WithPanel(single("Requests/s", "All HTTP requests handled.", "reqps", 6,
			q(`sum(rate(trx_http_requests_total{`+sel+`}[$__rate_interval]))`, "requests"))).
		WithPanel(single("5xx ratio", "Share of responses that are server errors.", "percentunit", 6,
			q(`sum(rate(trx_http_requests_total{`+sel+`,code=~"5.."}[$__rate_interval])) / sum(rate(trx_http_requests_total{`+sel+`}[$__rate_interval]))`, "5xx"))).
		WithPanel(single("In flight", "HTTP requests being handled now.", "short", 6,
			q(`sum(trx_http_requests_in_flight{`+sel+`})`, "in flight"))).
		WithPanel(single("Versions", "Processes per trx version.", "short", 6,
			q(`count by (version) (trx_build_info{`+sel+`})`, "{{version}}"))).
		WithPanel(graph("Requests by route", "Requests per second by route and method (WebSocket upgrades under /ws).", "reqps", 12,
			q(`sum by (route, method) (rate(trx_http_requests_total{`+sel+`}[$__rate_interval]))`, "{{method}} {{route}}"))).
		WithPanel(graph("Errors by route", "4xx and 5xx responses per second by route.", "reqps", 12,
			q(`sum by (route, code) (rate(trx_http_requests_total{`+sel+`,code=~"4..|5.."}[$__rate_interval]))`, "{{code}} {{route}}"))).
		WithPanel(graph("Latency p99 by route", "99th percentile of the time to handle a request (/ws excluded: a connection lasts).", "s", 12,
			q(`histogram_quantile(0.99, sum by (le, route) (rate(trx_http_request_duration_seconds_bucket{`+sel+`,route!="/ws"}[$__rate_interval])))`, "{{route}}"))).
		WithPanel(graph("Latency p50 by route", "Median time to handle a request (/ws excluded).", "s", 12,
			q(`histogram_quantile(0.5, sum by (le, route) (rate(trx_http_request_duration_seconds_bucket{`+sel+`,route!="/ws"}[$__rate_interval])))`, "{{route}}"))).
		WithRow(dashboard.NewRowBuilder("Gateway")).
		WithPanel(graph("Throttling", "Token bucket decisions per second, by bucket (client IP, API key) and decision.", "reqps", 8,
			q(`sum by (bucket, decision) (rate(trx_gateway_throttle_decisions_total{`+sel+`}[$__rate_interval]))`, "{{bucket}} {{decision}}"))).
		WithPanel(graph("Authentication failures", "Refused credentials per second, by reason.", "reqps", 8,
			q(`sum by (reason) (rate(trx_auth_failures_total{`+sel+`}[$__rate_interval]))`, "{{reason}}"))).
		WithPanel(graph("Upstream latency p99", "Split deployment: time from forwarding to a service to its response headers (the integration latency).", "s", 8,
			q(`histogram_quantile(0.99, sum by (le, upstream) (rate(trx_gateway_integration_latency_seconds_bucket{`+sel+`}[$__rate_interval])))`, "{{upstream}}"),
			q(`sum by (upstream) (rate(trx_gateway_upstream_requests_total{`+sel+`,code=~"502|504"}[$__rate_interval]))`, "{{upstream}} unreachable/s"))).
		WithRow(dashboard.NewRowBuilder("Database pool")).
		WithPanel(graph("Connections in use", "Connections in use against the pool's maximum, by pool (write; read on SQLite).", "short", 8,
			q(`sum by (instance, db_name) (go_sql_in_use_connections{`+sel+`})`, "{{instance}} {{db_name}} in use"),
			q(`sum by (instance, db_name) (go_sql_max_open_connections{`+sel+`})`, "{{instance}} {{db_name}} max"))).
		WithPanel(graph("Waits for a connection", "Requests that had to wait for a free connection, per second.", "short", 8,
			q(`sum by (db_name) (rate(go_sql_wait_count_total{`+sel+`}[$__rate_interval]))`, "{{db_name}}"))).
		WithPanel(graph("Time waiting", "Seconds spent waiting for a connection, per second.", "s", 8,
			q(`sum by (db_name) (rate(go_sql_wait_duration_seconds_total{`+sel+`}[$__rate_interval]))`, "{{db_name}}"))).
		WithRow(dashboard.NewRowBuilder("Processes")).
		WithPanel(graph("CPU", "CPU seconds per second, by process.", "short", 8,
			q(`rate(process_cpu_seconds_total{`+sel+`}[$__rate_interval])`, "{{instance}}"))).
		WithPanel(graph("Memory", "Resident memory, by process.", "bytes", 8,
			q(`process_resident_memory_bytes{`+sel+`}`, "{{instance}}"))).
		WithPanel(graph("Goroutines", "Goroutines, by process.", "short", 8,
			q(`go_goroutines{`+sel+`}`, "{{instance}}")))
}

func realtime() *dashboard.DashboardBuilder {
	return base("trx-realtime", "trx: real-time notifications",
		"WebSocket connections and messages, the integration latency by hop from commit to socket, the change stream's lag (the seed's IteratorAge), NATS.").
		WithRow(dashboard.NewRowBuilder("WebSocket")).
		WithPanel(single("Connections", "WebSocket clients connected now, all nodes.", "short", 6,
			q(`sum(trx_ws_connections{`+sel+`})`, "connections"))).
		WithPanel(single("Messages/s", "Notifications written to clients.", "short", 6,
			q(`sum(rate(trx_ws_messages_sent_total{`+sel+`}[$__rate_interval]))`, "messages"))).
		WithPanel(single("Slow-client closes/s", "Clients closed (4001) because they fell a whole queue behind.", "short", 6,
			q(`sum(rate(trx_ws_slow_closes_total{`+sel+`}[$__rate_interval]))`, "slow"))).
		WithPanel(single("Relay leaders", "Processes holding the relay lease: 1 is right, 0 means nobody publishes captured changes.", "short", 6,
			q(`sum(trx_relay_leader{`+sel+`})`, "leaders"))).
		WithPanel(graph("Connections by node", "WebSocket clients per notifier node.", "short", 12,
			q(`trx_ws_connections{`+sel+`}`, "{{instance}}"))).
		WithPanel(graph("Connects and disconnects", "Connections accepted, and ended by reason, per second.", "short", 12,
			q(`sum(rate(trx_ws_connects_total{`+sel+`}[$__rate_interval]))`, "connects"),
			q(`sum by (reason) (rate(trx_ws_disconnects_total{`+sel+`}[$__rate_interval]))`, "disconnect: {{reason}}"))).
		WithRow(dashboard.NewRowBuilder("Integration latency by hop (p99)")).
		WithPanel(graph("Commit to socket, by hop", "p99 from the database commit of a change to: its publication on the stream (relay), its arrival at a notifier (stream), its frame written to a client socket (end to end).", "s", 24,
			q(`histogram_quantile(0.99, sum by (le) (rate(trx_relay_publish_lag_seconds_bucket{`+sel+`}[$__rate_interval])))`, "commit → published"),
			q(`histogram_quantile(0.99, sum by (le) (rate(trx_notify_consume_lag_seconds_bucket{`+sel+`}[$__rate_interval])))`, "commit → notifier"),
			q(`histogram_quantile(0.99, sum by (le) (rate(trx_ws_integration_latency_seconds_bucket{`+sel+`}[$__rate_interval])))`, "commit → socket"))).
		WithRow(dashboard.NewRowBuilder("Stream lag")).
		WithPanel(graph("Relay backlog", "Captured changes not yet published, and the age of the oldest (the seed's IteratorAge).", "short", 8,
			q(`max(trx_relay_backlog_changes{`+sel+`})`, "changes pending"))).
		WithPanel(graph("Oldest unpublished change", "Age of the oldest captured change the relay has not published; grows while it is stuck.", "s", 8,
			q(`max(trx_relay_backlog_age_seconds{`+sel+`})`, "age"))).
		WithPanel(graph("Consumer lag by node", "Messages the stream holds beyond what each notifier node consumed.", "short", 8,
			q(`trx_notify_consumer_pending_messages{`+sel+`}`, "{{instance}}"))).
		WithPanel(graph("Relay throughput", "Changes published, and failed rounds, per second.", "short", 12,
			q(`sum(rate(trx_relay_published_total{`+sel+`}[$__rate_interval]))`, "published"),
			q(`sum(rate(trx_relay_publish_failures_total{`+sel+`}[$__rate_interval]))`, "failed rounds"))).
		WithPanel(graph("NATS", "1 while a process is connected to NATS; reconnects per second.", "short", 12,
			q(`trx_nats_connected{`+sel+`}`, "{{instance}} connected"),
			q(`rate(trx_nats_reconnects_total{`+sel+`}[$__rate_interval])`, "{{instance}} reconnects/s")))
}

func classifierBoard() *dashboard.DashboardBuilder {
	return base("trx-classifier", "trx: classifier",
		"Automatic categorization: decisions by source, jobs, and the classifier's routes.").
		WithRow(dashboard.NewRowBuilder("Decisions")).
		WithPanel(single("Undecided share", "Share of automatic decisions where no source was confident enough.", "percentunit", 8,
			q(`sum(rate(trx_classifier_decisions_total{`+sel+`,source="none"}[$__rate_interval])) / sum(rate(trx_classifier_decisions_total{`+sel+`}[$__rate_interval]))`, "none"))).
		WithPanel(single("Jobs running", "Categorization jobs running now.", "short", 8,
			q(`sum(trx_classifier_jobs_running{`+sel+`})`, "running"))).
		WithPanel(single("Failed jobs (1h)", "Jobs that ended failed in the last hour.", "short", 8,
			q(`sum(increase(trx_classifier_jobs_finished_total{`+sel+`,state="failed"}[1h]))`, "failed"))).
		WithPanel(graph("Decisions by source", "Automatic decisions per second: rule, merchant memory, the user's model, the built-in model, or none.", "short", 12,
			q(`sum by (source) (rate(trx_classifier_decisions_total{`+sel+`}[$__rate_interval]))`, "{{source}}"))).
		WithPanel(graph("Jobs", "Jobs started, and finished by state, per second.", "short", 12,
			q(`sum(rate(trx_classifier_jobs_started_total{`+sel+`}[$__rate_interval]))`, "started"),
			q(`sum by (state) (rate(trx_classifier_jobs_finished_total{`+sel+`}[$__rate_interval]))`, "{{state}}"))).
		WithRow(dashboard.NewRowBuilder("Routes")).
		WithPanel(graph("Classifier latency p99", "99th percentile of the classifier's routes.", "s", 12,
			q(`histogram_quantile(0.99, sum by (le, route) (rate(trx_http_request_duration_seconds_bucket{`+sel+`,route=~"/api/v1/(classify|categories|rules|classifier|transactions/.*category|transactions/.*auto-categorize).*"}[$__rate_interval])))`, "{{route}}"))).
		WithPanel(graph("Classifier requests", "Requests per second to the classifier's routes, by status code.", "reqps", 12,
			q(`sum by (route, code) (rate(trx_http_requests_total{`+sel+`,route=~"/api/v1/(classify|categories|rules|classifier|transactions/.*category|transactions/.*auto-categorize).*"}[$__rate_interval]))`, "{{code}} {{route}}")))
}
