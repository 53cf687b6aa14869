// Package traffic is the fleet's synthetic traffic: clients send requests from their
// pods' proxies, each routed as Envoy routes it over the config that proxy has applied
// (route configuration by port, virtual host by domain, first matching route, weighted
// clusters, mirrors), sent to an endpoint of the chosen cluster's applied EDS, answered
// as the destination pod's image behaves, and recorded by both reporters with Istio's
// labels. It follows the simulator's traffic model (packages/sim/src/traffic).
package traffic

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"

	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// Request is an HTTP request as an application sends it through its sidecar.
type Request struct {
	// Host the application addresses: `reviews`, `reviews.bookinfo`, an FQDN.
	Host string
	// Port selects the sidecar's route configuration (named after it).
	Port int
	// Path is `:path`, with any query string.
	Path string
	// Headers, names in lower case.
	Headers map[string]string
	// Grpc marks a gRPC request.
	Grpc bool
}

// Authority is the Host header an HTTP/1.1 client sends: without the port only for 80.
func (r Request) Authority() string {
	if r.Port == 80 {
		return r.Host
	}
	return r.Host + ":" + strconv.Itoa(r.Port)
}

// DecisionKind is what routing decided.
type DecisionKind int

const (
	// LocalReply: the proxy answered itself (NR, NC, direct response, redirect).
	LocalReply DecisionKind = iota
	// Upstream: the request goes to Cluster.
	Upstream
	// Passthrough: Istio's allow_any route, forwarded to the original destination.
	Passthrough
	// TCPPassthrough: no active HTTP listener for the port (none, or still warming for
	// its route configuration): the connection goes through virtualOutbound's TCP
	// passthrough chain to the original destination, outside the HTTP stats filter.
	TCPPassthrough
)

// PassthroughCluster is Istio's ORIGINAL_DST cluster.
const PassthroughCluster = "PassthroughCluster"

// Decision is the outcome of routing one request.
type Decision struct {
	Kind DecisionKind
	// Status and Flags of a local reply.
	Status int
	Flags  string
	// RouteName of the matched route, empty when none or unnamed.
	RouteName string
	// ClusterName chosen (also set for NC).
	ClusterName string
	// Cluster chosen, for Upstream.
	Cluster *clusterv3.Cluster
	// Retry policy of the route; nil: no retries.
	Retry *RetryPolicy
	// Timeout of the route; 0 disables it (Istio's default).
	Timeout time.Duration
	// Mirrors are the clusters getting a shadow copy (existing clusters only).
	Mirrors []*clusterv3.Cluster
}

func localReply(status int, flags, route string) Decision {
	return Decision{Kind: LocalReply, Status: status, Flags: flags, RouteName: route}
}

// RouteConfigName is the route configuration Istio gives the HTTP listener a request on
// port enters: a sidecar's outbound listener for the port uses `<port>`, a gateway's
// plain-HTTP server on the port `http.<port>`.
func RouteConfigName(gateway bool, port int) string {
	if gateway {
		return "http." + strconv.Itoa(port)
	}
	return strconv.Itoa(port)
}

// Route routes one request over a proxy's applied snapshot, by the route configuration
// named routeConfig (RouteConfigName); uniform returns numbers in [0, 1) and decides
// weights and mirrors. Without that configuration no HTTP listener for the port is active
// (TCPPassthrough); no virtual host or route is 404 NR; a route to a cluster the proxy
// does not have is NC with the route's cluster_not_found_response_code (503 unless set;
// Istio sets validate_clusters false).
func Route(snap *xdsclient.Snapshot, routeConfig string, req Request, uniform func() float64) Decision {
	rc, ok := snap.Routes[routeConfig]
	if !ok {
		return Decision{Kind: TCPPassthrough}
	}
	return RouteBy(snap, rc.Message, req, uniform)
}

