package controlplane

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPointWebhooksAtRewritesEveryServiceReference(t *testing.T) {
	objects, err := decodeYAML([]byte(`
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: istio-sidecar-injector}
webhooks:
- name: a.sidecar-injector.istio.io
  clientConfig: {service: {name: istiod, namespace: istio-system, path: /inject, port: 443}}
- name: b.sidecar-injector.istio.io
  clientConfig: {service: {name: istiod, namespace: istio-system, path: "inject/cluster/x", port: 443}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := pointWebhooksAt(objects, 4443, []byte("PEM")); err != nil {
		t.Fatal(err)
	}
	hooks, _, _ := unstructured.NestedSlice(objects[0].Object, "webhooks")
	want := []string{"https://127.0.0.1:4443/inject", "https://127.0.0.1:4443/inject/cluster/x"}
	for i, h := range hooks {
		config := h.(map[string]any)["clientConfig"].(map[string]any)
		if config["url"] != want[i] {
			t.Errorf("webhook %d url = %v, want %s", i, config["url"], want[i])
		}
		if _, ok := config["service"]; ok {
			t.Errorf("webhook %d keeps its service reference", i)
		}
		if config["caBundle"] != base64.StdEncoding.EncodeToString([]byte("PEM")) {
			t.Errorf("webhook %d caBundle = %v", i, config["caBundle"])
		}
	}
}

func TestIstiodArgsBindEveryListenerToLoopback(t *testing.T) {
	ports := map[int]int{istiodHTTPPort: 1, istiodGRPCPort: 2, istiodSecureGRPCPort: 3, istiodWebhookPort: 4, istiodMonitoringPort: 5}
	args := istiodArgs([]string{"discovery", "--monitoringAddr=:15014", "--domain", "cluster.local"}, ports, "/kc", &certificates{istiodCert: "c", istiodKey: "k", caCert: "ca"})
	cases := []struct{ flag, want string }{
		{"--monitoringAddr=", "127.0.0.1:5"},
		{"--httpAddr=", "127.0.0.1:1"},
		{"--grpcAddr=", "127.0.0.1:2"},
		{"--secureGRPCAddr=", "127.0.0.1:3"},
		{"--httpsAddr=", "127.0.0.1:4"},
		{"--kubeconfig=", "/kc"},
	}
	for _, tc := range cases {
		var got []string
		for _, a := range args {
			if strings.HasPrefix(a, tc.flag) {
				got = append(got, strings.TrimPrefix(a, tc.flag))
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s = %v, want exactly [%s]", tc.flag, got, tc.want)
		}
	}
	if args[0] != "discovery" || !slices.Contains(args, "cluster.local") {
		t.Errorf("chart arguments lost: %v", args)
	}
}

func TestIstiodEnvResolvesTheDownwardAPI(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "istiod-abc", Namespace: "istio-system"},
		Spec:       corev1.PodSpec{ServiceAccountName: "istiod"},
	}
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	container := &corev1.Container{Env: []corev1.EnvVar{
		{Name: "REVISION", Value: "default"},
		{Name: "POD_NAME", ValueFrom: field("metadata.name")},
		{Name: "POD_NAMESPACE", ValueFrom: field("metadata.namespace")},
		{Name: "SERVICE_ACCOUNT", ValueFrom: field("spec.serviceAccountName")},
		{Name: "KUBECONFIG", Value: "/var/run/secrets/remote/config"},
		{Name: "GOMAXPROCS", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
	}}
	got := istiodEnv(pod, container)
	want := []string{"REVISION=default", "POD_NAME=istiod-abc", "POD_NAMESPACE=istio-system", "SERVICE_ACCOUNT=istiod"}
	if !slices.Equal(got, want) {
		t.Errorf("env = %v, want %v", got, want)
	}
}

func TestOrderForApplyPutsNamespacesAndCRDsFirst(t *testing.T) {
	objects, err := decodeYAML([]byte(`
kind: Deployment
apiVersion: apps/v1
metadata: {name: d}
---
kind: CustomResourceDefinition
apiVersion: apiextensions.k8s.io/v1
metadata: {name: c}
---
---
kind: Namespace
apiVersion: v1
metadata: {name: n}
---
kind: ConfigMap
apiVersion: v1
metadata: {name: m}
`))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range orderForApply(objects) {
		kinds = append(kinds, o.GetKind())
	}
	if want := []string{"Namespace", "CustomResourceDefinition", "ConfigMap", "Deployment"}; !slices.Equal(kinds, want) {
		t.Errorf("order = %v, want %v (empty documents skipped)", kinds, want)
	}
}

func TestSplitIstioHoldsBackTheWebhooks(t *testing.T) {
	objects, err := decodeYAML([]byte(`
{kind: ValidatingWebhookConfiguration, apiVersion: admissionregistration.k8s.io/v1, metadata: {name: v}}
---
{kind: Deployment, apiVersion: apps/v1, metadata: {name: istiod}}
---
{kind: MutatingWebhookConfiguration, apiVersion: admissionregistration.k8s.io/v1, metadata: {name: m}}
`))
	if err != nil {
		t.Fatal(err)
	}
	install, webhooks := splitIstio(objects)
	if len(install) != 1 || install[0].GetName() != "istiod" || len(webhooks) != 2 {
		t.Errorf("install = %d objects, webhooks = %d", len(install), len(webhooks))
	}
}

func TestRenderIstioInstallsIstiodWithBothWebhooks(t *testing.T) {
	objects, err := renderIstio(ProfileMinimal, 2)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]*unstructured.Unstructured{}
	for _, o := range objects {
		found[o.GetKind()+"/"+o.GetName()] = o
	}
	for _, want := range []string{
		"Deployment/istiod",
		"Service/istiod",
		"ConfigMap/istio",
		"ConfigMap/istio-sidecar-injector",
		"MutatingWebhookConfiguration/istio-sidecar-injector",
		"ValidatingWebhookConfiguration/istio-validator-istio-system",
		"ValidatingWebhookConfiguration/istiod-default-validator",
		"CustomResourceDefinition/virtualservices.networking.istio.io",
	} {
		if found[want] == nil {
			t.Errorf("rendered Istio lacks %s", want)
		}
	}
	if d := found["Deployment/istiod"]; d != nil {
		replicas, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas")
		if replicas != 2 {
			t.Errorf("istiod replicas = %d, want 2", replicas)
		}
	}
}

// TestRenderIstioProfiles: the ambient profile renders istiod as Istio's ambient profile
// does (PILOT_ENABLE_AMBIENT, the mesh's HBONE proxy metadata) without the istio-cni and
// ztunnel DaemonSets; the minimal profile has neither.
func TestRenderIstioProfiles(t *testing.T) {
	cases := []struct {
		profile     string
		ambientEnv  bool
		hboneInMesh bool
	}{
		{ProfileMinimal, false, false},
		{ProfileAmbient, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.profile, func(t *testing.T) {
			objects, err := renderIstio(tc.profile, 2)
			if err != nil {
				t.Fatal(err)
			}
			var env []string
			mesh := ""
			for _, obj := range objects {
				switch {
				case obj.GetKind() == "DaemonSet":
					t.Errorf("DaemonSet %s rendered: the test bed plays istio-cni and ztunnel itself", obj.GetName())
				case obj.GetKind() == "Deployment" && obj.GetName() == "istiod":
					containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
					for _, c := range containers {
						vars, _ := c.(map[string]any)["env"].([]any)
						for _, v := range vars {
							m := v.(map[string]any)
							if value, ok := m["value"].(string); ok {
								env = append(env, m["name"].(string)+"="+value)
							}
						}
					}
				case obj.GetKind() == "ConfigMap" && obj.GetName() == "istio":
					mesh, _, _ = unstructured.NestedString(obj.Object, "data", "mesh")
				}
			}
			if got := slices.Contains(env, "PILOT_ENABLE_AMBIENT=true"); got != tc.ambientEnv {
				t.Errorf("istiod env PILOT_ENABLE_AMBIENT=true: %v, want %v (env %v)", got, tc.ambientEnv, env)
			}
			if got := strings.Contains(mesh, "ISTIO_META_ENABLE_HBONE"); got != tc.hboneInMesh {
				t.Errorf("mesh config has ISTIO_META_ENABLE_HBONE: %v, want %v:\n%s", got, tc.hboneInMesh, mesh)
			}
		})
	}
	if err := CheckProfile("demo"); err == nil || !strings.Contains(err.Error(), "minimal, ambient") {
		t.Errorf("CheckProfile(demo) = %v", err)
	}
}
