package fleet

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/switchyard/switchyard/testbed/internal/ambient"
	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/traffic"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// gatewayNameLabel is the label istiod's templates put on a Gateway's Deployment, pods and
// Service.
const gatewayNameLabel = "gateway.networking.k8s.io/gateway-name"

// ambientSenders are the workload's ambient pods (enrolled, Running and Ready, without a
// proxy of their own), by pod name.
func (f *Fleet) ambientSenders(namespace, workload string) []traffic.Sender {
	pods, err := f.pods.Pods(namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	var out []traffic.Sender
	for _, pod := range pods {
		if !ambient.Enrolled(pod) || !IsReady(pod) || istiometrics.WorkloadName(pod) != workload {
			continue
		}
		if _, hasProxy := ProxyTypeOf(pod); hasProxy {
			continue
		}
		out = append(out, traffic.Sender{Pod: pod.Name, Workload: istiometrics.WorkloadOf(pod, f.opts.Identity), Ambient: true})
	}
	return out
}

// ServiceVIP implements traffic.World.
func (f *Fleet) ServiceVIP(namespace, name string) (string, bool) {
	svc, err := f.services.Services(namespace).Get(name)
	if err != nil || svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return "", false
	}
	return svc.Spec.ClusterIP, true
}

// Waypoint implements traffic.World: the waypoint the Service is bound to (ambient.
// WaypointFor), when its Service exists (istiod's deployment controller creates it for
// the Gateway; without the Gateway istiod binds nothing), with the pods behind its ready
// endpoints that run a waypoint proxy.
func (f *Fleet) Waypoint(namespace, service string) (traffic.Waypoint, bool) {
	svc, err := f.services.Services(namespace).Get(service)
	if err != nil {
		return traffic.Waypoint{}, false
	}
	ns, _ := f.namespaces.Get(namespace)
	ref, ok := ambient.WaypointFor(svc, ns)
	if !ok {
		return traffic.Waypoint{}, false
	}
	wpServices, err := f.services.Services(ref.Namespace).List(labels.SelectorFromSet(labels.Set{gatewayNameLabel: ref.Name}))
	if err != nil || len(wpServices) == 0 {
		return traffic.Waypoint{}, false
	}
	out := traffic.Waypoint{Namespace: ref.Namespace, Name: ref.Name}
	for _, ip := range f.ServiceEndpoints(ref.Namespace, wpServices[0].Name) {
		objs, err := f.podIndex.ByIndex(ipIndex, ip)
		if err != nil {
			continue
		}
		for _, obj := range objs {
			pod, ok := obj.(*corev1.Pod)
			if !ok || !IsReady(pod) {
				continue
			}
			f.mu.RLock()
			p := f.proxies[pod.Namespace+"/"+pod.Name]
			f.mu.RUnlock()
			if p == nil || p.uid != pod.UID || p.identity.ProxyType != string(xdsclient.Waypoint) {
				continue
			}
			out.Hops = append(out.Hops, traffic.Hop{Pod: pod.Name, Workload: p.workload, Proxy: p.client.Snapshot})
		}
	}
	sort.Slice(out.Hops, func(i, j int) bool { return out.Hops[i].Pod < out.Hops[j].Pod })
	return out, true
}
