package xdsclient

import (
	"slices"
	"sort"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
)

type deltaTypeState struct {
	// subscribed: a request for the type was sent on the current stream.
	subscribed bool
	// names of a non-wildcard type (EDS, RDS), as last announced.
	names []string
	// versions of the resources held, by name (what a new stream announces as
	// initial_resource_versions).
	versions map[string]string
}

// DeltaProtocol is Envoy's side of delta (incremental) ADS, without I/O: which requests to
// send when a stream starts and after each response is applied or rejected. A waypoint's
// Envoy always speaks it (pilot-agent's bootstrap forces DELTA_GRPC for `waypoint~` nodes,
// pkg/bootstrap/config.go). The order of subscriptions is the state-of-the-world one
// (Protocol); what differs is the wire:
//
//   - Wildcard types (CDS, LDS) subscribe with no names; EDS and RDS subscribe and
//     unsubscribe by name, in a request of their own that carries no nonce (istiod treats a
//     nonce-less request as a subscription change and one with a nonce as an ACK, and the
//     two must not be mixed).
//   - An ACK carries the response's nonce alone; a NACK the nonce and error_detail (code
//     INTERNAL). Neither carries a version: delta has none per type.
//   - A new stream re-sends every subscription with initial_resource_versions, the
//     resources held and their versions, and no nonce; the very first stream starts with
//     CDS alone.
type DeltaProtocol struct {
	types        map[string]*deltaTypeState
	ldsRequested bool
	started      bool
}

// NewDeltaProtocol is the state of a delta Envoy that has not connected yet.
func NewDeltaProtocol() *DeltaProtocol {
	p := &DeltaProtocol{types: map[string]*deltaTypeState{}}
	for _, t := range subscriptionOrder {
		p.types[t] = &deltaTypeState{versions: map[string]string{}}
	}
	return p
}

// Names are the current resource names of a non-wildcard type (nil for wildcard types).
func (p *DeltaProtocol) Names(typeURL string) []string {
	if st := p.types[typeURL]; st != nil {
		return slices.Clone(st.names)
	}
	return nil
}

func (p *DeltaProtocol) initial(typeURL string) *discoveryv3.DeltaDiscoveryRequest {
	st := p.types[typeURL]
	st.subscribed = true
	r := &discoveryv3.DeltaDiscoveryRequest{TypeUrl: typeURL}
	if !wildcard(typeURL) {
		r.ResourceNamesSubscribe = slices.Clone(st.names)
	}
	if len(st.versions) > 0 {
		r.InitialResourceVersions = make(map[string]string, len(st.versions))
		for name, v := range st.versions {
			r.InitialResourceVersions[name] = v
		}
	}
	return r
}

// StreamStarted resets per-stream state and returns the requests to send first.
func (p *DeltaProtocol) StreamStarted() []*discoveryv3.DeltaDiscoveryRequest {
	for _, st := range p.types {
		st.subscribed = false
	}
	if !p.started {
		p.started = true
		return []*discoveryv3.DeltaDiscoveryRequest{p.initial(ClusterType)}
	}
	var out []*discoveryv3.DeltaDiscoveryRequest
	for _, t := range subscriptionOrder {
		st := p.types[t]
		switch {
		case t == ClusterType:
		case t == ListenerType && !p.ldsRequested:
			continue
		case !wildcard(t) && len(st.names) == 0:
			continue
		}
		out = append(out, p.initial(t))
	}
	return out
}

// updateNames sets a non-wildcard type's names and returns the subscription change, or
// nil when nothing changed (or the type was never subscribed and still has no names).
func (p *DeltaProtocol) updateNames(typeURL string, names []string) *discoveryv3.DeltaDiscoveryRequest {
	st := p.types[typeURL]
	if !st.subscribed {
		st.names = names
		if len(names) == 0 {
			return nil
		}
		return p.initial(typeURL)
	}
	added, removed := diffNames(st.names, names)
	st.names = names
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	for _, name := range removed {
		delete(st.versions, name)
	}
	return &discoveryv3.DeltaDiscoveryRequest{TypeUrl: typeURL, ResourceNamesSubscribe: added, ResourceNamesUnsubscribe: removed}
}

// diffNames: what is in next and not in prev, and the reverse; both sorted.
func diffNames(prev, next []string) (added, removed []string) {
	had, has := toSet(prev), toSet(next)
	for _, n := range next {
		if !had[n] {
			added = append(added, n)
		}
	}
	for _, n := range prev {
		if !has[n] {
			removed = append(removed, n)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

func (p *DeltaProtocol) maybeRequestListeners() *discoveryv3.DeltaDiscoveryRequest {
	if p.ldsRequested {
		return nil
	}
	p.ldsRequested = true
	return p.initial(ListenerType)
}

// Applied is called after a response was accepted and `after` is the new snapshot: the
// subscription changes it causes (before the ACK, as Envoy's cluster and listener
// managers update their subscriptions while applying), the ACK when the response came on
// the current stream, and LDS once the cluster manager has initialized.
func (p *DeltaProtocol) Applied(resp *discoveryv3.DeltaDiscoveryResponse, after *Snapshot, currentStream bool) []*discoveryv3.DeltaDiscoveryRequest {
	typeURL := resp.GetTypeUrl()
	st := p.types[typeURL]
	if st == nil {
		return nil
	}
	for _, r := range resp.GetResources() {
		st.versions[r.GetName()] = r.GetVersion()
	}
	for _, name := range resp.GetRemovedResources() {
		delete(st.versions, name)
	}
	var out []*discoveryv3.DeltaDiscoveryRequest
	add := func(r *discoveryv3.DeltaDiscoveryRequest) {
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
		add(&discoveryv3.DeltaDiscoveryRequest{TypeUrl: typeURL, ResponseNonce: resp.GetNonce()})
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
func (p *DeltaProtocol) Rejected(resp *discoveryv3.DeltaDiscoveryResponse, message string, currentStream bool) []*discoveryv3.DeltaDiscoveryRequest {
	typeURL := resp.GetTypeUrl()
	if p.types[typeURL] == nil {
		return nil
	}
	var out []*discoveryv3.DeltaDiscoveryRequest
	if currentStream {
		out = append(out, &discoveryv3.DeltaDiscoveryRequest{
			TypeUrl:       typeURL,
			ResponseNonce: resp.GetNonce(),
			ErrorDetail:   &statuspb.Status{Code: int32(codes.Internal), Message: message},
		})
	}
	if typeURL == ClusterType || typeURL == EndpointType {
		if r := p.maybeRequestListeners(); r != nil {
			out = append(out, r)
		}
	}
	return out
}
