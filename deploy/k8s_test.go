package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/trx-platform/trx/internal/proxy"
)

var k8sDir = filepath.Join(root, "deploy", "k8s")

// mysqlMaxConnections is MySQL's default max_connections, the budget that
// the database connections of every trx pod at the autoscalers' maximum must
// stay under (configmap.yaml says so).
const mysqlMaxConnections = 151

// kustomization is the part of kustomize's Kustomization that these
// manifests use; any other field fails the strict decoding, so that a new
// one is added here (and checked) on purpose.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// object is one decoded manifest document.
type object struct {
	where string // file:document
	kind  string
	meta  *metav1.ObjectMeta
	obj   any
}

// newObject returns an empty value of the official type for apiVersion and
// kind: the kinds that deploy/k8s may use.
func newObject(apiVersion, kind string) (any, *metav1.ObjectMeta, error) {
	switch apiVersion + ", " + kind {
	case "v1, Namespace":
		o := &corev1.Namespace{}
		return o, &o.ObjectMeta, nil
	case "v1, Secret":
		o := &corev1.Secret{}
		return o, &o.ObjectMeta, nil
	case "v1, ConfigMap":
		o := &corev1.ConfigMap{}
		return o, &o.ObjectMeta, nil
	case "v1, Service":
		o := &corev1.Service{}
		return o, &o.ObjectMeta, nil
	case "apps/v1, Deployment":
		o := &appsv1.Deployment{}
		return o, &o.ObjectMeta, nil
	case "apps/v1, StatefulSet":
		o := &appsv1.StatefulSet{}
		return o, &o.ObjectMeta, nil
	case "autoscaling/v2, HorizontalPodAutoscaler":
		o := &autoscalingv2.HorizontalPodAutoscaler{}
		return o, &o.ObjectMeta, nil
	case "policy/v1, PodDisruptionBudget":
		o := &policyv1.PodDisruptionBudget{}
		return o, &o.ObjectMeta, nil
	}
	return nil, nil, fmt.Errorf("apiVersion %q kind %q: not a kind this test knows (add it to newObject)", apiVersion, kind)
}

// decodeManifests reads every YAML document of file and decodes it strictly
// (unknown or duplicate fields fail) into its official API type.
func decodeManifests(file string) ([]object, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		where := fmt.Sprintf("%s#%d", filepath.Base(file), i)
		j, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue // only comments
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		o, meta, err := newObject(tm.APIVersion, tm.Kind)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if err := yaml.UnmarshalStrict(doc, o); err != nil {
			return nil, fmt.Errorf("%s (%s %s): %w", where, tm.Kind, meta.Name, err)
		}
		out = append(out, object{where: where + " " + tm.Kind + "/" + meta.Name, kind: tm.Kind, meta: meta, obj: o})
	}
}

// manifestSet is what one kustomization applies.
type manifestSet struct {
	dir     string
	k       kustomization
	objects []object
}

func (s *manifestSet) find(kind, name string) *object {
	for i := range s.objects {
		if s.objects[i].kind == kind && s.objects[i].meta.Name == name {
			return &s.objects[i]
		}
	}
	return nil
}

