package fleet

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"istio.io/istio/pkg/model"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// SidecarContainer is the name of Istio's proxy container: injected next to an
// application, and the only container of a gateway, waypoint or ztunnel pod.
const SidecarContainer = "istio-proxy"

// proxyContainer is the pod's istio-proxy container: a container of that name, or an init
// container of that name with restartPolicy Always (native sidecars).
func proxyContainer(pod *corev1.Pod) *corev1.Container {
	for i, c := range pod.Spec.Containers {
		if c.Name == SidecarContainer {
			return &pod.Spec.Containers[i]
		}
	}
	for i, c := range pod.Spec.InitContainers {
		if c.Name == SidecarContainer && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}

// ProxyTypeOf is what the pod's istio-proxy container runs as, read from its arguments as
// pilot-agent reads them (`proxy <type>`, `sidecar` when the type is left out): injection
// gives sidecars `proxy sidecar`, istiod's kube-gateway template `proxy router`, its
// waypoint template `proxy waypoint`, the ztunnel chart `proxy ztunnel`. ok is false for a
// pod without an istio-proxy container, or with a type pilot-agent refuses.
func ProxyTypeOf(pod *corev1.Pod) (t xdsclient.NodeType, ok bool) {
	c := proxyContainer(pod)
	if c == nil {
		return "", false
	}
	args := c.Args
	if len(args) == 0 || args[0] != "proxy" {
		return xdsclient.Sidecar, true
	}
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		return xdsclient.Sidecar, true
	}
	switch t := xdsclient.NodeType(args[1]); t {
	case xdsclient.Sidecar, xdsclient.Router, xdsclient.Waypoint, xdsclient.Ztunnel:
		return t, true
	}
	return "", false
}

// Plays reports whether the fleet plays proxies of this type: sidecars, gateway routers
// and waypoints (Envoys). ztunnel is recognised but not played: it is no Envoy (it speaks
// istiod's workload API, not CDS/LDS), and the fleet routes ambient clients' L4 hop itself.
func Plays(t xdsclient.NodeType) bool {
	return t == xdsclient.Sidecar || t == xdsclient.Router || t == xdsclient.Waypoint
}

// IsSidecarPod reports whether injection gave the pod a sidecar (a proxy of type
// sidecar): its own inbound traffic crosses that proxy.
func IsSidecarPod(pod *corev1.Pod) bool {
	t, ok := ProxyTypeOf(pod)
	return ok && t == xdsclient.Sidecar
}

// IsRunningWithIP: the pod is Running and has an IP, so a proxy in it can be up. A
// terminating pod keeps its proxy until it stops running or goes away, as Envoy drains
// during graceful termination.
func IsRunningWithIP(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodRunning && pod.Status.PodIP != ""
}

// WantsProxy reports whether the fleet runs a proxy for the pod: a proxy type it plays,
// in a pod Running with an IP.
func WantsProxy(pod *corev1.Pod) bool {
	t, ok := ProxyTypeOf(pod)
	return ok && Plays(t) && IsRunningWithIP(pod)
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

// bootstrapPod is what the proxy of this pod (of type t) knows about it at bootstrap.
func bootstrapPod(pod *corev1.Pod, t xdsclient.NodeType) xdsclient.Pod {
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
	env := literalEnv(proxyContainer(pod))
	return xdsclient.Pod{
		Type:           t,
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
		EnableHBONE:    env["ISTIO_META_ENABLE_HBONE"] == "true",
		ProxyMetadata:  proxyMetadata(env["PROXY_CONFIG"]),
	}
}

// literalEnv is the container's environment variables that have a literal value (what
// the templates set from the mesh config; downward-API ones are left out).
func literalEnv(c *corev1.Container) map[string]string {
	out := map[string]string{}
	if c == nil {
		return out
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			out[e.Name] = e.Value
		}
	}
	return out
}

// proxyMetadata is the proxyMetadata of a PROXY_CONFIG value (the ProxyConfig as JSON);
// nil when there is none or it does not parse (pilot-agent would then run with the mesh
// defaults).
func proxyMetadata(proxyConfig string) map[string]string {
	var pc struct {
		ProxyMetadata map[string]string `json:"proxyMetadata"`
	}
	if strings.TrimSpace(proxyConfig) == "" || json.Unmarshal([]byte(proxyConfig), &pc) != nil {
		return nil
	}
	return pc.ProxyMetadata
}
