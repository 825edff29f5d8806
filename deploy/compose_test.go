package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"

	"github.com/trx-platform/trx/internal/proxy"
)

var (
	composeDir  = filepath.Join(root, "deploy", "compose")
	composeFile = filepath.Join(composeDir, "docker-compose.yml")
	composeEnv  = filepath.Join(composeDir, ".env.example")
)

// loadCompose loads the compose file as `docker compose --env-file
// .env.example config` would: compose-go is the Compose Specification's
// reference loader (the one the docker compose CLI uses); it validates the
// file against the specification's JSON schema, interpolates ${VARIABLES}
// (a ${VAR:?…} that .env.example does not set fails), and checks references
// between services. The process environment is left out, so the result does
// not depend on the machine.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{composeFile},
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
		t.Fatalf("%s: %v", composeFile, err)
	}
	return p
}

// composeSpec is the part of the Compose Specification that the compose
// file uses. It is decoded strictly: a field outside it (a misspelling the
// schema would allow under x-…, or a new feature) fails here, so that each
// one is added, and checked below, on purpose.
type composeSpec struct {
	Name        string                    `json:"name"`
	Services    map[string]composeService `json:"services"`
	Volumes     map[string]*struct{}      `json:"volumes"`
	XTrxEnv     map[string]string         `json:"x-trx-env"`
	XTrxDepends map[string]composeDepends `json:"x-trx-depends"`
}

type composeService struct {
	Image       string                    `json:"image"`
	Build       *composeBuild             `json:"build"`
	Command     []string                  `json:"command"`
	Environment map[string]string         `json:"environment"`
	Ports       []string                  `json:"ports"`
	Volumes     []string                  `json:"volumes"`
	Healthcheck *composeHealthcheck       `json:"healthcheck"`
	DependsOn   map[string]composeDepends `json:"depends_on"`
	Deploy      *struct {
		Replicas int `json:"replicas"`
	} `json:"deploy"`
	Networks map[string]struct {
		Aliases []string `json:"aliases"`
	} `json:"networks"`
	Restart string `json:"restart"`
}

type composeBuild struct {
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Args       map[string]string `json:"args"`
}

