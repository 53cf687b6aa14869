package traffic

import (
	"container/heap"
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// ClusterDomain is the cluster's DNS domain.
const ClusterDomain = "cluster.local"

// Pod is what the traffic model needs of a pod.
type Pod struct {
	Namespace string
	Name      string
	IP        string
	// Ready: Running and Ready.
	Ready bool
	// Image of the application container (the first that is not istio-proxy).
	Image    string
	Workload istiometrics.Workload
	// Sidecar: the pod has a sidecar proxy (istio-proxy running as `sidecar`; a gateway's
	// router is not one), which records what the pod serves.
	Sidecar bool
	// Terminating: the pod is being deleted (deletionTimestamp set).
	Terminating bool
	// Proxy is the fleet proxy's applied config; nil when no proxy runs for the pod.
	Proxy func() *xdsclient.Snapshot
}

// Sender is a client pod with its proxy.
type Sender struct {
	Pod      string
	Workload istiometrics.Workload
	// Proxy is the pod's own proxy; nil for an ambient pod.
	Proxy func() *xdsclient.Snapshot
	// Ambient: the pod is enrolled in ambient mode (no proxy of its own; ztunnel carries
	// its connections, through the waypoint of a Service bound to one).
	Ambient bool
	// Gateway: the pod is a gateway (a router proxy). Its client is outside the mesh and
	// reaches the gateway's listener on the target port with the target host as Host
	// header: no cluster DNS, no sidecar listener, no passthrough.
	Gateway bool
}

// World is the cluster as the traffic model sees it.
type World interface {
	// Senders are the Running, Ready pods of a workload that have a fleet proxy.
	Senders(namespace, workload string) []Sender
	// PodByIP finds the pod with this IP.
	PodByIP(ip string) (Pod, bool)
	// ServiceExists is the cluster DNS lookup of a Service.
	ServiceExists(namespace, name string) bool
	// ServiceEndpoints are the ready endpoint IPs of a Service (what kube-proxy picks from).
	ServiceEndpoints(namespace, name string) []string
	// ServiceVIP is a Service's ClusterIP; ok is false for a headless or missing Service.
	ServiceVIP(namespace, name string) (vip string, ok bool)
	// Waypoint is the waypoint a Service's traffic from ambient clients goes through, as
	// istiod binds it (istio.io/use-waypoint on the Service, else on its namespace, naming
	// a waypoint that exists); bound is false when there is none.
	Waypoint(namespace, service string) (w Waypoint, bound bool)
}

// Waypoint is a waypoint with the pods ztunnel can reach.
type Waypoint struct {
	Namespace, Name string
	// Hops are its Running, Ready pods that have a fleet proxy (the ready endpoints of its
	// Service), by pod name.
	Hops []Hop
}

// Hop is a waypoint pod and its proxy.
type Hop struct {
	Pod      string
	Workload istiometrics.Workload
	Proxy    func() *xdsclient.Snapshot
}

// ClientStats are one client's counters (the simulator's shape).
type ClientStats struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Intended: requests the rate asked for while the client had pods able to send.
	Intended int `json:"intended"`
	Sent     int `json:"sent"`
	// Completed: a response or a failure reached the application.
	Completed int `json:"completed"`
	// ByCode: completed requests by the status the application saw; `0` means no HTTP
	// exchange at all (host did not resolve, or the sidecar had no listeners yet).
	ByCode map[string]int `json:"byCode"`
	// ByDestination: by the workload whose pod produced the final response, or `unknown`.
	ByDestination map[string]int `json:"byDestination"`
	// ByResponseFlags: by Envoy response flags (`-` when none).
	ByResponseFlags map[string]int `json:"byResponseFlags"`
	// ByGrpcStatus: by grpc-status, for gRPC clients.
	ByGrpcStatus map[string]int `json:"byGrpcStatus,omitempty"`
}

// Throughput compares what the rates asked for with what was sent.
type Throughput struct {
	Intended  int `json:"intended"`
	Generated int `json:"generated"`
}

// Report is `GET /traffic`.
type Report struct {
	Clients    []ClientStats `json:"clients"`
	Throughput Throughput    `json:"throughput"`
}

type clientState struct {
	spec     scenario.Client
	headers  map[string]string
	carry    float64
	next     int
	intended float64
	stats    ClientStats
}

// Options configure a Generator.
type Options struct {
	World     World
	Metrics   *istiometrics.Metrics
	Behaviour func(image string) scenario.Behaviour
	Identity  istiometrics.Identity
	Seed      uint64
	// GroundTruth, when set, gets every request and the route shares of every step.
	GroundTruth *GroundTruth
}

