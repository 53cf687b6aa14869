// Package ambient is the part of Istio's ambient mode the test bed plays itself, without
// istio-cni or ztunnel: which pods istio-cni enrols (and marks with the redirection
// annotation istiod reads), and which waypoint a Service's traffic goes through as istiod
// binds it (ztunnel's routing follows that binding).
package ambient

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"istio.io/api/annotation"
	"istio.io/api/label"
)

// Names of the labels and annotation ambient mode reads and writes.
var (
	// DataplaneModeLabel enrols a namespace or pod (`ambient`) or opts a pod out (`none`).
	DataplaneModeLabel = label.IoIstioDataplaneMode.Name
	// RedirectionAnnotation is what istio-cni sets on a pod once its traffic is redirected
	// to ztunnel (`enabled`); istiod treats such a pod as captured (HBONE).
	RedirectionAnnotation = annotation.AmbientRedirection.Name
	// UseWaypointLabel on a Service (or its namespace) names its waypoint; `none` opts out.
	UseWaypointLabel = label.IoIstioUseWaypoint.Name
	// UseWaypointNamespaceLabel names the waypoint's namespace when it is another one.
	UseWaypointNamespaceLabel = label.IoIstioUseWaypointNamespace.Name
)

// RedirectionEnabled is the annotation's value on an enrolled pod.
const RedirectionEnabled = "enabled"

// Selector is one of istio-cni's enablement selectors: a pod matching both is enrolled.
type Selector struct {
	Pod       metav1.LabelSelector
	Namespace metav1.LabelSelector
}

// DefaultSelectors are the istio-cni chart's `ambient.enablementSelectors`: a pod labelled
// `istio.io/dataplane-mode=ambient`, or any pod not labelled `none` in a namespace labelled
// `ambient` (manifests/charts/istio-cni/values.yaml; TestDefaultSelectorsAreTheCharts).
var DefaultSelectors = []Selector{
	{Pod: metav1.LabelSelector{MatchLabels: map[string]string{DataplaneModeLabel: "ambient"}}},
	{
		Pod: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: DataplaneModeLabel, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"none"}},
		}},
		Namespace: metav1.LabelSelector{MatchLabels: map[string]string{DataplaneModeLabel: "ambient"}},
	},
}

// DefaultExcludedNamespaces are the chart's `excludeNamespaces`, where istio-cni never
// enrols a pod.
var DefaultExcludedNamespaces = []string{"kube-system"}

// ShouldEnrol is istio-cni's decision for a pod (cni/pkg/util CompiledEnablementSelectors
// and the node agent's exclusions): not in an excluded namespace, not host-network, no
// sidecar (a pod keeps its sidecar and is left alone), and matched by a selector.
func ShouldEnrol(pod *corev1.Pod, namespaceLabels map[string]string) bool {
	for _, ns := range DefaultExcludedNamespaces {
		if pod.Namespace == ns {
			return false
		}
	}
	if pod.Spec.HostNetwork {
		return false
	}
	if _, injected := pod.Annotations[annotation.SidecarStatus.Name]; injected {
		return false
	}
	for _, s := range DefaultSelectors {
		if matches(s.Pod, pod.Labels) && matches(s.Namespace, namespaceLabels) {
			return true
		}
	}
	return false
}

func matches(s metav1.LabelSelector, set map[string]string) bool {
	selector, err := metav1.LabelSelectorAsSelector(&s)
	return err == nil && selector.Matches(labels.Set(set))
}

// Enrolled reports whether the pod carries istio-cni's redirection annotation.
func Enrolled(pod *corev1.Pod) bool {
	return pod.Annotations[RedirectionAnnotation] == RedirectionEnabled
}

// WaypointRef names a waypoint.
type WaypointRef struct {
	Namespace, Name string
}

// WaypointFor is the waypoint istiod binds a Service to (ambient index,
// fetchWaypointForTarget): the Service's `istio.io/use-waypoint` label (with
// `istio.io/use-waypoint-namespace`, else the Service's namespace), else its namespace's;
// `none` on the Service opts it out. Waypoints themselves have none. ok is false when no
// label names one; whether that waypoint exists is the caller's to check (istiod reports
// it not ready otherwise, and binds nothing).
func WaypointFor(service *corev1.Service, namespace *corev1.Namespace) (WaypointRef, bool) {
	if service.Labels["gateway.istio.io/managed"] == "istio.io-mesh-controller" {
		return WaypointRef{}, false
	}
	if ref, set, none := useWaypoint(service.Labels, service.Namespace); set || none {
		return ref, set
	}
	if namespace != nil {
		if ref, set, _ := useWaypoint(namespace.Labels, service.Namespace); set {
			return ref, true
		}
	}
	return WaypointRef{}, false
}

// useWaypoint reads the labels of one object: set when they name a waypoint, none when
// they opt out.
func useWaypoint(l map[string]string, defaultNamespace string) (ref WaypointRef, set, none bool) {
	name, ok := l[UseWaypointLabel]
	if !ok {
		return WaypointRef{}, false, false
	}
	if name == "none" {
		return WaypointRef{}, false, true
	}
	ns := defaultNamespace
	if override, ok := l[UseWaypointNamespaceLabel]; ok {
		ns = override
	}
	return WaypointRef{Namespace: ns, Name: name}, true, false
}