// RouteBy routes one request by a route configuration (one fetched over RDS, or one
// carried inline by a listener's HTTP connection manager, as a waypoint's are), with the
// proxy's applied clusters.
func RouteBy(snap *xdsclient.Snapshot, rc *routev3.RouteConfiguration, req Request, uniform func() float64) Decision {
	vh := FindVirtualHost(rc, req.Authority())
	if vh == nil {
		return localReply(404, "NR", "")
	}
	var route *routev3.Route
	for _, r := range vh.GetRoutes() {
		if RouteMatches(r.GetMatch(), req) {
			route = r
			break
		}
	}
	if route == nil {
		return localReply(404, "NR", "")
	}
	name := route.GetName()
	if dr := route.GetDirectResponse(); dr != nil {
		return localReply(int(dr.GetStatus()), "-", name)
	}
	if route.GetRedirect() != nil {
		return localReply(301, "-", name)
	}
	action := route.GetRoute()
	if action == nil {
		return localReply(404, "NR", name)
	}
	clusterName := PickCluster(action, uniform)
	if clusterName == PassthroughCluster {
		return Decision{Kind: Passthrough, RouteName: name, ClusterName: clusterName}
	}
	c, ok := snap.Clusters[clusterName]
	if !ok {
		d := localReply(clusterNotFoundStatus(action), "NC", name)
		d.ClusterName = clusterName
		return d
	}
	d := Decision{Kind: Upstream, RouteName: name, ClusterName: clusterName, Cluster: c.Message}
	if rp := action.GetRetryPolicy(); rp != nil {
		d.Retry = ParseRetryPolicy(rp)
	} else if rp := vh.GetRetryPolicy(); rp != nil {
		d.Retry = ParseRetryPolicy(rp)
	}
	if t := action.GetTimeout(); t != nil {
		d.Timeout = t.AsDuration()
	} else {
		// Envoy's default route timeout when the route sets none.
		d.Timeout = 15 * time.Second
	}
	for _, m := range action.GetRequestMirrorPolicies() {
		if f := m.GetRuntimeFraction().GetDefaultValue(); f != nil {
			if uniform()*float64(denominator(f.GetDenominator())) >= float64(f.GetNumerator()) {
				continue
			}
		}
		// A shadow to an unknown cluster fails inside Envoy without a trace in metrics.
		if mc, ok := snap.Clusters[m.GetCluster()]; ok {
			d.Mirrors = append(d.Mirrors, mc.Message)
		}
	}
	return d
}

// clusterNotFoundStatus is the route's cluster_not_found_response_code: 503 by default,
// 500 on the routes istiod builds from Gateway API routes (a backendRef whose Service does
// not exist stays in the route, as a cluster nobody has).
func clusterNotFoundStatus(action *routev3.RouteAction) int {
	switch action.GetClusterNotFoundResponseCode() {
	case routev3.RouteAction_NOT_FOUND:
		return 404
	case routev3.RouteAction_INTERNAL_SERVER_ERROR:
		return 500
	}
	return 503
}

func denominator(d typev3.FractionalPercent_DenominatorType) int {
	switch d {
	case typev3.FractionalPercent_TEN_THOUSAND:
		return 10_000
	case typev3.FractionalPercent_MILLION:
		return 1_000_000
	}
	return 100
}

// PickCluster is the route action's cluster: `cluster`, or one of `weighted_clusters`
// with probability weight / total. Empty when the weights sum to zero (Envoy rejects
// such a config, so an applied one has none).
func PickCluster(action *routev3.RouteAction, uniform func() float64) string {
	if c := action.GetCluster(); c != "" {
		return c
	}
	clusters := action.GetWeightedClusters().GetClusters()
	total := 0.0
	for _, c := range clusters {
		total += float64(c.GetWeight().GetValue())
	}
	if total <= 0 {
		return ""
	}
	point := uniform() * total
	for _, c := range clusters {
		w := float64(c.GetWeight().GetValue())
		if point < w {
			return c.GetName()
		}
		point -= w
	}
	for i := len(clusters) - 1; i >= 0; i-- {
		if clusters[i].GetWeight().GetValue() > 0 {
			return clusters[i].GetName()
		}
	}
	return ""
}

