package xdsclient_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	networking "istio.io/api/networking/v1alpha3"
	xdsfake "istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config/schema/gvk"

	"github.com/switchyard/switchyard/testbed/internal/envoyadmin"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/traffic"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// These tests drive istio's own discovery server (pilot/test/xds, the in-memory istiod
// that istio's tests use) over a real TCP listener: the proxy connects with its node
// metadata, istiod generates real CDS/EDS/LDS/RDS for it, and istiod's own /debug/syncz
// judges the ACKs.

const kubeObjects = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo, labels: {app: reviews}}
spec:
  clusterIP: 10.96.0.10
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 9080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: productpage, namespace: bookinfo, labels: {app: productpage}}
spec:
  clusterIP: 10.96.0.11
  selector: {app: productpage}
  ports: [{name: http, port: 9080, targetPort: 9080, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata:
  name: productpage-1
  namespace: bookinfo
  labels: {app: productpage, version: v1, security.istio.io/tlsMode: istio}
spec:
  containers: [{name: productpage, image: productpage:v1}, {name: istio-proxy, image: proxyv2}]
status:
  phase: Running
  podIP: 10.0.0.1
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-blue-1
  namespace: bookinfo
  labels: {app: reviews, version: blue, security.istio.io/tlsMode: istio}
spec:
  containers: [{name: reviews, image: reviews:v1}, {name: istio-proxy, image: proxyv2}]
status:
  phase: Running
  podIP: 10.0.0.2
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-green-1
  namespace: bookinfo
  labels: {app: reviews, version: green, security.istio.io/tlsMode: istio}
spec:
  containers: [{name: reviews, image: reviews:v2}, {name: istio-proxy, image: proxyv2}]
status:
  phase: Running
  podIP: 10.0.0.3
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: reviews-1
  namespace: bookinfo
  labels: {kubernetes.io/service-name: reviews}
addressType: IPv4
ports: [{name: http, port: 9080, protocol: TCP}]
endpoints:
  - addresses: [10.0.0.2]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: reviews-blue-1, namespace: bookinfo}
  - addresses: [10.0.0.3]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: reviews-green-1, namespace: bookinfo}
`

// Hosts are FQDNs: the fake's in-memory config store leaves config.Meta.Domain empty, so
// a short name would resolve to `reviews.bookinfo` (the Kubernetes CRD client istiod runs
// with sets the domain).
const istioConfig = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews.bookinfo.svc.cluster.local
  subsets:
    - {name: blue, labels: {version: blue}}
    - {name: green, labels: {version: green}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews.bookinfo.svc.cluster.local]
  http:
    - name: release-candidate
      match: [{headers: {x-release: {exact: candidate}}}]
      route: [{destination: {host: reviews.bookinfo.svc.cluster.local, subset: green}}]
    - name: primary
      route:
        - {destination: {host: reviews.bookinfo.svc.cluster.local, subset: blue}, weight: 100}
        - {destination: {host: reviews.bookinfo.svc.cluster.local, subset: green}, weight: 0}
`

type istiod struct {
	t    *testing.T
	fake *xdsfake.FakeDiscoveryServer
	addr string
}

func startIstiod(t *testing.T) *istiod {
	return startIstiodWith(t, "", "")
}

// startIstiodWith starts istiod with more Kubernetes objects and Istio config than the
// shared ones (YAML documents, appended).
func startIstiodWith(t *testing.T, moreKube, moreConfig string) *istiod {
	var addr string
	fake := xdsfake.NewFakeDiscoveryServer(t, xdsfake.FakeOptions{
		KubernetesObjectString: kubeObjects + moreKube,
		ConfigString:           istioConfig + moreConfig,
		ListenerBuilder: func() (net.Listener, error) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err == nil {
				addr = l.Addr().String()
			}
			return l, err
		},
	})
	return &istiod{t: t, fake: fake, addr: addr}
}

// syncStatus is one entry of istiod's /debug/syncz (pilot/pkg/xds/debug.go SyncStatus).
type syncStatus struct {
	Proxy     string `json:"proxy"`
	ProxyType string `json:"proxy_type"`
	Resources map[string]struct {
		Sent      string `json:"sent"`
		Acked     string `json:"acked"`
		LastError string `json:"lastError"`
	} `json:"resources"`
}

