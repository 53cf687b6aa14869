package xdsclient

import (
	"fmt"
	"math"
	"sort"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/proto"
)

// Resource is one applied xDS resource with the version of the response that last
// carried it and when it was applied (config_dump's `version_info` and `last_updated`).
type Resource[T proto.Message] struct {
	Message T
	Version string
	Updated time.Time
}

// TypeStatus is what a proxy last did with one xDS type.
type TypeStatus struct {
	// Version is the `version_info` of the last applied response.
	Version string `json:"version,omitempty"`
	// Nonce of the last applied response.
	Nonce string `json:"nonce,omitempty"`
	// AppliedAt is when it was applied.
	AppliedAt time.Time `json:"appliedAt,omitzero"`
	// Rejected counts NACKed responses; LastError is the message of the last NACK.
	Rejected  int    `json:"rejected,omitempty"`
	LastError string `json:"lastError,omitempty"`
}

// Snapshot is the config a proxy runs on. A published snapshot is never modified: every
// apply builds a new one, sharing the maps of the types it did not touch.
type Snapshot struct {
	Clusters  map[string]Resource[*clusterv3.Cluster]
	Endpoints map[string]Resource[*endpointv3.ClusterLoadAssignment]
	Listeners map[string]Resource[*listenerv3.Listener]
	Routes    map[string]Resource[*routev3.RouteConfiguration]
	// Status per type URL.
	Status map[string]TypeStatus
}

// EmptySnapshot is the config of a proxy that has applied nothing yet.
func EmptySnapshot() *Snapshot {
	return &Snapshot{
		Clusters:  map[string]Resource[*clusterv3.Cluster]{},
		Endpoints: map[string]Resource[*endpointv3.ClusterLoadAssignment]{},
		Listeners: map[string]Resource[*listenerv3.Listener]{},
		Routes:    map[string]Resource[*routev3.RouteConfiguration]{},
		Status:    map[string]TypeStatus{},
	}
}

// HasConfig reports whether the proxy has applied any listener: before that a sidecar has
// nothing listening on the ports iptables redirects to.
func (s *Snapshot) HasConfig() bool {
	return len(s.Listeners) > 0
}

func (s *Snapshot) clone() *Snapshot {
	status := make(map[string]TypeStatus, len(s.Status))
	for k, v := range s.Status {
		status[k] = v
	}
	return &Snapshot{Clusters: s.Clusters, Endpoints: s.Endpoints, Listeners: s.Listeners, Routes: s.Routes, Status: status}
}

