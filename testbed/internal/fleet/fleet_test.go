package fleet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

func pod(name string, mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bookinfo", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "reviews"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "reviews", Image: "reviews:v1"},
			{Name: SidecarContainer, Image: "proxyv2"},
		}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.9", Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

func TestWantsProxy(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	tests := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"sidecar container, Running with IP", pod("a"), true},
		{"native sidecar", pod("a", func(p *corev1.Pod) {
			p.Spec.Containers = p.Spec.Containers[:1]
			p.Spec.InitContainers = []corev1.Container{{Name: SidecarContainer, RestartPolicy: &always}}
		}), true},
		{"init container without restartPolicy Always is not a sidecar", pod("a", func(p *corev1.Pod) {
			p.Spec.Containers = p.Spec.Containers[:1]
			p.Spec.InitContainers = []corev1.Container{{Name: SidecarContainer}}
		}), false},
		{"no sidecar", pod("a", func(p *corev1.Pod) { p.Spec.Containers = p.Spec.Containers[:1] }), false},
		{"Pending", pod("a", func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }), false},
		{"no IP yet", pod("a", func(p *corev1.Pod) { p.Status.PodIP = "" }), false},
		{"terminating keeps its proxy", pod("a", func(p *corev1.Pod) { now := metav1.Now(); p.DeletionTimestamp = &now }), true},
		{"Succeeded", pod("a", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), false},
		{"gateway router", gatewayPod("gw", "router"), true},
		{"waypoint", gatewayPod("wp", "waypoint"), true},
		{"ztunnel: recognised, not played", gatewayPod("zt", "ztunnel"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WantsProxy(tt.pod); got != tt.want {
				t.Fatalf("WantsProxy = %v, want %v", got, tt.want)
			}
		})
	}
}

// gatewayPod is a pod as istiod's kube-gateway (or waypoint) template and the ztunnel
// chart make them: one istio-proxy container run as `proxy <proxyType>`.
func gatewayPod(name, proxyType string) *corev1.Pod {
	return pod(name, func(p *corev1.Pod) {
		p.Labels = map[string]string{"gateway.networking.k8s.io/gateway-name": "bookinfo-ingress", "service.istio.io/canonical-name": "bookinfo-ingress-istio", "sidecar.istio.io/inject": "false"}
		p.Spec.Containers = []corev1.Container{{Name: SidecarContainer, Image: "proxyv2", Args: []string{"proxy", proxyType, "--domain", "$(POD_NAMESPACE).svc.cluster.local"}}}
	})
}

