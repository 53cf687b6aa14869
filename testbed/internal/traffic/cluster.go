package traffic

import (
	"net"
	"strconv"
	"strings"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// ServiceHost is the FQDN of a cluster's service: Istio's cluster metadata
// (`istio.services[0].host`), else the host of an `outbound|port|subset|host` name.
func ServiceHost(c *clusterv3.Cluster) string {
	if services := c.GetMetadata().GetFilterMetadata()["istio"].GetFields()["services"]; services != nil {
		for _, s := range services.GetListValue().GetValues() {
			if h := s.GetStructValue().GetFields()["host"].GetStringValue(); h != "" {
				return h
			}
		}
	}
	parts := strings.Split(c.GetName(), "|")
	if len(parts) == 4 {
		return parts[3]
	}
	return c.GetName()
}

// ClusterEndpoints are the hosts of a cluster the proxy would balance over: from its
// applied EDS (EDS clusters) or its inline load assignment; only healthy or unknown
// health hosts, as Envoy balances.
func ClusterEndpoints(snap *xdsclient.Snapshot, c *clusterv3.Cluster) []Endpoint {
	var cla *endpointv3.ClusterLoadAssignment
	if c.GetType() == clusterv3.Cluster_EDS {
		name := c.GetEdsClusterConfig().GetServiceName()
		if name == "" {
			name = c.GetName()
		}
		cla = snap.Endpoints[name].Message
	} else {
		cla = c.GetLoadAssignment()
	}
	var out []Endpoint
	for _, locality := range cla.GetEndpoints() {
		for _, lb := range locality.GetLbEndpoints() {
			switch lb.GetHealthStatus() {
			case corev3.HealthStatus_UNKNOWN, corev3.HealthStatus_HEALTHY:
			default:
				continue
			}
			ip, port, ok := endpointAddress(lb.GetEndpoint().GetAddress())
			if !ok {
				continue
			}
			md := lb.GetMetadata().GetFilterMetadata()
			out = append(out, Endpoint{
				IP:       ip,
				Port:     port,
				Workload: md["istio"].GetFields()["workload"].GetStringValue(),
				TLSMode:  md["envoy.transport_socket_match"].GetFields()["tlsMode"].GetStringValue(),
			})
		}
	}
	return out
}

// endpointAddress is where an endpoint leads: its socket address, or for an internal
// address (HBONE: a waypoint's inbound-vip endpoints, a sidecar's endpoints in an ambient
// pod) the `ip:port` endpoint_id the connect_originate listener tunnels to.
func endpointAddress(a *corev3.Address) (string, int, bool) {
	if sa := a.GetSocketAddress(); sa != nil {
		return sa.GetAddress(), int(sa.GetPortValue()), true
	}
	if ia := a.GetEnvoyInternalAddress(); ia != nil {
		host, port, err := net.SplitHostPort(ia.GetEndpointId())
		if err != nil {
			return "", 0, false
		}
		n, err := strconv.Atoi(port)
		return host, n, err == nil
	}
	return "", 0, false
}

// originatesIstioMTLS: the cluster sends Istio mTLS to this endpoint, as auto-mTLS (a
// transport socket match on `tlsMode: istio`) or a DestinationRule's ISTIO_MUTUAL (a TLS
// transport socket on the cluster) decide.
func originatesIstioMTLS(c *clusterv3.Cluster, ep Endpoint) bool {
	for _, m := range c.GetTransportSocketMatches() {
		want := m.GetMatch().GetFields()["tlsMode"].GetStringValue()
		if want != "" && want == ep.TLSMode && m.GetTransportSocket().GetName() == "envoy.transport_sockets.tls" {
			return true
		}
	}
	return c.GetTransportSocket().GetName() == "envoy.transport_sockets.tls"
}

// endpointWorkload decodes Istio's compressed endpoint telemetry metadata
// (`workload;namespace;canonical-service;canonical-revision;cluster`); ok is false when
// absent. App and version are not in it.
func endpointWorkload(s string) (istiometrics.Workload, bool) {
	parts := strings.Split(s, ";")
	if len(parts) != 5 || parts[0] == "" {
		return istiometrics.Workload{}, false
	}
	rev := parts[3]
	if rev == "" {
		rev = "latest"
	}
	return istiometrics.Workload{
		Name: parts[0], Namespace: parts[1], CanonicalService: parts[2], CanonicalRevision: rev, Cluster: parts[4],
		App: istiometrics.Unknown, Version: istiometrics.Unknown,
	}, true
}
