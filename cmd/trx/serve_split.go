package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/proxy"
)

// The components a trx process can run.
const (
	compGateway      = "gateway"
	compTransactions = "transactions"
	compClassifier   = "classifier"
	compReport       = "report"
	compNotifier     = "notifier"
)

var allComponents = []string{compGateway, compTransactions, compClassifier, compReport, compNotifier}

// components is the set of components this process runs.
type components map[string]bool

func (c components) has(name string) bool { return c[name] }

func (c components) any(names ...string) bool {
	for _, n := range names {
		if c[n] {
			return true
		}
	}
	return false
}

func (c components) String() string {
	var out []string
	for n := range c {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Set parses a comma-separated list ("all" for every component).
func (c *components) Set(s string) error {
	out := components{}
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "all":
			for _, a := range allComponents {
				out[a] = true
			}
		case n == "":
		case contains(allComponents, n):
			out[n] = true
		default:
			return fmt.Errorf("unknown component %q; want a list of %s, or all", n, strings.Join(allComponents, ", "))
		}
	}
	if len(out) == 0 {
		return fmt.Errorf("name at least one component")
	}
	*c = out
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func splitFlags(fs *flagSet, cfg *serveConfig) {
	def := "all"
	if v, ok := fs.env("components"); ok {
		def = v
	}
	if err := cfg.Components.Set(def); err != nil {
		fs.errs = append(fs.errs, envName("components")+": "+err.Error())
	}
	fs.Var(&cfg.Components, "components", fs.help("components",
		"components this process runs: all, or a list of gateway, transactions, classifier, report, notifier (default all)"))
	fs.stringVar(&cfg.Upstreams, "upstream", "", "for a gateway: where the services it does not run are, as name=http://host:port,… (a name given twice has two replicas)")
	fs.stringVar(&cfg.InternalSecret, "internal-secret", "", "shared secret between gateway and services: a gateway sends it, a service without the gateway component accepts only requests that carry it")
}

// buildProxy prepares forwarding to the upstream services, for a gateway.
func (s *server) buildProxy(reg prometheus.Registerer) error {
	if !s.cfg.Components.has(compGateway) || s.cfg.Upstreams == "" {
		if s.cfg.Upstreams != "" {
			return fmt.Errorf("serve: --upstream is for a process that runs the gateway component")
		}
		return nil
	}
	ups, err := proxy.ParseUpstreams(s.cfg.Upstreams)
	if err != nil {
		return fmt.Errorf("serve: --upstream: %w", err)
	}
	for name := range ups {
		if name == compGateway || !contains(allComponents, name) {
			return fmt.Errorf("serve: --upstream names %q; want transactions, classifier, report or notifier", name)
		}
		if s.cfg.Components.has(name) {
			return fmt.Errorf("serve: --upstream names %q, which this process runs itself", name)
		}
	}
	s.proxy = proxy.New(proxy.Config{Upstreams: ups, Secret: s.cfg.InternalSecret}, reg, s.log)
	s.log.Info("gateway_upstreams", "services", strings.Join(s.proxy.Names(), ","))
	return nil
}