func (s *istiod) syncz() map[string]syncStatus {
	rec := httptest.NewRecorder()
	s.fake.DiscoveryDebug.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/syncz", nil))
	var list []syncStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		s.t.Fatalf("syncz: %v: %s", err, rec.Body.String())
	}
	out := map[string]syncStatus{}
	for _, e := range list {
		out[e.Proxy] = e
	}
	return out
}

// setPrimaryWeights changes the VirtualService as a kubectl patch would.
func (s *istiod) setPrimaryWeights(blue, green int32) {
	s.t.Helper()
	store := s.fake.Store()
	cfg := store.Get(gvk.VirtualService, "reviews", "bookinfo")
	if cfg == nil {
		s.t.Fatal("VirtualService reviews not in the store")
	}
	next := cfg.DeepCopy()
	vs := next.Spec.(*networking.VirtualService)
	for _, h := range vs.GetHttp() {
		if h.GetName() == "primary" {
			h.Route[0].Weight, h.Route[1].Weight = blue, green
		}
	}
	if _, err := store.Update(next); err != nil {
		s.t.Fatal(err)
	}
}

var productpage = xdsclient.Pod{
	Name: "productpage-1", Namespace: "bookinfo", IP: "10.0.0.1", ServiceAccount: "default",
	Workload: "productpage", Owner: "kubernetes://apis/v1/namespaces/bookinfo/pods/productpage-1",
	Labels:        map[string]string{"app": "productpage", "version": "v1", "security.istio.io/tlsMode": "istio"},
	AppContainers: []string{"productpage"},
}

const proxyID = "productpage-1.bookinfo"

