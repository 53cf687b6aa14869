package envoyadmin

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// A route configuration as istiod sends it to a sidecar, with fields whose declaration
// order differs from their numbers.
func istiodRoutes() *routev3.RouteConfiguration {
	meta, _ := structpb.NewStruct(map[string]any{"config": "/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/reviews"})
	return &routev3.RouteConfiguration{
		Name: "9080",
		VirtualHosts: []*routev3.VirtualHost{{
			Name:    "reviews.bookinfo.svc.cluster.local:9080",
			Domains: []string{"reviews.bookinfo.svc.cluster.local", "reviews"},
			Routes: []*routev3.Route{{
				Name:      "primary",
				Match:     &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
				Metadata:  &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{"istio": meta}},
				Decorator: &routev3.Decorator{Operation: "reviews:9080/*"},
				Action: &routev3.Route_Route{Route: &routev3.RouteAction{
					ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: &routev3.WeightedCluster{
						Clusters: []*routev3.WeightedCluster_ClusterWeight{{Name: "outbound|9080|blue|reviews.bookinfo.svc.cluster.local", Weight: wrapperspb.UInt32(90)}},
					}},
					Timeout:     durationpb.New(0),
					RetryPolicy: &routev3.RetryPolicy{RetryOn: "connect-failure", HostSelectionRetryMaxAttempts: 5},
				}},
			}},
			IncludeRequestAttemptCount: true,
		}},
		ValidateClusters:               wrapperspb.Bool(false),
		MaxDirectResponseBodySizeBytes: wrapperspb.UInt32(1048576),
		IgnorePortInHostMatching:       true,
	}
}

func TestEnvoyJSONHasProtojsonValues(t *testing.T) {
	dump := &adminv3.ConfigDump{}
	for _, top := range dumps(fixed{snap: applied()}, true, func(string) bool { return true }) {
		dump.Configs = append(dump.Configs, mustAny(top))
	}
	dump.Configs = append(dump.Configs, mustAny(istiodRoutes()))
	ours, err := marshalEnvoyJSON(dump.ProtoReflect(), lenientResolver{})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: lenientResolver{}}.Marshal(dump)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(ours, &a); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, ours)
	}
	if err := json.Unmarshal(theirs, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("values differ from protojson:\nours   %s\ntheirs %s", ours, theirs)
	}
}

func TestEnvoyJSONPrintsFieldsInNumberOrder(t *testing.T) {
	packed, _ := anypb.New(istiodRoutes())
	body, err := marshalEnvoyJSON(packed.ProtoReflect(), lenientResolver{})
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	if !strings.HasPrefix(text, "{\n \"@type\": \"type.googleapis.com/envoy.config.route.v3.RouteConfiguration\",\n \"name\": \"9080\",") {
		t.Fatalf("not Envoy's layout (one-space indent, `\": \"`):\n%s", text)
	}
	// Number order: RouteConfiguration validate_clusters (7), max_direct_response_body_size_bytes
	// (11), ignore_port_in_host_matching (14); Route match (1), route (2), metadata (4),
	// decorator (5), name (14); RouteAction cluster specifier (3), timeout (8), retry_policy (9).
	for _, seq := range [][]string{
		{`"validate_clusters"`, `"max_direct_response_body_size_bytes"`, `"ignore_port_in_host_matching"`},
		{`"match"`, `"weighted_clusters"`, `"timeout"`, `"retry_policy"`, `"metadata"`, `"decorator"`, `"name": "primary"`},
		{`"retry_on"`, `"host_selection_retry_max_attempts": "5"`},
	} {
		at := -1
		for _, key := range seq {
			i := strings.Index(text, key)
			if i < 0 || i < at {
				t.Fatalf("%s out of field-number order %v:\n%s", key, seq, text)
			}
			at = i
		}
	}
}
