package traffic

import (
	"math"
	"testing"
	"time"

	xdscore "github.com/cncf/xds/go/xds/core/v3"
	matcherv3 "github.com/cncf/xds/go/xds/type/matcher/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	networkinputs "github.com/envoyproxy/go-control-plane/envoy/extensions/matching/common_inputs/network/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

const (
	reviewsVIP   = "10.96.0.10"
	reviewsChain = "inbound-vip|9080|http|reviews.bookinfo.svc.cluster.local"
	vipBlue      = "inbound-vip|9080|http|reviews-blue.bookinfo.svc.cluster.local"
	vipGreen     = "inbound-vip|9080|http|reviews-green.bookinfo.svc.cluster.local"
)

func mustAny(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(err)
	}
	return a
}

func toChain(name string) *matcherv3.Matcher_OnMatch {
	return &matcherv3.Matcher_OnMatch{OnMatch: &matcherv3.Matcher_OnMatch_Action{Action: &xdscore.TypedExtensionConfig{
		Name: name, TypedConfig: mustAny(wrapperspb.String(name)),
	}}}
}

// mainInternal is a waypoint's main_internal listener as istiod builds it: destination IP
// (an IPMatcher), then destination port, then the chain named after the inbound-vip
// cluster, whose HTTP connection manager carries its route configuration inline.
func mainInternal(vip string, rc *routev3.RouteConfiguration) *listenerv3.Listener {
	ports := &matcherv3.Matcher{MatcherType: &matcherv3.Matcher_MatcherTree_{MatcherTree: &matcherv3.Matcher_MatcherTree{
		Input: &xdscore.TypedExtensionConfig{Name: "port", TypedConfig: mustAny(&networkinputs.DestinationPortInput{})},
		TreeType: &matcherv3.Matcher_MatcherTree_ExactMatchMap{ExactMatchMap: &matcherv3.Matcher_MatcherTree_MatchMap{
			Map: map[string]*matcherv3.Matcher_OnMatch{"9080": toChain(reviewsChain)},
		}},
	}}}
	ips := &matcherv3.IPMatcher{RangeMatchers: []*matcherv3.IPMatcher_IPRangeMatcher{{
		Ranges:  []*xdscore.CidrRange{{AddressPrefix: vip, PrefixLen: wrapperspb.UInt32(32)}},
		OnMatch: &matcherv3.Matcher_OnMatch{OnMatch: &matcherv3.Matcher_OnMatch_Matcher{Matcher: ports}},
	}}}
	hcm := &hcmv3.HttpConnectionManager{RouteSpecifier: &hcmv3.HttpConnectionManager_RouteConfig{RouteConfig: rc}}
	return &listenerv3.Listener{
		Name: MainInternalListener,
		FilterChains: []*listenerv3.FilterChain{{Name: reviewsChain, Filters: []*listenerv3.Filter{{
			Name: "envoy.filters.network.http_connection_manager", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: mustAny(hcm)},
		}}}},
		FilterChainMatcher: &matcherv3.Matcher{MatcherType: &matcherv3.Matcher_MatcherTree_{MatcherTree: &matcherv3.Matcher_MatcherTree{
			Input:    &xdscore.TypedExtensionConfig{Name: "ip", TypedConfig: mustAny(&networkinputs.DestinationIPInput{})},
			TreeType: &matcherv3.Matcher_MatcherTree_CustomMatch{CustomMatch: &xdscore.TypedExtensionConfig{Name: "ip", TypedConfig: mustAny(ips)}},
		}}},
	}
}

// vipCluster is an inbound-vip cluster: EDS, its Service in the istio metadata.
func vipCluster(name, host string) *clusterv3.Cluster {
	c := meshCluster(name, host)
	c.TransportSocketMatches = nil
	return c
}

// internalAssignment: endpoints as internal addresses of connect_originate, endpoint_id
// `ip:port`.
func internalAssignment(name, ip, workload string) *endpointv3.ClusterLoadAssignment {
	return &endpointv3.ClusterLoadAssignment{ClusterName: name, Endpoints: []*endpointv3.LocalityLbEndpoints{{LbEndpoints: []*endpointv3.LbEndpoint{{
		HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: &corev3.Address{Address: &corev3.Address_EnvoyInternalAddress{
			EnvoyInternalAddress: &corev3.EnvoyInternalAddress{
				AddressNameSpecifier: &corev3.EnvoyInternalAddress_ServerListenerName{ServerListenerName: "connect_originate"},
				EndpointId:           ip + ":9080",
			},
		}}}},
		HealthStatus: corev3.HealthStatus_HEALTHY,
		Metadata: &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{
			"istio": {Fields: map[string]*structpb.Value{"workload": structpb.NewStringValue(workload)}},
		}},
	}}}}}
}