// Generator sends the clients' requests. Time advances in steps (Run: every tick); a step
// sends what the rates owe for the elapsed time, evenly spaced, and records each request
// when it completes (arrival + duration), as Envoy records it. Work per step is bounded to
// one second's worth of requests.
type Generator struct {
	mu      sync.Mutex
	opts    Options
	rng     *rand.Rand
	clients []*clientState
	now     time.Duration
	pending completions
	seq     int
	// base is the wall time of now == 0, for the ground truth's timestamps.
	base time.Time
}

// MaxStepWork bounds the requests a step sends to one second's worth.
const MaxStepWork = time.Second

// connectFailure is how long a refused connection takes to notice.
const connectFailure = time.Millisecond

// New creates a generator without clients.
func New(opts Options) *Generator {
	return &Generator{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0xdeadbeef)), base: time.Now()}
}

// SetClients replaces the clients; counters and pacing of clients that keep their
// namespace and name carry over.
func (g *Generator) SetClients(specs []scenario.Client) {
	g.mu.Lock()
	defer g.mu.Unlock()
	prev := map[string]*clientState{}
	for _, c := range g.clients {
		prev[c.spec.Namespace+"/"+c.spec.Name] = c
	}
	next := make([]*clientState, 0, len(specs))
	for _, spec := range specs {
		headers := make(map[string]string, len(spec.Headers))
		for k, v := range spec.Headers {
			headers[strings.ToLower(k)] = v
		}
		if kept, ok := prev[spec.Namespace+"/"+spec.Name]; ok {
			kept.spec, kept.headers = spec, headers
			next = append(next, kept)
			continue
		}
		next = append(next, &clientState{spec: spec, headers: headers, stats: ClientStats{
			Name: spec.Name, Namespace: spec.Namespace,
			ByCode: map[string]int{}, ByDestination: map[string]int{}, ByResponseFlags: map[string]int{},
		}})
	}
	g.clients = next
}

// Report copies the counters.
func (g *Generator) Report() Report {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := Report{Clients: []ClientStats{}}
	for _, c := range g.clients {
		s := c.stats
		s.Intended = int(c.intended)
		s.ByCode = copyMap(s.ByCode)
		s.ByDestination = copyMap(s.ByDestination)
		s.ByResponseFlags = copyMap(s.ByResponseFlags)
		if s.ByGrpcStatus != nil {
			s.ByGrpcStatus = copyMap(s.ByGrpcStatus)
		}
		out.Clients = append(out.Clients, s)
		out.Throughput.Intended += int(c.intended)
		out.Throughput.Generated += c.stats.Sent
	}
	return out
}

func copyMap(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Run steps every tick until ctx ends.
func (g *Generator) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	g.mu.Lock()
	g.base = last.Add(-g.now)
	g.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			g.Step(now.Sub(last))
			last = now
		}
	}
}

// Step advances time by elapsed: sends what the clients owe and records what completes.
func (g *Generator) Step(elapsed time.Duration) {
	if elapsed <= 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	start := g.now
	work := min(elapsed, MaxStepWork)
	for _, c := range g.clients {
		g.sendFor(c, start, elapsed, work)
	}
	g.now = start + elapsed
	g.flush(g.now)
	g.observeRoutes()
}

func (g *Generator) uniform() float64 { return g.rng.Float64() }

func (g *Generator) sendFor(c *clientState, start, elapsed, work time.Duration) {
	if c.spec.Rps <= 0 {
		c.carry = 0
		return
	}
	senders := g.opts.World.Senders(c.spec.Namespace, c.spec.Name)
	if len(senders) == 0 {
		c.carry = 0
		return
	}
	c.intended += c.spec.Rps * elapsed.Seconds()
	owed := c.carry + c.spec.Rps*work.Seconds()
	count := int(math.Floor(owed))
	c.carry = owed - float64(count)
	if count == 0 {
		return
	}
	spacing := work / time.Duration(count)
	req := Request{Host: c.spec.Target.Host, Port: c.spec.Target.Port, Path: c.spec.Target.Path, Headers: c.headers, Grpc: c.spec.Grpc()}
	service, resolved := g.resolve(req.Host, c.spec.Namespace)
	for i := 0; i < count; i++ {
		sender := senders[c.next%len(senders)]
		c.next++
		arrival := start + time.Duration(i)*spacing + spacing/2
		switch {
		case !resolved && !sender.Gateway:
			g.failBeforeProxy(c, sender.Pod, arrival)
		case sender.Ambient:
			g.sendAmbient(c, sender, req, service, arrival)
		default:
			g.send(c, sender, req, service, arrival)
		}
	}
	c.next %= len(senders)
}