func TestProxyTypeOf(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	tests := []struct {
		name string
		pod  *corev1.Pod
		want xdsclient.NodeType
		ok   bool
	}{
		{"injected sidecar", pod("a", func(p *corev1.Pod) { p.Spec.Containers[1].Args = []string{"proxy", "sidecar", "--domain", "x"} }), xdsclient.Sidecar, true},
		{"no arguments: pilot-agent's default", pod("a"), xdsclient.Sidecar, true},
		{"flags only: the default type", pod("a", func(p *corev1.Pod) { p.Spec.Containers[1].Args = []string{"proxy", "--domain", "x"} }), xdsclient.Sidecar, true},
		{"native sidecar", pod("a", func(p *corev1.Pod) {
			p.Spec.Containers = p.Spec.Containers[:1]
			p.Spec.InitContainers = []corev1.Container{{Name: SidecarContainer, RestartPolicy: &always, Args: []string{"proxy", "sidecar"}}}
		}), xdsclient.Sidecar, true},
		{"gateway", gatewayPod("gw", "router"), xdsclient.Router, true},
		{"waypoint", gatewayPod("wp", "waypoint"), xdsclient.Waypoint, true},
		{"ztunnel", gatewayPod("zt", "ztunnel"), xdsclient.Ztunnel, true},
		{"a type pilot-agent refuses", gatewayPod("x", "ingress"), "", false},
		{"no istio-proxy", pod("a", func(p *corev1.Pod) { p.Spec.Containers = p.Spec.Containers[:1] }), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ProxyTypeOf(tt.pod)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("ProxyTypeOf = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestBootstrapRouter(t *testing.T) {
	yes := true
	p := gatewayPod("bookinfo-ingress-istio-7c9-xk2lp", "router")
	p.Labels["pod-template-hash"] = "7c9"
	p.Spec.ServiceAccountName = "bookinfo-ingress-istio"
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "bookinfo-ingress-istio-7c9", Controller: &yes}}
	b := bootstrapPod(p, xdsclient.Router)
	node, err := xdsclient.BuildNode(b, xdsclient.NodeOptions{IstioVersion: "1.31.0", ClusterID: "Kubernetes", MeshID: "cluster.local", DNSDomain: "cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "router~10.0.0.9~bookinfo-ingress-istio-7c9-xk2lp.bookinfo~bookinfo.svc.cluster.local"; node.GetId() != want {
		t.Fatalf("node id %s, want %s", node.GetId(), want)
	}
	md := node.GetMetadata().GetFields()
	for k, want := range map[string]string{
		"WORKLOAD_NAME": "bookinfo-ingress-istio", "OWNER": "kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/bookinfo-ingress-istio",
		"SERVICE_ACCOUNT": "bookinfo-ingress-istio", "INTERCEPTION_MODE": "REDIRECT", "CLUSTER_ID": "Kubernetes",
	} {
		if got := md[k].GetStringValue(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// The kube-gateway template sets ISTIO_META_APP_CONTAINERS "" and POD_PORTS "[]":
	// both empty, so absent from the node.
	for _, k := range []string{"APP_CONTAINERS", "POD_PORTS"} {
		if _, ok := md[k]; ok {
			t.Errorf("%s present for a gateway: %v", k, md[k])
		}
	}
	// istiod selects the Gateway's config by these labels.
	if got := md["LABELS"].GetStructValue().GetFields()["gateway.networking.k8s.io/gateway-name"].GetStringValue(); got != "bookinfo-ingress" {
		t.Errorf("LABELS gateway-name = %q", got)
	}
}

func TestBootstrapPod(t *testing.T) {
	yes := true
	p := pod("reviews-blue-5d8f-abcde", func(p *corev1.Pod) {
		p.Labels = map[string]string{"app": "reviews", "pod-template-hash": "5d8f"}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "reviews-blue-5d8f", Controller: &yes}}
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 9080, Protocol: corev1.ProtocolTCP}}
	})
	b := bootstrapPod(p, xdsclient.Sidecar)
	if b.Workload != "reviews-blue" || b.Owner != "kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/reviews-blue" || b.ServiceAccount != "default" {
		t.Fatalf("bootstrap %+v", b)
	}
	node, err := xdsclient.BuildNode(b, xdsclient.NodeOptions{IstioVersion: "1.31.0", ClusterID: "Kubernetes", MeshID: "cluster.local", DNSDomain: "cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	if node.GetId() != "sidecar~10.0.0.9~reviews-blue-5d8f-abcde.bookinfo~bookinfo.svc.cluster.local" || node.GetCluster() != "reviews.bookinfo" {
		t.Fatalf("node %s cluster %s", node.GetId(), node.GetCluster())
	}
	md := node.GetMetadata().GetFields()
	for k, want := range map[string]string{
		"NAMESPACE": "bookinfo", "NAME": "reviews-blue-5d8f-abcde", "WORKLOAD_NAME": "reviews-blue", "CLUSTER_ID": "Kubernetes",
		"ISTIO_VERSION": "1.31.0", "INTERCEPTION_MODE": "REDIRECT", "MESH_ID": "cluster.local", "SERVICE_ACCOUNT": "default",
		"OWNER": b.Owner, "APP_CONTAINERS": "reviews", "POD_PORTS": `[{"name":"http","containerPort":9080,"protocol":"TCP"}]`,
	} {
		if got := md[k].GetStringValue(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, ok := md["LABELS"].GetStructValue().GetFields()["pod-template-hash"]; ok {
		t.Error("pilot-agent leaves pod-template-hash out of LABELS")
	}
	if md["PROXY_CONFIG"].GetStructValue() == nil {
		t.Error("without PROXY_CONFIG istiod does not list the proxy in syncz")
	}
}

// TestBootstrapWaypoint: a waypoint's node is what pilot-agent sends from istiod's
// waypoint template in the ambient profile: `waypoint~` id, ENABLE_HBONE and the mesh's
// proxyMetadata from the container's environment, no APP_CONTAINERS or POD_PORTS.
func TestBootstrapWaypoint(t *testing.T) {
	p := gatewayPod("waypoint-5d8-abcde", "waypoint")
	p.Spec.ServiceAccountName = "waypoint"
	p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: 15020}}
	p.Spec.Containers[0].Env = []corev1.EnvVar{
		{Name: "PROXY_CONFIG", Value: `{"proxyMetadata":{"ISTIO_META_ENABLE_HBONE":"true"}}` + "\n"},
		{Name: "ISTIO_META_ENABLE_HBONE", Value: "true"},
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
	}
	node, err := xdsclient.BuildNode(bootstrapPod(p, xdsclient.Waypoint), xdsclient.NodeOptions{IstioVersion: "1.31.0", ClusterID: "Kubernetes", MeshID: "cluster.local", DNSDomain: "cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "waypoint~10.0.0.9~waypoint-5d8-abcde.bookinfo~bookinfo.svc.cluster.local"; node.GetId() != want {
		t.Fatalf("node id %s, want %s", node.GetId(), want)
	}
	md := node.GetMetadata().GetFields()
	if md["ENABLE_HBONE"].GetStringValue() != "true" {
		t.Errorf("ENABLE_HBONE = %v, want \"true\"", md["ENABLE_HBONE"])
	}
	pm := md["PROXY_CONFIG"].GetStructValue().GetFields()["proxyMetadata"].GetStructValue().GetFields()
	if pm["ISTIO_META_ENABLE_HBONE"].GetStringValue() != "true" {
		t.Errorf("PROXY_CONFIG.proxyMetadata = %v", pm)
	}
	for _, key := range []string{"APP_CONTAINERS", "POD_PORTS"} {
		if v, ok := md[key]; ok && v.GetStringValue() != "" && v.GetStringValue() != "[]" {
			t.Errorf("%s = %v: the waypoint template sets none", key, v)
		}
	}
	// A sidecar of the minimal profile sends neither.
	plain, err := xdsclient.BuildNode(bootstrapPod(pod("a"), xdsclient.Sidecar), xdsclient.NodeOptions{IstioVersion: "1.31.0", DNSDomain: "cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.GetMetadata().GetFields()["ENABLE_HBONE"]; ok {
		t.Error("a sidecar without ISTIO_META_ENABLE_HBONE sends ENABLE_HBONE")
	}
}

func TestFleetRunsAProxyPerSidecarAndGatewayPod(t *testing.T) {
	withIP := func(p *corev1.Pod, ip string) *corev1.Pod { p.Status.PodIP = ip; return p }
	kube := kubefake.NewClientset(pod("reviews-1"), pod("plain", func(p *corev1.Pod) {
		p.Spec.Containers = p.Spec.Containers[:1]
		p.Status.PodIP = "10.0.0.8"
	}), withIP(gatewayPod("gw-1", "router"), "10.0.0.7"), withIP(gatewayPod("wp-1", "waypoint"), "10.0.0.6"),
		withIP(gatewayPod("zt-1", "ztunnel"), "10.0.0.5"))
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{PortForwards: "PortForwardList"})
	f := New(Options{
		Kube: kube, Dynamic: dyn,
		// Nothing listens there: the proxy keeps retrying, which is all this test needs.
		Istiod:   []string{"127.0.0.1:1"},
		Node:     xdsclient.NodeOptions{IstioVersion: "1.31.0", ClusterID: "Kubernetes", DNSDomain: "cluster.local"},
		Identity: istiometrics.DefaultIdentity,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	f.SetOverrides([]scenario.Override{{Match: scenario.ProxyMatch{Pod: "reviews-*"}, Stuck: true}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	eventually(t, "a proxy for the sidecar, the gateway and the waypoint pod only", func() bool {
		ps := f.Proxies()
		return len(ps) == 3 && ps[0].Pod == "gw-1" && ps[1].Pod == "reviews-1" && ps[1].PortForward && ps[2].Pod == "wp-1"
	})
	gw := f.Proxies()[0]
	if gw.ProxyType != "router" || gw.NodeID != "router~10.0.0.7~gw-1.bookinfo~bookinfo.svc.cluster.local" || gw.Settings.Stuck {
		t.Fatalf("gateway proxy state %+v", gw)
	}
	if wp := f.Proxies()[2]; wp.ProxyType != "waypoint" || wp.NodeID != "waypoint~10.0.0.6~wp-1.bookinfo~bookinfo.svc.cluster.local" {
		t.Fatalf("waypoint proxy state %+v", wp)
	}
	if u := f.Unplayed(); len(u) != 1 || u[0].Pod != "zt-1" || u[0].ProxyType != xdsclient.Ztunnel {
		t.Fatalf("unplayed %+v, want ztunnel", u)
	}
	// Overrides match by proxy type.
	f.SetOverrides([]scenario.Override{{Match: scenario.ProxyMatch{ProxyType: "router"}, Stuck: true}})
	eventually(t, "only the router stuck", func() bool {
		ps := f.Proxies()
		return ps[0].Settings.Stuck && !ps[1].Settings.Stuck && !ps[2].Settings.Stuck
	})
	f.SetOverrides([]scenario.Override{{Match: scenario.ProxyMatch{Pod: "reviews-*"}, Stuck: true}})
	eventually(t, "only the sidecar stuck", func() bool {
		ps := f.Proxies()
		return !ps[0].Settings.Stuck && ps[1].Settings.Stuck
	})
	st := f.Proxies()[1]
	if st.ProxyType != "sidecar" || st.NodeID != "sidecar~10.0.0.9~reviews-1.bookinfo~bookinfo.svc.cluster.local" || st.Istiod != "127.0.0.1:1" {
		t.Fatalf("proxy state %+v", st)
	}
	pf, err := dyn.Resource(PortForwards).Namespace("bookinfo").Get(ctx, "reviews-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	forwards, _, _ := unstructured.NestedSlice(pf.Object, "spec", "forwards")
	fw := forwards[0].(map[string]any)
	target := fw["target"].(map[string]any)
	if fw["ports"].([]any)[0] != int64(EnvoyAdminPort) || target["address"] != "127.0.0.1" || target["port"] != int64(st.AdminPort) {
		t.Fatalf("PortForward spec %v, admin port %d", forwards, st.AdminPort)
	}
	if refs := pf.GetOwnerReferences(); len(refs) != 1 || refs[0].Kind != "Pod" || refs[0].Name != "reviews-1" {
		t.Fatalf("owner references %v", refs)
	}
	// The forwarded port serves the proxy's admin interface.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/ready", st.AdminPort))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("/ready of a proxy without config answered %d", resp.StatusCode)
	}

	// Overrides reach running proxies.
	f.SetOverrides(nil)
	eventually(t, "released", func() bool { return !f.Proxies()[1].Settings.Stuck })

	// The pod stops running: proxy, listener and PortForward go.
	stopped := pod("reviews-1", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded })
	if _, err := kube.CoreV1().Pods("bookinfo").UpdateStatus(ctx, stopped, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "proxy stopped", func() bool { return len(f.Proxies()) == 2 })
	eventually(t, "PortForward deleted", func() bool {
		_, err := dyn.Resource(PortForwards).Namespace("bookinfo").Get(ctx, "reviews-1", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/ready", st.AdminPort)); err == nil {
		t.Fatal("the admin listener of a stopped proxy still answers")
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