type composeHealthcheck struct {
	Test        []string `json:"test"`
	Interval    string   `json:"interval"`
	Timeout     string   `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod string   `json:"start_period"`
}

type composeDepends struct {
	Condition string `json:"condition"`
}

func TestComposeStrictStructure(t *testing.T) {
	var spec composeSpec
	// YAML anchors and merge keys (<<: *trx-env) are resolved by the YAML
	// reader before the strict JSON decoding.
	if err := yaml.UnmarshalStrict(readFile(t, composeFile), &spec); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	if spec.Name != "trx" {
		t.Errorf("name %q, want trx (the project name, for stable container and volume names)", spec.Name)
	}
	for name, s := range spec.Services {
		if s.Image == "" {
			t.Errorf("service %s: no image", name)
		}
		for dep, d := range s.DependsOn {
			if _, ok := spec.Services[dep]; !ok {
				t.Errorf("service %s: depends on %s, which is no service", name, dep)
			}
			if !slices.Contains([]string{"service_started", "service_healthy", "service_completed_successfully"}, d.Condition) {
				t.Errorf("service %s: depends on %s with condition %q", name, dep, d.Condition)
			}
		}
		for _, v := range s.Volumes {
			vol, _, _ := strings.Cut(v, ":")
			if _, ok := spec.Volumes[vol]; !ok {
				t.Errorf("service %s: volume %s is not declared under volumes", name, vol)
			}
		}
	}
}

func TestCompose(t *testing.T) {
	p := loadCompose(t)
	serve := trxFlags(t, "serve")

	want := []string{"mysql", "nats", "migrate", "gateway", "transactions-1", "transactions-2", "classifier", "report", "notifier-1", "notifier-2"}
	got := p.ServiceNames()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("services %v, want %v", got, want)
	}

	// Engines: MySQL 8 and NATS with JetStream on a volume, both with a
	// healthcheck that the trx services wait for.
	if s, ok := p.Services["mysql"]; ok {
		if !strings.HasPrefix(s.Image, "mysql:8") {
			t.Errorf("mysql: image %s, want mysql:8.x", s.Image)
		}
		if !slices.Contains(s.Command, "--log-bin-trust-function-creators=1") {
			t.Errorf("mysql: without --log-bin-trust-function-creators=1 (binary logging is on in MySQL 8), the trx user cannot create the change-capture triggers")
		}
		checkHealthcheck(t, "mysql", s)
	}
	if s, ok := p.Services["nats"]; ok {
		if !strings.HasPrefix(s.Image, "nats:2.10") {
			t.Errorf("nats: image %s, want nats:2.10", s.Image)
		}
		for _, arg := range []string{"-js", "-sd", "/data", "-m", "8222"} {
			if !slices.Contains(s.Command, arg) {
				t.Errorf("nats: command %q lacks %s (JetStream, its store on the volume, monitoring on 8222)", s.Command, arg)
			}
		}
		checkHealthcheck(t, "nats", s)
		if hc := s.HealthCheck; hc != nil && !strings.Contains(strings.Join(hc.Test, " "), ":8222/healthz") {
			t.Errorf("nats: healthcheck %q does not ask the monitoring port's /healthz", hc.Test)
		}
		if !mountsVolumeAt(s, "/data") {
			t.Errorf("nats: /data (the JetStream store) is not on a volume")
		}
	}
	if s, ok := p.Services["mysql"]; ok && !mountsVolumeAt(s, "/var/lib/mysql") {
		t.Errorf("mysql: /var/lib/mysql is not on a volume")
	}

	// Every dependency is a service; service_healthy ones have a
	// healthcheck, service_completed_successfully ones are one-shot.
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		for dep, d := range s.DependsOn {
			ds, ok := p.Services[dep]
			if !ok {
				t.Errorf("%s: depends on unknown service %s", name, dep)
				continue
			}
			switch d.Condition {
			case types.ServiceConditionHealthy:
				if ds.HealthCheck == nil || ds.HealthCheck.Disable {
					t.Errorf("%s: waits for %s to be healthy, which has no healthcheck", name, dep)
				}
			case types.ServiceConditionCompletedSuccessfully:
				if ds.Restart != "no" && ds.Restart != "" {
					t.Errorf("%s: waits for %s to complete, but %s restarts (%q)", name, dep, dep, ds.Restart)
				}
			}
		}
	}

	// The trx image: built once (by one service) from deploy/Dockerfile,
	// used by every trx service.
	var builders []string
	trxImage := ""
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if s.Build == nil {
			continue
		}
		builders = append(builders, name)
		trxImage = s.Image
		df := s.Build.Dockerfile
		if !filepath.IsAbs(df) {
			df = filepath.Join(s.Build.Context, df)
		}
		if want, _ := filepath.Abs(filepath.Join(root, "deploy", "Dockerfile")); df != want {
			t.Errorf("%s: builds %s, want %s", name, df, want)
		}
		if want, _ := filepath.Abs(root); s.Build.Context != want {
			t.Errorf("%s: build context %s, want the repository root %s", name, s.Build.Context, want)
		}
	}
	if len(builders) != 1 {
		t.Fatalf("services %v build an image; want one (the others use its image)", builders)
	}
	trx := map[string]types.ServiceConfig{}
	for _, name := range p.ServiceNames() {
		if s := p.Services[name]; s.Image == trxImage {
			trx[name] = s
		}
	}
	if len(trx) != len(want)-2 {
		t.Errorf("%d services run the trx image %s, want all but mysql and nats", len(trx), trxImage)
	}

	// trx services: flags and variables that exist; every one waits for a
	// healthy MySQL and NATS and for the migrations; secrets come from .env.
	migrate := trxFlags(t, "migrate")
	users := trxFlags(t, "users")
	comps := map[string][]string{}
	for name, s := range trx {
		env := envNames(s)
		if name == "migrate" {
			if len(s.Command) == 0 || s.Command[0] != "migrate" {
				t.Errorf("migrate: command %q, want migrate", s.Command)
			}
			migrate.checkEnv(t, name, env)
			// `docker compose run migrate users add …` is the README's way
			// to make a key: its environment must suit `trx users` too.
			users.checkEnv(t, name, env)
			continue
		}
		if len(s.Command) != 0 {
			t.Errorf("%s: command %q: leave it to the image's CMD (serve --addr 0.0.0.0:8080) and configure with TRX_* variables", name, s.Command)
		}
		serve.checkEnv(t, name, env)
		for dep, cond := range map[string]string{"mysql": types.ServiceConditionHealthy, "nats": types.ServiceConditionHealthy,
			"migrate": types.ServiceConditionCompletedSuccessfully} {
			if d, ok := s.DependsOn[dep]; !ok || d.Condition != cond {
				t.Errorf("%s: want depends_on %s: %s", name, dep, cond)
			}
		}
		if v := envValue(s, "TRX_MIGRATE"); v != "false" {
			t.Errorf("%s: TRX_MIGRATE=%q: with the migrate service, the servers should refuse an out-of-date schema rather than migrate", name, v)
		}
		c := envValue(s, "TRX_COMPONENTS")
		if !slices.Contains(components, c) {
			t.Errorf("%s: TRX_COMPONENTS=%q, want one of %v", name, c, components)
		}
		comps[c] = append(comps[c], name)
		for _, must := range []string{"TRX_DB", "TRX_NATS", "TRX_INTERNAL_SECRET"} {
			if envValue(s, must) == "" {
				t.Errorf("%s: no %s", name, must)
			}
		}
		if u, err := url.Parse(envValue(s, "TRX_NATS")); err != nil || u.Scheme != "nats" || p.Services[u.Hostname()].Name == "" {
			t.Errorf("%s: TRX_NATS=%q: want nats://<the nats service>:4222", name, envValue(s, "TRX_NATS"))
		}
		if u, err := url.Parse(envValue(s, "TRX_DB")); err != nil || u.Scheme != "mysql" || p.Services[u.Hostname()].Name == "" {
			t.Errorf("%s: TRX_DB does not point at the mysql service", name)
		}
	}
	if v := envValue(p.Services["migrate"], "TRX_DB"); v != envValue(p.Services["gateway"], "TRX_DB") {
		t.Errorf("migrate migrates another database than the services use")
	}
	for _, c := range components {
		if len(comps[c]) == 0 {
			t.Errorf("component %s: no service runs it", c)
		}
	}
	if n := len(comps["transactions"]); n != 2 {
		t.Errorf("transactions: %d replicas, want 2", n)
	}
	// Notifiers: two nodes, each with its own --node.
	nodes := map[string]string{}
	for _, name := range comps["notifier"] {
		s := p.Services[name]
		node := envValue(s, "TRX_NODE")
		if node == "" || replicas(s) != 1 {
			t.Errorf("%s: a notifier needs its own TRX_NODE and one replica", name)
		}
		if prev, dup := nodes[node]; dup {
			t.Errorf("%s and %s: the same TRX_NODE %q", prev, name, node)
		}
		nodes[node] = name
	}
	if len(nodes) != 2 {
		t.Errorf("%d notifier nodes, want 2", len(nodes))
	}

	// The gateway: the only published port, upstreams that resolve to the
	// services of each component.
	for name, s := range trx {
		if name != "gateway" && len(s.Ports) > 0 {
			t.Errorf("%s: publishes ports; only the gateway should be reachable from outside", name)
		}
	}
	gw := p.Services["gateway"]
	if len(gw.Ports) != 1 || gw.Ports[0].Target != 8080 {
		t.Errorf("gateway: ports %+v, want one publishing container port 8080", gw.Ports)
	} else if gw.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("gateway: published on %q by default; want 127.0.0.1 (TRX_HTTP_BIND opens it up on purpose)", gw.Ports[0].HostIP)
	}
	// Parsed as trx parses it: each component's replicas, each a service
	// (or network alias) that runs that component and that the gateway
	// waits for.
	ups, err := proxy.ParseUpstreams(envValue(gw, "TRX_UPSTREAM"))
	if err != nil {
		t.Fatalf("gateway TRX_UPSTREAM: %v", err)
	}
	for _, c := range components {
		if c != "gateway" && len(ups[c]) == 0 {
			t.Errorf("gateway TRX_UPSTREAM: no upstream for %s", c)
		}
	}
	for comp, urls := range ups {
		if !slices.Contains(components, comp) || comp == "gateway" {
			t.Errorf("gateway TRX_UPSTREAM: %q is no service component", comp)
		}
		var reached []string
		for _, u := range urls {
			if u.Scheme != "http" || u.Port() != "8080" {
				t.Errorf("gateway TRX_UPSTREAM %s=%s: want http://host:8080", comp, u)
				continue
			}
			hosts := dnsNames(p, u.Hostname())
			if len(hosts) == 0 {
				t.Errorf("gateway TRX_UPSTREAM %s: host %s is no service or network alias", comp, u.Hostname())
			}
			for _, h := range hosts {
				if c := envValue(p.Services[h], "TRX_COMPONENTS"); c != comp {
					t.Errorf("gateway TRX_UPSTREAM %s: %s reaches %s, which runs %q", comp, u.Hostname(), h, c)
				}
				if _, ok := gw.DependsOn[h]; !ok {
					t.Errorf("gateway: does not depend on its upstream %s", h)
				}
			}
			reached = append(reached, hosts...)
		}
		slices.Sort(reached)
		reached = slices.Compact(reached)
		if all := slices.Sorted(slices.Values(comps[comp])); !slices.Equal(reached, all) {
			t.Errorf("gateway TRX_UPSTREAM %s: reaches %v, but %v run %s", comp, reached, all, comp)
		}
	}
}

// TestComposeEnvExample checks .env.example: every variable the compose
// file requires (${VAR:?…}) is there, and every value of a secret is a
// placeholder.
func TestComposeEnvExample(t *testing.T) {
	env, err := dotenv.GetEnvFromFile(nil, []string{composeEnv})
	if err != nil {
		t.Fatal(err)
	}
	src := string(readFile(t, composeFile))
	for _, m := range strings.Split(src, "${")[1:] {
		expr, _, _ := strings.Cut(m, "}")
		if v, _, ok := strings.Cut(expr, ":?"); ok {
			if _, set := env[v]; !set {
				t.Errorf("%s requires %s, which .env.example does not set", filepath.Base(composeFile), v)
			}
		}
	}
	for k, v := range env {
		if (strings.Contains(k, "PASSWORD") || strings.Contains(k, "SECRET")) && !strings.Contains(v, "CHANGE-ME") {
			t.Errorf(".env.example: %s=%q does not look like a placeholder (CHANGE-ME): never commit a real secret", k, v)
		}
	}
	if _, err := os.Stat(filepath.Join(composeDir, ".env")); err == nil {
		t.Logf("note: %s/.env exists; it must not be committed", composeDir)
	}
}

// TestComposeConfigCLI runs `docker compose config`, which validates without
// a Docker engine, when the compose CLI plugin is installed (it is not on
// every machine: then the loader test above is the check).
func TestComposeConfigCLI(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("no docker CLI")
	}
	if err := exec.Command(docker, "compose", "version").Run(); err != nil {
		t.Skip("no docker compose plugin")
	}
	cmd := exec.Command(docker, "compose", "-f", composeFile, "--env-file", composeEnv, "config", "--format", "json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker compose config: %v\n%s", err, stderr.String())
	}
	var cfg struct {
		Services map[string]json.RawMessage `json:"services"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Services) != len(loadCompose(t).Services) {
		t.Errorf("docker compose config sees %d services, the loader %d", len(cfg.Services), len(loadCompose(t).Services))
	}
}

