// Package xdsclient is one Envoy's xDS side (a sidecar's, a gateway router's or a
// waypoint's), as far as istiod can tell: an ADS stream (state of the world
// `StreamAggregatedResources`, or delta `DeltaAggregatedResources` as a waypoint's Envoy
// speaks it) with the node id and metadata pilot-agent would send for the pod, Envoy's
// subscription order (CDS and LDS wildcard, EDS for the EDS clusters, RDS for the route
// names the listeners reference), and ACKs or NACKs of what istiod really sends, each after
// a per-proxy apply delay, or never while the proxy is stuck. What the proxy has applied is kept as a
// Snapshot that the admin interface dumps and the traffic generator routes by.
package xdsclient

import (
	"encoding/json"
	"fmt"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"istio.io/istio/pkg/cluster"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/model"
	"istio.io/istio/pkg/util/protomarshal"
)

// xDS type URLs.
const (
	ClusterType  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	ListenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
	RouteType    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
)

// ShortType is istio's short name of a type URL (`cds`, `eds`, `lds`, `rds`).
func ShortType(typeURL string) string {
	switch typeURL {
	case ClusterType:
		return "cds"
	case EndpointType:
		return "eds"
	case ListenerType:
		return "lds"
	case RouteType:
		return "rds"
	}
	return typeURL
}

// NodeType is the proxy type pilot-agent runs as (`pilot-agent proxy <type>`), the first
// field of the node id and syncz's `proxy_type`.
type NodeType string

// The node types of pilot-agent (istio.io/istio/pkg/model.NodeType) and ztunnel's.
const (
	// Sidecar: injected next to an application (`proxy sidecar`, pilot-agent's default).
	Sidecar NodeType = "sidecar"
	// Router: a gateway (`proxy router`): Istio's gateway charts and the Deployment istiod
	// creates for a Gateway API Gateway of class `istio`.
	Router NodeType = "router"
	// Waypoint: an ambient waypoint (`proxy waypoint`, Gateway class `istio-waypoint`).
	Waypoint NodeType = "waypoint"
	// Ztunnel: ambient's node proxy (`proxy ztunnel`), not an Envoy.
	Ztunnel NodeType = "ztunnel"
)

// Pod is what a proxy knows about its own pod at bootstrap: the injected (or, for a
// gateway, templated) environment (POD_NAME, POD_NAMESPACE, SERVICE_ACCOUNT, ISTIO_META_*)
// and the labels file the downward API mounts.
type Pod struct {
	// Type is what pilot-agent runs as: Sidecar, Router or Waypoint.
	Type           NodeType
	Name           string
	Namespace      string
	IP             string
	ServiceAccount string
	// Workload is the workload (Deployment) name, ISTIO_META_WORKLOAD_NAME.
	Workload string
	// Owner is ISTIO_META_OWNER: `kubernetes://apis/apps/v1/namespaces/<ns>/deployments/<name>`.
	Owner string
	// Labels as pilot-agent reads them (without `pod-template-hash`).
	Labels map[string]string
	// Annotations of the pod.
	Annotations map[string]string
	// NodeName is the Kubernetes node.
	NodeName string
	// AppContainers are the names of the containers other than the sidecar
	// (ISTIO_META_APP_CONTAINERS; a gateway's template sets it empty).
	AppContainers []string
	// Ports are the pod's declared container ports (ISTIO_META_POD_PORTS; `[]` for a
	// gateway).
	Ports []model.PodPort
	// EnableHBONE is ISTIO_META_ENABLE_HBONE=true in the container's environment (the
	// ambient profile's mesh-wide proxy metadata, which the injection and waypoint templates
	// copy into every proxy's environment): the proxy can listen for and send HBONE.
	EnableHBONE bool
	// ProxyMetadata is the `proxyMetadata` of the ProxyConfig the template rendered into
	// PROXY_CONFIG (the mesh's defaultConfig), empty when none.
	ProxyMetadata map[string]string
}

