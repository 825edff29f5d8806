package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// exposed is what trx's /metrics showed: each series name with the label
// sets it was seen with.
type exposed map[string][]map[string]string

var seriesLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? `)
var labelPair = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

func scrape(t *testing.T, addr string, into exposed) {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics of %s: %d", addr, res.StatusCode)
	}
	for _, line := range strings.Split(string(body), "\n") {
		m := seriesLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			labels[p[1]] = p[2]
		}
		into[m[1]] = append(into[m[1]], labels)
	}
}

// queries returns every PromQL expression of the dashboards and the rules,
// by where it is, and the names the rules record.
func queries(t *testing.T) (exprs map[string]string, recorded map[string]bool) {
	t.Helper()
	exprs, recorded = map[string]string{}, map[string]bool{}
	boards, _ := filepath.Glob("../../deploy/grafana/dashboards/*.json")
	rules, _ := filepath.Glob("../../deploy/prometheus/rules/*.yml")
	if len(boards) < 3 || len(rules) == 0 {
		t.Fatalf("found %d dashboards and %d rule files", len(boards), len(rules))
	}
	for _, f := range boards {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Title   string
				Targets []struct{ Expr string }
			}
			Templating struct {
				List []struct {
					Name  string
					Query any
				}
			}
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			for i, q := range p.Targets {
				exprs[fmt.Sprintf("%s: %q #%d", filepath.Base(f), p.Title, i)] = q.Expr
			}
		}
		for _, v := range d.Templating.List {
			if s, ok := v.Query.(string); ok && strings.HasPrefix(s, "label_values(") {
				// label_values(metric, label)
				metric, _, _ := strings.Cut(strings.TrimPrefix(s, "label_values("), ",")
				exprs[filepath.Base(f)+": variable "+v.Name] = strings.TrimSpace(metric)
			}
		}
	}
	for _, f := range rules {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Groups []struct {
				Rules []struct{ Record, Alert, Expr string }
			}
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(false) // labels and annotations are not decoded here
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range doc.Groups {
			for _, r := range g.Rules {
				exprs[filepath.Base(f)+": "+r.Record+r.Alert] = r.Expr
				if r.Record != "" {
					recorded[r.Record] = true
				}
			}
		}
	}
	return exprs, recorded
}

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promGrouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promSelector = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}`)
	promMatcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
		"group_right": true, "bool": true, "and": true, "or": true, "unless": true, "offset": true, "inf": true, "nan": true}
)

// matcher is one label matcher of a selector.
type matcher struct{ label, op, value string }