type runningProxy struct {
	client *xdsclient.Client
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func connect(t *testing.T, s *istiod, settings scenario.ApplySettings) *runningProxy {
	t.Helper()
	return connectAs(t, s, productpage, settings)
}

func connectAs(t *testing.T, s *istiod, pod xdsclient.Pod, settings scenario.ApplySettings) *runningProxy {
	t.Helper()
	return connectWith(t, s, pod, xdsclient.Options{Settings: settings})
}

// connectWith connects pod's proxy with opts (its node, address and seed filled in).
func connectWith(t *testing.T, s *istiod, pod xdsclient.Pod, opts xdsclient.Options) *runningProxy {
	t.Helper()
	node, err := xdsclient.BuildNode(pod, xdsclient.NodeOptions{IstioVersion: "1.31.0", ClusterID: "Kubernetes", MeshID: "cluster.local", DNSDomain: "cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	opts.Node, opts.Addresses, opts.Seed = node, []string{s.addr}, 1
	c := xdsclient.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	p := &runningProxy{client: c, cancel: cancel}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		c.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		p.wg.Wait()
	})
	return p
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var allTypes = []string{xdsclient.ClusterType, xdsclient.EndpointType, xdsclient.ListenerType, xdsclient.RouteType}

func synced(st syncStatus, types ...string) bool {
	for _, typ := range types {
		r, ok := st.Resources[typ]
		if !ok || r.Sent == "" || r.Sent != r.Acked || r.LastError != "" {
			return false
		}
	}
	return true
}

// primaryWeights reads the weights of the `primary` route in the applied 9080 routes.
func primaryWeights(snap *xdsclient.Snapshot) map[string]uint32 {
	rc, ok := snap.Routes["9080"]
	if !ok {
		return nil
	}
	for _, vh := range rc.Message.GetVirtualHosts() {
		if !strings.HasPrefix(vh.GetName(), "reviews.bookinfo.svc.cluster.local") {
			continue
		}
		for _, r := range vh.GetRoutes() {
			if r.GetName() != "primary" {
				continue
			}
			out := map[string]uint32{}
			if c := r.GetRoute().GetCluster(); c != "" {
				out[c] = 1
			}
			for _, wc := range r.GetRoute().GetWeightedClusters().GetClusters() {
				out[wc.GetName()] = wc.GetWeight().GetValue()
			}
			return out
		}
	}
	return nil
}

const (
	blueCluster  = "outbound|9080|blue|reviews.bookinfo.svc.cluster.local"
	greenCluster = "outbound|9080|green|reviews.bookinfo.svc.cluster.local"
)

func TestIstiodAcksEveryTypeAndAppliesRouteChanges(t *testing.T) {
	s := startIstiod(t)
	p := connect(t, s, scenario.ApplySettings{})

	eventually(t, "all four types SYNCED in istiod's syncz", func() bool { return synced(s.syncz()[proxyID], allTypes...) })
	snap := p.client.Snapshot()
	if w := primaryWeights(snap); w[blueCluster] != 100 || w[greenCluster] != 0 {
		t.Fatalf("applied primary route = %v, want all on blue", w)
	}
	if got := traffic.ClusterEndpoints(snap, snap.Clusters[blueCluster].Message); len(got) != 1 || got[0].IP != "10.0.0.2" {
		t.Fatalf("blue endpoints = %+v, want 10.0.0.2 from EDS", got)
	}

	before := snap.Status[xdsclient.RouteType].Version
	s.setPrimaryWeights(20, 80)
	eventually(t, "the 20/80 split applied", func() bool {
		w := primaryWeights(p.client.Snapshot())
		return w[blueCluster] == 20 && w[greenCluster] == 80
	})
	eventually(t, "RDS re-acked", func() bool { return synced(s.syncz()[proxyID], allTypes...) })
	if after := p.client.Snapshot().Status[xdsclient.RouteType].Version; after == before {
		t.Fatalf("RDS version did not change: %s", after)
	}

	// Routing by the applied config: the header route wins for the tester, the split for the rest.
	snap = p.client.Snapshot()
	d := traffic.Route(snap, "9080", traffic.Request{Host: "reviews", Port: 9080, Path: "/reviews/0", Headers: map[string]string{"x-release": "candidate"}}, func() float64 { return 0 })
	if d.Kind != traffic.Upstream || d.ClusterName != greenCluster || d.RouteName != "release-candidate" {
		t.Fatalf("tester routed to %+v", d)
	}
	d = traffic.Route(snap, "9080", traffic.Request{Host: "reviews", Port: 9080, Path: "/"}, func() float64 { return 0.5 })
	if d.Kind != traffic.Upstream || d.ClusterName != greenCluster || d.RouteName != "primary" {
		t.Fatalf("0.5 of a 20/80 split routed to %+v", d)
	}
}

func TestIstiodSeesStuckProxyStaleUntilReleased(t *testing.T) {
	s := startIstiod(t)
	p := connect(t, s, scenario.ApplySettings{})
	eventually(t, "initial sync", func() bool { return synced(s.syncz()[proxyID], allTypes...) })

	p.client.SetSettings(scenario.ApplySettings{Stuck: true})
	// Settings reach the client's loop asynchronously; the status shows when they did.
	eventually(t, "stuck setting taken", func() bool { return p.client.Status().Settings.Stuck })
	s.setPrimaryWeights(0, 100)
	eventually(t, "RDS sent but not acked", func() bool {
		r := s.syncz()[proxyID].Resources[xdsclient.RouteType]
		return r.Sent != "" && r.Sent != r.Acked && r.LastError == ""
	})
	if w := primaryWeights(p.client.Snapshot()); w[blueCluster] != 100 {
		t.Fatalf("a stuck proxy applied %v", w)
	}

	p.client.SetSettings(scenario.ApplySettings{})
	eventually(t, "released proxy synced", func() bool { return synced(s.syncz()[proxyID], allTypes...) })
	if w := primaryWeights(p.client.Snapshot()); w[greenCluster] != 100 {
		t.Fatalf("released proxy applied %v, want all on green", w)
	}
}

func TestIstiodRecordsNackOfRejectingProxy(t *testing.T) {
	s := startIstiod(t)
	p := connect(t, s, scenario.ApplySettings{})
	eventually(t, "initial sync", func() bool { return synced(s.syncz()[proxyID], allTypes...) })
	acked := s.syncz()[proxyID].Resources[xdsclient.RouteType].Acked

	const message = `unknown field "x"`
	p.client.SetSettings(scenario.ApplySettings{Reject: message})
	eventually(t, "reject setting taken", func() bool { return p.client.Status().Settings.Reject != "" })
	s.setPrimaryWeights(50, 50)
	eventually(t, "RDS NACK recorded with Envoy's message", func() bool {
		return s.syncz()[proxyID].Resources[xdsclient.RouteType].LastError == message
	})
	// Only route pushes are refused: the push's other types are acked.
	eventually(t, "the other types acked", func() bool {
		return synced(s.syncz()[proxyID], xdsclient.ClusterType, xdsclient.EndpointType, xdsclient.ListenerType)
	})
	r := s.syncz()[proxyID].Resources[xdsclient.RouteType]
	if r.Acked != acked {
		t.Fatalf("a NACK moved the acked nonce from %s to %s", acked, r.Acked)
	}
	if w := primaryWeights(p.client.Snapshot()); w[blueCluster] != 100 {
		t.Fatalf("a rejecting proxy applied %v", w)
	}
	if st := p.client.Snapshot().Status[xdsclient.RouteType]; st.Rejected == 0 || st.LastError == "" {
		t.Fatalf("snapshot status does not record the rejection: %+v", st)
	}

	// Accepting again clears the error at the next push, as with Envoy.
	p.client.SetSettings(scenario.ApplySettings{})
	s.setPrimaryWeights(40, 60)
	eventually(t, "error cleared by the next ACK", func() bool { return synced(s.syncz()[proxyID], allTypes...) })
}

// Istio sums VirtualService weights as a wrapping int32, so weights past 2^32-1 reach
// Envoy, which refuses the route update with its own message.
func TestIstiodRecordsEnvoyRejectionOfWeightsPastUint32(t *testing.T) {
	s := startIstiod(t)
	p := connect(t, s, scenario.ApplySettings{})
	eventually(t, "initial sync", func() bool { return synced(s.syncz()[proxyID], allTypes...) })

	store := s.fake.Store()
	next := store.Get(gvk.VirtualService, "reviews", "bookinfo").DeepCopy()
	vs := next.Spec.(*networking.VirtualService)
	for _, h := range vs.GetHttp() {
		if h.GetName() == "primary" {
			h.Route[0].Weight, h.Route[1].Weight = 2147483647, 2147483647
			h.Route = append(h.Route, &networking.HTTPRouteDestination{
				Destination: &networking.Destination{Host: "reviews.bookinfo.svc.cluster.local", Subset: "blue"}, Weight: 3,
			})
		}
	}
	if _, err := store.Update(next); err != nil {
		t.Fatal(err)
	}
	const want = "The sum of weights of all weighted clusters of route primary exceeds 4294967295"
	eventually(t, "Envoy's rejection in syncz", func() bool {
		return s.syncz()[proxyID].Resources[xdsclient.RouteType].LastError == want
	})
	if w := primaryWeights(p.client.Snapshot()); w[blueCluster] != 100 {
		t.Fatalf("the refused routes were applied: %v", w)
	}
}

// A gateway pod (one istio-proxy container run as a router) with an Istio Gateway
// selecting it and a route bound to that Gateway.
const (
	gatewayObjects = `
---
apiVersion: v1
kind: Pod
metadata:
  name: ingress-1
  namespace: bookinfo
  labels: {istio: ingressgateway}
spec:
  containers: [{name: istio-proxy, image: proxyv2, args: [proxy, router]}]
status:
  phase: Running
  podIP: 10.0.0.9
  conditions: [{type: Ready, status: "True"}]
`
	gatewayConfig = `
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ingress, namespace: bookinfo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [bookinfo.example.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-ingress, namespace: bookinfo}
spec:
  hosts: [bookinfo.example.com]
  gateways: [bookinfo/ingress]
  http:
    - name: primary
      route: [{destination: {host: reviews.bookinfo.svc.cluster.local, subset: green}}]
`
)

var ingress = xdsclient.Pod{
	Type: xdsclient.Router, Name: "ingress-1", Namespace: "bookinfo", IP: "10.0.0.9", ServiceAccount: "ingress",
	Workload: "ingress", Owner: "kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/ingress",
	Labels: map[string]string{"istio": "ingressgateway"},
}

// A router's node (id type `router`) gets the Gateway's listener and `http.80` routes from
// istiod, which lists it in syncz as a router; the sidecar gets neither.
func TestIstiodServesARouterItsGateway(t *testing.T) {
	s := startIstiodWith(t, gatewayObjects, gatewayConfig)
	router := connectAs(t, s, ingress, scenario.ApplySettings{})
	sidecar := connect(t, s, scenario.ApplySettings{})
	eventually(t, "the router SYNCED in syncz", func() bool { return synced(s.syncz()["ingress-1.bookinfo"], allTypes...) })
	eventually(t, "the sidecar SYNCED in syncz", func() bool { return synced(s.syncz()[proxyID], allTypes...) })
	if got := s.syncz()["ingress-1.bookinfo"].ProxyType; got != "router" {
		t.Fatalf("syncz proxy_type %q, want router", got)
	}
	snap := router.client.Snapshot()
	if _, ok := snap.Listeners["0.0.0.0_80"]; !ok || len(snap.Listeners) != 1 {
		t.Fatalf("router listeners %v, want the Gateway's 0.0.0.0_80 alone", keys(snap.Listeners))
	}
	d := traffic.Route(snap, traffic.RouteConfigName(true, 80), traffic.Request{Host: "bookinfo.example.com", Port: 80, Path: "/"}, func() float64 { return 0 })
	if d.Kind != traffic.Upstream || d.ClusterName != greenCluster || d.RouteName != "primary" {
		t.Fatalf("ingress routed to %+v", d)
	}
	if _, ok := sidecar.client.Snapshot().Routes["http.80"]; ok {
		t.Fatal("a sidecar got the Gateway's routes")
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

type staticProxy struct {
	snap    *xdsclient.Snapshot
	node    *corev3.Node
	started time.Time
}

func (p staticProxy) Snapshot() *xdsclient.Snapshot { return p.snap }
func (p staticProxy) Node() *corev3.Node            { return p.node }
func (p staticProxy) Started() time.Time            { return p.started }

func TestConfigDumpOfRealIstiodConfigPrintsEveryType(t *testing.T) {
	s := startIstiod(t)
	p := connect(t, s, scenario.ApplySettings{})
	eventually(t, "initial sync", func() bool { return synced(s.syncz()[proxyID], allTypes...) })
	node, _ := xdsclient.BuildNode(productpage, xdsclient.NodeOptions{IstioVersion: "1.31.0", ClusterID: "Kubernetes", DNSDomain: "cluster.local"})
	snap := p.client.Snapshot()
	proxy := staticProxy{snap: snap, node: node, started: time.Now()}

	// Every Any istiod puts in the config resolves to a linked type: a strict printer
	// (no fallback) succeeds on the whole dump.
	res := envoyadmin.ConfigDump(proxy, url.Values{"include_eds": nil})
	if res.Status != 200 {
		t.Fatalf("config_dump: %d %s", res.Status, res.Body)
	}
	strict := protojson.MarshalOptions{}
	var all []proto.Message
	for _, r := range snap.Clusters {
		all = append(all, r.Message)
	}
	for _, r := range snap.Listeners {
		all = append(all, r.Message)
	}
	for _, r := range snap.Routes {
		all = append(all, r.Message)
	}
	for _, r := range snap.Endpoints {
		all = append(all, r.Message)
	}
	for _, m := range all {
		if _, err := strict.Marshal(m); err != nil {
			t.Fatalf("a type in istiod's config is not linked: %v", err)
		}
	}
	var dump struct {
		Configs []map[string]any `json:"configs"`
	}
	if err := json.Unmarshal(res.Body, &dump); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, c := range dump.Configs {
		types = append(types, c["@type"].(string))
	}
	want := []string{"BootstrapConfigDump", "ClustersConfigDump", "EndpointsConfigDump", "ListenersConfigDump", "RoutesConfigDump"}
	if len(types) != len(want) {
		t.Fatalf("dump types %v", types)
	}
	for i, w := range want {
		if types[i] != "type.googleapis.com/envoy.admin.v3."+w {
			t.Fatalf("dump %d is %s, want %s", i, types[i], w)
		}
	}

	res = envoyadmin.ConfigDump(proxy, url.Values{"resource": {"dynamic_route_configs"}})
	var routes struct {
		Configs []struct {
			Type        string          `json:"@type"`
			VersionInfo string          `json:"version_info"`
			RouteConfig json.RawMessage `json:"route_config"`
		} `json:"configs"`
	}
	if err := json.Unmarshal(res.Body, &routes); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range routes.Configs {
		if c.Type != "type.googleapis.com/envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig" || c.VersionInfo == "" {
			t.Fatalf("route dump element %+v", c)
		}
		if strings.Contains(string(c.RouteConfig), `"weighted_clusters"`) && strings.Contains(string(c.RouteConfig), blueCluster) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no weighted route to %s in %s", blueCluster, res.Body)
	}
}
