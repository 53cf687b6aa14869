package fleet

import (
	"context"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"k8s.io/apimachinery/pkg/types"

	"github.com/switchyard/switchyard/testbed/internal/envoyadmin"
	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/scenario"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// Proxy is one sidecar: its xDS client, its admin listener, its PortForward.
type Proxy struct {
	key       string
	identity  scenario.ProxyIdentity
	uid       types.UID
	ip        string
	node      *corev3.Node
	startedAt time.Time
	workload  istiometrics.Workload
	client    *xdsclient.Client
	admin     *envoyadmin.Server
	cancel    context.CancelFunc
	done      chan struct{}
	// Guarded by the fleet's mutex.
	portForwarded    bool
	portForwardUID   types.UID
	portForwardError string
}

// Snapshot implements envoyadmin.Proxy.
func (p *Proxy) Snapshot() *xdsclient.Snapshot { return p.client.Snapshot() }

// Node implements envoyadmin.Proxy.
func (p *Proxy) Node() *corev3.Node { return p.node }

// Started implements envoyadmin.Proxy.
func (p *Proxy) Started() time.Time { return p.startedAt }

// AppliedType is what a proxy has applied of one xDS type.
type AppliedType struct {
	Version   string    `json:"version,omitempty"`
	Nonce     string    `json:"nonce,omitempty"`
	AppliedAt time.Time `json:"appliedAt,omitzero"`
	Resources int       `json:"resources"`
	Rejected  int       `json:"rejected,omitempty"`
	LastError string    `json:"lastError,omitempty"`
}

// ProxyState is one proxy in `GET /state`.
type ProxyState struct {
	// ID is `<pod>.<namespace>`, as syncz's proxy ids end.
	ID        string `json:"id"`
	NodeID    string `json:"nodeId"`
	Pod       string `json:"pod"`
	Namespace string `json:"namespace"`
	Workload  string `json:"workload"`
	ProxyType string `json:"proxyType"`
	PodIP     string `json:"podIP"`
	// AdminPort is the loopback port serving this proxy's Envoy admin endpoints.
	AdminPort int `json:"adminPort"`
	// PortForward: the pod's KWOK PortForward to AdminPort exists.
	PortForward      bool   `json:"portForward"`
	PortForwardError string `json:"portForwardError,omitempty"`
	xdsclient.Status
	// Applied per xDS type (cds, eds, lds, rds).
	Applied map[string]AppliedType `json:"applied"`
}

func (p *Proxy) state(portForward bool, portForwardError string) ProxyState {
	snap := p.client.Snapshot()
	counts := map[string]int{
		xdsclient.ClusterType:  len(snap.Clusters),
		xdsclient.EndpointType: len(snap.Endpoints),
		xdsclient.ListenerType: len(snap.Listeners),
		xdsclient.RouteType:    len(snap.Routes),
	}
	applied := map[string]AppliedType{}
	for typeURL, st := range snap.Status {
		applied[xdsclient.ShortType(typeURL)] = AppliedType{
			Version: st.Version, Nonce: st.Nonce, AppliedAt: st.AppliedAt, Resources: counts[typeURL],
			Rejected: st.Rejected, LastError: st.LastError,
		}
	}
	return ProxyState{
		ID:               p.identity.Pod + "." + p.identity.Namespace,
		NodeID:           p.node.GetId(),
		Pod:              p.identity.Pod,
		Namespace:        p.identity.Namespace,
		Workload:         p.identity.Workload,
		ProxyType:        p.identity.ProxyType,
		PodIP:            p.ip,
		AdminPort:        p.admin.Port(),
		PortForward:      portForward,
		PortForwardError: portForwardError,
		Status:           p.client.Status(),
		Applied:          applied,
	}
}
