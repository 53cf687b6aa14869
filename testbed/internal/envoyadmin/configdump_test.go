package envoyadmin

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

type fixed struct {
	snap *xdsclient.Snapshot
}

func (f fixed) Snapshot() *xdsclient.Snapshot { return f.snap }
func (f fixed) Node() *corev3.Node {
	return &corev3.Node{Id: "sidecar~10.0.0.1~productpage-1.bookinfo~bookinfo.svc.cluster.local", Cluster: "productpage.bookinfo"}
}
func (f fixed) Started() time.Time { return time.Unix(1000, 0) }

func applied() *xdsclient.Snapshot {
	at := time.Unix(2000, 0).UTC()
	s := xdsclient.EmptySnapshot()
	s.Status[xdsclient.ClusterType] = xdsclient.TypeStatus{Version: "2026-01-01T00:00:00Z/7"}
	s.Status[xdsclient.ListenerType] = xdsclient.TypeStatus{Version: "2026-01-01T00:00:00Z/7"}
	for _, name := range []string{"outbound|9080|blue|reviews.bookinfo.svc.cluster.local", "BlackHoleCluster"} {
		s.Clusters[name] = xdsclient.Resource[*clusterv3.Cluster]{Message: &clusterv3.Cluster{Name: name}, Version: "2026-01-01T00:00:00Z/7", Updated: at}
	}
	s.Endpoints["outbound|9080|blue|reviews.bookinfo.svc.cluster.local"] = xdsclient.Resource[*endpointv3.ClusterLoadAssignment]{
		Message: &endpointv3.ClusterLoadAssignment{ClusterName: "outbound|9080|blue|reviews.bookinfo.svc.cluster.local"}, Version: "v", Updated: at}
	// A typed Any inside the config (as istiod's TypedStruct filters) must print with @type.
	ts, _ := anypb.New(&structpb.Struct{Fields: map[string]*structpb.Value{"a": structpb.NewStringValue("b")}})
	s.Listeners["0.0.0.0_9080"] = xdsclient.Resource[*listenerv3.Listener]{Message: &listenerv3.Listener{
		Name: "0.0.0.0_9080", ListenerFilters: []*listenerv3.ListenerFilter{{Name: "x", ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: ts}}},
	}, Version: "2026-01-01T00:00:00Z/7", Updated: at}
	s.Routes["9080"] = xdsclient.Resource[*routev3.RouteConfiguration]{Message: &routev3.RouteConfiguration{
		Name: "9080",
		VirtualHosts: []*routev3.VirtualHost{{Name: "reviews.bookinfo.svc.cluster.local:9080", Domains: []string{"reviews"}, Routes: []*routev3.Route{{
			Name:  "primary",
			Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
			Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: &routev3.WeightedCluster{
				Clusters: []*routev3.WeightedCluster_ClusterWeight{{Name: "outbound|9080|blue|reviews.bookinfo.svc.cluster.local", Weight: wrapperspb.UInt32(100)}},
			}}}},
		}}}},
		ValidateClusters: wrapperspb.Bool(false),
	}, Version: "2026-01-01T00:00:00Z/8", Updated: at}
	s.Routes["80"] = xdsclient.Resource[*routev3.RouteConfiguration]{Message: &routev3.RouteConfiguration{Name: "80"}, Version: "v", Updated: at}
	return s
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

func TestConfigDump(t *testing.T) {
	proxy := fixed{snap: applied()}
	tests := []struct {
		name   string
		query  url.Values
		status int
		// types are the @type suffixes of configs, in order.
		types []string
		// contains are substrings of the body.
		contains []string
		absent   []string
	}{
		{
			name: "full dump in Envoy's order, no EDS", status: 200,
			types:    []string{"BootstrapConfigDump", "ClustersConfigDump", "ListenersConfigDump", "RoutesConfigDump"},
			contains: []string{`"dynamic_active_clusters"`, `"version_info":"2026-01-01T00:00:00Z/7"`, `"last_updated":"1970-01-01T00:33:20Z"`, `"@type":"type.googleapis.com/google.protobuf.Struct"`, `"cluster":"productpage.bookinfo"`},
		},
		{
			name: "with EDS", query: url.Values{"include_eds": {""}}, status: 200,
			types: []string{"BootstrapConfigDump", "ClustersConfigDump", "EndpointsConfigDump", "ListenersConfigDump", "RoutesConfigDump"},
		},
		{
			name: "route configurations as switchyard reads them", query: url.Values{"resource": {"dynamic_route_configs"}}, status: 200,
			types:    []string{"RoutesConfigDump.DynamicRouteConfig", "RoutesConfigDump.DynamicRouteConfig"},
			contains: []string{`"weighted_clusters"`, `"weight":100`, `"version_info":"2026-01-01T00:00:00Z/8"`, `"validate_clusters":false`},
		},
		{
			name: "name_regex filters by full name", query: url.Values{"resource": {"dynamic_route_configs"}, "name_regex": {"90.*"}}, status: 200,
			types: []string{"RoutesConfigDump.DynamicRouteConfig"},
		},
		{
			name: "name_regex matching nothing prints an empty dump", query: url.Values{"resource": {"dynamic_active_clusters"}, "name_regex": {"nothing"}}, status: 200,
			contains: []string{"{}"},
		},
		{name: "singular field", query: url.Values{"resource": {"version_info"}}, status: 400, contains: []string{"version_info is not a repeated field"}},
		{name: "unknown field", query: url.Values{"resource": {"nope"}}, status: 404, contains: []string{"nope not found in config dump"}},
		{name: "bad regex", query: url.Values{"name_regex": {"("}}, status: 400, contains: []string{"Error while parsing name_regex"}},
		{name: "mask unsupported", query: url.Values{"mask": {"name"}}, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ConfigDump(proxy, tt.query)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, res.Body)
			}
			// protojson varies its whitespace on purpose: compare compacted JSON.
			body := compact(res.Body)
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Fatalf("body lacks %q:\n%s", c, body)
				}
			}
			if res.Status != 200 {
				return
			}
			var dump struct {
				Configs []map[string]any `json:"configs"`
			}
			if err := json.Unmarshal(res.Body, &dump); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			var types []string
			for _, c := range dump.Configs {
				types = append(types, strings.TrimPrefix(c["@type"].(string), "type.googleapis.com/envoy.admin.v3."))
			}
			if strings.Join(types, ",") != strings.Join(tt.types, ",") {
				t.Fatalf("types %v, want %v", types, tt.types)
			}
		})
	}
}

func TestAdminHandler(t *testing.T) {
	tests := []struct {
		name   string
		snap   *xdsclient.Snapshot
		path   string
		status int
		body   string
	}{
		{"ready once listeners are applied", applied(), "/ready", 200, "LIVE\n"},
		{"initializing before", xdsclient.EmptySnapshot(), "/ready", 503, "INITIALIZING\n"},
		{"unknown path", applied(), "/stats", 404, "invalid path."},
		{"config_dump", applied(), "/config_dump?resource=dynamic_listeners", 200, `"name":"0.0.0.0_9080"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Handler(fixed{snap: tt.snap}).ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
			if w.Code != tt.status || !strings.Contains(compact(w.Body.Bytes()), tt.body) {
				t.Fatalf("%d %q, want %d containing %q", w.Code, w.Body.String(), tt.status, tt.body)
			}
		})
	}
}
