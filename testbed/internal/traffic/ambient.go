package traffic

import (
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/switchyard/switchyard/testbed/internal/istiometrics"
	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// MainInternalListener is the waypoint's listener for the connections ztunnel brings it
// (istiod's `main_internal`): a filter chain per Service VIP and port it serves.
const MainInternalListener = "main_internal"

// sendAmbient is a request from an ambient pod: ztunnel carries the connection. To a
// Service bound to a waypoint it goes over HBONE to one of the waypoint's pods, whose
// `main_internal` listener picks the filter chain for the Service's VIP and port; the
// chain's HTTP connection manager routes by its inline route configuration, to a cluster
// whose endpoints are internal addresses of the backend pods (reached through ztunnel
// again), and the waypoint records the request (reporter="waypoint"). Without a waypoint
// the connection goes straight to an endpoint of the Service, at L4: no proxy sees HTTP,
// so nothing is recorded in Istio's request metrics. Either way the fleet's ground truth
// gets the request as the application saw it.
func (g *Generator) sendAmbient(c *clientState, sender Sender, req Request, service resolvedService, arrival time.Duration) {
	waypoint, bound := Waypoint{}, false
	if service.name != "" {
		waypoint, bound = g.opts.World.Waypoint(service.namespace, service.name)
	}
	if !bound {
		// ztunnel balances over the Service's ready endpoints at L4, as kube-proxy would;
		// no Envoy at the client, so no response flags on a reset.
		c.stats.Sent++
		g.l4Connection(c, sender.Pod, req, service, arrival, "-")
		return
	}
	vip, hasVIP := g.opts.World.ServiceVIP(service.namespace, service.name)
	if len(waypoint.Hops) == 0 || !hasVIP {
		// ztunnel finds no waypoint endpoint to open the tunnel to: the application's
		// connection is reset.
		g.failBeforeProxy(c, sender.Pod, arrival)
		return
	}
	c.stats.Sent++
	hop := waypoint.Hops[g.rng.IntN(len(waypoint.Hops))]
	snap := hop.Proxy()
	rc := WaypointRoutes(snap, Connection{DestinationIP: vip, DestinationPort: req.Port, ApplicationProtocol: applicationProtocol(req)})
	if rc == nil {
		// No filter chain for the VIP and port (the waypoint does not serve the Service
		// yet, or not on this port): Envoy closes the connection.
		g.schedule(arrival+connectFailure, func() {
			complete(c, 0, "-", istiometrics.Unknown, nil)
			g.note(c, sender.Pod, 0, "-", nil, 0)
		})
		return
	}
	addressed := istiometrics.Service{Kind: istiometrics.ServiceFromCluster, Host: service.fqdn(req.Host)}
	decision := RouteBy(snap, rc, req, g.uniform)
	if decision.Kind != Upstream {
		status, grpcStatus, flags := decision.Status, 0, decision.Flags
		if decision.Kind != LocalReply {
			// A waypoint has no passthrough route for a Service it serves.
			status, flags = 503, "NC"
		}
		if req.Grpc {
			grpcStatus, status = HTTPToGrpcStatus(status), 200
		}
		labels := istiometrics.WaypointLabels(istiometrics.WaypointReport{
			Source: sender.Workload, Service: addressed,
			ResponseCode: status, ResponseFlags: flags, Protocol: protocolOf(req, grpcStatus),
		})
		g.schedule(arrival, func() {
			g.opts.Metrics.Record(labels, 0)
			complete(c, status, flags, istiometrics.Unknown, grpcOf(req, grpcStatus))
			g.note(c, sender.Pod, status, flags, nil, 0)
		})
		return
	}

	host := ServiceHost(decision.Cluster)
	outcome, served, gone := g.forward(snap, decision, req)
	// A backend with a sidecar of its own records the attempts too; it sees the waypoint
	// as its peer.
	g.recordServerSide(outcome, served, &hop.Workload, host, req, arrival)

	var destination *istiometrics.Workload
	var answered *servedBy
	name := istiometrics.Unknown
	if last, ok := served[len(outcome.Attempts)-1]; ok && outcome.FromUpstream {
		w := last.workload
		destination, name, answered = &w, w.Name, &last
	}
	labels := istiometrics.WaypointLabels(istiometrics.WaypointReport{
		Source: sender.Workload, Destination: destination,
		Service:      istiometrics.Service{Kind: istiometrics.ServiceFromCluster, Host: host},
		ResponseCode: outcome.Status, ResponseFlags: outcome.Flags, Protocol: protocolOf(req, outcome.GrpcStatus),
	})
	g.schedule(arrival+outcome.Duration, func() {
		g.opts.Metrics.Record(labels, ms(outcome.Duration))
		complete(c, outcome.Status, outcome.Flags, name, grpcOf(req, outcome.GrpcStatus))
		g.note(c, sender.Pod, outcome.Status, outcome.Flags, answered, gone)
	})
	for _, m := range decision.Mirrors {
		g.shadow(m, hop.Workload, req, snap, arrival)
	}
}

// WaypointRoutes is the route configuration of the HTTP filter chain a waypoint's
// main_internal listener picks for a connection: inline (istiod's
// `inbound-vip|<port>|http|<host>`), or fetched over RDS; nil when no chain matches or the
// chain is not HTTP.
func WaypointRoutes(snap *xdsclient.Snapshot, conn Connection) *routev3.RouteConfiguration {
	l, ok := snap.Listeners[MainInternalListener]
	if !ok {
		return nil
	}
	fc := FilterChainFor(l.Message, conn)
	if fc == nil {
		return nil
	}
	h := xdsclient.ChainHTTPConnectionManager(fc)
	if h == nil {
		return nil
	}
	if rc := h.GetRouteConfig(); rc != nil {
		return rc
	}
	if rc, ok := snap.Routes[h.GetRds().GetRouteConfigName()]; ok {
		return rc.Message
	}
	return nil
}

// applicationProtocol is what Envoy's HTTP inspector reports for the request's connection.
func applicationProtocol(req Request) string {
	if req.Grpc {
		return "h2c"
	}
	return "http/1.1"
}