// resolvedService is a Service a host resolved to; empty for an IP literal.
type resolvedService struct {
	namespace, name string
}

// fqdn is the Service's FQDN, or the host itself for an IP literal.
func (s resolvedService) fqdn(host string) string {
	if s.name == "" {
		return host
	}
	return s.name + "." + s.namespace + ".svc." + ClusterDomain
}

// resolve is the application's DNS lookup with the pod's search path
// (`<ns>.svc.cluster.local svc.cluster.local cluster.local`): a name that is no Service
// fails before the sidecar sees anything.
func (g *Generator) resolve(host, clientNamespace string) (resolvedService, bool) {
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if isIPLiteral(name) {
		return resolvedService{}, true
	}
	labels := strings.Split(name, ".")
	var svc, ns string
	switch {
	case len(labels) == 1:
		svc, ns = labels[0], clientNamespace
	case len(labels) == 2:
		svc, ns = labels[0], labels[1]
	case len(labels) == 3 && labels[2] == "svc":
		svc, ns = labels[0], labels[1]
	case len(labels) == 5 && strings.HasSuffix(name, ".svc."+ClusterDomain):
		svc, ns = labels[0], labels[1]
	}
	if svc == "" || ns == "" || !g.opts.World.ServiceExists(ns, svc) {
		return resolvedService{}, false
	}
	return resolvedService{namespace: ns, name: svc}, true
}

func isIPLiteral(s string) bool {
	if strings.Contains(s, ":") {
		return true
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 255 {
			return false
		}
	}
	return true
}

// failBeforeProxy: no HTTP exchange at all (name not resolved, or connection refused).
func (g *Generator) failBeforeProxy(c *clientState, pod string, arrival time.Duration) {
	c.stats.Sent++
	g.schedule(arrival+connectFailure, func() {
		complete(c, 0, "-", istiometrics.Unknown, nil)
		g.note(c, pod, 0, "-", nil, 0)
	})
}

func (g *Generator) send(c *clientState, sender Sender, req Request, service resolvedService, arrival time.Duration) {
	snap := sender.Proxy()
	routeConfig := RouteConfigName(sender.Gateway, req.Port)
	if _, listening := snap.Routes[routeConfig]; !snap.HasConfig() || (sender.Gateway && !listening) {
		// Before its first listeners the sidecar listens on nothing: iptables still
		// redirects the connection to 15001, where it is refused. A gateway listens only
		// on its servers' ports, once their routes are applied (a listener warming for
		// its RDS is not active). Nothing is recorded.
		g.failBeforeProxy(c, sender.Pod, arrival)
		return
	}
	c.stats.Sent++
	source := sender.Workload
	decision := Route(snap, routeConfig, req, g.uniform)
	switch decision.Kind {
	case LocalReply:
		status, grpcStatus := decision.Status, 0
		if req.Grpc {
			// Envoy answers a gRPC request with HTTP 200 and the mapped grpc-status.
			grpcStatus, status = HTTPToGrpcStatus(status), 200
		}
		// A gateway's stats filter does not fall back to the Host header
		// (disable_host_header_fallback, istio's telemetry for gateway listeners).
		reported := istiometrics.Service{Kind: istiometrics.ServiceFromAuthority, Host: req.Authority()}
		if sender.Gateway {
			reported = istiometrics.Service{Kind: istiometrics.ServiceUnknown}
		}
		labels := istiometrics.SourceLabels(istiometrics.SourceReport{
			Source: source, Service: reported,
			ResponseCode: status, ResponseFlags: decision.Flags, Protocol: protocolOf(req, grpcStatus),
		})
		g.schedule(arrival, func() {
			g.opts.Metrics.Record(labels, 0)
			complete(c, status, decision.Flags, istiometrics.Unknown, grpcOf(req, grpcStatus))
			g.note(c, sender.Pod, status, decision.Flags, nil, 0)
		})
		return
	case Passthrough:
		g.passthrough(c, sender.Pod, source, req, service, arrival)
		return
	case TCPPassthrough:
		g.tcpPassthrough(c, sender.Pod, req, service, arrival)
		return
	}

	host := ServiceHost(decision.Cluster)
	outcome, served, gone := g.forward(snap, decision, req)

	src := source
	g.recordServerSide(outcome, served, &src, host, req, arrival)

	// Peer metadata comes with the response (metadata exchange); without one, Istio uses
	// the EDS metadata of the host it tried.
	var peer *istiometrics.Peer
	lastIndex := len(outcome.Attempts) - 1
	last, lastServed := served[lastIndex]
	if lastServed && last.sidecar && outcome.FromUpstream {
		peer = &istiometrics.Peer{Workload: last.workload, Full: true}
	} else if outcome.Upstream != nil {
		if w, ok := endpointWorkload(outcome.Upstream.Workload); ok {
			peer = &istiometrics.Peer{Workload: w}
		}
	}
	mtls := lastServed && last.mtls
	labels := istiometrics.SourceLabels(istiometrics.SourceReport{
		Source: source, Service: istiometrics.Service{Kind: istiometrics.ServiceFromCluster, Host: host},
		Peer: peer, MutualTLS: mtls, ResponseCode: outcome.Status, ResponseFlags: outcome.Flags,
		Protocol: protocolOf(req, outcome.GrpcStatus),
	})
	destination := istiometrics.Unknown
	var answered *servedBy
	if outcome.FromUpstream && lastServed {
		destination, answered = last.workload.Name, &last
	}
	g.schedule(arrival+outcome.Duration, func() {
		g.opts.Metrics.Record(labels, ms(outcome.Duration))
		complete(c, outcome.Status, outcome.Flags, destination, grpcOf(req, outcome.GrpcStatus))
		g.note(c, sender.Pod, outcome.Status, outcome.Flags, answered, gone)
	})

	for _, m := range decision.Mirrors {
		g.shadow(m, source, req, snap, arrival)
	}
}