func each[T any](s *manifestSet) []T {
	var out []T
	for _, o := range s.objects {
		if v, ok := o.obj.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// loadKustomizations decodes every kustomization under deploy/k8s and the
// manifests each one lists.
func loadKustomizations(t *testing.T) map[string]*manifestSet {
	t.Helper()
	sets := map[string]*manifestSet{}
	err := filepath.WalkDir(k8sDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "kustomization.yaml" {
			return err
		}
		dir := filepath.Dir(path)
		rel, _ := filepath.Rel(k8sDir, dir)
		s := &manifestSet{dir: rel}
		if err := yaml.UnmarshalStrict(readFile(t, path), &s.k); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if s.k.APIVersion != "kustomize.config.k8s.io/v1beta1" || s.k.Kind != "Kustomization" {
			t.Errorf("%s: apiVersion %q kind %q, want kustomize.config.k8s.io/v1beta1 Kustomization", path, s.k.APIVersion, s.k.Kind)
		}
		listed := map[string]bool{}
		for _, res := range s.k.Resources {
			if filepath.IsAbs(res) || strings.Contains(res, "..") {
				t.Errorf("%s: resource %q: outside the kustomization's directory", path, res)
				continue
			}
			listed[res] = true
			objs, err := decodeManifests(filepath.Join(dir, res))
			if err != nil {
				t.Error(err)
				continue
			}
			if len(objs) == 0 {
				t.Errorf("%s: resource %s has no object", path, res)
			}
			s.objects = append(s.objects, objs...)
		}
		// A manifest next to the kustomization that it does not list is
		// never applied: most likely forgotten.
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			if b := filepath.Base(f); b != "kustomization.yaml" && !listed[b] {
				t.Errorf("%s: %s is not listed in resources", path, b)
			}
		}
		sets[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sets["."] == nil {
		t.Fatalf("%s: no kustomization.yaml", k8sDir)
	}
	return sets
}

// podWorkload is a Deployment or a StatefulSet, as the checks see it.
type podWorkload struct {
	where    string
	kind     string
	name     string
	replicas *int32
	selector *metav1.LabelSelector
	template *corev1.PodTemplateSpec
	claims   []corev1.PersistentVolumeClaim
}

func workloads(s *manifestSet) []podWorkload {
	var out []podWorkload
	for _, o := range s.objects {
		switch w := o.obj.(type) {
		case *appsv1.Deployment:
			out = append(out, podWorkload{o.where, "Deployment", w.Name, w.Spec.Replicas, w.Spec.Selector, &w.Spec.Template, nil})
		case *appsv1.StatefulSet:
			out = append(out, podWorkload{o.where, "StatefulSet", w.Name, w.Spec.Replicas, w.Spec.Selector, &w.Spec.Template, w.Spec.VolumeClaimTemplates})
		}
	}
	return out
}

func selectorMatches(t *testing.T, where string, sel *metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	if sel == nil {
		t.Errorf("%s: no selector", where)
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("%s: selector: %v", where, err)
		return false
	}
	if s.Empty() {
		t.Errorf("%s: empty selector selects everything", where)
		return false
	}
	return s.Matches(labels.Set(l))
}

func TestKubernetesManifests(t *testing.T) {
	sets := loadKustomizations(t)
	serve := trxFlags(t, "serve")
	for name, s := range sets {
		t.Run(name, func(t *testing.T) {
			checkMetadata(t, s)
			checkWorkloads(t, s, serve)
			checkServices(t, s)
			checkAutoscaling(t, s)
			checkConfig(t, s, serve)
		})
	}
	t.Run("trx", func(t *testing.T) { checkTrx(t, sets["."], sets) })
}

func checkMetadata(t *testing.T, s *manifestSet) {
	seen := map[string]string{}
	for _, o := range s.objects {
		key := o.kind + "/" + o.meta.Name
		if prev, ok := seen[key]; ok {
			t.Errorf("%s: same kind and name as %s", o.where, prev)
		}
		seen[key] = o.where
		nameErrs := validation.IsDNS1123Subdomain(o.meta.Name)
		if o.kind == "Service" || o.kind == "Namespace" {
			nameErrs = validation.IsDNS1035Label(o.meta.Name)
		}
		for _, e := range nameErrs {
			t.Errorf("%s: name %q: %s", o.where, o.meta.Name, e)
		}
		switch {
		case o.kind == "Namespace":
			if s.k.Namespace != "" && o.meta.Name != s.k.Namespace {
				t.Errorf("%s: namespace %q, but the kustomization puts everything in %q", o.where, o.meta.Name, s.k.Namespace)
			}
		case o.meta.Namespace == "":
			t.Errorf("%s: no metadata.namespace (say it, so that kubectl apply -f works too)", o.where)
		case s.k.Namespace != "" && o.meta.Namespace != s.k.Namespace:
			t.Errorf("%s: namespace %q, kustomization's %q", o.where, o.meta.Namespace, s.k.Namespace)
		}
		checkLabels(t, o.where+" labels", o.meta.Labels)
	}
}

func checkLabels(t *testing.T, where string, l map[string]string) {
	t.Helper()
	for k, v := range l {
		for _, e := range validation.IsQualifiedName(k) {
			t.Errorf("%s: key %q: %s", where, k, e)
		}
		for _, e := range validation.IsValidLabelValue(v) {
			t.Errorf("%s: %s=%q: %s", where, k, v, e)
		}
	}
}

func checkWorkloads(t *testing.T, s *manifestSet, serve flagSet) {
	for _, w := range workloads(s) {
		tpl := w.template
		checkLabels(t, w.where+" template labels", tpl.Labels)
		if !selectorMatches(t, w.where, w.selector, tpl.Labels) {
			t.Errorf("%s: selector %v does not match the pod template's labels %v", w.where, w.selector.MatchLabels, tpl.Labels)
		}
		ps := tpl.Spec
		if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken should be false: nothing here talks to the Kubernetes API", w.where)
		}
		if len(ps.Containers) == 0 {
			t.Errorf("%s: no container", w.where)
		}
		volumes := map[string]bool{}
		for _, v := range ps.Volumes {
			volumes[v.Name] = true
		}
		for _, c := range w.claims {
			volumes[c.Name] = true
		}
		for _, c := range ps.Containers {
			where := w.where + " container " + c.Name
			checkContainer(t, where, c, ps.SecurityContext)
			for _, m := range c.VolumeMounts {
				if !volumes[m.Name] {
					t.Errorf("%s: volume mount %q: no such volume", where, m.Name)
				}
			}
			checkEnvRefs(t, s, where, c)
			if isTrx(c) {
				checkTrxContainer(t, s, w, c, serve)
			}
		}
		if len(ps.InitContainers) > 0 {
			t.Errorf("%s: init containers are not checked here; check them before adding them", w.where)
		}
	}
}

func isTrx(c corev1.Container) bool {
	img, _, _ := strings.Cut(c.Image, ":")
	return img == "trx" || strings.HasSuffix(img, "/trx")
}

// checkContainer checks what every container here must have: probes on a
// port it declares, requests and limits, and the restricted Pod Security
// Standard's settings.
func checkContainer(t *testing.T, where string, c corev1.Container, pod *corev1.PodSecurityContext) {
	t.Helper()
	if c.Image == "" {
		t.Errorf("%s: no image", where)
	}
	if c.ImagePullPolicy == "" {
		t.Errorf("%s: no imagePullPolicy", where)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		for _, e := range validation.IsValidPortNum(int(p.ContainerPort)) {
			t.Errorf("%s: port %d: %s", where, p.ContainerPort, e)
		}
		if p.Name == "" {
			t.Errorf("%s: port %d has no name (probes and Services refer to ports by name)", where, p.ContainerPort)
			continue
		}
		for _, e := range validation.IsValidPortName(p.Name) {
			t.Errorf("%s: port name %q: %s", where, p.Name, e)
		}
		ports[p.Name] = p.ContainerPort
	}
	probe := func(kind string, p *corev1.Probe, wantPath string) {
		if p == nil {
			t.Errorf("%s: no %s probe", where, kind)
			return
		}
		if p.HTTPGet == nil {
			t.Errorf("%s: %s probe is not an HTTP GET", where, kind)
			return
		}
		path, _, _ := strings.Cut(p.HTTPGet.Path, "?")
		if path != wantPath {
			t.Errorf("%s: %s probe on %q, want %s", where, kind, p.HTTPGet.Path, wantPath)
		}
		if _, ok := containerPort(c, p.HTTPGet.Port); !ok {
			t.Errorf("%s: %s probe on port %s, which the container does not declare", where, kind, p.HTTPGet.Port.String())
		}
	}
	// trx: /healthz (alive) and /readyz (database and NATS reachable); the
	// NATS demo: its monitoring /healthz for both.
	readyPath := "/readyz"
	if !isTrx(c) {
		readyPath = "/healthz"
	}
	probe("readiness", c.ReadinessProbe, readyPath)
	probe("liveness", c.LivenessProbe, "/healthz")
	if c.StartupProbe != nil {
		probe("startup", c.StartupProbe, "/healthz")
	}

	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[res]
		lim, okLim := c.Resources.Limits[res]
		if !okReq || !okLim {
			t.Errorf("%s: want both a request and a limit of %s", where, res)
			continue
		}
		if req.Cmp(lim) > 0 {
			t.Errorf("%s: %s request %s above its limit %s", where, res, req.String(), lim.String())
		}
	}

	sc := c.SecurityContext
	if sc == nil {
		t.Errorf("%s: no securityContext", where)
		return
	}
	nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (pod != nil && pod.RunAsNonRoot != nil && *pod.RunAsNonRoot)
	if !nonRoot {
		t.Errorf("%s: runAsNonRoot is not true", where)
	}
	uid := sc.RunAsUser
	if uid == nil && pod != nil {
		uid = pod.RunAsUser
	}
	if uid != nil && *uid == 0 {
		t.Errorf("%s: runAsUser 0", where)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: readOnlyRootFilesystem is not true", where)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation is not false", where)
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Errorf("%s: privileged", where)
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: capabilities do not drop ALL", where)
	} else if len(sc.Capabilities.Add) > 0 {
		t.Errorf("%s: adds capabilities %v", where, sc.Capabilities.Add)
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil && pod != nil {
		seccomp = pod.SeccompProfile
	}
	if seccomp == nil || (seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost) {
		t.Errorf("%s: no RuntimeDefault (or Localhost) seccomp profile", where)
	}
}

// containerPort resolves a port given by name or number to a port the
// container declares.
func containerPort(c corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

// checkEnvRefs checks that every Secret, ConfigMap and key a container's
// environment refers to is in the set, unless marked optional.
func checkEnvRefs(t *testing.T, s *manifestSet, where string, c corev1.Container) {
	t.Helper()
	for _, e := range c.Env {
		for _, err := range validation.IsEnvVarName(e.Name) {
			t.Errorf("%s: env %s: %s", where, e.Name, err)
		}
		if e.ValueFrom == nil {
			continue
		}
		if e.Value != "" {
			t.Errorf("%s: env %s has both value and valueFrom", where, e.Name)
		}
		switch vf := e.ValueFrom; {
		case vf.SecretKeyRef != nil:
			if !optional(vf.SecretKeyRef.Optional) && !secretHasKey(s, vf.SecretKeyRef.Name, vf.SecretKeyRef.Key) {
				t.Errorf("%s: env %s: Secret %s has no key %s here", where, e.Name, vf.SecretKeyRef.Name, vf.SecretKeyRef.Key)
			}
		case vf.ConfigMapKeyRef != nil:
			if !optional(vf.ConfigMapKeyRef.Optional) && !configMapHasKey(s, vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key) {
				t.Errorf("%s: env %s: ConfigMap %s has no key %s here", where, e.Name, vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key)
			}
		case vf.FieldRef != nil:
			if !slices.Contains([]string{"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
				"spec.serviceAccountName", "status.podIP", "status.hostIP"}, vf.FieldRef.FieldPath) {
				t.Errorf("%s: env %s: fieldRef %q is not one this test knows", where, e.Name, vf.FieldRef.FieldPath)
			}
		}
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			if s.find("ConfigMap", ef.ConfigMapRef.Name) == nil && !optional(ef.ConfigMapRef.Optional) {
				t.Errorf("%s: envFrom ConfigMap %s: not in this kustomization", where, ef.ConfigMapRef.Name)
			}
		case ef.SecretRef != nil:
			if s.find("Secret", ef.SecretRef.Name) == nil && !optional(ef.SecretRef.Optional) {
				t.Errorf("%s: envFrom Secret %s: not in this kustomization", where, ef.SecretRef.Name)
			}
		}
	}
}

func optional(b *bool) bool { return b != nil && *b }

func secretHasKey(s *manifestSet, name, key string) bool {
	o := s.find("Secret", name)
	if o == nil {
		return false
	}
	sec := o.obj.(*corev1.Secret)
	_, a := sec.StringData[key]
	_, b := sec.Data[key]
	return a || b
}

func configMapHasKey(s *manifestSet, name, key string) bool {
	o := s.find("ConfigMap", name)
	if o == nil {
		return false
	}
	cm := o.obj.(*corev1.ConfigMap)
	_, a := cm.Data[key]
	_, b := cm.BinaryData[key]
	return a || b
}

// containerEnv is a container's environment as trx sees it: its env, and
// the keys of the ConfigMaps and Secrets of its envFrom (env wins).
func containerEnv(s *manifestSet, c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			if o := s.find("ConfigMap", ef.ConfigMapRef.Name); o != nil {
				for k, v := range o.obj.(*corev1.ConfigMap).Data {
					out[ef.Prefix+k] = corev1.EnvVar{Name: ef.Prefix + k, Value: v}
				}
			}
		case ef.SecretRef != nil:
			if o := s.find("Secret", ef.SecretRef.Name); o != nil {
				for k, v := range o.obj.(*corev1.Secret).StringData {
					out[ef.Prefix+k] = corev1.EnvVar{Name: ef.Prefix + k, Value: v}
				}
			}
		}
	}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

