// Package k8soldest checks the Kubernetes manifests of deploy/k8s against
// the API of the oldest Kubernetes trx supports, 1.30: every object is
// decoded strictly into the Go types of k8s.io/api v0.30 (the types the
// API server's OpenAPI schemas of that release are generated from), so a
// field that 1.30 does not know, or a value of the wrong type, fails. The
// newest (1.37, k8s.io/api v0.37) is checked the same way, and more, by the
// deploy module's tests. A module of its own: one module holds one version
// of k8s.io/api.
package k8soldest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// newObject returns an empty object of a kind the manifests use.
func newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + " " + kind {
	case "v1 Namespace":
		return &corev1.Namespace{}, nil
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1 Secret":
		return &corev1.Secret{}, nil
	case "v1 Service":
		return &corev1.Service{}, nil
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}, nil
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, nil
	case "apps/v1 StatefulSet":
		return &appsv1.StatefulSet{}, nil
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	}
	return nil, fmt.Errorf("%s %s: not a kind of the Kubernetes 1.30 API that this check knows", apiVersion, kind)
}

// decode decodes every object of a manifest file strictly.
func decode(file string) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	n := 0
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		j, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return n, fmt.Errorf("%s#%d: %w", file, i, err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return n, fmt.Errorf("%s#%d: %w", file, i, err)
		}
		o, err := newObject(tm.APIVersion, tm.Kind)
		if err != nil {
			return n, fmt.Errorf("%s#%d: %w", file, i, err)
		}
		if err := yaml.UnmarshalStrict(doc, o); err != nil {
			return n, fmt.Errorf("%s#%d (%s): not valid for Kubernetes 1.30: %w", file, i, tm.Kind, err)
		}
		n++
	}
}

func TestManifestsOnKubernetes130(t *testing.T) {
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "k8s"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") && d.Name() != "kustomization.yaml" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		n, err := decode(f)
		if err != nil {
			t.Error(err)
		}
		total += n
	}
	if total < 15 {
		t.Fatalf("decoded %d objects from %d files; want every object of deploy/k8s", total, len(files))
	}
}

// TestNewerFieldsAreRefused: the check is one of the 1.30 API — a field
// that came later (the pod-level resources of 1.32, the container stop
// signal of 1.33) is refused, while the preStop sleep action (1.29, on by
// default from 1.30) is known.
func TestNewerFieldsAreRefused(t *testing.T) {
	dir := t.TempDir()
	deployment := func(podSpec string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n" + podSpec
	}
	for name, c := range map[string]struct {
		doc string
		ok  bool
	}{
		"preStop sleep (1.29)": {deployment("      containers: [{name: c, image: i, lifecycle: {preStop: {sleep: {seconds: 5}}}}]\n"), true},
		"pod resources (1.32)": {deployment("      resources: {limits: {cpu: '1'}}\n      containers: [{name: c, image: i}]\n"), false},
		"stop signal (1.33)":   {deployment("      containers: [{name: c, image: i, lifecycle: {stopSignal: SIGTERM}}]\n"), false},
	} {
		f := filepath.Join(dir, "m.yaml")
		if err := os.WriteFile(f, []byte(c.doc), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := decode(f)
		if c.ok && err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
		if !c.ok && err == nil {
			t.Errorf("%s: accepted, but Kubernetes 1.30 does not know it", name)
		}
	}
}
