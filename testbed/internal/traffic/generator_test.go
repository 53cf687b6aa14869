package traffic

import (
	"math"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

func TestForward(t *testing.T) {
	eps := []Endpoint{{IP: "10.0.0.2"}, {IP: "10.0.0.3"}}
	istioDefault := &RetryPolicy{
		RetryOn:              map[string]bool{"connect-failure": true, "refused-stream": true, "unavailable": true, "cancelled": true, "retriable-status-codes": true},
		NumRetries:           2,
		RetriableStatusCodes: map[int]bool{503: true},
		AvoidPreviousHosts:   true, HostSelectionMaxAttempts: 5,
		BaseInterval: 25 * time.Millisecond, MaxInterval: 250 * time.Millisecond,
	}
	ok := AttemptResult{Kind: Response, Status: 200, Duration: 10 * time.Millisecond}
	refused := AttemptResult{Kind: ConnectFailure, Duration: time.Millisecond}
	status := func(s int) AttemptResult {
		return AttemptResult{Kind: Response, Status: s, Duration: 10 * time.Millisecond}
	}
	sequence := func(results ...AttemptResult) func(Endpoint) AttemptResult {
		i := 0
		return func(Endpoint) AttemptResult {
			r := results[min(i, len(results)-1)]
			i++
			return r
		}
	}
	tests := []struct {
		name      string
		endpoints []Endpoint
		retry     *RetryPolicy
		timeout   time.Duration
		grpc      bool
		send      func(Endpoint) AttemptResult
		status    int
		flags     string
		attempts  int
		upstream  bool
	}{
		{"no endpoints", nil, istioDefault, 0, false, sequence(ok), 503, "UH", 0, false},
		{"answered", eps, istioDefault, 0, false, sequence(ok), 200, "-", 1, true},
		{"refused without retries", eps, nil, 0, false, sequence(refused), 503, "UF", 1, false},
		{"refused until retries run out", eps, istioDefault, 0, false, sequence(refused), 503, "UF,URX", 3, false},
		{"a 503 retried to success", eps, istioDefault, 0, false, sequence(status(503), ok), 200, "-", 2, true},
		{"503s until retries run out pass through", eps, istioDefault, 0, false, sequence(status(503)), 503, "URX", 3, true},
		{"a 500 is not retriable by default", eps, istioDefault, 0, false, sequence(status(500), ok), 500, "-", 1, true},
		{"route timeout", eps, nil, 5 * time.Millisecond, false, sequence(ok), 504, "UT", 1, false},
		{"grpc unavailable retried", eps, istioDefault, 0, true, sequence(AttemptResult{Kind: Response, Status: 200, GrpcStatus: 14, Duration: time.Millisecond}, ok), 200, "-", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tried []string
			send := func(ep Endpoint) AttemptResult {
				tried = append(tried, ep.IP)
				return tt.send(ep)
			}
			calls := 0.0
			uniform := func() float64 { calls++; return math.Mod(calls*0.37, 1) }
			out := Forward(tt.endpoints, tt.retry, tt.timeout, tt.grpc, send, uniform)
			if out.Status != tt.status || out.Flags != tt.flags || len(out.Attempts) != tt.attempts || out.FromUpstream != tt.upstream {
				t.Fatalf("got status %d flags %s attempts %d upstream %v", out.Status, out.Flags, len(out.Attempts), out.FromUpstream)
			}
			if tt.retry != nil && tt.attempts == 2 && tried[0] == tried[1] {
				t.Fatalf("previous_hosts retried the same host: %v", tried)
			}
			if tt.flags == "UT" && (!out.Attempts[0].Abandoned || out.Duration != tt.timeout) {
				t.Fatalf("timed out attempt %+v duration %v", out.Attempts[0], out.Duration)
			}
		})
	}
}

// fakeWorld is a cluster of fixed pods.
type fakeWorld struct {
	senders   []Sender
	pods      map[string]Pod
	services  map[string][]string
	vips      map[string]string
	waypoints map[string]Waypoint
}

func (w *fakeWorld) ServiceVIP(namespace, name string) (string, bool) {
	vip, ok := w.vips[namespace+"/"+name]
	return vip, ok
}
func (w *fakeWorld) Waypoint(namespace, service string) (Waypoint, bool) {
	wp, ok := w.waypoints[namespace+"/"+service]
	return wp, ok
}