// checkTrxContainer checks a trx container against `trx serve`: its
// arguments and TRX_* variables are flags, it listens on the port it
// declares, and it runs one component.
func checkTrxContainer(t *testing.T, s *manifestSet, w podWorkload, c corev1.Container, serve flagSet) {
	where := w.where + " container " + c.Name
	args := append(slices.Clone(c.Command), c.Args...)
	if len(args) == 0 || args[0] != "serve" {
		t.Errorf("%s: runs %q, want trx serve", where, args)
		return
	}
	serve.checkArgs(t, where, args[1:])
	env := containerEnv(s, c)
	var names []string
	for n := range env {
		names = append(names, n)
	}
	sort.Strings(names)
	serve.checkEnv(t, where, names)

	addr := ""
	for i, a := range args {
		if a == "--addr" && i+1 < len(args) {
			addr = args[i+1]
		} else if v, ok := strings.CutPrefix(a, "--addr="); ok {
			addr = v
		}
	}
	if addr == "" {
		addr = env["TRX_ADDR"].Value
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("%s: listen address %q (--addr or TRX_ADDR): %v", where, addr, err)
	} else {
		if host != "0.0.0.0" && host != "" && host != "::" {
			t.Errorf("%s: listens on %s: unreachable from other pods", where, addr)
		}
		n, _ := strconv.Atoi(port)
		if _, ok := containerPort(c, intstr.FromInt32(int32(n))); !ok {
			t.Errorf("%s: listens on port %s but declares %v", where, port, c.Ports)
		}
	}

	comp := env["TRX_COMPONENTS"].Value
	if !slices.Contains(components, comp) {
		t.Errorf("%s: TRX_COMPONENTS=%q, want one of %v", where, comp, components)
	}
	if got := w.template.Labels["app.kubernetes.io/component"]; got != comp {
		t.Errorf("%s: runs component %q but its pods are labelled component %q", where, comp, got)
	}
	for _, must := range []string{"TRX_DB", "TRX_NATS", "TRX_INTERNAL_SECRET"} {
		if _, ok := env[must]; !ok {
			t.Errorf("%s: no %s", where, must)
		}
	}
	for _, secret := range []string{"TRX_DB", "TRX_INTERNAL_SECRET"} {
		if e, ok := env[secret]; ok && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("%s: %s must come from a Secret", where, secret)
		}
	}
}