func checkHealthcheck(t *testing.T, name string, s types.ServiceConfig) {
	t.Helper()
	hc := s.HealthCheck
	if hc == nil || hc.Disable || len(hc.Test) < 2 || (hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL") {
		t.Errorf("%s: no healthcheck (CMD or CMD-SHELL)", name)
		return
	}
	if hc.Interval == nil || hc.Retries == nil || hc.Timeout == nil {
		t.Errorf("%s: healthcheck without interval, timeout and retries", name)
	}
}

func mountsVolumeAt(s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Target == target {
			return true
		}
	}
	return false
}

func envNames(s types.ServiceConfig) []string {
	var out []string
	for k := range s.Environment {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func envValue(s types.ServiceConfig, k string) string {
	if v := s.Environment[k]; v != nil {
		return *v
	}
	return ""
}

func replicas(s types.ServiceConfig) int {
	if s.Deploy != nil && s.Deploy.Replicas != nil {
		return *s.Deploy.Replicas
	}
	return 1
}

// dnsNames is the services that a host name reaches on the default network:
// the service of that name, or those with that network alias.
func dnsNames(p *types.Project, host string) []string {
	var out []string
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if name == host {
			out = append(out, name)
			continue
		}
		for _, n := range s.Networks {
			if n != nil && slices.Contains(n.Aliases, host) {
				out = append(out, name)
			}
		}
	}
	return out
}