// recordServerSide: every attempt of outcome that reached a pod with a sidecar is recorded
// by that sidecar (reporter="destination"); source is the client's workload as metadata
// exchange gives it (nil: none).
func (g *Generator) recordServerSide(outcome Outcome, served map[int]servedBy, source *istiometrics.Workload, host string, req Request, arrival time.Duration) {
	for i, a := range outcome.Attempts {
		s, ok := served[i]
		if !ok || !s.sidecar || a.Result.Kind != Response {
			continue
		}
		duration, code, grpcStatus, flags := a.Result.Duration, a.Result.Status, a.Result.GrpcStatus, "-"
		if a.Abandoned {
			// The client proxy reset the stream before the app answered.
			duration, code, grpcStatus, flags = outcome.Duration-a.Start, 0, 0, "DC"
		}
		labels := istiometrics.DestinationLabels(istiometrics.DestinationReport{
			Destination: s.workload, Source: source, ServiceHost: host, MutualTLS: s.mtls,
			ResponseCode: code, ResponseFlags: flags, Protocol: protocolOf(req, grpcStatus),
		})
		g.schedule(arrival+a.Start+duration, func() { g.opts.Metrics.Record(labels, ms(duration)) })
	}
}

// passthrough: Istio's allow_any route forwards to the address the application dialled,
// the Service's ClusterIP, where kube-proxy picks a ready endpoint at random. No retries,
// no mTLS; the HTTP metadata exchange still identifies both peers.
func (g *Generator) passthrough(c *clientState, pod string, source istiometrics.Workload, req Request, service resolvedService, arrival time.Duration) {
	svc := istiometrics.Service{Kind: istiometrics.ServiceFromPassthrough, Host: req.Authority()}
	result := AttemptResult{Kind: ConnectFailure, Duration: connectFailure}
	var s *servedBy
	gone := 0
	if ip, ok := g.originalDestination(req, service); ok {
		gone = g.goneAt(ip)
		result, s = g.serve(Endpoint{IP: ip, Port: req.Port}, nil, req.Grpc)
	}
	if result.Kind == ConnectFailure || s == nil {
		status, grpcStatus := 503, 0
		if req.Grpc {
			status, grpcStatus = 200, 14
		}
		labels := istiometrics.SourceLabels(istiometrics.SourceReport{
			Source: source, Service: svc, ResponseCode: status, ResponseFlags: "UF", Protocol: protocolOf(req, grpcStatus),
		})
		g.schedule(arrival+result.Duration, func() {
			g.opts.Metrics.Record(labels, ms(result.Duration))
			complete(c, status, "UF", istiometrics.Unknown, grpcOf(req, grpcStatus))
			g.note(c, pod, status, "UF", nil, gone)
		})
		return
	}
	if s.sidecar {
		src := source
		labels := istiometrics.DestinationLabels(istiometrics.DestinationReport{
			Destination: s.workload, Source: &src,
			ServiceHost:  service.fqdn(req.Host),
			ResponseCode: result.Status, Protocol: protocolOf(req, result.GrpcStatus),
		})
		g.schedule(arrival+result.Duration, func() { g.opts.Metrics.Record(labels, ms(result.Duration)) })
	}
	var peer *istiometrics.Peer
	if s.sidecar {
		peer = &istiometrics.Peer{Workload: s.workload, Full: true}
	}
	labels := istiometrics.SourceLabels(istiometrics.SourceReport{
		Source: source, Service: svc, Peer: peer, ResponseCode: result.Status, Protocol: protocolOf(req, result.GrpcStatus),
	})
	g.schedule(arrival+result.Duration, func() {
		g.opts.Metrics.Record(labels, ms(result.Duration))
		complete(c, result.Status, "-", s.workload.Name, grpcOf(req, result.GrpcStatus))
		g.note(c, pod, result.Status, "-", s, gone)
	})
}

