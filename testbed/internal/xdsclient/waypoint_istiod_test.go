package xdsclient_test

import (
	"strings"
	"testing"

	networking "istio.io/api/networking/v1alpha3"
	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pkg/config/schema/gvk"
	"istio.io/istio/pkg/test"

	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/traffic"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// An ambient bookinfo: reviews bound to the namespace's waypoint, its pods enrolled (the
// redirection annotation istio-cni sets), the waypoint's Gateway with the address istiod
// gives it, its Service and pod as istiod's waypoint template makes them.
const ambientObjects = `
apiVersion: v1
kind: Namespace
metadata: {name: ambient, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: ambient, labels: {app: reviews}}
spec:
  clusterIP: 10.96.1.10
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 9080, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-blue-1
  namespace: ambient
  labels: {app: reviews, version: blue}
  annotations: {ambient.istio.io/redirection: enabled}
spec: {containers: [{name: reviews, image: reviews:v1}]}
status:
  phase: Running
  podIP: 10.0.1.2
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-green-1
  namespace: ambient
  labels: {app: reviews, version: green}
  annotations: {ambient.istio.io/redirection: enabled}
spec: {containers: [{name: reviews, image: reviews:v2}]}
status:
  phase: Running
  podIP: 10.0.1.3
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: reviews-1
  namespace: ambient
  labels: {kubernetes.io/service-name: reviews}
addressType: IPv4
ports: [{name: http, port: 9080, protocol: TCP}]
endpoints:
  - addresses: [10.0.1.2]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: reviews-blue-1, namespace: ambient}
  - addresses: [10.0.1.3]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: reviews-green-1, namespace: ambient}
---
apiVersion: v1
kind: Service
metadata:
  name: waypoint
  namespace: ambient
  labels: {gateway.istio.io/managed: istio.io-mesh-controller, gateway.networking.k8s.io/gateway-name: waypoint}
spec:
  clusterIP: 10.96.1.20
  selector: {gateway.networking.k8s.io/gateway-name: waypoint}
  ports: [{name: mesh, port: 15008, appProtocol: hbone}]
---
apiVersion: v1
kind: Pod
metadata:
  name: waypoint-1
  namespace: ambient
  labels: {gateway.networking.k8s.io/gateway-name: waypoint, gateway.istio.io/managed: istio.io-mesh-controller, istio.io/dataplane-mode: none}
spec: {containers: [{name: istio-proxy, image: proxyv2, args: [proxy, waypoint]}]}
status:
  phase: Running
  podIP: 10.0.1.9
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: waypoint-1
  namespace: ambient
  labels: {kubernetes.io/service-name: waypoint}
addressType: IPv4
ports: [{name: mesh, port: 15008, protocol: TCP}]
endpoints:
  - addresses: [10.0.1.9]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: waypoint-1, namespace: ambient}
`

// The waypoint's Gateway: the ambient index reads it as a Kubernetes object, the gateway
// controller as config, so it goes to both.
const waypointGateway = `
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: waypoint, namespace: ambient}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
status:
  addresses: [{type: Hostname, value: waypoint.ambient.svc.cluster.local}]
`

const ambientConfig = waypointGateway + `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: ambient}
spec:
  host: reviews.ambient.svc.cluster.local
  subsets:
    - {name: blue, labels: {version: blue}}
    - {name: green, labels: {version: green}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: ambient}
spec:
  hosts: [reviews.ambient.svc.cluster.local]
  http:
    - name: primary
      route:
        - {destination: {host: reviews.ambient.svc.cluster.local, subset: blue}, weight: 100}
        - {destination: {host: reviews.ambient.svc.cluster.local, subset: green}, weight: 0}
`

var waypointPod = xdsclient.Pod{
	Type: xdsclient.Waypoint, Name: "waypoint-1", Namespace: "ambient", IP: "10.0.1.9", ServiceAccount: "waypoint",
	Workload: "waypoint", Owner: "kubernetes://apis/apps/v1/namespaces/ambient/deployments/waypoint",
	Labels:      map[string]string{"gateway.networking.k8s.io/gateway-name": "waypoint", "gateway.istio.io/managed": "istio.io-mesh-controller", "istio.io/dataplane-mode": "none"},
	EnableHBONE: true,
}

const waypointID = "waypoint-1.ambient"

var waypointTypes = []string{xdsclient.ClusterType, xdsclient.EndpointType, xdsclient.ListenerType}

const (
	vipBlue  = "inbound-vip|9080|http/blue|reviews.ambient.svc.cluster.local"
	vipGreen = "inbound-vip|9080|http/green|reviews.ambient.svc.cluster.local"
)

func setAmbientWeights(t *testing.T, s *istiod, blue, green int32) {
	t.Helper()
	store := s.fake.Store()
	next := store.Get(gvk.VirtualService, "reviews", "ambient").DeepCopy()
	vs := next.Spec.(*networking.VirtualService)
	vs.Http[0].Route[0].Weight, vs.Http[0].Route[1].Weight = blue, green
	if _, err := store.Update(next); err != nil {
		t.Fatal(err)
	}
}

// waypointWeights: the weights the waypoint routes a request to reviews' VIP by, through
// its main_internal listener's filter chain and inline routes.
func waypointWeights(t *testing.T, snap *xdsclient.Snapshot) map[string]uint32 {
	t.Helper()
	rc := traffic.WaypointRoutes(snap, traffic.Connection{DestinationIP: "10.96.1.10", DestinationPort: 9080, ApplicationProtocol: "http/1.1"})
	if rc == nil {
		return nil
	}
	out := map[string]uint32{}
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			if c := r.GetRoute().GetCluster(); c != "" {
				out[c] = 1
			}
			for _, wc := range r.GetRoute().GetWeightedClusters().GetClusters() {
				out[wc.GetName()] = wc.GetWeight().GetValue()
			}
		}
	}
	return out
}

