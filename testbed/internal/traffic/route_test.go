package traffic

import (
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

func constant(v float64) func() float64 { return func() float64 { return v } }

func vhost(name string, domains ...string) *routev3.VirtualHost {
	return &routev3.VirtualHost{Name: name, Domains: domains}
}

func TestFindVirtualHost(t *testing.T) {
	rc := &routev3.RouteConfiguration{
		IgnorePortInHostMatching: true,
		VirtualHosts: []*routev3.VirtualHost{
			vhost("reviews", "reviews.bookinfo.svc.cluster.local", "reviews", "reviews.bookinfo", "10.96.0.10"),
			vhost("suffix-short", "*.example.com"),
			vhost("suffix-long", "*.api.example.com"),
			vhost("prefix", "api.*"),
			vhost("allow_any", "*"),
		},
	}
	tests := []struct {
		authority string
		want      string
	}{
		{"reviews:9080", "reviews"},
		{"REVIEWS.bookinfo:9080", "reviews"},
		{"10.96.0.10:9080", "reviews"},
		{"v1.api.example.com", "suffix-long"},
		{"www.example.com:80", "suffix-short"},
		{"api.other", "prefix"},
		{".example.com", "allow_any"}, // a wildcard never matches an empty label
		{"ratings:9080", "allow_any"},
	}
	for _, tt := range tests {
		t.Run(tt.authority, func(t *testing.T) {
			if got := FindVirtualHost(rc, tt.authority); got.GetName() != tt.want {
				t.Fatalf("FindVirtualHost(%q) = %q, want %q", tt.authority, got.GetName(), tt.want)
			}
		})
	}
	strict := &routev3.RouteConfiguration{VirtualHosts: []*routev3.VirtualHost{vhost("with-port", "reviews:9080"), vhost("bare", "reviews")}}
	if got := FindVirtualHost(strict, "reviews:9080"); got.GetName() != "with-port" {
		t.Fatalf("without ignore_port_in_host_matching the port is part of the host, got %q", got.GetName())
	}
}

func exactHeader(name, value string) *routev3.HeaderMatcher {
	return &routev3.HeaderMatcher{Name: name, HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{
		StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: value}},
	}}
}

