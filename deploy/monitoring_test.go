package deploy_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

var updatePrometheusRule = flag.Bool("update", false, "rewrite deploy/prometheus/operator/prometheusrule.yaml from the rules file")

var (
	monitoringFile = filepath.Join(composeDir, "monitoring.yml")
	promConfig     = filepath.Join(composeDir, "prometheus.yml")
	rulesFile      = filepath.Join(root, "deploy", "prometheus", "rules", "trx.rules.yml")
	operatorDir    = filepath.Join(root, "deploy", "prometheus", "operator")
)

// loadComposeWithMonitoring loads docker-compose.yml with monitoring.yml
// over it, as `docker compose -f docker-compose.yml -f monitoring.yml`.
func loadComposeWithMonitoring(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{composeFile, monitoringFile},
		cli.WithWorkingDirectory(composeDir),
		cli.WithEnvFiles(composeEnv),
		cli.WithDotEnv,
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := opts.LoadProject(ctx)
	if err != nil {
		t.Fatalf("%s + %s: %v", composeFile, monitoringFile, err)
	}
	return p
}

// TestComposeMonitoring: the monitoring overlay adds Prometheus and Grafana
// on loopback, mounts files that exist (rules, provisioning, dashboards),
// and Prometheus scrapes every trx service of the stack under its
// component's job name.
func TestComposeMonitoring(t *testing.T) {
	p := loadComposeWithMonitoring(t)
	for _, name := range []string{"prometheus", "grafana"} {
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if len(s.Ports) != 1 || s.Ports[0].HostIP != "127.0.0.1" {
			t.Errorf("%s: ports %+v, want one, on 127.0.0.1", name, s.Ports)
		}
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s: mounts %s, which does not exist", name, v.Source)
			}
		}
	}
	mounts := func(service, target string) string {
		for _, v := range p.Services[service].Volumes {
			if v.Target == target {
				return v.Source
			}
		}
		t.Errorf("%s: nothing mounted at %s", service, target)
		return ""
	}
	if src := mounts("prometheus", "/etc/prometheus/rules"); src != "" {
		if got, _ := filepath.Abs(filepath.Dir(rulesFile)); src != got {
			t.Errorf("prometheus: rules from %s, want %s", src, got)
		}
	}
	if src := mounts("grafana", "/var/lib/grafana/dashboards/trx"); src != "" {
		if files, _ := filepath.Glob(filepath.Join(src, "*.json")); len(files) < 3 {
			t.Errorf("grafana: %s holds %d dashboards", src, len(files))
		}
	}
	mounts("grafana", "/etc/grafana/provisioning")

	var cfg struct {
		RuleFiles     []string `json:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `json:"job_name"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
		Global map[string]string `json:"global"`
	}
	if err := yaml.UnmarshalStrict(readFile(t, promConfig), &cfg); err != nil {
		t.Fatalf("%s: %v", promConfig, err)
	}
	if len(cfg.RuleFiles) != 1 || cfg.RuleFiles[0] != "/etc/prometheus/rules/*.yml" {
		t.Errorf("rule_files %v, want the mounted rules", cfg.RuleFiles)
	}
	scraped := map[string]string{} // host:port -> job
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				scraped[target] = sc.JobName
			}
		}
	}
	for name, s := range p.Services {
		comp := envValue(s, "TRX_COMPONENTS")
		if comp == "" {
			continue // not a trx server (mysql, nats, migrate, prometheus, grafana)
		}
		if job, ok := scraped[name+":8080"]; !ok {
			t.Errorf("prometheus.yml does not scrape %s", name)
		} else if job != comp {
			t.Errorf("prometheus.yml scrapes %s as job %q, want its component %q", name, job, comp)
		}
		delete(scraped, name+":8080")
	}
	for target := range scraped {
		t.Errorf("prometheus.yml scrapes %s, which is no trx service", target)
	}
}

