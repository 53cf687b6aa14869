package traffic

import (
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// Slot Services of an HTTPRoute: one cluster per Service, no subsets.
const (
	blueSvc   = "outbound|9080||reviews-blue.bookinfo.svc.cluster.local"
	greenSvc  = "outbound|9080||reviews-green.bookinfo.svc.cluster.local"
	ingressGW = "bookinfo-ingress-istio"
)

// gatewaySnapshot is a router's config as istiod builds it for a Gateway listener on port
// 80 (route configuration `http.80`) with an HTTPRoute for bookinfo.example.com.
func gatewaySnapshot(blueWeight, greenWeight int) *xdsclient.Snapshot {
	s := xdsclient.EmptySnapshot()
	all := &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}
	s.Routes["http.80"] = xdsclient.Resource[*routev3.RouteConfiguration]{Message: &routev3.RouteConfiguration{
		Name: "http.80", IgnorePortInHostMatching: true,
		VirtualHosts: []*routev3.VirtualHost{{Name: "bookinfo.example.com:80", Domains: []string{"bookinfo.example.com"},
			Routes: []*routev3.Route{{Match: all, Action: &routev3.Route_Route{Route: weighted(blueSvc, blueWeight, greenSvc, greenWeight)}}}}},
	}}
	s.Listeners["0.0.0.0_80"] = xdsclient.Resource[*listenerv3.Listener]{Message: &listenerv3.Listener{Name: "0.0.0.0_80"}}
	s.Clusters[blueSvc] = xdsclient.Resource[*clusterv3.Cluster]{Message: meshCluster(blueSvc, "reviews-blue.bookinfo.svc.cluster.local")}
	s.Clusters[greenSvc] = xdsclient.Resource[*clusterv3.Cluster]{Message: meshCluster(greenSvc, "reviews-green.bookinfo.svc.cluster.local")}
	s.Endpoints[blueSvc] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{Message: assignment(blueSvc, "10.0.0.2", "reviews-blue;bookinfo;reviews;blue;Kubernetes")}
	s.Endpoints[greenSvc] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{Message: assignment(greenSvc, "10.0.0.3", "reviews-green;bookinfo;reviews;green;Kubernetes")}
	return s
}

// gatewayWorld: the bookinfo-ingress Gateway's pod sends; reviews' pods answer.
type gatewayWorld struct {
	*fakeWorld
	gateway Sender
}

func (w *gatewayWorld) Senders(namespace, workload string) []Sender {
	if namespace == "bookinfo" && workload == ingressGW {
		return []Sender{w.gateway}
	}
	return nil
}

// labelsBy reads istio_requests_total by the labels that tell reporters and Services apart.
func labelsBy(t *testing.T, m *istiometrics.Metrics) map[string]float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "istio_requests_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range metric.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			k := l["reporter"] + "|" + l["source_workload"] + "|" + l["destination_service"] + "|" + l["destination_service_name"] + "|" + l["destination_workload"] + "|" + l["response_code"] + "|" + l["response_flags"]
			out[k] += metric.GetCounter().GetValue()
		}
	}
	return out
}

