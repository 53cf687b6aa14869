package istiometrics

import (
	"strconv"
	"strings"
)

// LabelNames are the labels of both metrics, in exposition order (the simulator's order).
var LabelNames = []string{
	"reporter",
	"source_workload",
	"source_workload_namespace",
	"source_principal",
	"source_app",
	"source_version",
	"source_canonical_service",
	"source_canonical_revision",
	"source_cluster",
	"destination_workload",
	"destination_workload_namespace",
	"destination_principal",
	"destination_app",
	"destination_version",
	"destination_service",
	"destination_service_name",
	"destination_service_namespace",
	"destination_canonical_service",
	"destination_canonical_revision",
	"destination_cluster",
	"request_protocol",
	"response_code",
	"grpc_response_status",
	"response_flags",
	"connection_security_policy",
}

// Labels is one label set, in LabelNames order.
type Labels [25]string

// Map is the label set by name.
func (l Labels) Map() map[string]string {
	m := make(map[string]string, len(LabelNames))
	for i, n := range LabelNames {
		m[n] = l[i]
	}
	return m
}

// ServiceKind says how the reporting proxy knows the service a request was for.
type ServiceKind int

const (
	// ServiceFromCluster: from the cluster's service metadata; Host is the FQDN.
	ServiceFromCluster ServiceKind = iota
	// ServiceFromAuthority: no cluster, Istio falls back to the Host header for both
	// service labels.
	ServiceFromAuthority
	// ServiceFromPassthrough: through PassthroughCluster, the service is the Host header,
	// its name `PassthroughCluster`.
	ServiceFromPassthrough
	// ServiceUnknown: no cluster, and the reporter does not fall back to the Host header
	// (a gateway: istiod sets disable_host_header_fallback on gateway listeners), so both
	// service labels are `unknown`.
	ServiceUnknown
)

// Service identifies the destination service of a request.
type Service struct {
	Kind ServiceKind
	// Host is the FQDN (ServiceFromCluster) or the Host header.
	Host string
}

// Peer is what a client proxy learned about the server: the full peer metadata (metadata
// exchange with the server's sidecar) or only the EDS metadata of the host tried
// (workload, namespace, canonical names, cluster; no app or version).
type Peer struct {
	Workload Workload
	// Full is true for metadata exchange, false for endpoint metadata.
	Full bool
}

// Protocol of a request as Istio labels it.
type Protocol struct {
	// Grpc: `request_protocol="grpc"` and grpc_response_status filled.
	Grpc bool
	// GrpcStatus is the gRPC status code of the response (gRPC only).
	GrpcStatus int
}

// labels: a gRPC call's status is its grpc-status (`"0"` is OK), empty when no response
// came at all (response code 0); plain HTTP has none.
func (p Protocol) labels(responseCode int) (protocol, grpcStatus string) {
	if !p.Grpc {
		return "http", ""
	}
	if responseCode == 0 {
		return "grpc", ""
	}
	return "grpc", strconv.Itoa(p.GrpcStatus)
}

// SourceReport is the input of the client sidecar's labels.
type SourceReport struct {
	Source  Workload
	Service Service
	// Peer is nil when no host was tried.
	Peer *Peer
	// MutualTLS: the request went over an mTLS connection.
	MutualTLS    bool
	ResponseCode int
	// ResponseFlags are Envoy's, empty or `-` when none.
	ResponseFlags string
	Protocol      Protocol
}

// SourceLabels are the labels the client's sidecar records (reporter="source"):
// destination_* from the peer (app and version only with full peer metadata);
// destination_service_namespace is the namespace of the service the cluster's metadata
// names (istio_stats reads `istio.services[0]`), so it is known even when no host was
// reached (UH), else the peer's; principals only over mTLS; connection_security_policy
// always `unknown`.
func SourceLabels(r SourceReport) Labels {
	dst := Workload{Name: Unknown, Namespace: Unknown, App: Unknown, Version: Unknown,
		CanonicalService: Unknown, CanonicalRevision: "latest", Cluster: Unknown}
	dstPrincipal := Unknown
	if r.Peer != nil {
		w := r.Peer.Workload
		dst.Name, dst.Namespace = w.Name, w.Namespace
		dst.CanonicalService, dst.CanonicalRevision, dst.Cluster = w.CanonicalService, w.CanonicalRevision, w.Cluster
		if r.Peer.Full {
			dst.App, dst.Version = w.App, w.Version
		}
		if r.MutualTLS {
			dstPrincipal = w.Principal
		}
	}
	srcPrincipal := Unknown
	if r.MutualTLS {
		srcPrincipal = r.Source.Principal
	}
	host, name, serviceNamespace := serviceLabels(r.Service)
	if serviceNamespace == "" {
		serviceNamespace = dst.Namespace
	}
	protocol, grpcStatus := r.Protocol.labels(r.ResponseCode)
	return Labels{
		"source",
		r.Source.Name, r.Source.Namespace, srcPrincipal, r.Source.App, r.Source.Version,
		r.Source.CanonicalService, r.Source.CanonicalRevision, r.Source.Cluster,
		dst.Name, dst.Namespace, dstPrincipal, dst.App, dst.Version,
		host, name, serviceNamespace, dst.CanonicalService, dst.CanonicalRevision, dst.Cluster,
		protocol, strconv.Itoa(r.ResponseCode), grpcStatus, flags(r.ResponseFlags), Unknown,
	}
}

