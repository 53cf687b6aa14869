// Package istiometrics is Istio's standard HTTP request metrics as the fleet's proxies
// would export them: `istio_requests_total` and `istio_request_duration_milliseconds`
// (Istio's buckets), with the label set and reporter rules of istio/proxy's istio_stats
// filter, the same as the simulator's (packages/sim/src/metrics).
package istiometrics

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Unknown is Istio's value for a label it cannot fill.
const Unknown = "unknown"

// Workload is what a proxy knows about its workload and exchanges with its peer
// (metadata exchange), from which the source_* and destination_* labels come.
type Workload struct {
	// Name of the workload (Deployment).
	Name              string
	Namespace         string
	App               string
	Version           string
	CanonicalService  string
	CanonicalRevision string
	// Principal is the SPIFFE identity of the pod's service account.
	Principal string
	// Cluster id (`Kubernetes`).
	Cluster string
}

// Identity holds the mesh-wide settings entering workload identities.
type Identity struct {
	TrustDomain string
	ClusterID   string
}

// DefaultIdentity is Istio's default: trust domain cluster.local, cluster Kubernetes.
var DefaultIdentity = Identity{TrustDomain: "cluster.local", ClusterID: "Kubernetes"}

// WorkloadName is the workload Istio reports for a pod: the controller owner, with a
// ReplicaSet's `-<pod-template-hash>` removed (so the Deployment; an Argo Rollout's
// `-<rollouts-pod-template-hash>` likewise), else the pod name.
func WorkloadName(pod *corev1.Pod) string {
	owner := metav1.GetControllerOf(pod)
	if owner == nil && len(pod.OwnerReferences) > 0 {
		owner = &pod.OwnerReferences[0]
	}
	if owner == nil {
		return pod.Name
	}
	if owner.Kind == "ReplicaSet" {
		// Istio's heuristic (pkg/kube GetDeployMetaFromPod): a Deployment's hash, else an
		// Argo Rollout's.
		for _, label := range []string{"pod-template-hash", "rollouts-pod-template-hash"} {
			if hash := pod.Labels[label]; hash != "" {
				if name, ok := strings.CutSuffix(owner.Name, "-"+hash); ok {
					return name
				}
			}
		}
	}
	return owner.Name
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// WorkloadOf is a pod's workload metadata. App: label `app`; version:
// `app.kubernetes.io/version`, else `version`; canonical service and revision as Istio's
// labels.CanonicalService computes them.
func WorkloadOf(pod *corev1.Pod, id Identity) Workload {
	l := pod.Labels
	name := WorkloadName(pod)
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	return Workload{
		Name:              name,
		Namespace:         pod.Namespace,
		App:               firstOf(l["app"], Unknown),
		Version:           firstOf(l["app.kubernetes.io/version"], l["version"], Unknown),
		CanonicalService:  firstOf(l["service.istio.io/canonical-name"], l["app.kubernetes.io/name"], l["app"], name),
		CanonicalRevision: firstOf(l["service.istio.io/canonical-revision"], l["app.kubernetes.io/version"], l["version"], "latest"),
		Principal:         "spiffe://" + id.TrustDomain + "/ns/" + pod.Namespace + "/sa/" + sa,
		Cluster:           id.ClusterID,
	}
}
