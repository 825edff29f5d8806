package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/envflag"
	"github.com/trx-platform/trx/internal/proxy"
)

func splitFlags(fs *envflag.FlagSet, cfg *serveConfig) {
	def := "all"
	if v, ok := fs.Env("components"); ok {
		def = v
	}
	if err := cfg.Components.Set(def); err != nil {
		fs.BadEnv(envflag.EnvName("components") + ": " + err.Error())
	}
	fs.Var(&cfg.Components, "components", fs.Help("components",
		"components this process runs: all, or a list of gateway, transactions, classifier, report, notifier (default all)"))
	fs.URLVar(&cfg.Upstreams, "upstream", "", "for a gateway: where the services it does not run are, as name=http://host:port,… (a name given twice has two replicas)")
	fs.SecretVar(&cfg.InternalSecret, "internal-secret", "", "shared secret between gateway and services: a gateway sends it, a service without the gateway component accepts only requests that carry it (at least 32 characters, not a placeholder)")
	fs.StringVar(&cfg.internalSecretFile, "internal-secret-file", "", "read --internal-secret from this file (a mounted secret), instead of the flag or its environment variable")
	fs.BoolVar(&cfg.BootstrapAdmin, "bootstrap-admin", false, "create the user admin on an empty database in this process even though it does not run every component (the all-in-one serve always does)")
}

// MinInternalSecret is the shortest --internal-secret accepted.
const MinInternalSecret = 32

// loadInternalSecret reads --internal-secret-file, and checks the secret:
// long enough to be random, and not a placeholder left from an example.
func (cfg *serveConfig) loadInternalSecret() error {
	if cfg.internalSecretFile != "" {
		if cfg.InternalSecret != "" {
			return fmt.Errorf("serve: give --internal-secret or --internal-secret-file, not both")
		}
		b, err := os.ReadFile(cfg.internalSecretFile)
		if err != nil {
			return fmt.Errorf("serve: --internal-secret-file: %w", err)
		}
		cfg.InternalSecret = strings.TrimSpace(string(b))
		if cfg.InternalSecret == "" {
			return fmt.Errorf("serve: --internal-secret-file %s is empty", cfg.internalSecretFile)
		}
	}
	return checkInternalSecret(cfg.InternalSecret)
}

// checkInternalSecret refuses a short secret or a placeholder ("" is no
// secret at all, which a single process needs not have).
func checkInternalSecret(s string) error {
	if s == "" {
		return nil
	}
	low := strings.ToLower(s)
	for _, p := range []string{"change-me", "changeme", "change_me", "replace-me", "replaceme", "example", "placeholder", "xxxx"} {
		if strings.Contains(low, p) {
			return fmt.Errorf("serve: --internal-secret looks like a placeholder (it contains %q); generate one, e.g. openssl rand -base64 32", p)
		}
	}
	if len(s) < MinInternalSecret {
		return fmt.Errorf("serve: --internal-secret has %d characters; it needs at least %d random ones, e.g. openssl rand -base64 32", len(s), MinInternalSecret)
	}
	distinct := map[rune]bool{}
	for _, r := range s {
		distinct[r] = true
	}
	if len(distinct) < 8 {
		return fmt.Errorf("serve: --internal-secret repeats a few characters; generate a random one, e.g. openssl rand -base64 32")
	}
	return nil
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
	pc := proxy.Config{Upstreams: ups, Secret: s.cfg.InternalSecret, WrapTransport: s.tel.Transport}
	if s.cfg.InternalSecret != "" {
		pc.Signer = auth.NewSigner(s.cfg.InternalSecret, s.cfg.Gateway.now) // services trust the principal without a lookup
	}
	p := proxy.New(pc, reg, s.log)
	s.log.Info("gateway_upstreams", "services", strings.Join(p.Names(), ","))
	return p, nil
}