func waypointSnapshot(blueWeight, greenWeight int) *xdsclient.Snapshot {
	rc := &routev3.RouteConfiguration{Name: reviewsChain, VirtualHosts: []*routev3.VirtualHost{{
		Name: "inbound|http|9080", Domains: []string{"*"},
		Routes: []*routev3.Route{
			{Name: "release-candidate", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, Headers: []*routev3.HeaderMatcher{{
				Name: "x-release", HeaderMatchSpecifier: &routev3.HeaderMatcher_ExactMatch{ExactMatch: "candidate"},
			}}}, Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: vipGreen}}}},
			{Name: "primary", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Action: &routev3.Route_Route{Route: weighted(vipBlue, blueWeight, vipGreen, greenWeight)}},
		},
	}}}
	s := xdsclient.EmptySnapshot()
	s.Listeners[MainInternalListener] = xdsclient.Resource[*listenerv3.Listener]{Message: mainInternal(reviewsVIP, rc)}
	s.Clusters[vipBlue] = xdsclient.Resource[*clusterv3.Cluster]{Message: vipCluster(vipBlue, "reviews-blue.bookinfo.svc.cluster.local")}
	s.Clusters[vipGreen] = xdsclient.Resource[*clusterv3.Cluster]{Message: vipCluster(vipGreen, "reviews-green.bookinfo.svc.cluster.local")}
	s.Endpoints[vipBlue] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{Message: internalAssignment(vipBlue, "10.0.0.2", "reviews-blue;bookinfo;reviews;blue;Kubernetes")}
	s.Endpoints[vipGreen] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{Message: internalAssignment(vipGreen, "10.0.0.3", "reviews-green;bookinfo;reviews;green;Kubernetes")}
	return s
}

// ambientWorld: productpage is an ambient pod; reviews' pods are ambient (no sidecar);
// reviews is bound to the waypoint, whose one pod has the given config.
func ambientWorld(waypoint *xdsclient.Snapshot, hops int) *fakeWorld {
	w := newWorld(nil)
	w.senders = []Sender{{Pod: "productpage-1", Workload: workload("productpage", "productpage", "v1"), Ambient: true}}
	for ip, p := range w.pods {
		p.Sidecar, p.Proxy = false, nil
		w.pods[ip] = p
	}
	w.vips = map[string]string{"bookinfo/reviews": reviewsVIP}
	wp := Waypoint{Namespace: "bookinfo", Name: "waypoint"}
	for i := 0; i < hops; i++ {
		wp.Hops = append(wp.Hops, Hop{Pod: "waypoint-1", Workload: workload("waypoint", "waypoint", "latest"), Proxy: func() *xdsclient.Snapshot { return waypoint }})
	}
	w.waypoints = map[string]Waypoint{"bookinfo/reviews": wp}
	return w
}