// A waypoint connects over delta xDS with its node id and ENABLE_HBONE; istiod lists it in
// syncz as a waypoint synced on CDS, EDS and LDS (its routes are inline: no RDS), gives it
// main_internal with a chain for reviews' VIP and port carrying the routes, and a route
// change arrives as an LDS push.
func TestIstiodServesAWaypointOverDeltaXDS(t *testing.T) {
	test.SetForTest(t, &features.EnableAmbient, true)
	s := startIstiodWith(t, "\n---\n"+ambientObjects+waypointGateway, ambientConfig)
	p := connectWith(t, s, waypointPod, xdsclient.Options{Delta: true, RoutesType: xdsclient.ListenerType})

	eventually(t, "the waypoint SYNCED on CDS, EDS and LDS", func() bool { return synced(s.syncz()[waypointID], waypointTypes...) })
	st := s.syncz()[waypointID]
	if st.ProxyType != "waypoint" {
		t.Fatalf("syncz proxy_type %q, want waypoint", st.ProxyType)
	}
	if r := st.Resources[xdsclient.RouteType]; r.Sent != "" {
		t.Fatalf("a waypoint was sent RDS (%+v): its routes are inline", r)
	}
	if w := waypointWeights(t, p.client.Snapshot()); w[vipBlue] != 100 || len(w) != 1 {
		t.Fatalf("routes for reviews' VIP = %v, want all on %s", w, vipBlue)
	}
	snap := p.client.Snapshot()
	eps := traffic.ClusterEndpoints(snap, snap.Clusters[vipBlue].Message)
	if len(eps) != 1 || eps[0].IP != "10.0.1.2" {
		t.Fatalf("%s endpoints %+v, want reviews-blue-1 by its internal address", vipBlue, eps)
	}

	before := st.Resources[xdsclient.ListenerType].Sent
	setAmbientWeights(t, s, 30, 70)
	eventually(t, "the 30/70 split applied from an LDS push", func() bool {
		w := waypointWeights(t, p.client.Snapshot())
		return w[vipBlue] == 30 && w[vipGreen] == 70
	})
	eventually(t, "LDS re-acked", func() bool { return synced(s.syncz()[waypointID], waypointTypes...) })
	if after := s.syncz()[waypointID].Resources[xdsclient.ListenerType].Sent; after == before {
		t.Fatalf("the route change was not an LDS push (listener nonce still %s)", after)
	}
}

// A waypoint told to refuse its route pushes NACKs LDS with Envoy's message; a stuck one
// leaves LDS sent and unacked.
func TestIstiodSeesAWaypointRejectAndStallListenerPushes(t *testing.T) {
	test.SetForTest(t, &features.EnableAmbient, true)
	s := startIstiodWith(t, "\n---\n"+ambientObjects+waypointGateway, ambientConfig)
	p := connectWith(t, s, waypointPod, xdsclient.Options{Delta: true, RoutesType: xdsclient.ListenerType})
	eventually(t, "initial sync", func() bool { return synced(s.syncz()[waypointID], waypointTypes...) })
	acked := s.syncz()[waypointID].Resources[xdsclient.ListenerType].Acked

	const message = `Error adding/updating listener(s) main_internal: unknown field "x"`
	p.client.SetSettings(scenario.ApplySettings{Reject: message})
	eventually(t, "reject setting taken", func() bool { return p.client.Status().Settings.Reject != "" })
	setAmbientWeights(t, s, 50, 50)
	eventually(t, "LDS NACK recorded with Envoy's message", func() bool {
		return s.syncz()[waypointID].Resources[xdsclient.ListenerType].LastError == message
	})
	if r := s.syncz()[waypointID].Resources[xdsclient.ListenerType]; r.Acked != acked {
		t.Fatalf("a NACK moved the acked listener nonce from %s to %s", acked, r.Acked)
	}
	if w := waypointWeights(t, p.client.Snapshot()); w[vipBlue] != 100 {
		t.Fatalf("a rejecting waypoint applied %v", w)
	}

	p.client.SetSettings(scenario.ApplySettings{Stuck: true})
	eventually(t, "stuck setting taken", func() bool { return p.client.Status().Settings.Stuck })
	setAmbientWeights(t, s, 0, 100)
	eventually(t, "LDS sent, not acked, no error", func() bool {
		r := s.syncz()[waypointID].Resources[xdsclient.ListenerType]
		return r.Sent != "" && r.Sent != r.Acked && r.LastError == message
	})
	p.client.SetSettings(scenario.ApplySettings{})
	eventually(t, "released waypoint synced, the error cleared", func() bool { return synced(s.syncz()[waypointID], waypointTypes...) })
	if w := waypointWeights(t, p.client.Snapshot()); w[vipGreen] != 100 || len(w) != 1 {
		t.Fatalf("released waypoint applied %v, want all on green", w)
	}
	if !strings.HasPrefix(p.client.Status().Istiod, "127.0.0.1:") {
		t.Fatalf("status %+v", p.client.Status())
	}
}