// NodeOptions are mesh-wide settings entering the node.
type NodeOptions struct {
	// IstioVersion reported as ISTIO_VERSION.
	IstioVersion string
	// ClusterID, `Kubernetes` in a single-cluster install.
	ClusterID string
	// MeshID, the trust domain by default (`cluster.local`).
	MeshID string
	// DNSDomain is the cluster's DNS domain (`cluster.local`).
	DNSDomain string
}

// NodeID is the xDS node id pilot-agent sends (istioagent.Proxy.ServiceNode):
// `<type>~<podIP>~<pod>.<ns>~<ns>.svc.<domain>`, the type `sidecar` when unset. A
// gateway's `--domain $(POD_NAMESPACE).svc.<domain>` gives the same last field.
func NodeID(p Pod, dnsDomain string) string {
	t := p.Type
	if t == "" {
		t = Sidecar
	}
	return fmt.Sprintf("%s~%s~%s.%s~%s.svc.%s", t, p.IP, p.Name, p.Namespace, p.Namespace, dnsDomain)
}

// BuildNode is the Envoy node pilot-agent bootstraps this pod's proxy with: Istio's own
// NodeMetadata type, filled as pkg/bootstrap.GetNodeMetaData fills it from the
// environment the sidecar injection template (or, for a router, istiod's kube-gateway
// template, or its waypoint template: the same ISTIO_META_* keys, with POD_PORTS `[]` and
// APP_CONTAINERS empty) gives the container, with the mesh's default ProxyConfig (its
// presence is what makes istiod list the connection in syncz) and, in the ambient profile,
// ENABLE_HBONE and the ProxyConfig's proxyMetadata. Only the id's type differs between the
// kinds.
func BuildNode(p Pod, o NodeOptions) (*corev3.Node, error) {
	proxyConfig := mesh.DefaultProxyConfig()
	if len(p.ProxyMetadata) > 0 {
		proxyConfig.ProxyMetadata = p.ProxyMetadata
	}
	labels := map[string]string{}
	for k, v := range p.Labels {
		if k == "pod-template-hash" {
			continue
		}
		labels[k] = v
	}
	meta := model.BootstrapNodeMetadata{
		NodeMetadata: model.NodeMetadata{
			IstioVersion:        o.IstioVersion,
			Labels:              labels,
			Annotations:         p.Annotations,
			InstanceIPs:         model.StringList{p.IP},
			Namespace:           p.Namespace,
			NodeName:            p.NodeName,
			WorkloadName:        p.Workload,
			ServiceAccount:      p.ServiceAccount,
			InterceptionMode:    model.TrafficInterceptionMode("REDIRECT"),
			MeshID:              o.MeshID,
			ClusterID:           cluster.ID(o.ClusterID),
			PodPorts:            model.PodPortList(p.Ports),
			ProxyConfig:         (*model.NodeMetaProxyConfig)(proxyConfig),
			EnvoyStatusPort:     15021,
			EnvoyPrometheusPort: 15090,
			EnableHBONE:         model.StringBool(p.EnableHBONE),
		},
		InstanceName:  p.Name,
		Owner:         p.Owner,
		AppContainers: strings.Join(p.AppContainers, ","),
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("node metadata: %w", err)
	}
	st := &structpb.Struct{}
	if err := protomarshal.Unmarshal(js, st); err != nil {
		return nil, fmt.Errorf("node metadata: %w", err)
	}
	serviceCluster := p.Workload + "." + p.Namespace
	if app := appLabel(labels); app != "" {
		serviceCluster = app + "." + p.Namespace
	}
	return &corev3.Node{
		Id:            NodeID(p, o.DNSDomain),
		Cluster:       serviceCluster,
		Metadata:      st,
		Locality:      &corev3.Locality{},
		UserAgentName: "envoy",
	}, nil
}

// appLabel is istio's labels.GetApp: `app.kubernetes.io/name`, else `app`.
func appLabel(labels map[string]string) string {
	if v := labels["app.kubernetes.io/name"]; v != "" {
		return v
	}
	return labels["app"]
}
