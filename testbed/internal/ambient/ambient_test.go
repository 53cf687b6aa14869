package ambient

import (
	"io/fs"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"istio.io/istio/manifests"
)

// The selectors and exclusions are the istio-cni chart's defaults, as the module go.mod
// selects ships them.
func TestDefaultSelectorsAreTheCharts(t *testing.T) {
	data, err := fs.ReadFile(manifests.BuiltinOrDir(""), "charts/istio-cni/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var values struct {
		Defaults struct {
			ExcludeNamespaces []string `json:"excludeNamespaces"`
			Ambient           struct {
				EnablementSelectors []struct {
					PodSelector       metav1.LabelSelector `json:"podSelector"`
					NamespaceSelector metav1.LabelSelector `json:"namespaceSelector"`
				} `json:"enablementSelectors"`
			} `json:"ambient"`
		} `json:"_internal_defaults_do_not_set"`
	}
	if err := yaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	var chart []Selector
	for _, s := range values.Defaults.Ambient.EnablementSelectors {
		chart = append(chart, Selector{Pod: s.PodSelector, Namespace: s.NamespaceSelector})
	}
	if !reflect.DeepEqual(chart, DefaultSelectors) {
		t.Errorf("chart selectors %+v, ours %+v", chart, DefaultSelectors)
	}
	if !reflect.DeepEqual(values.Defaults.ExcludeNamespaces, DefaultExcludedNamespaces) {
		t.Errorf("chart excludeNamespaces %v, ours %v", values.Defaults.ExcludeNamespaces, DefaultExcludedNamespaces)
	}
}

func TestShouldEnrol(t *testing.T) {
	ambientNS := map[string]string{DataplaneModeLabel: "ambient"}
	pod := func(ns string, podLabels, annotations map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Labels: podLabels, Annotations: annotations}}
	}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		nsLabel map[string]string
		want    bool
	}{
		{"a pod of an ambient namespace", pod("bookinfo", map[string]string{"app": "reviews"}, nil), ambientNS, true},
		{"a pod opted out", pod("bookinfo", map[string]string{DataplaneModeLabel: "none"}, nil), ambientNS, false},
		{"a waypoint (its template opts it out)", pod("bookinfo", map[string]string{DataplaneModeLabel: "none", "gateway.networking.k8s.io/gateway-name": "waypoint"}, nil), ambientNS, false},
		{"a pod labelled ambient in a plain namespace", pod("other", map[string]string{DataplaneModeLabel: "ambient"}, nil), nil, true},
		{"a plain pod of a plain namespace", pod("other", nil, nil), nil, false},
		{"a pod with a sidecar in an ambient namespace", pod("bookinfo", nil, map[string]string{"sidecar.istio.io/status": "{}"}), ambientNS, false},
		{"kube-system is excluded", pod("kube-system", map[string]string{DataplaneModeLabel: "ambient"}, nil), ambientNS, false},
		{"host network", func() *corev1.Pod { p := pod("bookinfo", nil, nil); p.Spec.HostNetwork = true; return p }(), ambientNS, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShouldEnrol(tt.pod, tt.nsLabel); got != tt.want {
				t.Fatalf("ShouldEnrol = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWaypointFor(t *testing.T) {
	svc := func(l map[string]string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "reviews", Namespace: "bookinfo", Labels: l}}
	}
	ns := func(l map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bookinfo", Labels: l}}
	}
	tests := []struct {
		name    string
		service *corev1.Service
		ns      *corev1.Namespace
		want    WaypointRef
		ok      bool
	}{
		{"the namespace's waypoint", svc(nil), ns(map[string]string{UseWaypointLabel: "waypoint"}), WaypointRef{"bookinfo", "waypoint"}, true},
		{"the Service's own wins", svc(map[string]string{UseWaypointLabel: "reviews-wp"}), ns(map[string]string{UseWaypointLabel: "waypoint"}), WaypointRef{"bookinfo", "reviews-wp"}, true},
		{"in another namespace", svc(map[string]string{UseWaypointLabel: "shared", UseWaypointNamespaceLabel: "infra"}), ns(nil), WaypointRef{"infra", "shared"}, true},
		{"the Service opts out", svc(map[string]string{UseWaypointLabel: "none"}), ns(map[string]string{UseWaypointLabel: "waypoint"}), WaypointRef{}, false},
		{"none anywhere", svc(nil), ns(map[string]string{DataplaneModeLabel: "ambient"}), WaypointRef{}, false},
		{"a waypoint's own Service", svc(map[string]string{"gateway.istio.io/managed": "istio.io-mesh-controller"}), ns(map[string]string{UseWaypointLabel: "waypoint"}), WaypointRef{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := WaypointFor(tt.service, tt.ns)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("WaypointFor = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
