package xdsclient

import (
	"context"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
)

// xdsResponse is an xDS response of either protocol.
type xdsResponse interface {
	GetTypeUrl() string
	GetNonce() string
}

// adsStream is one ADS stream of either protocol: requests carry the node only on the
// first, as Envoy sends it.
type adsStream interface {
	send(req any, node *corev3.Node) error
	recv() (xdsResponse, error)
}

// wire is one of the two ADS protocols: how to open a stream and Envoy's side of it.
type wire interface {
	open(ctx context.Context, conn *grpc.ClientConn) (adsStream, error)
	streamStarted() []any
	names(typeURL string) []string
	apply(snap *Snapshot, resp xdsResponse, now time.Time) (*Snapshot, error)
	applied(resp xdsResponse, after *Snapshot, current bool) []any
	rejected(resp xdsResponse, message string, current bool) []any
	// merge folds a newer response of a type into an older one still waiting to apply.
	merge(older, newer xdsResponse) xdsResponse
}

// sotwWire is state-of-the-world ADS (`StreamAggregatedResources`).
type sotwWire struct{ p *Protocol }

type sotwStream struct {
	s discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient
}

func (s sotwStream) send(req any, node *corev3.Node) error {
	r := req.(*discoveryv3.DiscoveryRequest)
	r.Node = node
	return s.s.Send(r)
}

func (s sotwStream) recv() (xdsResponse, error) {
	r, err := s.s.Recv()
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (w sotwWire) open(ctx context.Context, conn *grpc.ClientConn) (adsStream, error) {
	s, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, err
	}
	return sotwStream{s}, nil
}

func anys[T any](reqs []T) []any {
	out := make([]any, len(reqs))
	for i, r := range reqs {
		out[i] = r
	}
	return out
}

func (w sotwWire) streamStarted() []any          { return anys(w.p.StreamStarted()) }
func (w sotwWire) names(typeURL string) []string { return w.p.Names(typeURL) }
func (w sotwWire) apply(snap *Snapshot, resp xdsResponse, now time.Time) (*Snapshot, error) {
	r := resp.(*discoveryv3.DiscoveryResponse)
	return snap.Apply(r, w.p.Names(r.GetTypeUrl()), now)
}
func (w sotwWire) applied(resp xdsResponse, after *Snapshot, current bool) []any {
	return anys(w.p.Applied(resp.(*discoveryv3.DiscoveryResponse), after, current))
}
func (w sotwWire) rejected(resp xdsResponse, message string, current bool) []any {
	return anys(w.p.Rejected(resp.(*discoveryv3.DiscoveryResponse), message, current))
}
func (w sotwWire) merge(older, newer xdsResponse) xdsResponse {
	o, n := older.(*discoveryv3.DiscoveryResponse), newer.(*discoveryv3.DiscoveryResponse)
	if wildcard(n.GetTypeUrl()) {
		// State of the world: the newer response is the whole set.
		return n
	}
	return mergeResponses(o, n)
}

// deltaWire is delta ADS (`DeltaAggregatedResources`), a waypoint's protocol.
type deltaWire struct{ p *DeltaProtocol }

type deltaStream struct {
	s discoveryv3.AggregatedDiscoveryService_DeltaAggregatedResourcesClient
}

func (s deltaStream) send(req any, node *corev3.Node) error {
	r := req.(*discoveryv3.DeltaDiscoveryRequest)
	r.Node = node
	return s.s.Send(r)
}

func (s deltaStream) recv() (xdsResponse, error) {
	r, err := s.s.Recv()
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (w deltaWire) open(ctx context.Context, conn *grpc.ClientConn) (adsStream, error) {
	s, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).DeltaAggregatedResources(ctx)
	if err != nil {
		return nil, err
	}
	return deltaStream{s}, nil
}

func (w deltaWire) streamStarted() []any          { return anys(w.p.StreamStarted()) }
func (w deltaWire) names(typeURL string) []string { return w.p.Names(typeURL) }
func (w deltaWire) apply(snap *Snapshot, resp xdsResponse, now time.Time) (*Snapshot, error) {
	r := resp.(*discoveryv3.DeltaDiscoveryResponse)
	return snap.ApplyDelta(r, w.p.Names(r.GetTypeUrl()), now)
}
func (w deltaWire) applied(resp xdsResponse, after *Snapshot, current bool) []any {
	return anys(w.p.Applied(resp.(*discoveryv3.DeltaDiscoveryResponse), after, current))
}
func (w deltaWire) rejected(resp xdsResponse, message string, current bool) []any {
	return anys(w.p.Rejected(resp.(*discoveryv3.DeltaDiscoveryResponse), message, current))
}
func (w deltaWire) merge(older, newer xdsResponse) xdsResponse {
	return mergeDelta(older.(*discoveryv3.DeltaDiscoveryResponse), newer.(*discoveryv3.DeltaDiscoveryResponse))
}

// mergeDelta folds a newer delta response into an older one still waiting: resources by
// name, the newer winning; a name the newer one removes is removed, one it re-adds is
// not; the newer version and nonce.
func mergeDelta(older, newer *discoveryv3.DeltaDiscoveryResponse) *discoveryv3.DeltaDiscoveryResponse {
	out := &discoveryv3.DeltaDiscoveryResponse{
		SystemVersionInfo: newer.GetSystemVersionInfo(),
		TypeUrl:           newer.GetTypeUrl(),
		Nonce:             newer.GetNonce(),
		ControlPlane:      newer.GetControlPlane(),
	}
	touched := map[string]bool{}
	for _, r := range newer.GetResources() {
		touched[r.GetName()] = true
	}
	for _, n := range newer.GetRemovedResources() {
		touched[n] = true
	}
	for _, r := range older.GetResources() {
		if !touched[r.GetName()] {
			out.Resources = append(out.Resources, r)
		}
	}
	out.Resources = append(out.Resources, newer.GetResources()...)
	for _, n := range older.GetRemovedResources() {
		if !touched[n] {
			out.RemovedResources = append(out.RemovedResources, n)
		}
	}
	out.RemovedResources = append(out.RemovedResources, newer.GetRemovedResources()...)
	return out
}
