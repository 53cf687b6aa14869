package fleet

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"istio.io/istio/pkg/model"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// SidecarContainer is the name injection gives Istio's sidecar container.
const SidecarContainer = "istio-proxy"

// IsSidecarPod reports whether injection gave the pod a sidecar: a container named
// istio-proxy, or an init container of that name with restartPolicy Always (native
// sidecars).
func IsSidecarPod(pod *corev1.Pod) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name == SidecarContainer {
			return true
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == SidecarContainer && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			return true
		}
	}
	return false
}

// WantsProxy reports whether the fleet runs a proxy for the pod: a sidecar pod that is
// Running with an IP. A terminating pod keeps its proxy until it stops running or goes
// away, as Envoy drains during graceful termination.
func WantsProxy(pod *corev1.Pod) bool {
	return IsSidecarPod(pod) && pod.Status.Phase == corev1.PodRunning && pod.Status.PodIP != ""
}

// IsReady is the pod's Ready condition on a Running pod.
func IsReady(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// AppImage is the image of the application container: the first container that is not
// the sidecar.
func AppImage(pod *corev1.Pod) string {
	for _, c := range pod.Spec.Containers {
		if c.Name != SidecarContainer {
			return c.Image
		}
	}
	if len(pod.Spec.Containers) > 0 {
		return pod.Spec.Containers[0].Image
	}
	return ""
}

// ownerURI is ISTIO_META_OWNER as the injector computes it: the Deployment of a
// ReplicaSet's pod, else the controller, else the pod itself.
func ownerURI(pod *corev1.Pod) string {
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		return "kubernetes://apis/v1/namespaces/" + pod.Namespace + "/pods/" + pod.Name
	}
	if owner.Kind == "ReplicaSet" {
		if hash := pod.Labels["pod-template-hash"]; hash != "" {
			if name, ok := strings.CutSuffix(owner.Name, "-"+hash); ok {
				return "kubernetes://apis/apps/v1/namespaces/" + pod.Namespace + "/deployments/" + name
			}
		}
	}
	return "kubernetes://apis/" + owner.APIVersion + "/namespaces/" + pod.Namespace + "/" + strings.ToLower(owner.Kind) + "s/" + owner.Name
}

// bootstrapPod is what the sidecar of this pod knows about it at bootstrap.
func bootstrapPod(pod *corev1.Pod) xdsclient.Pod {
	var apps []string
	var ports []model.PodPort
	for _, c := range pod.Spec.Containers {
		if c.Name == SidecarContainer {
			continue
		}
		apps = append(apps, c.Name)
		for _, p := range c.Ports {
			ports = append(ports, model.PodPort{Name: p.Name, ContainerPort: int(p.ContainerPort), Protocol: string(p.Protocol)})
		}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	return xdsclient.Pod{
		Name:           pod.Name,
		Namespace:      pod.Namespace,
		IP:             pod.Status.PodIP,
		ServiceAccount: sa,
		Workload:       istiometrics.WorkloadName(pod),
		Owner:          ownerURI(pod),
		Labels:         pod.Labels,
		Annotations:    pod.Annotations,
		NodeName:       pod.Spec.NodeName,
		AppContainers:  apps,
		Ports:          ports,
	}
}