// forward is a request's attempts on the cluster its route chose, with the route's retries
// and timeout, each attempt answered by the endpoint's pod as it is now (serve). A gRPC
// request the proxy answers itself gets HTTP 200 with the mapped grpc-status. It returns the
// outcome, who served each attempt (by attempt index), and how many attempts went to a pod
// no longer serving.
func (g *Generator) forward(snap *xdsclient.Snapshot, decision Decision, req Request) (Outcome, map[int]servedBy, int) {
	cluster := decision.Cluster
	served := map[int]servedBy{}
	attemptIndex, gone := 0, 0
	outcome := Forward(ClusterEndpoints(snap, cluster), decision.Retry, decision.Timeout, req.Grpc,
		func(ep Endpoint) AttemptResult {
			gone += g.goneAt(ep.IP)
			r, s := g.serve(ep, cluster, req.Grpc)
			if s != nil {
				served[attemptIndex] = *s
			}
			attemptIndex++
			return r
		}, g.uniform)
	if req.Grpc && !outcome.FromUpstream {
		outcome.GrpcStatus, outcome.Status = HTTPToGrpcStatus(outcome.Status), 200
	}
	return outcome, served, gone
}

// originalDestination is where the application's connection goes without a proxy
// route: the IP it dialled, or a ready endpoint of the Service's ClusterIP (kube-proxy).
func (g *Generator) originalDestination(req Request, service resolvedService) (string, bool) {
	if service.name == "" {
		return strings.TrimSuffix(req.Host, "."), true
	}
	ips := g.opts.World.ServiceEndpoints(service.namespace, service.name)
	if len(ips) == 0 {
		return "", false
	}
	return ips[g.rng.IntN(len(ips))], true
}

// tcpPassthrough: the request crosses the client's sidecar as plain TCP, so only the
// server's sidecar records it, without peer metadata and without mTLS. A failed
// connection reaches the application as a reset (status 0, the sidecar's UF).
func (g *Generator) tcpPassthrough(c *clientState, pod string, req Request, service resolvedService, arrival time.Duration) {
	g.l4Connection(c, pod, req, service, arrival, "UF")
}

// l4Connection is a connection no client proxy reads as HTTP, to the original
// destination: only a sidecar of the server records the request, without knowing the
// client. A failed connection reaches the application as a reset, with failureFlags.
func (g *Generator) l4Connection(c *clientState, pod string, req Request, service resolvedService, arrival time.Duration, failureFlags string) {
	result := AttemptResult{Kind: ConnectFailure, Duration: connectFailure}
	var s *servedBy
	gone := 0
	if ip, ok := g.originalDestination(req, service); ok {
		gone = g.goneAt(ip)
		result, s = g.serve(Endpoint{IP: ip, Port: req.Port}, nil, req.Grpc)
	}
	if result.Kind == ConnectFailure || s == nil {
		g.schedule(arrival+result.Duration, func() {
			complete(c, 0, failureFlags, istiometrics.Unknown, nil)
			g.note(c, pod, 0, failureFlags, nil, gone)
		})
		return
	}
	if s.sidecar {
		labels := istiometrics.DestinationLabels(istiometrics.DestinationReport{
			Destination: s.workload, ServiceHost: service.fqdn(req.Host),
			ResponseCode: result.Status, Protocol: protocolOf(req, result.GrpcStatus),
		})
		g.schedule(arrival+result.Duration, func() { g.opts.Metrics.Record(labels, ms(result.Duration)) })
	}
	g.schedule(arrival+result.Duration, func() {
		complete(c, result.Status, "-", s.workload.Name, grpcOf(req, result.GrpcStatus))
		g.note(c, pod, result.Status, "-", s, gone)
	})
}