func checkServices(t *testing.T, s *manifestSet) {
	ws := workloads(s)
	for _, svc := range each[*corev1.Service](s) {
		where := "Service/" + svc.Name
		if len(svc.Spec.Selector) == 0 {
			t.Errorf("%s: no selector", where)
			continue
		}
		var matched []podWorkload
		for _, w := range ws {
			if labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(w.template.Labels)) {
				matched = append(matched, w)
			}
		}
		if len(matched) != 1 {
			t.Errorf("%s: selector %v matches %d workloads, want 1", where, svc.Spec.Selector, len(matched))
			continue
		}
		if len(svc.Spec.Ports) == 0 {
			t.Errorf("%s: no ports", where)
		}
		for _, p := range svc.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port)
			}
			found := false
			for _, c := range matched[0].template.Spec.Containers {
				if _, ok := containerPort(c, target); ok {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: port %s targets %s, which no container of %s declares", where, p.Name, target.String(), matched[0].where)
			}
		}
	}
	for _, st := range each[*appsv1.StatefulSet](s) {
		o := s.find("Service", st.Spec.ServiceName)
		if o == nil {
			t.Errorf("StatefulSet/%s: serviceName %q: no such Service", st.Name, st.Spec.ServiceName)
		} else if o.obj.(*corev1.Service).Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("StatefulSet/%s: its governing Service %s is not headless", st.Name, st.Spec.ServiceName)
		}
	}
}