// DestinationReport is the input of the server sidecar's labels.
type DestinationReport struct {
	Destination Workload
	// Source is the client's workload from metadata exchange; nil for a client without
	// a sidecar.
	Source *Workload
	// ServiceHost is the FQDN of the service of the cluster the request was sent to.
	ServiceHost   string
	MutualTLS     bool
	ResponseCode  int
	ResponseFlags string
	Protocol      Protocol
}

// DestinationLabels are the labels the server's sidecar records
// (reporter="destination"); connection_security_policy is `mutual_tls` over mTLS, else
// `none`.
func DestinationLabels(r DestinationReport) Labels {
	src := Workload{Name: Unknown, Namespace: Unknown, App: Unknown, Version: Unknown,
		CanonicalService: Unknown, CanonicalRevision: "latest", Cluster: Unknown}
	if r.Source != nil {
		src = *r.Source
	}
	srcPrincipal, dstPrincipal, policy := Unknown, Unknown, "none"
	if r.MutualTLS {
		policy = "mutual_tls"
		dstPrincipal = r.Destination.Principal
		if r.Source != nil {
			srcPrincipal = r.Source.Principal
		}
	}
	d := r.Destination
	host, name, _ := serviceLabels(Service{Kind: ServiceFromCluster, Host: r.ServiceHost})
	protocol, grpcStatus := r.Protocol.labels(r.ResponseCode)
	return Labels{
		"destination",
		src.Name, src.Namespace, srcPrincipal, src.App, src.Version,
		src.CanonicalService, src.CanonicalRevision, src.Cluster,
		d.Name, d.Namespace, dstPrincipal, d.App, d.Version,
		host, name, d.Namespace, d.CanonicalService, d.CanonicalRevision, d.Cluster,
		protocol, strconv.Itoa(r.ResponseCode), grpcStatus, flags(r.ResponseFlags), policy,
	}
}

func flags(f string) string {
	if f == "" {
		return "-"
	}
	return f
}

// serviceLabels: a cluster's metadata names its Kubernetes Service (host, name,
// namespace), which the FQDN `<name>.<namespace>.svc.<domain>` carries; namespace is empty
// when no cluster metadata names one (the Host header, PassthroughCluster).
func serviceLabels(s Service) (host, name, namespace string) {
	switch s.Kind {
	case ServiceFromAuthority:
		return s.Host, s.Host, ""
	case ServiceFromPassthrough:
		return s.Host, "PassthroughCluster", ""
	case ServiceUnknown:
		return Unknown, Unknown, ""
	}
	parts := strings.SplitN(s.Host, ".", 4)
	if len(parts) >= 3 && parts[2] == "svc" {
		return s.Host, parts[0], parts[1]
	}
	return s.Host, parts[0], ""
}

// WaypointReport is the input of a waypoint's labels.
type WaypointReport struct {
	// Source is the ambient client's workload (ztunnel's identity of the connection).
	Source Workload
	// Destination is the workload whose pod answered; nil when no pod did (a local reply,
	// no healthy upstream).
	Destination *Workload
	// Service the request was routed to: the cluster's Service (an HTTPRoute's backend
	// Service, a slot), or, for a local reply, the Service whose VIP the client dialled.
	Service       Service
	ResponseCode  int
	ResponseFlags string
	Protocol      Protocol
}

// WaypointLabels are the labels a waypoint records (istio_stats with the waypoint
// reporter, reporter="waypoint"): both peers come from istiod's workload metadata
// (metadata discovery), which carries canonical names, so app and version are the
// canonical service and revision; both principals (the hops are HBONE, mutual TLS);
// destination_service_* from the cluster's Service; connection_security_policy
// `mutual_tls`.
func WaypointLabels(r WaypointReport) Labels {
	src := r.Source
	dst := Workload{Name: Unknown, Namespace: Unknown, CanonicalService: Unknown, CanonicalRevision: "latest", Cluster: Unknown, Principal: Unknown}
	if r.Destination != nil {
		dst = *r.Destination
	}
	host, name, serviceNamespace := serviceLabels(r.Service)
	if serviceNamespace == "" {
		serviceNamespace = dst.Namespace
	}
	protocol, grpcStatus := r.Protocol.labels(r.ResponseCode)
	return Labels{
		"waypoint",
		src.Name, src.Namespace, src.Principal, src.CanonicalService, src.CanonicalRevision,
		src.CanonicalService, src.CanonicalRevision, src.Cluster,
		dst.Name, dst.Namespace, dst.Principal, dst.CanonicalService, dst.CanonicalRevision,
		host, name, serviceNamespace, dst.CanonicalService, dst.CanonicalRevision, dst.Cluster,
		protocol, strconv.Itoa(r.ResponseCode), grpcStatus, flags(r.ResponseFlags), "mutual_tls",
	}
}
