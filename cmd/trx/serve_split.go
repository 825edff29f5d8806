package main

import (
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/proxy"
)

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

// buildProxy prepares forwarding to the upstream services, for a gateway
// (nil when there are none).
func (s *server) buildProxy(reg prometheus.Registerer) (*proxy.Proxy, error) {
	if !s.cfg.Components.has(compGateway) || s.cfg.Upstreams == "" {
		if s.cfg.Upstreams != "" {
			return nil, fmt.Errorf("serve: --upstream is for a process that runs the gateway component")
		}
		return nil, nil
	}
	ups, err := proxy.ParseUpstreams(s.cfg.Upstreams)
	if err != nil {
		return nil, fmt.Errorf("serve: --upstream: %w", err)
	}
	for name := range ups {
		if name == compGateway || !contains(allComponents(), name) {
			return nil, fmt.Errorf("serve: --upstream names %q; want transactions, classifier, report or notifier", name)
		}
		if s.cfg.Components.has(name) {
			return nil, fmt.Errorf("serve: --upstream names %q, which this process runs itself", name)
		}
	}
	p := proxy.New(proxy.Config{Upstreams: ups, Secret: s.cfg.InternalSecret, WrapTransport: s.tel.Transport}, reg, s.log)
	s.log.Info("gateway_upstreams", "services", strings.Join(p.Names(), ","))
	return p, nil
}