// EDSNames are the EDS resource names Envoy subscribes to for these clusters: the
// `service_name` of each EDS cluster, else its name; sorted.
func EDSNames(clusters map[string]Resource[*clusterv3.Cluster]) []string {
	var names []string
	for _, c := range clusters {
		if c.Message.GetType() != clusterv3.Cluster_EDS {
			continue
		}
		name := c.Message.GetEdsClusterConfig().GetServiceName()
		if name == "" {
			name = c.Message.GetName()
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// HCMType is the type URL of Envoy's HTTP connection manager network filter.
const HCMType = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"

// ChainHTTPConnectionManager is the HTTP connection manager of a filter chain, nil when it
// has none (a TCP chain).
func ChainHTTPConnectionManager(fc *listenerv3.FilterChain) *hcmv3.HttpConnectionManager {
	for _, f := range fc.GetFilters() {
		tc := f.GetTypedConfig()
		if tc == nil || tc.GetTypeUrl() != HCMType {
			continue
		}
		h := &hcmv3.HttpConnectionManager{}
		if err := tc.UnmarshalTo(h); err != nil {
			continue
		}
		return h
	}
	return nil
}

// HTTPConnectionManagers are the HTTP connection managers of every filter chain of a
// listener, the default chain included.
func HTTPConnectionManagers(l *listenerv3.Listener) []*hcmv3.HttpConnectionManager {
	chains := append([]*listenerv3.FilterChain{}, l.GetFilterChains()...)
	if d := l.GetDefaultFilterChain(); d != nil {
		chains = append(chains, d)
	}
	var out []*hcmv3.HttpConnectionManager
	for _, fc := range chains {
		if h := ChainHTTPConnectionManager(fc); h != nil {
			out = append(out, h)
		}
	}
	return out
}

// RDSNames are the route configuration names the listeners' HTTP connection managers
// fetch over RDS; sorted, without duplicates.
func RDSNames(listeners map[string]Resource[*listenerv3.Listener]) []string {
	seen := map[string]bool{}
	for _, l := range listeners {
		for _, h := range HTTPConnectionManagers(l.Message) {
			if name := h.GetRds().GetRouteConfigName(); name != "" {
				seen[name] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// decodeResources unpacks a response's resources; a resource of another type than the
// response's, or one that does not decode, is an error (Envoy rejects such a response).
func decodeResources[T proto.Message](resp *discoveryv3.DiscoveryResponse, newT func() T) ([]T, error) {
	out := make([]T, 0, len(resp.GetResources()))
	for i, r := range resp.GetResources() {
		if r.GetTypeUrl() != resp.GetTypeUrl() {
			return nil, fmt.Errorf("resource %d has type %s in a %s response", i, r.GetTypeUrl(), resp.GetTypeUrl())
		}
		m := newT()
		if err := proto.Unmarshal(r.GetValue(), m); err != nil {
			return nil, fmt.Errorf("resource %d: %w", i, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// Apply is Envoy accepting a response: CDS and LDS replace the whole set (state of the
// world); EDS and RDS update the resources they carry, among those subscribed (names).
// Removing clusters drops their endpoints; route configurations no listener references any
// more are dropped with the listener update. It returns the new snapshot.
func (s *Snapshot) Apply(resp *discoveryv3.DiscoveryResponse, subscribed []string, now time.Time) (*Snapshot, error) {
	next := s.clone()
	version := resp.GetVersionInfo()
	switch resp.GetTypeUrl() {
	case ClusterType:
		clusters, err := decodeResources(resp, func() *clusterv3.Cluster { return &clusterv3.Cluster{} })
		if err != nil {
			return nil, err
		}
		next.Clusters = replaceAll(s.Clusters, clusters, (*clusterv3.Cluster).GetName, version, now)
		next.Endpoints = keepOnly(s.Endpoints, EDSNames(next.Clusters))
	case EndpointType:
		cla, err := decodeResources(resp, func() *endpointv3.ClusterLoadAssignment { return &endpointv3.ClusterLoadAssignment{} })
		if err != nil {
			return nil, err
		}
		next.Endpoints = updateSubscribed(s.Endpoints, cla, (*endpointv3.ClusterLoadAssignment).GetClusterName, subscribed, false, version, now)
	case ListenerType:
		listeners, err := decodeResources(resp, func() *listenerv3.Listener { return &listenerv3.Listener{} })
		if err != nil {
			return nil, err
		}
		if err := validateListeners(listeners); err != nil {
			return nil, err
		}
		next.Listeners = replaceAll(s.Listeners, listeners, (*listenerv3.Listener).GetName, version, now)
		next.Routes = keepOnly(s.Routes, RDSNames(next.Listeners))
	case RouteType:
		rcs, err := decodeResources(resp, func() *routev3.RouteConfiguration { return &routev3.RouteConfiguration{} })
		if err != nil {
			return nil, err
		}
		for _, rc := range rcs {
			if err := ValidateRoutes(rc); err != nil {
				return nil, err
			}
		}
		// Envoy keeps a route configuration whose hash did not change, and its version.
		next.Routes = updateSubscribed(s.Routes, rcs, (*routev3.RouteConfiguration).GetName, subscribed, true, version, now)
	default:
		return nil, fmt.Errorf("unsupported type %s", resp.GetTypeUrl())
	}
	st := next.Status[resp.GetTypeUrl()]
	st.Version = version
	st.Nonce = resp.GetNonce()
	st.AppliedAt = now
	next.Status[resp.GetTypeUrl()] = st
	return next, nil
}

// ApplyDelta is Envoy accepting a delta response: every type updates the resources it
// carries (EDS and RDS only among those subscribed) and drops its removed_resources;
// removing clusters drops their endpoints, and route configurations no listener references
// any more are dropped with the listener update. Each resource keeps the version the
// response gave it (istiod gives none: config_dump then shows no per-resource
// version_info), the type the response's system_version_info. It returns the new snapshot.
func (s *Snapshot) ApplyDelta(resp *discoveryv3.DeltaDiscoveryResponse, subscribed []string, now time.Time) (*Snapshot, error) {
	next := s.clone()
	removed := resp.GetRemovedResources()
	switch resp.GetTypeUrl() {
	case ClusterType:
		clusters, err := decodeDelta(resp, func() *clusterv3.Cluster { return &clusterv3.Cluster{} })
		if err != nil {
			return nil, err
		}
		next.Clusters = upsert(s.Clusters, clusters, (*clusterv3.Cluster).GetName, nil, removed, now)
		next.Endpoints = keepOnly(s.Endpoints, EDSNames(next.Clusters))
	case EndpointType:
		cla, err := decodeDelta(resp, func() *endpointv3.ClusterLoadAssignment { return &endpointv3.ClusterLoadAssignment{} })
		if err != nil {
			return nil, err
		}
		next.Endpoints = upsert(s.Endpoints, cla, (*endpointv3.ClusterLoadAssignment).GetClusterName, subscribed, removed, now)
	case ListenerType:
		listeners, err := decodeDelta(resp, func() *listenerv3.Listener { return &listenerv3.Listener{} })
		if err != nil {
			return nil, err
		}
		msgs := make([]*listenerv3.Listener, 0, len(listeners))
		for _, l := range listeners {
			msgs = append(msgs, l.message)
		}
		if err := validateListeners(msgs); err != nil {
			return nil, err
		}
		next.Listeners = upsert(s.Listeners, listeners, (*listenerv3.Listener).GetName, nil, removed, now)
		next.Routes = keepOnly(s.Routes, RDSNames(next.Listeners))
	case RouteType:
		rcs, err := decodeDelta(resp, func() *routev3.RouteConfiguration { return &routev3.RouteConfiguration{} })
		if err != nil {
			return nil, err
		}
		for _, rc := range rcs {
			if err := ValidateRoutes(rc.message); err != nil {
				return nil, err
			}
		}
		next.Routes = upsert(s.Routes, rcs, (*routev3.RouteConfiguration).GetName, subscribed, removed, now)
	default:
		return nil, fmt.Errorf("unsupported type %s", resp.GetTypeUrl())
	}
	st := next.Status[resp.GetTypeUrl()]
	st.Version = resp.GetSystemVersionInfo()
	st.Nonce = resp.GetNonce()
	st.AppliedAt = now
	next.Status[resp.GetTypeUrl()] = st
	return next, nil
}

// deltaResource is a decoded delta resource with the version it came with.
type deltaResource[T proto.Message] struct {
	message T
	version string
}

// decodeDelta unpacks a delta response's resources, as decodeResources does.
func decodeDelta[T proto.Message](resp *discoveryv3.DeltaDiscoveryResponse, newT func() T) ([]deltaResource[T], error) {
	out := make([]deltaResource[T], 0, len(resp.GetResources()))
	for i, r := range resp.GetResources() {
		a := r.GetResource()
		if a.GetTypeUrl() != resp.GetTypeUrl() {
			return nil, fmt.Errorf("resource %d has type %s in a %s response", i, a.GetTypeUrl(), resp.GetTypeUrl())
		}
		m := newT()
		if err := proto.Unmarshal(a.GetValue(), m); err != nil {
			return nil, fmt.Errorf("resource %d: %w", i, err)
		}
		out = append(out, deltaResource[T]{message: m, version: r.GetVersion()})
	}
	return out, nil
}

// upsert is a delta update: items replace their namesakes (among subscribed, when not
// nil), removed names go; an item equal to the one applied keeps its time.
func upsert[T proto.Message](prev map[string]Resource[T], items []deltaResource[T], name func(T) string, subscribed, removed []string, now time.Time) map[string]Resource[T] {
	var want map[string]bool
	if subscribed != nil {
		want = toSet(subscribed)
	}
	m := make(map[string]Resource[T], len(prev)+len(items))
	for n, r := range prev {
		m[n] = r
	}
	for _, n := range removed {
		delete(m, n)
	}
	for _, item := range items {
		n := name(item.message)
		if want != nil && !want[n] {
			continue
		}
		if p, ok := prev[n]; ok && proto.Equal(p.Message, item.message) && p.Version == item.version {
			m[n] = p
			continue
		}
		m[n] = Resource[T]{Message: item.message, Version: item.version, Updated: now}
	}
	return m
}

// validateListeners applies ValidateRoutes to the route configurations listeners carry
// inline (a waypoint's, and every connect_terminate listener's): Envoy checks them as it
// checks RDS.
func validateListeners(listeners []*listenerv3.Listener) error {
	for _, l := range listeners {
		for _, h := range HTTPConnectionManagers(l) {
			if rc := h.GetRouteConfig(); rc != nil {
				if err := ValidateRoutes(rc); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Reject records a NACKed response; the config stays as it was.
func (s *Snapshot) Reject(typeURL, message string) *Snapshot {
	next := s.clone()
	st := next.Status[typeURL]
	st.Rejected++
	st.LastError = message
	next.Status[typeURL] = st
	return next
}

// replaceAll is a state-of-the-world update (CDS, LDS): items are the whole set. A resource
// equal to the one applied keeps its version and time, as Envoy keeps it.
func replaceAll[T proto.Message](prev map[string]Resource[T], items []T, name func(T) string, version string, now time.Time) map[string]Resource[T] {
	m := make(map[string]Resource[T], len(items))
	for _, item := range items {
		if p, ok := prev[name(item)]; ok && proto.Equal(p.Message, item) {
			m[name(item)] = p
			continue
		}
		m[name(item)] = Resource[T]{Message: item, Version: version, Updated: now}
	}
	return m
}

// keepOnly is m without the resources no name in names refers to any more: the endpoints of
// removed clusters, the route configurations of removed listeners.
func keepOnly[T proto.Message](m map[string]Resource[T], names []string) map[string]Resource[T] {
	keep := toSet(names)
	out := make(map[string]Resource[T], len(m))
	for name, r := range m {
		if keep[name] {
			out[name] = r
		}
	}
	return out
}

// updateSubscribed is an incremental update (EDS, RDS): items replace their namesakes among
// those subscribed, the rest stay. With keepEqual an item equal to the applied one keeps its
// version and time.
func updateSubscribed[T proto.Message](prev map[string]Resource[T], items []T, name func(T) string, subscribed []string, keepEqual bool, version string, now time.Time) map[string]Resource[T] {
	want := toSet(subscribed)
	m := make(map[string]Resource[T], len(prev)+len(items))
	for n, r := range prev {
		m[n] = r
	}
	for _, item := range items {
		if !want[name(item)] {
			continue
		}
		if p, ok := prev[name(item)]; keepEqual && ok && proto.Equal(p.Message, item) {
			continue
		}
		m[name(item)] = Resource[T]{Message: item, Version: version, Updated: now}
	}
	return m
}

func toSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// MaxTotalClusterWeight is the largest sum of weighted-cluster weights Envoy accepts.
const MaxTotalClusterWeight = math.MaxUint32

// ValidateRoutes is the check of Envoy's route table that Istio's own validation lets
// through: weighted clusters whose weights add up past 2^32-1 (Istio sums them as a
// wrapping Go int32, so 2147483647 + 2147483647 + 3 passes its webhook). Envoy refuses
// the whole update with this message (WeightedClustersConfig in
// source/common/router/config_impl.cc), checking after each cluster.
func ValidateRoutes(rc *routev3.RouteConfiguration) error {
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			var total uint64
			for _, c := range r.GetRoute().GetWeightedClusters().GetClusters() {
				total += uint64(c.GetWeight().GetValue())
				if total > MaxTotalClusterWeight {
					return fmt.Errorf("The sum of weights of all weighted clusters of route %s exceeds %d", r.GetName(), uint64(MaxTotalClusterWeight))
				}
			}
		}
	}
	return nil
}

// resourceName is the name of an EDS or RDS resource.
func resourceName(typeURL string, value []byte) (string, error) {
	var name string
	switch typeURL {
	case EndpointType:
		m := &endpointv3.ClusterLoadAssignment{}
		if err := proto.Unmarshal(value, m); err != nil {
			return "", err
		}
		name = m.GetClusterName()
	case RouteType:
		m := &routev3.RouteConfiguration{}
		if err := proto.Unmarshal(value, m); err != nil {
			return "", err
		}
		name = m.GetName()
	}
	if name == "" {
		return "", errNoName
	}
	return name, nil
}