func TestIngressThroughAGateway(t *testing.T) {
	gatewayWorkload := istiometrics.Workload{Name: ingressGW, Namespace: "bookinfo", App: "unknown", Version: "unknown",
		CanonicalService: ingressGW, CanonicalRevision: "latest", Principal: "spiffe://cluster.local/ns/bookinfo/sa/" + ingressGW, Cluster: "Kubernetes"}
	tests := []struct {
		name    string
		snap    *xdsclient.Snapshot
		target  scenario.Target
		byCode  map[string]int
		metrics map[string]float64
	}{
		{
			name:   "split by the applied weights, both reporters name the slot Service",
			snap:   gatewaySnapshot(100, 0),
			target: scenario.Target{Host: "bookinfo.example.com", Port: 80, Path: "/reviews/0"},
			byCode: map[string]int{"200": 20},
			metrics: map[string]float64{
				"source|" + ingressGW + "|reviews-blue.bookinfo.svc.cluster.local|reviews-blue|reviews-blue|200|-":      20,
				"destination|" + ingressGW + "|reviews-blue.bookinfo.svc.cluster.local|reviews-blue|reviews-blue|200|-": 20,
			},
		},
		{
			// An external client's host is no Service: the gateway routes by Host header.
			name:   "a host the gateway does not serve: 404 NR, no Host header fallback",
			snap:   gatewaySnapshot(100, 0),
			target: scenario.Target{Host: "other.example.com", Port: 80, Path: "/"},
			byCode: map[string]int{"404": 20},
			metrics: map[string]float64{
				"source|" + ingressGW + "|unknown|unknown|unknown|404|NR": 20,
			},
		},
		{
			// istiod keeps a backendRef whose Service is missing as a cluster nobody has, on a
			// route answering 500 for it (cluster_not_found_response_code).
			name: "a backend Service that does not exist: 500 NC",
			snap: func() *xdsclient.Snapshot {
				s := gatewaySnapshot(0, 100)
				delete(s.Clusters, greenSvc)
				action := s.Routes["http.80"].Message.VirtualHosts[0].Routes[0].GetRoute()
				action.ClusterNotFoundResponseCode = routev3.RouteAction_INTERNAL_SERVER_ERROR
				return s
			}(),
			target: scenario.Target{Host: "bookinfo.example.com", Port: 80, Path: "/reviews/0"},
			byCode: map[string]int{"500": 20},
			metrics: map[string]float64{
				"source|" + ingressGW + "|unknown|unknown|unknown|500|NC": 20,
			},
		},
		{
			// All backendRefs at weight 0: istiod's direct response.
			name: "all weights zero: a direct 500",
			snap: func() *xdsclient.Snapshot {
				s := gatewaySnapshot(100, 0)
				s.Routes["http.80"].Message.VirtualHosts[0].Routes[0].Action = &routev3.Route_DirectResponse{DirectResponse: &routev3.DirectResponseAction{Status: 500}}
				return s
			}(),
			target: scenario.Target{Host: "bookinfo.example.com", Port: 80, Path: "/reviews/0"},
			byCode: map[string]int{"500": 20},
			metrics: map[string]float64{
				"source|" + ingressGW + "|unknown|unknown|unknown|500|-": 20,
			},
		},
		{
			name:    "no server on the port: the connection is refused, nothing recorded",
			snap:    gatewaySnapshot(100, 0),
			target:  scenario.Target{Host: "bookinfo.example.com", Port: 8080, Path: "/"},
			byCode:  map[string]int{"0": 20},
			metrics: map[string]float64{},
		},
		{
			name: "listener still warming for its routes: refused",
			snap: func() *xdsclient.Snapshot {
				s := gatewaySnapshot(100, 0)
				delete(s.Routes, "http.80")
				return s
			}(),
			target:  scenario.Target{Host: "bookinfo.example.com", Port: 80, Path: "/"},
			byCode:  map[string]int{"0": 20},
			metrics: map[string]float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metrics := istiometrics.New()
			world := &gatewayWorld{fakeWorld: newWorld(nil), gateway: Sender{Pod: ingressGW + "-1", Workload: gatewayWorkload, Gateway: true,
				Proxy: func() *xdsclient.Snapshot { return tt.snap }}}
			g := New(Options{World: world, Metrics: metrics, Behaviour: behaviours, Identity: istiometrics.DefaultIdentity, Seed: 3})
			g.SetClients([]scenario.Client{{Name: ingressGW, Namespace: "bookinfo", Rps: 20, Target: tt.target}})
			g.Step(time.Second)
			drain(g)
			c := g.Report().Clients[0]
			if c.Completed != 20 || len(c.ByCode) != len(tt.byCode) {
				t.Fatalf("stats %+v, want codes %v", c, tt.byCode)
			}
			for code, n := range tt.byCode {
				if c.ByCode[code] != n {
					t.Fatalf("codes %v, want %v", c.ByCode, tt.byCode)
				}
			}
			got := labelsBy(t, metrics)
			if len(got) != len(tt.metrics) {
				t.Fatalf("series %v, want %v", got, tt.metrics)
			}
			for k, v := range tt.metrics {
				if got[k] != v {
					t.Fatalf("series %s = %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func TestIngressSplitsByWeight(t *testing.T) {
	snap := gatewaySnapshot(70, 30)
	world := &gatewayWorld{fakeWorld: newWorld(nil), gateway: Sender{Pod: ingressGW + "-1", Gateway: true,
		Workload: istiometrics.Workload{Name: ingressGW, Namespace: "bookinfo"}, Proxy: func() *xdsclient.Snapshot { return snap }}}
	g := New(Options{World: world, Metrics: istiometrics.New(), Behaviour: behaviours, Seed: 5})
	g.SetClients([]scenario.Client{{Name: ingressGW, Namespace: "bookinfo", Rps: 100, Target: scenario.Target{Host: "bookinfo.example.com", Port: 80, Path: "/"}}})
	for i := 0; i < 100; i++ {
		g.Step(100 * time.Millisecond)
	}
	drain(g)
	c := g.Report().Clients[0]
	green := float64(c.ByDestination["reviews-green"]) / float64(c.Completed)
	if c.Completed != 1000 || green < 0.25 || green > 0.35 {
		t.Fatalf("green got %.3f of a 70/30 split (%v)", green, c.ByDestination)
	}
}
