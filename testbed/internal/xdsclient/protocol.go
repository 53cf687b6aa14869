package xdsclient

import (
	"slices"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
)

// subscriptionOrder is the order Envoy's ADS mux creates its subscriptions in (cluster
// manager, then listener manager), which is the order it re-sends them on a new stream.
var subscriptionOrder = []string{ClusterType, EndpointType, ListenerType, RouteType}

type typeState struct {
	// subscribed: a request for the type was sent on the current stream.
	subscribed bool
	// names of a non-wildcard type (EDS, RDS).
	names []string
	// nonce of the last response processed on the current stream.
	nonce string
	// version of the last accepted response; kept across streams.
	version string
}

// Protocol is Envoy's side of state-of-the-world ADS, without I/O: which requests to send
// when a stream starts and after each response is applied or rejected. Rules (Envoy's
// GrpcMuxImpl, CdsApiImpl, LdsApiImpl, ClusterManagerImpl):
//
//   - A new stream re-sends every subscription, in creation order, with the last accepted
//     version and no nonce; the very first stream starts with CDS alone.
//   - Accepting CDS updates the EDS subscription (EDS clusters' service names) before the
//     CDS ACK; accepting LDS updates the RDS subscription (route names of the HTTP
//     connection managers) before the LDS ACK. A subscription that drops to no names is
//     sent once with empty names (istiod's unsubscribe).
//   - LDS is first requested once the cluster manager has initialized: after the first
//     CDS response when it has no EDS cluster, else after the first EDS response (Istio
//     sets no initial fetch timeout). A rejected response initializes just the same.
//   - An ACK carries the response's version and nonce and the current names; a NACK the
//     previous version, the response's nonce and error_detail (code INTERNAL).
//   - A subscription change between responses carries the nonce of the last response
//     processed for the type, as Envoy does (istiod ignores it when that nonce is stale).
type Protocol struct {
	types        map[string]*typeState
	ldsRequested bool
	started      bool
}

// NewProtocol is the state of an Envoy that has not connected yet.
func NewProtocol() *Protocol {
	p := &Protocol{types: map[string]*typeState{}}
	for _, t := range subscriptionOrder {
		p.types[t] = &typeState{}
	}
	return p
}

// Names are the current resource names of a type (nil for wildcard types).
func (p *Protocol) Names(typeURL string) []string {
	if st := p.types[typeURL]; st != nil {
		return slices.Clone(st.names)
	}
	return nil
}

func wildcard(typeURL string) bool {
	return typeURL == ClusterType || typeURL == ListenerType
}

func (p *Protocol) request(typeURL string) *discoveryv3.DiscoveryRequest {
	st := p.types[typeURL]
	return &discoveryv3.DiscoveryRequest{
		TypeUrl:       typeURL,
		VersionInfo:   st.version,
		ResponseNonce: st.nonce,
		ResourceNames: slices.Clone(st.names),
	}
}

// StreamStarted resets per-stream state and returns the requests to send first.
func (p *Protocol) StreamStarted() []*discoveryv3.DiscoveryRequest {
	for _, st := range p.types {
		st.nonce = ""
		st.subscribed = false
	}
	if !p.started {
		p.started = true
		p.types[ClusterType].subscribed = true
		return []*discoveryv3.DiscoveryRequest{p.request(ClusterType)}
	}
	var out []*discoveryv3.DiscoveryRequest
	for _, t := range subscriptionOrder {
		st := p.types[t]
		switch {
		case t == ClusterType:
		case t == ListenerType && !p.ldsRequested:
			continue
		case !wildcard(t) && len(st.names) == 0:
			continue
		}
		st.subscribed = true
		out = append(out, p.request(t))
	}
	return out
}

// updateNames sets a non-wildcard type's names and returns the request announcing them,
// or nil when nothing changed.
func (p *Protocol) updateNames(typeURL string, names []string) *discoveryv3.DiscoveryRequest {
	st := p.types[typeURL]
	if slices.Equal(st.names, names) && (st.subscribed || len(names) == 0) {
		return nil
	}
	st.names = names
	if len(names) == 0 {
		if !st.subscribed {
			return nil
		}
		st.subscribed = false
		return p.request(typeURL)
	}
	st.subscribed = true
	return p.request(typeURL)
}

func (p *Protocol) maybeRequestListeners() *discoveryv3.DiscoveryRequest {
	if p.ldsRequested {
		return nil
	}
	p.ldsRequested = true
	p.types[ListenerType].subscribed = true
	return p.request(ListenerType)
}

// Applied is called after a response was accepted and `after` is the new snapshot. The
// requests go on the current stream; currentStream is false when the response came on a
// stream that has since ended (its ACK is then not sent, subscription changes are).
func (p *Protocol) Applied(resp *discoveryv3.DiscoveryResponse, after *Snapshot, currentStream bool) []*discoveryv3.DiscoveryRequest {
	typeURL := resp.GetTypeUrl()
	st := p.types[typeURL]
	if st == nil {
		return nil
	}
	st.version = resp.GetVersionInfo()
	var out []*discoveryv3.DiscoveryRequest
	add := func(r *discoveryv3.DiscoveryRequest) {
		if r != nil {
			out = append(out, r)
		}
	}
	switch typeURL {
	case ClusterType:
		add(p.updateNames(EndpointType, EDSNames(after.Clusters)))
	case ListenerType:
		add(p.updateNames(RouteType, RDSNames(after.Listeners)))
	}
	if currentStream {
		st.nonce = resp.GetNonce()
		add(p.request(typeURL))
	}
	switch typeURL {
	case ClusterType:
		if len(p.types[EndpointType].names) == 0 {
			add(p.maybeRequestListeners())
		}
	case EndpointType:
		add(p.maybeRequestListeners())
	}
	return out
}

// Rejected is called after a response was rejected: the NACK (when the response came on
// the current stream), and LDS if the cluster manager's initialization ends with it.
func (p *Protocol) Rejected(resp *discoveryv3.DiscoveryResponse, message string, currentStream bool) []*discoveryv3.DiscoveryRequest {
	typeURL := resp.GetTypeUrl()
	st := p.types[typeURL]
	if st == nil {
		return nil
	}
	var out []*discoveryv3.DiscoveryRequest
	if currentStream {
		st.nonce = resp.GetNonce()
		nack := p.request(typeURL)
		nack.ErrorDetail = &statuspb.Status{Code: int32(codes.Internal), Message: message}
		out = append(out, nack)
	}
	if typeURL == ClusterType || typeURL == EndpointType {
		if r := p.maybeRequestListeners(); r != nil {
			out = append(out, r)
		}
	}
	return out
}