func TestFilterChainForMatchesVIPAndPort(t *testing.T) {
	l := mainInternal(reviewsVIP, &routev3.RouteConfiguration{Name: reviewsChain})
	tests := []struct {
		name string
		conn Connection
		want string
	}{
		{"the Service's VIP and port", Connection{DestinationIP: reviewsVIP, DestinationPort: 9080}, reviewsChain},
		{"another port of the VIP", Connection{DestinationIP: reviewsVIP, DestinationPort: 9090}, ""},
		{"another VIP", Connection{DestinationIP: "10.96.0.11", DestinationPort: 9080}, ""},
		{"no destination", Connection{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := FilterChainFor(l, tt.conn)
			if got := fc.GetName(); got != tt.want {
				t.Fatalf("chain %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAmbientClientGoesThroughTheWaypoint(t *testing.T) {
	tests := []struct {
		name    string
		world   func() *fakeWorld
		headers map[string]string
		// want: completed requests by status; recorded: istio_requests_total by key.
		want     map[string]int
		recorded map[string]float64
	}{
		{
			name:  "split 80/20 by the waypoint's inline routes, reported by the waypoint",
			world: func() *fakeWorld { return ambientWorld(waypointSnapshot(80, 20), 1) },
			// reviews:bad (green) answers 500.
			want: map[string]int{"200": 800, "500": 200},
			recorded: map[string]float64{
				"waypoint|reviews-blue|200|mutual_tls|blue":   800,
				"waypoint|reviews-green|500|mutual_tls|green": 200,
			},
		},
		{
			name:     "the header route of the waypoint wins",
			world:    func() *fakeWorld { return ambientWorld(waypointSnapshot(100, 0), 1) },
			headers:  map[string]string{"x-release": "candidate"},
			want:     map[string]int{"500": 1000},
			recorded: map[string]float64{"waypoint|reviews-green|500|mutual_tls|green": 1000},
		},
		{
			name: "no waypoint bound: L4 to an endpoint, nothing recorded",
			world: func() *fakeWorld {
				w := ambientWorld(waypointSnapshot(100, 0), 1)
				w.waypoints = nil
				return w
			},
			recorded: map[string]float64{},
		},
		{
			name:     "a bound waypoint without ready pods: connections reset",
			world:    func() *fakeWorld { return ambientWorld(waypointSnapshot(100, 0), 0) },
			want:     map[string]int{"0": 1000},
			recorded: map[string]float64{},
		},
		{
			name:     "a waypoint not serving the VIP yet: connections closed",
			world:    func() *fakeWorld { return ambientWorld(xdsclient.EmptySnapshot(), 1) },
			want:     map[string]int{"0": 1000},
			recorded: map[string]float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metrics := istiometrics.New()
			w := tt.world()
			g := New(Options{World: w, Metrics: metrics, Behaviour: behaviours, Identity: istiometrics.DefaultIdentity, Seed: 11})
			g.SetClients([]scenario.Client{{Name: "productpage", Namespace: "bookinfo", Rps: 1000, Headers: tt.headers,
				Target: scenario.Target{Host: "reviews", Port: 9080, Path: "/reviews/0"}}})
			g.Step(time.Second)
			drain(g)
			report := g.Report().Clients[0]
			if tt.want != nil {
				for code, n := range tt.want {
					if got := report.ByCode[code]; !near(got, n, report.Completed) {
						t.Fatalf("status %s: %d of %d, want about %d (%v)", code, got, report.Completed, n, report.ByCode)
					}
				}
			} else if report.Completed != 1000 || report.ByCode["0"] != 0 {
				t.Fatalf("L4 requests: %v", report.ByCode)
			}
			got := series(t, metrics)
			if len(got) != len(tt.recorded) {
				t.Fatalf("recorded %v, want %v", got, tt.recorded)
			}
			for k, n := range tt.recorded {
				if !near(int(got[k]), int(n), report.Completed) {
					t.Fatalf("series %s = %v, want about %v (all %v)", k, got[k], n, got)
				}
			}
		})
	}
}

// near: got is within 5 binomial standard deviations of want out of n.
func near(got, want, n int) bool {
	if n == 0 {
		return got == want
	}
	p := float64(want) / float64(n)
	return math.Abs(float64(got-want)) <= 5*math.Sqrt(float64(n)*p*(1-p))+1
}

// TestWaypointLabelSet: the full label set of one waypoint-reported request.
func TestWaypointLabelSet(t *testing.T) {
	metrics := istiometrics.New()
	g := New(Options{World: ambientWorld(waypointSnapshot(100, 0), 1), Metrics: metrics, Behaviour: behaviours, Identity: istiometrics.DefaultIdentity, Seed: 1})
	g.SetClients([]scenario.Client{{Name: "productpage", Namespace: "bookinfo", Rps: 10, Target: scenario.Target{Host: "reviews", Port: 9080, Path: "/"}}})
	g.Step(time.Second)
	drain(g)
	families, err := metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var labels map[string]string
	for _, f := range families {
		if f.GetName() == "istio_requests_total" {
			labels = map[string]string{}
			for _, l := range f.GetMetric()[0].GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
		}
	}
	want := map[string]string{
		"reporter": "waypoint", "source_workload": "productpage", "source_workload_namespace": "bookinfo",
		"source_principal": "spiffe://cluster.local/ns/bookinfo/sa/default", "source_app": "productpage", "source_version": "v1",
		"source_canonical_service": "productpage", "source_canonical_revision": "v1", "source_cluster": "Kubernetes",
		"destination_workload": "reviews-blue", "destination_workload_namespace": "bookinfo",
		"destination_principal": "spiffe://cluster.local/ns/bookinfo/sa/default",
		"destination_app":       "reviews", "destination_version": "blue",
		"destination_service": "reviews-blue.bookinfo.svc.cluster.local", "destination_service_name": "reviews-blue",
		"destination_service_namespace": "bookinfo", "destination_canonical_service": "reviews", "destination_canonical_revision": "blue",
		"destination_cluster": "Kubernetes", "request_protocol": "http", "response_code": "200", "grpc_response_status": "",
		"response_flags": "-", "connection_security_policy": "mutual_tls",
	}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("%s = %q, want %q", k, labels[k], v)
		}
	}
}