func TestRouteMatches(t *testing.T) {
	prefix := func(p string) *routev3.RouteMatch {
		return &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: p}}
	}
	tests := []struct {
		name    string
		match   *routev3.RouteMatch
		path    string
		headers map[string]string
		want    bool
	}{
		{"prefix on the whole path", prefix("/reviews"), "/reviews/0?x=1", nil, true},
		{"prefix mismatch", prefix("/ratings"), "/reviews/0", nil, false},
		{"exact path ignores the query", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Path{Path: "/reviews/0"}}, "/reviews/0?x=1", nil, true},
		{"exact path is exact", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Path{Path: "/reviews"}}, "/reviews/0", nil, false},
		{"case-insensitive prefix", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/Reviews"}, CaseSensitive: wrapperspb.Bool(false)}, "/reviews/0", nil, true},
		{"regex matches the whole path", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: "/reviews/[0-9]+"}}}, "/reviews/12", nil, true},
		{"regex is anchored", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: "/reviews"}}}, "/reviews/12", nil, false},
		{"path-separated prefix", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/api"}}, "/api/v1", nil, true},
		{"path-separated prefix needs a separator", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/api"}}, "/apis", nil, false},
		{"header route for the tester", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, Headers: []*routev3.HeaderMatcher{exactHeader("x-release", "candidate")}}, "/", map[string]string{"x-release": "candidate"}, true},
		{"header route skipped for others", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, Headers: []*routev3.HeaderMatcher{exactHeader("x-release", "candidate")}}, "/", nil, false},
		{
			"query parameter",
			&routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, QueryParameters: []*routev3.QueryParameterMatcher{{Name: "v", QueryParameterMatchSpecifier: &routev3.QueryParameterMatcher_StringMatch{StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: "2"}}}}}},
			"/x?a=1&v=2", nil, true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RouteMatches(tt.match, Request{Path: tt.path, Headers: tt.headers}); got != tt.want {
				t.Fatalf("RouteMatches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHeaderMatches(t *testing.T) {
	present := func(name string, p, invert bool) *routev3.HeaderMatcher {
		return &routev3.HeaderMatcher{Name: name, HeaderMatchSpecifier: &routev3.HeaderMatcher_PresentMatch{PresentMatch: p}, InvertMatch: invert}
	}
	inverted := exactHeader("x-release", "candidate")
	inverted.InvertMatch = true
	missingAsEmpty := exactHeader("x-release", "")
	missingAsEmpty.TreatMissingHeaderAsEmpty = true
	regex := &routev3.HeaderMatcher{Name: "x-user", HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: "test-.*"}}}}}
	prefix := &routev3.HeaderMatcher{Name: "x-user", HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: "TEST"}, IgnoreCase: true}}}
	tests := []struct {
		name    string
		matcher *routev3.HeaderMatcher
		headers map[string]string
		want    bool
	}{
		{"exact hit", exactHeader("X-Release", "candidate"), map[string]string{"x-release": "candidate"}, true},
		{"exact miss", exactHeader("x-release", "candidate"), map[string]string{"x-release": "stable"}, false},
		{"exact on a missing header", exactHeader("x-release", "candidate"), nil, false},
		{"inverted exact on another value", inverted, map[string]string{"x-release": "stable"}, true},
		{"inverted exact on a missing header is still false", inverted, nil, false},
		{"present", present("x-a", true, false), map[string]string{"x-a": ""}, true},
		{"present on a missing header", present("x-a", true, false), nil, false},
		{"present:false on a missing header", present("x-a", false, false), nil, true},
		{"inverted present on a missing header", present("x-a", true, true), nil, true},
		{"no specifier means present", &routev3.HeaderMatcher{Name: "x-a"}, map[string]string{"x-a": "1"}, true},
		{"treat missing as empty", missingAsEmpty, nil, true},
		{"regex is anchored", regex, map[string]string{"x-user": "test-1"}, true},
		{"regex miss", regex, map[string]string{"x-user": "a-test-1"}, false},
		{"ignore-case prefix", prefix, map[string]string{"x-user": "test-1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HeaderMatches(tt.matcher, tt.headers); got != tt.want {
				t.Fatalf("HeaderMatches = %v, want %v", got, tt.want)
			}
		})
	}
}

func weighted(pairs ...any) *routev3.RouteAction {
	wc := &routev3.WeightedCluster{}
	for i := 0; i < len(pairs); i += 2 {
		wc.Clusters = append(wc.Clusters, &routev3.WeightedCluster_ClusterWeight{Name: pairs[i].(string), Weight: wrapperspb.UInt32(uint32(pairs[i+1].(int)))})
	}
	return &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: wc}}
}

func TestPickCluster(t *testing.T) {
	tests := []struct {
		name    string
		action  *routev3.RouteAction
		uniform float64
		want    string
	}{
		{"single cluster", &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: "a"}}, 0.99, "a"},
		{"first share", weighted("blue", 80, "green", 20), 0.79, "blue"},
		{"second share", weighted("blue", 80, "green", 20), 0.80, "green"},
		{"weights are relative", weighted("blue", 1, "green", 3), 0.26, "green"},
		{"zero weight never picked", weighted("blue", 0, "green", 100), 0, "green"},
		{"all zero: none", weighted("blue", 0, "green", 0), 0.5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PickCluster(tt.action, constant(tt.uniform)); got != tt.want {
				t.Fatalf("PickCluster = %q, want %q", got, tt.want)
			}
		})
	}
}

func snapshotWith(routes []*routev3.Route, clusters ...string) *xdsclient.Snapshot {
	s := xdsclient.EmptySnapshot()
	rc := &routev3.RouteConfiguration{Name: "9080", IgnorePortInHostMatching: true, VirtualHosts: []*routev3.VirtualHost{
		{Name: "reviews.bookinfo.svc.cluster.local:9080", Domains: []string{"reviews", "reviews.bookinfo.svc.cluster.local"}, Routes: routes},
		{Name: "allow_any", Domains: []string{"*"}, Routes: []*routev3.Route{{Name: "allow_any", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}, Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: PassthroughCluster}}}}}},
	}}
	s.Routes["9080"] = xdsclient.Resource[*routev3.RouteConfiguration]{Message: rc}
	for _, c := range clusters {
		s.Clusters[c] = xdsclient.Resource[*clusterv3.Cluster]{Message: &clusterv3.Cluster{Name: c}}
	}
	return s
}