func (w *fakeWorld) Senders(namespace, workload string) []Sender {
	if namespace == "bookinfo" && workload == "productpage" {
		return w.senders
	}
	return nil
}
func (w *fakeWorld) PodByIP(ip string) (Pod, bool) { p, ok := w.pods[ip]; return p, ok }
func (w *fakeWorld) ServiceExists(namespace, name string) bool {
	_, ok := w.services[namespace+"/"+name]
	return ok
}
func (w *fakeWorld) ServiceEndpoints(namespace, name string) []string {
	return w.services[namespace+"/"+name]
}

func meshCluster(name, host string) *clusterv3.Cluster {
	return &clusterv3.Cluster{
		Name:                 name,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
		EdsClusterConfig:     &clusterv3.Cluster_EdsClusterConfig{ServiceName: name},
		TransportSocketMatches: []*clusterv3.Cluster_TransportSocketMatch{{
			Name:            "tlsMode-istio",
			Match:           &structpb.Struct{Fields: map[string]*structpb.Value{"tlsMode": structpb.NewStringValue("istio")}},
			TransportSocket: &corev3.TransportSocket{Name: "envoy.transport_sockets.tls"},
		}},
		Metadata: &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{"istio": {Fields: map[string]*structpb.Value{
			"services": structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"host": structpb.NewStringValue(host)}})}}),
		}}}},
	}
}

func assignment(name, ip, workload string) *endpointv3.ClusterLoadAssignment {
	return &endpointv3.ClusterLoadAssignment{ClusterName: name, Endpoints: []*endpointv3.LocalityLbEndpoints{{LbEndpoints: []*endpointv3.LbEndpoint{{
		HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{Address: ip, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: 9080}}}}}},
		HealthStatus:   corev3.HealthStatus_HEALTHY,
		Metadata: &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{
			"istio":                        {Fields: map[string]*structpb.Value{"workload": structpb.NewStringValue(workload)}},
			"envoy.transport_socket_match": {Fields: map[string]*structpb.Value{"tlsMode": structpb.NewStringValue("istio")}},
		}},
	}}}}}
}

const (
	host  = "reviews.bookinfo.svc.cluster.local"
	blue  = "outbound|9080|blue|reviews.bookinfo.svc.cluster.local"
	green = "outbound|9080|green|reviews.bookinfo.svc.cluster.local"
)

func clientSnapshot(blueWeight, greenWeight int) *xdsclient.Snapshot {
	action := weighted(blue, blueWeight, green, greenWeight)
	s := snapshotWith([]*routev3.Route{{Name: "primary", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Action: &routev3.Route_Route{Route: action}}})
	s.Listeners["0.0.0.0_9080"] = xdsclient.Resource[*listenerv3.Listener]{Message: &listenerv3.Listener{Name: "0.0.0.0_9080"}}
	s.Clusters[blue] = xdsclient.Resource[*clusterv3.Cluster]{Message: meshCluster(blue, host)}
	s.Clusters[green] = xdsclient.Resource[*clusterv3.Cluster]{Message: meshCluster(green, host)}
	s.Endpoints[blue] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{Message: assignment(blue, "10.0.0.2", "reviews-blue;bookinfo;reviews;blue;Kubernetes")}
	s.Endpoints[green] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{Message: assignment(green, "10.0.0.3", "reviews-green;bookinfo;reviews;green;Kubernetes")}
	return s
}

func workload(name, app, version string) istiometrics.Workload {
	return istiometrics.Workload{Name: name, Namespace: "bookinfo", App: app, Version: version, CanonicalService: app, CanonicalRevision: version,
		Principal: "spiffe://cluster.local/ns/bookinfo/sa/default", Cluster: "Kubernetes"}
}