// maxPods is the most pods a workload runs: its HPA's maxReplicas, or its
// replicas (1 when unset).
func maxPods(s *manifestSet, w podWorkload) (maxN, minN int32) {
	for _, h := range each[*autoscalingv2.HorizontalPodAutoscaler](s) {
		if h.Spec.ScaleTargetRef.Kind == w.kind && h.Spec.ScaleTargetRef.Name == w.name {
			lo := int32(1)
			if h.Spec.MinReplicas != nil {
				lo = *h.Spec.MinReplicas
			}
			return h.Spec.MaxReplicas, lo
		}
	}
	if w.replicas == nil {
		return 1, 1
	}
	return *w.replicas, *w.replicas
}

func checkAutoscaling(t *testing.T, s *manifestSet) {
	ws := workloads(s)
	targeted := map[string]bool{}
	for _, h := range each[*autoscalingv2.HorizontalPodAutoscaler](s) {
		where := "HorizontalPodAutoscaler/" + h.Name
		ref := h.Spec.ScaleTargetRef
		var target *podWorkload
		for i := range ws {
			if ws[i].kind == ref.Kind && ws[i].name == ref.Name {
				target = &ws[i]
			}
		}
		if target == nil || ref.APIVersion != "apps/v1" {
			t.Errorf("%s: scaleTargetRef %s %s/%s: no such workload here", where, ref.APIVersion, ref.Kind, ref.Name)
			continue
		}
		if targeted[ref.Kind+"/"+ref.Name] {
			t.Errorf("%s: a second autoscaler for %s/%s", where, ref.Kind, ref.Name)
		}
		targeted[ref.Kind+"/"+ref.Name] = true
		if target.replicas != nil {
			t.Errorf("%s: %s sets spec.replicas, which every kubectl apply would reset under the autoscaler: leave it out", where, target.where)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			t.Errorf("%s: want 1 <= minReplicas <= maxReplicas (%d)", where, h.Spec.MaxReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Errorf("%s: no metrics", where)
		}
		for _, m := range h.Spec.Metrics {
			if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil {
				continue
			}
			if m.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
				// Utilization is a share of the request: every container
				// needs one.
				for _, c := range target.template.Spec.Containers {
					if _, ok := c.Resources.Requests[m.Resource.Name]; !ok {
						t.Errorf("%s: %s utilization, but container %s of %s requests no %s", where, m.Resource.Name, c.Name, ref.Name, m.Resource.Name)
					}
				}
			}
		}
	}
	for _, pdb := range each[*policyv1.PodDisruptionBudget](s) {
		where := "PodDisruptionBudget/" + pdb.Name
		var matched []podWorkload
		for _, w := range ws {
			if selectorMatches(t, where, pdb.Spec.Selector, w.template.Labels) {
				matched = append(matched, w)
			}
		}
		if len(matched) != 1 {
			t.Errorf("%s: selector matches %d workloads, want 1", where, len(matched))
			continue
		}
		if (pdb.Spec.MinAvailable == nil) == (pdb.Spec.MaxUnavailable == nil) {
			t.Errorf("%s: want exactly one of minAvailable and maxUnavailable", where)
		}
		if _, lo := maxPods(s, matched[0]); lo < 2 {
			t.Errorf("%s: %s may run %d pod(s): a budget keeping one up would block every drain", where, matched[0].where, lo)
		}
	}
}