// TestPrometheusRule: the Operator's PrometheusRule holds exactly the
// groups of deploy/prometheus/rules/trx.rules.yml (go test -run
// TestPrometheusRule -update . rewrites it).
func TestPrometheusRule(t *testing.T) {
	rules := string(readFile(t, rulesFile))
	i := strings.Index(rules, "\ngroups:")
	if i < 0 {
		t.Fatal("the rules file has no groups")
	}
	var b strings.Builder
	b.WriteString(`# GENERATED from deploy/prometheus/rules/trx.rules.yml: do not edit; run
#   (cd deploy && go test -run TestPrometheusRule -update .)
# after changing the rules. The rules are documented there.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: trx
  namespace: trx
  labels:
    app.kubernetes.io/name: trx
    app.kubernetes.io/part-of: trx
    release: prometheus
spec:
`)
	for _, line := range strings.SplitAfter(rules[i+1:], "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("  ")
		}
		b.WriteString(line)
	}
	path := filepath.Join(operatorDir, "prometheusrule.yaml")
	if *updatePrometheusRule {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, path); !bytes.Equal(got, []byte(b.String())) {
		t.Fatalf("%s is not the rules file's groups: run (cd deploy && go test -run TestPrometheusRule -update .)", path)
	}
	var pr struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Groups []struct {
				Name  string           `json:"name"`
				Rules []map[string]any `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(readFile(t, path), &pr); err != nil {
		t.Fatal(err)
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" || len(pr.Spec.Groups) < 3 {
		t.Fatalf("%s: %s %s with %d groups", path, pr.APIVersion, pr.Kind, len(pr.Spec.Groups))
	}
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			for k := range r {
				if !slices.Contains([]string{"record", "alert", "expr", "for", "labels", "annotations"}, k) {
					t.Errorf("group %s: a rule with field %q, which the PrometheusRule CRD does not know", g.Name, k)
				}
			}
		}
	}
}

// TestPodMonitor: the PodMonitor (strictly decoded) selects every trx
// Deployment's pods and scrapes a port that each of their trx containers
// names, with job set from the label that names the component.
func TestPodMonitor(t *testing.T) {
	var pm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			PodMetricsEndpoints []struct {
				Port          string `json:"port"`
				Path          string `json:"path"`
				Interval      string `json:"interval"`
				ScrapeTimeout string `json:"scrapeTimeout"`
				Relabelings   []struct {
					SourceLabels []string `json:"sourceLabels"`
					TargetLabel  string   `json:"targetLabel"`
				} `json:"relabelings"`
			} `json:"podMetricsEndpoints"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(readFile(t, filepath.Join(operatorDir, "podmonitor.yaml")), &pm); err != nil {
		t.Fatal(err)
	}
	if pm.APIVersion != "monitoring.coreos.com/v1" || pm.Kind != "PodMonitor" || len(pm.Spec.PodMetricsEndpoints) != 1 {
		t.Fatalf("podmonitor.yaml: %s %s with %d endpoints", pm.APIVersion, pm.Kind, len(pm.Spec.PodMetricsEndpoints))
	}
	ep := pm.Spec.PodMetricsEndpoints[0]
	if ep.Path != "/metrics" {
		t.Errorf("scrapes %s, want /metrics", ep.Path)
	}
	jobFrom := ""
	for _, r := range ep.Relabelings {
		if r.TargetLabel == "job" && len(r.SourceLabels) == 1 {
			jobFrom = r.SourceLabels[0]
		}
	}
	const componentLabel = "__meta_kubernetes_pod_label_app_kubernetes_io_component"
	if jobFrom != componentLabel {
		t.Errorf("job is set from %q, want %s (the dashboards and rules group by the component)", jobFrom, componentLabel)
	}
	files, _ := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	deployments := 0
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		objs, err := decodeManifests(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			d, ok := o.obj.(*appsv1.Deployment)
			if !ok {
				continue
			}
			deployments++
			pod := d.Spec.Template.Labels
			for k, v := range pm.Spec.Selector.MatchLabels {
				if pod[k] != v {
					t.Errorf("%s: pods lack %s=%s: the PodMonitor does not select them", o.where, k, v)
				}
			}
			if pod["app.kubernetes.io/component"] == "" {
				t.Errorf("%s: pods have no app.kubernetes.io/component label for the job", o.where)
			}
			for _, c := range d.Spec.Template.Spec.Containers {
				if !isTrx(c) {
					continue
				}
				if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == ep.Port }) {
					t.Errorf("%s: container %s names no port %q", o.where, c.Name, ep.Port)
				}
			}
		}
	}
	if deployments < len(components) {
		t.Errorf("checked %d Deployments, want one per component (%d)", deployments, len(components))
	}
}