func newWorld(client *xdsclient.Snapshot) *fakeWorld {
	serverConfig := xdsclient.EmptySnapshot()
	serverConfig.Listeners["virtualInbound"] = xdsclient.Resource[*listenerv3.Listener]{Message: &listenerv3.Listener{Name: "virtualInbound"}}
	server := func() *xdsclient.Snapshot { return serverConfig }
	return &fakeWorld{
		senders: []Sender{{Pod: "productpage-1", Workload: workload("productpage", "productpage", "v1"), Proxy: func() *xdsclient.Snapshot { return client }}},
		pods: map[string]Pod{
			"10.0.0.2": {Namespace: "bookinfo", Name: "reviews-blue-1", IP: "10.0.0.2", Ready: true, Image: "reviews:v1", Workload: workload("reviews-blue", "reviews", "blue"), Sidecar: true, Proxy: server},
			"10.0.0.3": {Namespace: "bookinfo", Name: "reviews-green-1", IP: "10.0.0.3", Ready: true, Image: "reviews:bad", Workload: workload("reviews-green", "reviews", "green"), Sidecar: true, Proxy: server},
		},
		services: map[string][]string{"bookinfo/reviews": {"10.0.0.2", "10.0.0.3"}, "bookinfo/ratings": nil},
	}
}

func behaviours(image string) scenario.Behaviour {
	b := scenario.DefaultBehaviour
	if image == "reviews:bad" {
		b.ErrorRate = 1
	}
	return b
}

// series reads istio_requests_total by label set.
func series(t *testing.T, m *istiometrics.Metrics) map[string]float64 {
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
			out[key(metric.GetLabel())] += metric.GetCounter().GetValue()
		}
	}
	return out
}

func key(labels []*dto.LabelPair) string {
	m := map[string]string{}
	for _, l := range labels {
		m[l.GetName()] = l.GetValue()
	}
	return m["reporter"] + "|" + m["destination_workload"] + "|" + m["response_code"] + "|" + m["connection_security_policy"] + "|" + m["destination_version"]
}

// drain completes every request in flight without sending more.
func drain(g *Generator) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now += time.Hour
	g.flush(g.now)
}

func TestGeneratorSplitsByAppliedWeightsAndRecordsBothReporters(t *testing.T) {
	metrics := istiometrics.New()
	world := newWorld(clientSnapshot(80, 20))
	g := New(Options{World: world, Metrics: metrics, Behaviour: behaviours, Identity: istiometrics.DefaultIdentity, Seed: 7})
	g.SetClients([]scenario.Client{{Name: "productpage", Namespace: "bookinfo", Rps: 100, Target: scenario.Target{Host: "reviews", Port: 9080, Path: "/reviews/0"}}})
	for i := 0; i < 100; i++ {
		g.Step(100 * time.Millisecond)
	}
	drain(g)
	r := g.Report()
	c := r.Clients[0]
	if c.Sent != 1000 || c.Completed != 1000 || r.Throughput.Generated != 1000 {
		t.Fatalf("sent %d completed %d throughput %+v", c.Sent, c.Completed, r.Throughput)
	}
	greenShare := float64(c.ByDestination["reviews-green"]) / 1000
	if greenShare < 0.15 || greenShare > 0.25 {
		t.Fatalf("green got %.3f of an 80/20 split: %v", greenShare, c.ByDestination)
	}
	if c.ByCode["500"] != c.ByDestination["reviews-green"] || c.ByCode["200"] != c.ByDestination["reviews-blue"] {
		t.Fatalf("codes %v destinations %v: the bad image fails every request, the good none", c.ByCode, c.ByDestination)
	}
	s := series(t, metrics)
	want := map[string]float64{
		"source|reviews-blue|200|unknown|blue":           float64(c.ByDestination["reviews-blue"]),
		"source|reviews-green|500|unknown|green":         float64(c.ByDestination["reviews-green"]),
		"destination|reviews-blue|200|mutual_tls|blue":   float64(c.ByDestination["reviews-blue"]),
		"destination|reviews-green|500|mutual_tls|green": float64(c.ByDestination["reviews-green"]),
	}
	if len(s) != len(want) {
		t.Fatalf("series %v, want %v", s, want)
	}
	for k, v := range want {
		if s[k] != v {
			t.Fatalf("series %s = %v, want %v (all: %v)", k, s[k], v, s)
		}
	}
}