// metricsOf returns the metric names an expression reads, with the label
// matchers given for each.
func metricsOf(expr string) map[string][]matcher {
	out := map[string][]matcher{}
	for _, m := range promSelector.FindAllStringSubmatch(expr, -1) {
		for _, mm := range promMatcher.FindAllStringSubmatch(m[2], -1) {
			out[m[1]] = append(out[m[1]], matcher{mm[1], mm[2], mm[3]})
		}
	}
	bare := promSelector.ReplaceAllString(expr, "$1")
	bare = promString.ReplaceAllString(bare, `""`)
	bare = promGrouping.ReplaceAllString(bare, "")
	bare = promRange.ReplaceAllString(bare, "")
	for _, loc := range promIdent.FindAllStringIndex(bare, -1) {
		name := bare[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsAny(bare[loc[0]-1:loc[0]], "0123456789.$") {
			continue // part of a number (1e3) or a variable
		}
		if rest := strings.TrimLeft(bare[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") || promKeywords[strings.ToLower(name)] {
			continue // a function, or a keyword
		}
		if _, ok := out[name]; !ok {
			out[name] = nil
		}
	}
	return out
}

func TestMetricsOf(t *testing.T) {
	got := metricsOf(`histogram_quantile(0.99, sum by (le, route) (rate(trx_x_bucket{instance=~"$instance",route!="/ws"}[$__rate_interval]))) / on (job) group_left sum(up) > 1e3 and job:y:rate5m`)
	want := map[string][]matcher{
		"trx_x_bucket": {{"instance", "=~", "$instance"}, {"route", "!=", "/ws"}},
		"up":           nil,
		"job:y:rate5m": nil,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("metricsOf = %v, want %v", got, want)
	}
}

// TestDashboardMetricsExist runs a split deployment in-process (a gateway
// forwarding to a process that runs every other component), sends traffic
// of every kind through the gateway (API calls, a refused key, a stock
// change delivered over a WebSocket, a classification), scrapes both
// processes, and checks every query of the Grafana dashboards and the
// Prometheus rules against what they expose: each metric name exists (a
// name with a colon is one the rules record), each label a selector
// matches on exists on it, and each positive matcher (code=~"5..",
// reason="slow", a route regex) matches at least one exposed series.
func TestDashboardMetricsExist(t *testing.T) {
	exprs, recorded := queries(t)
	dir := t.TempDir()
	const secret = "operate-Xq7vTz2Lr0Yt5WmZa7Kc3Nf9Hd1Ps6"
	var backend serveConfig
	backend.DataDir, backend.InternalSecret, backend.BootstrapAdmin = dir, secret, true // a service makes the first user only when told
	if err := backend.Components.Set("transactions,classifier,report,notifier"); err != nil {
		t.Fatal(err)
	}
	baddr, key, _ := startServeWith(t, backend)
	var front serveConfig
	front.DataDir, front.InternalSecret = dir, secret
	front.Upstreams = fmt.Sprintf("transactions=http://%[1]s,classifier=http://%[1]s,report=http://%[1]s,notifier=http://%[1]s", baddr)
	if err := front.Components.Set("gateway"); err != nil {
		t.Fatal(err)
	}
	gaddr, _, _ := startServeWith(t, front)

	ws, _, err := dialWS(t, gaddr, key, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, gaddr, key, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme Corp","price":"100","currency":"USD"}`, 201)
	mustAPI(t, gaddr, key, "PATCH", "/api/v1/stocks/ACME", `{"price":"110"}`, 200)
	if got := ws.stockEvents(2); len(got) != 2 {
		t.Fatalf("%d stock events", len(got))
	}
	mustAPI(t, gaddr, key, "POST", "/api/v1/transactions", `{"amount":"-3.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`, 201)
	mustAPI(t, gaddr, key, "GET", "/api/v1/transactions", "", 200)
	mustAPI(t, gaddr, key, "POST", "/api/v1/classify", `{"items":[{"description":"TESCO STORES 123","amount":"-5.00","currency":"GBP"}]}`, 200)
	mustAPI(t, gaddr, "trx_not-a-key", "GET", "/api/v1/transactions", "", 401)

	got := exposed{}
	scrape(t, gaddr, got)
	scrape(t, baddr, got)
	for _, name := range []string{"trx_auth_failures_total", "trx_classifier_decisions_total", "trx_relay_published_total"} {
		if len(got[name]) == 0 {
			t.Fatalf("/metrics lacks %s after the traffic", name)
		}
	}

	names := make([]string, 0, len(exprs))
	for where := range exprs {
		names = append(names, where)
	}
	sort.Strings(names)
	checked := 0
	for _, where := range names {
		uses := metricsOf(exprs[where])
		if len(uses) == 0 {
			t.Errorf("%s: no metric found in %q", where, exprs[where])
		}
		for name, ms := range uses {
			checked++
			if strings.Contains(name, ":") {
				if !recorded[name] {
					t.Errorf("%s: reads %s, which no rule records", where, name)
				}
				continue
			}
			series, ok := got[name]
			if !ok {
				t.Errorf("%s: reads %s, which trx does not expose", where, name)
				continue
			}
			for _, m := range ms {
				if m.label == "job" || m.label == "instance" {
					continue // added by Prometheus at scrape time
				}
				if !hasLabel(series, m.label) {
					t.Errorf("%s: %s has no label %q", where, name, m.label)
					continue
				}
				if (m.op == "=" || m.op == "=~") && !anyMatches(series, m) {
					t.Errorf("%s: no exposed %s series has %s%s%q", where, name, m.label, m.op, m.value)
				}
			}
		}
	}
	if checked < 40 {
		t.Fatalf("checked only %d metric uses", checked)
	}
}

func hasLabel(series []map[string]string, label string) bool {
	for _, s := range series {
		if _, ok := s[label]; ok {
			return true
		}
	}
	return false
}

func anyMatches(series []map[string]string, m matcher) bool {
	re := regexp.MustCompile("^(?:" + m.value + ")$")
	for _, s := range series {
		if v, ok := s[m.label]; ok && (m.op == "=" && v == m.value || m.op == "=~" && re.MatchString(v)) {
			return true
		}
	}
	return false
}