// FindVirtualHost is Envoy's virtual host selection for a Host header: exact domain,
// then the longest suffix wildcard (`*.foo`), then the longest prefix wildcard (`foo*`),
// then `*`. A wildcard never matches an empty string. The port is stripped first when the
// configuration sets ignore_port_in_host_matching, as Istio does on every one.
func FindVirtualHost(rc *routev3.RouteConfiguration, authority string) *routev3.VirtualHost {
	host := strings.ToLower(authority)
	if rc.GetIgnorePortInHostMatching() {
		host = stripPort(host)
	}
	var suffix, prefix, fallback *routev3.VirtualHost
	suffixLen, prefixLen := -1, -1
	for _, vh := range rc.GetVirtualHosts() {
		for _, raw := range vh.GetDomains() {
			d := strings.ToLower(raw)
			switch {
			case d == host:
				return vh
			case d == "*":
				if fallback == nil {
					fallback = vh
				}
			case strings.HasPrefix(d, "*"):
				s := d[1:]
				if len(host) > len(s) && strings.HasSuffix(host, s) && len(s) > suffixLen {
					suffix, suffixLen = vh, len(s)
				}
			case strings.HasSuffix(d, "*"):
				p := d[:len(d)-1]
				if len(host) > len(p) && strings.HasPrefix(host, p) && len(p) > prefixLen {
					prefix, prefixLen = vh, len(p)
				}
			}
		}
	}
	switch {
	case suffix != nil:
		return suffix
	case prefix != nil:
		return prefix
	}
	return fallback
}

func stripPort(host string) string {
	colon := strings.LastIndexByte(host, ':')
	if colon < 0 || strings.LastIndexByte(host, ']') > colon {
		return host
	}
	if _, err := strconv.Atoi(host[colon+1:]); err != nil {
		return host
	}
	return host[:colon]
}

// RouteMatches is Envoy's RouteMatch: the path specifier (prefix against the whole
// `:path`; path and safe_regex against the path without query), then every header and
// query parameter matcher.
func RouteMatches(m *routev3.RouteMatch, req Request) bool {
	path, query, _ := strings.Cut(req.Path, "?")
	caseSensitive := m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue()
	eq := func(a, b string) bool {
		if caseSensitive {
			return a == b
		}
		return strings.EqualFold(a, b)
	}
	hasPrefix := func(s, p string) bool {
		if caseSensitive {
			return strings.HasPrefix(s, p)
		}
		return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
	}
	switch ps := m.GetPathSpecifier().(type) {
	case *routev3.RouteMatch_Prefix:
		if !hasPrefix(req.Path, ps.Prefix) {
			return false
		}
	case *routev3.RouteMatch_Path:
		if !eq(path, ps.Path) {
			return false
		}
	case *routev3.RouteMatch_SafeRegex:
		re := fullRegex(ps.SafeRegex.GetRegex())
		if re == nil || !re.MatchString(path) {
			return false
		}
	case *routev3.RouteMatch_PathSeparatedPrefix:
		p := ps.PathSeparatedPrefix
		if !(eq(path, p) || hasPrefix(path, p+"/")) {
			return false
		}
	default:
		// A RouteMatch without a supported path specifier: Envoy would have rejected it.
		return false
	}
	for _, h := range m.GetHeaders() {
		if !HeaderMatches(h, req.Headers) {
			return false
		}
	}
	if qps := m.GetQueryParameters(); len(qps) > 0 {
		params := parseQuery(query)
		for _, qp := range qps {
			if !queryParamMatches(qp, params) {
				return false
			}
		}
	}
	return true
}