func TestRoute(t *testing.T) {
	all := &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}
	primary := weighted("outbound|9080|blue|reviews", 50, "outbound|9080|green|reviews", 50)
	primary.Timeout = durationpb.New(0)
	primary.RequestMirrorPolicies = []*routev3.RouteAction_RequestMirrorPolicy{
		{Cluster: "outbound|9080|shadow|reviews"},
		{Cluster: "outbound|9080|half|reviews", RuntimeFraction: &corev3.RuntimeFractionalPercent{DefaultValue: &typev3.FractionalPercent{Numerator: 50, Denominator: typev3.FractionalPercent_HUNDRED}}},
		{Cluster: "outbound|9080|missing|reviews"},
	}
	routes := []*routev3.Route{
		{Name: "release-candidate", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, Headers: []*routev3.HeaderMatcher{exactHeader("x-release", "candidate")}},
			Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: "outbound|9080|gone|reviews"}}}},
		{Name: "primary", Match: all, Action: &routev3.Route_Route{Route: primary}},
	}
	snap := snapshotWith(routes, "outbound|9080|blue|reviews", "outbound|9080|green|reviews", "outbound|9080|shadow|reviews", "outbound|9080|half|reviews")

	d := Route(snap, "9080", Request{Host: "reviews", Port: 9080, Path: "/"}, constant(0.25))
	if d.Kind != Upstream || d.ClusterName != "outbound|9080|blue|reviews" || d.RouteName != "primary" || d.Timeout != 0 {
		t.Fatalf("split at 0.25: %+v", d)
	}
	// 0.25*100 < 50: the half mirror fires; the unknown mirror cluster is dropped.
	if len(d.Mirrors) != 2 || d.Mirrors[0].GetName() != "outbound|9080|shadow|reviews" || d.Mirrors[1].GetName() != "outbound|9080|half|reviews" {
		t.Fatalf("mirrors %v", d.Mirrors)
	}
	if d := Route(snap, "9080", Request{Host: "reviews", Port: 9080, Path: "/"}, constant(0.75)); d.ClusterName != "outbound|9080|green|reviews" || len(d.Mirrors) != 1 {
		t.Fatalf("split at 0.75: %+v", d)
	}
	if d := Route(snap, "9080", Request{Host: "reviews", Port: 9080, Path: "/", Headers: map[string]string{"x-release": "candidate"}}, constant(0)); d.Kind != LocalReply || d.Status != 503 || d.Flags != "NC" || d.ClusterName != "outbound|9080|gone|reviews" {
		t.Fatalf("route to an unknown cluster: %+v", d)
	}
	if d := Route(snap, "9080", Request{Host: "ratings", Port: 9080, Path: "/"}, constant(0)); d.Kind != Passthrough {
		t.Fatalf("allow_any: %+v", d)
	}
	if d := Route(snap, "8080", Request{Host: "reviews", Port: 8080, Path: "/"}, constant(0)); d.Kind != TCPPassthrough {
		t.Fatalf("no route configuration for the port: %+v", d)
	}
	noCatchAll := snapshotWith(routes[:1], "outbound|9080|gone|reviews")
	noCatchAll.Routes["9080"].Message.VirtualHosts = noCatchAll.Routes["9080"].Message.VirtualHosts[:1]
	if d := Route(noCatchAll, "9080", Request{Host: "ratings", Port: 9080, Path: "/"}, constant(0)); d.Kind != LocalReply || d.Status != 404 || d.Flags != "NR" {
		t.Fatalf("no virtual host: %+v", d)
	}
	if d := Route(noCatchAll, "9080", Request{Host: "reviews", Port: 9080, Path: "/"}, constant(0)); d.Kind != LocalReply || d.Status != 404 || d.Flags != "NR" {
		t.Fatalf("no route: %+v", d)
	}
	unset := snapshotWith([]*routev3.Route{{Name: "r", Match: all, Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: "c"}}}}}, "c")
	if d := Route(unset, "9080", Request{Host: "reviews", Port: 9080, Path: "/"}, constant(0)); d.Timeout != 15*time.Second {
		t.Fatalf("Envoy's default route timeout is 15s, got %v", d.Timeout)
	}
}