func TestGeneratorFailuresBeforeAndAtTheProxy(t *testing.T) {
	tests := []struct {
		name    string
		client  *xdsclient.Snapshot
		target  scenario.Target
		grpc    bool
		code    string
		flags   string
		metrics map[string]float64
	}{
		{
			name:    "unresolvable host: no request at all",
			client:  clientSnapshot(100, 0),
			target:  scenario.Target{Host: "nosuch", Port: 9080, Path: "/"},
			code:    "0",
			flags:   "-",
			metrics: map[string]float64{},
		},
		{
			name:    "proxy without listeners refuses the connection",
			client:  xdsclient.EmptySnapshot(),
			target:  scenario.Target{Host: "reviews", Port: 9080, Path: "/"},
			code:    "0",
			flags:   "-",
			metrics: map[string]float64{},
		},
		{
			name: "no virtual host: 404 NR recorded by the source",
			client: func() *xdsclient.Snapshot {
				s := clientSnapshot(100, 0)
				s.Routes["9080"].Message.VirtualHosts = s.Routes["9080"].Message.VirtualHosts[:1]
				return s
			}(),
			target:  scenario.Target{Host: "ratings", Port: 9080, Path: "/"},
			code:    "404",
			flags:   "NR",
			metrics: map[string]float64{"source|unknown|404|unknown|unknown": 10},
		},
		{
			name: "gRPC: the proxy's local reply is HTTP 200",
			client: func() *xdsclient.Snapshot {
				s := clientSnapshot(100, 0)
				s.Routes["9080"].Message.VirtualHosts = s.Routes["9080"].Message.VirtualHosts[:1]
				return s
			}(),
			target:  scenario.Target{Host: "ratings", Port: 9080, Path: "/"},
			grpc:    true,
			code:    "200",
			flags:   "NR",
			metrics: map[string]float64{"source|unknown|200|unknown|unknown": 10},
		},
		{
			name: "no endpoints: 503 UH",
			client: func() *xdsclient.Snapshot {
				s := clientSnapshot(100, 0)
				s.Endpoints[blue] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{Message: &endpointv3.ClusterLoadAssignment{ClusterName: blue}}
				return s
			}(),
			target:  scenario.Target{Host: "reviews", Port: 9080, Path: "/"},
			code:    "503",
			flags:   "UH",
			metrics: map[string]float64{"source|unknown|503|unknown|unknown": 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metrics := istiometrics.New()
			g := New(Options{World: newWorld(tt.client), Metrics: metrics, Behaviour: behaviours, Identity: istiometrics.DefaultIdentity, Seed: 1})
			client := scenario.Client{Name: "productpage", Namespace: "bookinfo", Rps: 10, Target: tt.target}
			if tt.grpc {
				client.Protocol = "grpc"
			}
			g.SetClients([]scenario.Client{client})
			g.Step(time.Second)
			drain(g)
			c := g.Report().Clients[0]
			if c.Completed != 10 || c.ByCode[tt.code] != 10 || c.ByResponseFlags[tt.flags] != 10 {
				t.Fatalf("stats %+v", c)
			}
			if tt.grpc && c.ByGrpcStatus["12"] != 10 {
				t.Fatalf("gRPC NR maps to UNIMPLEMENTED (12): %v", c.ByGrpcStatus)
			}
			if s := series(t, metrics); len(s) != len(tt.metrics) {
				t.Fatalf("series %v, want %v", s, tt.metrics)
			} else {
				for k, v := range tt.metrics {
					if s[k] != v {
						t.Fatalf("series %s = %v, want %v", k, s[k], v)
					}
				}
			}
		})
	}
}

func TestGeneratorIsBoundedPerStep(t *testing.T) {
	g := New(Options{World: newWorld(clientSnapshot(100, 0)), Metrics: istiometrics.New(), Behaviour: behaviours, Seed: 1})
	g.SetClients([]scenario.Client{{Name: "productpage", Namespace: "bookinfo", Rps: 100, Target: scenario.Target{Host: "reviews", Port: 9080, Path: "/"}}})
	g.Step(10 * time.Second) // a stalled ticker: at most one second's worth is sent
	r := g.Report()
	if r.Throughput.Generated != 100 || r.Throughput.Intended != 1000 {
		t.Fatalf("throughput %+v, want 100 generated of 1000 intended", r.Throughput)
	}
}