func parseQuery(q string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if _, seen := out[k]; !seen {
			out[k] = v
		}
	}
	return out
}

func queryParamMatches(qp *routev3.QueryParameterMatcher, params map[string]string) bool {
	v, ok := params[qp.GetName()]
	switch s := qp.GetQueryParameterMatchSpecifier().(type) {
	case *routev3.QueryParameterMatcher_PresentMatch:
		return ok == s.PresentMatch
	case *routev3.QueryParameterMatcher_StringMatch:
		return ok && StringMatches(s.StringMatch, v)
	}
	return ok
}

// HeaderMatches is Envoy's HeaderUtility::matchHeaders: a missing header matches only a
// present_match false (or, inverted, present_match true), unless
// treat_missing_header_as_empty; otherwise the specifier's result, inverted by
// invert_match. A matcher without a specifier is present_match true.
func HeaderMatches(h *routev3.HeaderMatcher, headers map[string]string) bool {
	value, ok := headers[strings.ToLower(h.GetName())]
	invert := h.GetInvertMatch()
	present := true
	isPresent := false
	switch s := h.GetHeaderMatchSpecifier().(type) {
	case nil:
		isPresent = true
	case *routev3.HeaderMatcher_PresentMatch:
		isPresent, present = true, s.PresentMatch
	}
	if !ok && !h.GetTreatMissingHeaderAsEmpty() {
		if invert {
			return isPresent && present
		}
		return isPresent && !present
	}
	var matched bool
	switch s := h.GetHeaderMatchSpecifier().(type) {
	case nil, *routev3.HeaderMatcher_PresentMatch:
		matched = present
	case *routev3.HeaderMatcher_ExactMatch:
		matched = value == s.ExactMatch
	case *routev3.HeaderMatcher_PrefixMatch:
		matched = strings.HasPrefix(value, s.PrefixMatch)
	case *routev3.HeaderMatcher_SuffixMatch:
		matched = strings.HasSuffix(value, s.SuffixMatch)
	case *routev3.HeaderMatcher_ContainsMatch:
		matched = strings.Contains(value, s.ContainsMatch)
	case *routev3.HeaderMatcher_SafeRegexMatch:
		re := fullRegex(s.SafeRegexMatch.GetRegex())
		matched = re != nil && re.MatchString(value)
	case *routev3.HeaderMatcher_StringMatch:
		matched = StringMatches(s.StringMatch, value)
	case *routev3.HeaderMatcher_RangeMatch:
		n, err := strconv.ParseInt(value, 10, 64)
		matched = err == nil && n >= s.RangeMatch.GetStart() && n < s.RangeMatch.GetEnd()
	}
	return matched != invert
}

// StringMatches is Envoy's StringMatcher.
func StringMatches(m *matcherv3.StringMatcher, value string) bool {
	fold := m.GetIgnoreCase()
	norm := func(s string) string {
		if fold {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		return norm(value) == norm(p.Exact)
	case *matcherv3.StringMatcher_Prefix:
		return strings.HasPrefix(norm(value), norm(p.Prefix))
	case *matcherv3.StringMatcher_Suffix:
		return strings.HasSuffix(norm(value), norm(p.Suffix))
	case *matcherv3.StringMatcher_Contains:
		return strings.Contains(norm(value), norm(p.Contains))
	case *matcherv3.StringMatcher_SafeRegex:
		re := fullRegex(p.SafeRegex.GetRegex())
		return re != nil && re.MatchString(value)
	}
	return false
}

var regexCache sync.Map

// fullRegex compiles an RE2 pattern that must match the whole string (Envoy's
// safe_regex); nil when invalid.
func fullRegex(pattern string) *regexp.Regexp {
	if v, ok := regexCache.Load(pattern); ok {
		re, _ := v.(*regexp.Regexp)
		return re
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		re = nil
	}
	regexCache.Store(pattern, re)
	return re
}