// checkConfig checks ConfigMaps and Secrets: their TRX_* keys are flags of
// trx serve, and the Secrets hold placeholders only.
func checkConfig(t *testing.T, s *manifestSet, serve flagSet) {
	for _, cm := range each[*corev1.ConfigMap](s) {
		var keys []string
		for k := range cm.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		serve.checkEnv(t, "ConfigMap/"+cm.Name, keys)
	}
	for _, sec := range each[*corev1.Secret](s) {
		var keys []string
		if len(sec.Data) > 0 {
			t.Errorf("Secret/%s: data (base64) hides what is committed; use stringData with CHANGE-ME placeholders", sec.Name)
		}
		for k, v := range sec.StringData {
			keys = append(keys, k)
			if !strings.Contains(v, "CHANGE-ME") {
				t.Errorf("Secret/%s: %s does not look like a placeholder (no CHANGE-ME): never commit a real secret", sec.Name, k)
			}
		}
		sort.Strings(keys)
		serve.checkEnv(t, "Secret/"+sec.Name, keys)
	}
}

// checkTrx checks the trx topology of the main kustomization: one Deployment
// and Service per component, the gateway's upstreams, notifier node names,
// autoscaling of gateway and notifier, the database connection budget, and
// where NATS is.
func checkTrx(t *testing.T, s *manifestSet, sets map[string]*manifestSet) {
	byComp := map[string]podWorkload{}
	var trxContainers []corev1.Container
	dbConns := int64(0)
	for _, w := range workloads(s) {
		for _, c := range w.template.Spec.Containers {
			if !isTrx(c) {
				continue
			}
			trxContainers = append(trxContainers, c)
			env := containerEnv(s, c)
			comp := env["TRX_COMPONENTS"].Value
			if _, dup := byComp[comp]; dup {
				t.Errorf("component %s: deployed twice", comp)
			}
			byComp[comp] = w
			perPod := int64(32) // trx serve's default --db-max-open
			if v, ok := env["TRX_DB_MAX_OPEN"]; ok {
				n, err := strconv.ParseInt(v.Value, 10, 64)
				if err != nil {
					t.Errorf("%s: TRX_DB_MAX_OPEN=%q: not a number", w.where, v.Value)
				}
				perPod = n
			}
			hi, _ := maxPods(s, w)
			dbConns += int64(hi) * perPod
		}
	}
	for _, c := range components {
		w, ok := byComp[c]
		if !ok {
			t.Errorf("component %s: no Deployment runs it", c)
			continue
		}
		if w.kind != "Deployment" {
			t.Errorf("component %s: runs in a %s, want a Deployment", c, w.kind)
		}
		if s.find("Service", c) == nil {
			t.Errorf("component %s: no Service named %s", c, c)
		}
	}
	if dbConns > mysqlMaxConnections {
		t.Errorf("at the autoscalers' maximum the trx pods may open %d database connections, over MySQL's default max_connections (%d): lower TRX_DB_MAX_OPEN or maxReplicas", dbConns, mysqlMaxConnections)
	}
	for _, c := range []string{"gateway", "notifier"} {
		if w, ok := byComp[c]; ok {
			if hi, lo := maxPods(s, w); hi <= lo || lo < 2 {
				t.Errorf("component %s: want a HorizontalPodAutoscaler from 2 or more pods up (have %d..%d)", c, lo, hi)
			}
		}
	}
	if s.find("PodDisruptionBudget", "notifier") == nil {
		t.Errorf("no PodDisruptionBudget for the notifier")
	}

	// Images: one trx image for all, the one the kustomization's images
	// entry names.
	images := map[string]bool{}
	for _, c := range trxContainers {
		images[c.Image] = true
	}
	if len(images) != 1 {
		t.Errorf("trx containers run %d different images %v, want one", len(images), images)
	}
	for _, im := range s.k.Images {
		found := false
		for img := range images {
			if name, _, _ := strings.Cut(img, ":"); name == im.Name {
				found = true
			}
		}
		if !found {
			t.Errorf("kustomization images: %q matches no trx container image %v", im.Name, images)
		}
	}

	// The gateway reaches every other component through its Service.
	if w, ok := byComp["gateway"]; ok {
		env := containerEnv(s, w.template.Spec.Containers[0])
		ups, err := proxy.ParseUpstreams(env["TRX_UPSTREAM"].Value)
		if err != nil {
			t.Errorf("gateway TRX_UPSTREAM: %v", err)
		}
		for _, c := range components {
			if c != "gateway" && len(ups[c]) == 0 {
				t.Errorf("gateway TRX_UPSTREAM: no upstream for %s", c)
			}
		}
		for comp, urls := range ups {
			if !slices.Contains(components, comp) || comp == "gateway" {
				t.Errorf("gateway TRX_UPSTREAM: %q is not a service component", comp)
			}
			if len(urls) > 1 {
				t.Errorf("gateway TRX_UPSTREAM: %d URLs for %s; name its Service once, which balances over the pods", len(urls), comp)
			}
			for _, u := range urls {
				if u.Scheme != "http" || u.Port() == "" {
					t.Errorf("gateway TRX_UPSTREAM: %s=%s: want http://service:port", comp, u)
					continue
				}
				checkServiceURL(t, s, "gateway TRX_UPSTREAM "+comp, u, comp)
			}
		}
	}

	// Notifier node names are unique among live nodes: the pod's name.
	if w, ok := byComp["notifier"]; ok {
		hi, _ := maxPods(s, w)
		e, ok := containerEnv(s, w.template.Spec.Containers[0])["TRX_NODE"]
		unique := ok && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name"
		if hi > 1 && !unique {
			t.Errorf("notifier: %d pods need distinct --node names: set TRX_NODE from the pod's metadata.name", hi)
		}
	}

	// NATS: TRX_NATS names a Service that some kustomization here provides
	// (the demo) or a host outside the cluster's namespace.
	for _, cm := range each[*corev1.ConfigMap](s) {
		raw, ok := cm.Data["TRX_NATS"]
		if !ok {
			continue
		}
		for _, one := range strings.Split(raw, ",") {
			u, err := url.Parse(one)
			if err != nil || u.Scheme != "nats" || u.Hostname() == "" {
				t.Errorf("ConfigMap/%s: TRX_NATS %q: want nats://host:port", cm.Name, one)
				continue
			}
			if strings.Contains(u.Hostname(), ".") {
				continue // outside this namespace: not ours to check
			}
			found := false
			for _, other := range sets {
				if other.find("Service", u.Hostname()) != nil {
					checkServiceURL(t, other, "ConfigMap/"+cm.Name+" TRX_NATS", u, "")
					found = true
				}
			}
			if !found {
				t.Errorf("ConfigMap/%s: TRX_NATS host %q is no Service of any kustomization here", cm.Name, u.Hostname())
			}
		}
	}
}

