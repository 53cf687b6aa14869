package traffic

import (
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// Keys of RouteShares for shares no serving pod answers.
const (
	// ShareNone: the proxy answers itself or nobody does (no listener or route yet, no
	// route for the request, a direct response, a cluster the proxy lacks, a cluster
	// without endpoints).
	ShareNone = "(none)"
	// ShareGone: an endpoint whose pod no longer serves (gone, not Running or not Ready,
	// terminating): the 503s of a scale-down before the proxies moved.
	ShareGone = "(gone)"
)

// routeShares is where one sender's applied config sends a request, as shares of requests
// (summing to 1) by the image of the pod that would answer: the first matching route's
// clusters by weight, a cluster's endpoints evenly (Envoy's balancing at equal load), a
// passthrough's by the Service's ready endpoints as kube-proxy picks. It ignores retries
// (which move a failed attempt to another endpoint of the same cluster) and mirrors (which
// never answer), so it is the share of first attempts: what "the proxy routes nothing to
// that version" means.
func (g *Generator) routeShares(sender Sender, req Request, service resolvedService) map[string]float64 {
	if sender.Ambient {
		return g.ambientShares(req, service)
	}
	snap := sender.Proxy()
	routeConfig := RouteConfigName(sender.Gateway, req.Port)
	rc, listening := snap.Routes[routeConfig]
	if !snap.HasConfig() || (sender.Gateway && !listening) {
		return map[string]float64{ShareNone: 1}
	}
	if !listening {
		return g.passthroughShares(req, service)
	}
	return g.configShares(snap, rc.Message, req, service)
}

// ambientShares is where an ambient pod's request goes (it has no proxy of its own; see
// sendAmbient): through the waypoint the Service is bound to, each of its pods equally
// likely, by the route configuration inline in its `main_internal` chain for the Service's
// VIP and port; without a waypoint, to the Service's ready endpoints at L4.
func (g *Generator) ambientShares(req Request, service resolvedService) map[string]float64 {
	waypoint, bound := Waypoint{}, false
	if service.name != "" {
		waypoint, bound = g.opts.World.Waypoint(service.namespace, service.name)
	}
	if !bound {
		return g.passthroughShares(req, service)
	}
	vip, hasVIP := g.opts.World.ServiceVIP(service.namespace, service.name)
	if len(waypoint.Hops) == 0 || !hasVIP {
		return map[string]float64{ShareNone: 1}
	}
	out := map[string]float64{}
	each := 1 / float64(len(waypoint.Hops))
	for _, hop := range waypoint.Hops {
		snap := hop.Proxy()
		rc := WaypointRoutes(snap, Connection{DestinationIP: vip, DestinationPort: req.Port, ApplicationProtocol: applicationProtocol(req)})
		if rc == nil {
			out[ShareNone] += each
			continue
		}
		for image, share := range g.configShares(snap, rc, req, service) {
			out[image] += each * share
		}
	}
	return out
}

// configShares is where route configuration rc of a proxy with config snap sends the
// request: the first matching route's clusters by weight, each cluster's endpoints evenly.
func (g *Generator) configShares(snap *xdsclient.Snapshot, rc *routev3.RouteConfiguration, req Request, service resolvedService) map[string]float64 {
	vh := FindVirtualHost(rc, req.Authority())
	var route *routev3.Route
	for _, r := range vh.GetRoutes() {
		if RouteMatches(r.GetMatch(), req) {
			route = r
			break
		}
	}
	action := route.GetRoute()
	if action == nil {
		return map[string]float64{ShareNone: 1}
	}
	weights := map[string]float64{}
	if c := action.GetCluster(); c != "" {
		weights[c] = 1
	} else {
		total := 0.0
		for _, wc := range action.GetWeightedClusters().GetClusters() {
			total += float64(wc.GetWeight().GetValue())
		}
		for _, wc := range action.GetWeightedClusters().GetClusters() {
			if w := float64(wc.GetWeight().GetValue()); w > 0 {
				weights[wc.GetName()] += w / total
			}
		}
	}
	out := map[string]float64{}
	for name, weight := range weights {
		if name == PassthroughCluster {
			for image, share := range g.passthroughShares(req, service) {
				out[image] += weight * share
			}
			continue
		}
		c, ok := snap.Clusters[name]
		if !ok {
			out[ShareNone] += weight
			continue
		}
		for image, share := range g.endpointShares(ClusterEndpoints(snap, c.Message)) {
			out[image] += weight * share
		}
	}
	if len(out) == 0 {
		out[ShareNone] = 1
	}
	return out
}

func (g *Generator) passthroughShares(req Request, service resolvedService) map[string]float64 {
	if service.name == "" {
		return map[string]float64{ShareNone: 1}
	}
	var eps []Endpoint
	for _, ip := range g.opts.World.ServiceEndpoints(service.namespace, service.name) {
		eps = append(eps, Endpoint{IP: ip, Port: req.Port})
	}
	return g.endpointShares(eps)
}

// endpointShares splits one share evenly over the endpoints, by the image of each
// endpoint's pod.
func (g *Generator) endpointShares(eps []Endpoint) map[string]float64 {
	if len(eps) == 0 {
		return map[string]float64{ShareNone: 1}
	}
	out := map[string]float64{}
	each := 1 / float64(len(eps))
	for _, ep := range eps {
		out[g.imageAt(ep.IP)] += each
	}
	return out
}

// imageAt is the image of the serving pod at ip, or ShareGone.
func (g *Generator) imageAt(ip string) string {
	pod, ok := g.opts.World.PodByIP(ip)
	if !ok || !pod.Ready || pod.Terminating {
		return ShareGone
	}
	return pod.Image
}