// shadow is a mirrored request: fire and forget, no retries; only the receiving sidecar
// records it (the client's sidecar sends it outside its stats filter).
func (g *Generator) shadow(cluster *clusterv3.Cluster, source istiometrics.Workload, req Request, snap *xdsclient.Snapshot, arrival time.Duration) {
	endpoints := ClusterEndpoints(snap, cluster)
	if len(endpoints) == 0 {
		return
	}
	ep := endpoints[g.rng.IntN(len(endpoints))]
	result, s := g.serve(ep, cluster, req.Grpc)
	if result.Kind != Response || s == nil || !s.sidecar {
		return
	}
	src := source
	labels := istiometrics.DestinationLabels(istiometrics.DestinationReport{
		Destination: s.workload, Source: &src, ServiceHost: ServiceHost(cluster), MutualTLS: s.mtls,
		ResponseCode: result.Status, Protocol: protocolOf(req, result.GrpcStatus),
	})
	g.schedule(arrival+result.Duration, func() { g.opts.Metrics.Record(labels, ms(result.Duration)) })
}

type servedBy struct {
	workload istiometrics.Workload
	sidecar  bool
	mtls     bool
	// image of the pod that answered.
	image string
}

// serve is one attempt on an endpoint, judged by the pod as it is now: EDS may be stale
// (pod gone, replaced, not ready: connection refused); a sidecar without listeners yet
// refuses the redirected connection; otherwise the image's behaviour answers.
func (g *Generator) serve(ep Endpoint, cluster *clusterv3.Cluster, grpc bool) (AttemptResult, *servedBy) {
	refused := AttemptResult{Kind: ConnectFailure, Duration: connectFailure}
	pod, ok := g.opts.World.PodByIP(ep.IP)
	if !ok || !pod.Ready {
		return refused, nil
	}
	if pod.Sidecar && (pod.Proxy == nil || !pod.Proxy().HasConfig()) {
		return refused, nil
	}
	b := g.opts.Behaviour(pod.Image)
	result := AttemptResult{Kind: Response, Status: 200, Duration: b.Latency.SampleDuration(g.uniform)}
	if grpc {
		if g.uniform() < b.GrpcErrorRate {
			result.GrpcStatus = b.GrpcErrorStatus
		}
	} else if g.uniform() < b.ErrorRate {
		result.Status = b.ErrorStatus
	}
	mtls := cluster != nil && pod.Sidecar && originatesIstioMTLS(cluster, ep)
	return result, &servedBy{workload: pod.Workload, sidecar: pod.Sidecar, mtls: mtls, image: pod.Image}
}

func protocolOf(req Request, grpcStatus int) istiometrics.Protocol {
	return istiometrics.Protocol{Grpc: req.Grpc, GrpcStatus: grpcStatus}
}

func grpcOf(req Request, status int) *int {
	if !req.Grpc {
		return nil
	}
	return &status
}

func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

func complete(c *clientState, status int, flags, destination string, grpcStatus *int) {
	c.stats.Completed++
	c.stats.ByCode[strconv.Itoa(status)]++
	c.stats.ByDestination[destination]++
	c.stats.ByResponseFlags[flags]++
	if grpcStatus != nil {
		if c.stats.ByGrpcStatus == nil {
			c.stats.ByGrpcStatus = map[string]int{}
		}
		c.stats.ByGrpcStatus[strconv.Itoa(*grpcStatus)]++
	}
}

type completion struct {
	at  time.Duration
	seq int
	run func()
}

type completions []completion

func (h completions) Len() int { return len(h) }
func (h completions) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}
func (h completions) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *completions) Push(x any)   { *h = append(*h, x.(completion)) }
func (h *completions) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (g *Generator) schedule(at time.Duration, run func()) {
	if at <= g.now {
		run()
		return
	}
	g.seq++
	heap.Push(&g.pending, completion{at: at, seq: g.seq, run: run})
}

func (g *Generator) flush(until time.Duration) {
	for g.pending.Len() > 0 && g.pending[0].at <= until {
		heap.Pop(&g.pending).(completion).run()
	}
}