// checkServiceURL checks that u's host is a Service of s exposing u's port,
// selecting pods of the component wantComp (when not empty).
func checkServiceURL(t *testing.T, s *manifestSet, where string, u *url.URL, wantComp string) {
	t.Helper()
	o := s.find("Service", u.Hostname())
	if o == nil {
		t.Errorf("%s: %s: no Service %q", where, u, u.Hostname())
		return
	}
	svc := o.obj.(*corev1.Service)
	port, _ := strconv.Atoi(u.Port())
	ok := false
	for _, p := range svc.Spec.Ports {
		if int(p.Port) == port {
			ok = true
		}
	}
	if !ok {
		t.Errorf("%s: %s: Service %s has no port %d", where, u, svc.Name, port)
	}
	if wantComp != "" && svc.Spec.Selector["app.kubernetes.io/component"] != wantComp {
		t.Errorf("%s: %s: Service %s selects %v, not the %s component", where, u, svc.Name, svc.Spec.Selector, wantComp)
	}
}

// TestStrictDecodingRejects makes sure the decoding above is strict: a
// misspelt or misplaced field must fail, not vanish.
func TestStrictDecodingRejects(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"unknown field": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n",
		"misplaced":     "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 80, containerPort: 80}]\n",
		"duplicate":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {A: a}\ndata: {B: b}\n",
		"wrong type":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: two\n",
		"unknown kind":  "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
		"bad quantity":  "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: y}\nspec:\n  template:\n    spec:\n      containers: [{name: c, resources: {limits: {cpu: lots}}}]\n",
	} {
		f := filepath.Join(dir, "m.yaml")
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := decodeManifests(f); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	// And the happy path keeps quantities exact.
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte("spec:\n  template:\n    spec:\n      containers: [{name: c, resources: {limits: {memory: 256Mi}}}]\n"), &d); err != nil {
		t.Fatal(err)
	}
	if got := d.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory]; got.Cmp(resource.MustParse("256Mi")) != 0 {
		t.Errorf("memory limit decoded as %s", got.String())
	}
}
