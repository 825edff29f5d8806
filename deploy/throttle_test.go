package deploy_test

import (
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// throttled are the variables that turn throttling on in a deployment:
// every deploy file sets each to a positive number (the container listens
// on 0.0.0.0, where trx's own default is on too, but a deployment says so).
var throttled = []string{"TRX_RATE_LIMIT", "TRX_IP_RATE_LIMIT", "TRX_USER_CONCURRENCY"}

func positive(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && f > 0
}

// TestThrottlingOn: the image, compose and Kubernetes all throttle per API
// key and per client IP and bound expensive requests per user (issue 12:
// throttling was off in all three).
func TestThrottlingOn(t *testing.T) {
	env := map[string]string{}
	for _, in := range parseDockerfile(t) {
		if in.cmd != "ENV" {
			continue
		}
		for _, kv := range strings.Fields(in.args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	for _, k := range throttled {
		if !positive(env[k]) {
			t.Errorf("Dockerfile: ENV %s=%q, want a positive number", k, env[k])
		}
	}

	p := loadCompose(t)
	for _, s := range p.Services {
		if s.Name != "gateway" {
			continue
		}
		for _, k := range throttled {
			if v := envValue(s, k); !positive(v) {
				t.Errorf("compose gateway: %s=%q, want a positive number", k, v)
			}
		}
	}

	for _, set := range loadKustomizations(t) {
		o := set.find("ConfigMap", "trx-config")
		if o == nil {
			continue
		}
		data := o.obj.(*corev1.ConfigMap).Data
		for _, k := range throttled {
			if !positive(data[k]) {
				t.Errorf("k8s ConfigMap trx-config: %s=%q, want a positive number", k, data[k])
			}
		}
		return
	}
	t.Error("no ConfigMap trx-config in deploy/k8s")
}
