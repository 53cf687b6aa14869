package xdsclient

import (
	"fmt"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

func packAll(typeURL string, msgs ...proto.Message) []*anypb.Any {
	out := make([]*anypb.Any, 0, len(msgs))
	for _, m := range msgs {
		a, err := anypb.New(m)
		if err != nil {
			panic(err)
		}
		if a.TypeUrl != typeURL {
			panic("wrong type " + a.TypeUrl)
		}
		out = append(out, a)
	}
	return out
}

func edsCluster(name string) *clusterv3.Cluster {
	return &clusterv3.Cluster{
		Name:                 name,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_EDS},
		EdsClusterConfig:     &clusterv3.Cluster_EdsClusterConfig{ServiceName: name},
	}
}

func staticCluster(name string) *clusterv3.Cluster {
	return &clusterv3.Cluster{Name: name, ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STATIC}}
}

func httpListener(name, rds string) *listenerv3.Listener {
	h, err := anypb.New(&hcmv3.HttpConnectionManager{
		RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{RouteConfigName: rds}},
	})
	if err != nil {
		panic(err)
	}
	return &listenerv3.Listener{Name: name, FilterChains: []*listenerv3.FilterChain{{
		Filters: []*listenerv3.Filter{{Name: "envoy.filters.network.http_connection_manager", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: h}}},
	}}}
}

func response(typeURL, version, nonce string, msgs ...proto.Message) *discoveryv3.DiscoveryResponse {
	return &discoveryv3.DiscoveryResponse{TypeUrl: typeURL, VersionInfo: version, Nonce: nonce, Resources: packAll(typeURL, msgs...)}
}

// describe renders a request as `<type> v=<version> n=<nonce> [names] ERR(<code>)`.
func describe(r *discoveryv3.DiscoveryRequest) string {
	s := fmt.Sprintf("%s v=%s n=%s %v", ShortType(r.TypeUrl), r.VersionInfo, r.ResponseNonce, r.ResourceNames)
	if r.ErrorDetail != nil {
		s += fmt.Sprintf(" ERR(%d)", r.ErrorDetail.Code)
	}
	return s
}

type step struct {
	// One of: "start" (new stream), "apply" (response accepted), "apply-old" (accepted,
	// from a stream since ended), "reject".
	do   string
	resp *discoveryv3.DiscoveryResponse
	want []string
}

func TestProtocolFollowsEnvoy(t *testing.T) {
	cds1 := response(ClusterType, "v1", "c1", edsCluster("outbound|9080||a"), staticCluster("BlackHoleCluster"))
	cds2 := response(ClusterType, "v2", "c2", edsCluster("outbound|9080||a"), edsCluster("outbound|9080||b"))
	cdsStatic := response(ClusterType, "v1", "c1", staticCluster("BlackHoleCluster"))
	eds1 := response(EndpointType, "v1", "e1", &endpointv3.ClusterLoadAssignment{ClusterName: "outbound|9080||a"})
	lds1 := response(ListenerType, "v1", "l1", httpListener("0.0.0.0_9080", "9080"), httpListener("0.0.0.0_80", "80"))
	lds2 := response(ListenerType, "v2", "l2", httpListener("0.0.0.0_9080", "9080"))
	rds1 := response(RouteType, "v1", "r1", &routev3.RouteConfiguration{Name: "9080"})
	rds2 := response(RouteType, "v2", "r2", &routev3.RouteConfiguration{Name: "9080"})

	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "initial sync: CDS, then EDS before the CDS ACK, LDS after EDS, RDS before the LDS ACK",
			steps: []step{
				{do: "start", want: []string{"cds v= n= []"}},
				{do: "apply", resp: cds1, want: []string{"eds v= n= [outbound|9080||a]", "cds v=v1 n=c1 []"}},
				{do: "apply", resp: eds1, want: []string{"eds v=v1 n=e1 [outbound|9080||a]", "lds v= n= []"}},
				{do: "apply", resp: lds1, want: []string{"rds v= n= [80 9080]", "lds v=v1 n=l1 []"}},
				{do: "apply", resp: rds1, want: []string{"rds v=v1 n=r1 [80 9080]"}},
			},
		},
		{
			name: "no EDS cluster: LDS right after CDS",
			steps: []step{
				{do: "start", want: []string{"cds v= n= []"}},
				{do: "apply", resp: cdsStatic, want: []string{"cds v=v1 n=c1 []", "lds v= n= []"}},
			},
		},
		{
			name: "subscription changes carry the last processed nonce; dropped names unsubscribe",
			steps: []step{
				{do: "start", want: []string{"cds v= n= []"}},
				{do: "apply", resp: cds1, want: []string{"eds v= n= [outbound|9080||a]", "cds v=v1 n=c1 []"}},
				{do: "apply", resp: eds1, want: []string{"eds v=v1 n=e1 [outbound|9080||a]", "lds v= n= []"}},
				{do: "apply", resp: cds2, want: []string{"eds v=v1 n=e1 [outbound|9080||a outbound|9080||b]", "cds v=v2 n=c2 []"}},
				{do: "apply", resp: lds1, want: []string{"rds v= n= [80 9080]", "lds v=v1 n=l1 []"}},
				{do: "apply", resp: rds1, want: []string{"rds v=v1 n=r1 [80 9080]"}},
				{do: "apply", resp: lds2, want: []string{"rds v=v1 n=r1 [9080]", "lds v=v2 n=l2 []"}},
				{do: "apply", resp: cdsStatic, want: []string{"eds v=v1 n=e1 []", "cds v=v1 n=c1 []"}},
			},
		},
		{
			name: "NACK keeps the accepted version, carries the rejected nonce and an error",
			steps: []step{
				{do: "start", want: []string{"cds v= n= []"}},
				{do: "apply", resp: cdsStatic, want: []string{"cds v=v1 n=c1 []", "lds v= n= []"}},
				{do: "apply", resp: lds2, want: []string{"rds v= n= [9080]", "lds v=v2 n=l2 []"}},
				{do: "apply", resp: rds1, want: []string{"rds v=v1 n=r1 [9080]"}},
				{do: "reject", resp: rds2, want: []string{"rds v=v1 n=r2 [9080] ERR(13)"}},
			},
		},
		{
			name: "a rejected first CDS still initializes: LDS follows",
			steps: []step{
				{do: "start", want: []string{"cds v= n= []"}},
				{do: "reject", resp: cds1, want: []string{"cds v= n=c1 [] ERR(13)", "lds v= n= []"}},
			},
		},
		{
			name: "reconnect re-sends every subscription with versions, without nonces",
			steps: []step{
				{do: "start", want: []string{"cds v= n= []"}},
				{do: "apply", resp: cds1, want: []string{"eds v= n= [outbound|9080||a]", "cds v=v1 n=c1 []"}},
				{do: "apply", resp: eds1, want: []string{"eds v=v1 n=e1 [outbound|9080||a]", "lds v= n= []"}},
				{do: "apply", resp: lds2, want: []string{"rds v= n= [9080]", "lds v=v2 n=l2 []"}},
				{do: "start", want: []string{"cds v=v1 n= []", "eds v=v1 n= [outbound|9080||a]", "lds v=v2 n= []", "rds v= n= [9080]"}},
			},
		},
		{
			name: "a response from an ended stream is applied without an ACK, its subscription change still sent",
			steps: []step{
				{do: "start", want: []string{"cds v= n= []"}},
				{do: "apply", resp: cdsStatic, want: []string{"cds v=v1 n=c1 []", "lds v= n= []"}},
				{do: "start", want: []string{"cds v=v1 n= []", "lds v= n= []"}},
				{do: "apply-old", resp: lds2, want: []string{"rds v= n= [9080]"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewProtocol()
			snap := EmptySnapshot()
			for i, s := range tt.steps {
				var reqs []*discoveryv3.DiscoveryRequest
				switch s.do {
				case "start":
					reqs = p.StreamStarted()
				case "apply", "apply-old":
					next, err := snap.Apply(s.resp, p.Names(s.resp.TypeUrl), time.Unix(0, 0))
					if err != nil {
						t.Fatal(err)
					}
					snap = next
					reqs = p.Applied(s.resp, snap, s.do == "apply")
				case "reject":
					reqs = p.Rejected(s.resp, "no", true)
				}
				var got []string
				for _, r := range reqs {
					got = append(got, describe(r))
				}
				if strings.Join(got, "\n") != strings.Join(s.want, "\n") {
					t.Fatalf("step %d (%s):\n got  %q\n want %q", i, s.do, got, s.want)
				}
			}
		})
	}
}

func TestSnapshotApply(t *testing.T) {
	at := time.Unix(100, 0)
	later := time.Unix(200, 0)
	snap := EmptySnapshot()
	apply := func(s *Snapshot, resp *discoveryv3.DiscoveryResponse, names []string, when time.Time) *Snapshot {
		t.Helper()
		next, err := s.Apply(resp, names, when)
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	snap = apply(snap, response(ClusterType, "v1", "c1", edsCluster("a"), edsCluster("b")), nil, at)
	snap = apply(snap, response(EndpointType, "v1", "e1",
		&endpointv3.ClusterLoadAssignment{ClusterName: "a"}, &endpointv3.ClusterLoadAssignment{ClusterName: "b"},
		&endpointv3.ClusterLoadAssignment{ClusterName: "not-subscribed"}), []string{"a", "b"}, at)
	if len(snap.Endpoints) != 2 {
		t.Fatalf("endpoints %v: unsubscribed CLAs must be ignored", snap.Endpoints)
	}
	// EDS updates only what it carries.
	snap = apply(snap, response(EndpointType, "v2", "e2", &endpointv3.ClusterLoadAssignment{ClusterName: "a"}), []string{"a", "b"}, later)
	if snap.Endpoints["a"].Version != "v2" || snap.Endpoints["b"].Version != "v1" {
		t.Fatalf("partial EDS: a=%s b=%s", snap.Endpoints["a"].Version, snap.Endpoints["b"].Version)
	}
	// CDS replaces the whole set; a removed cluster's endpoints go; an unchanged cluster keeps its version.
	before := snap
	snap = apply(snap, response(ClusterType, "v3", "c3", edsCluster("a")), nil, later)
	if _, ok := snap.Clusters["b"]; ok || len(snap.Endpoints) != 1 {
		t.Fatalf("clusters %v endpoints %v after removing b", snap.Clusters, snap.Endpoints)
	}
	if snap.Clusters["a"].Version != "v1" || !snap.Clusters["a"].Updated.Equal(at) {
		t.Fatalf("unchanged cluster a re-versioned: %+v", snap.Clusters["a"])
	}
	if snap.Status[ClusterType].Version != "v3" || snap.Status[ClusterType].Nonce != "c3" {
		t.Fatalf("status %+v", snap.Status[ClusterType])
	}
	if len(before.Clusters) != 2 || len(before.Endpoints) != 2 {
		t.Fatal("applying modified an earlier snapshot")
	}
	// LDS drops route configurations no listener references any more.
	snap = apply(snap, response(ListenerType, "v1", "l1", httpListener("l80", "80"), httpListener("l9080", "9080")), nil, at)
	snap = apply(snap, response(RouteType, "v1", "r1", &routev3.RouteConfiguration{Name: "80"}, &routev3.RouteConfiguration{Name: "9080"}), []string{"80", "9080"}, at)
	snap = apply(snap, response(ListenerType, "v2", "l2", httpListener("l9080", "9080")), nil, later)
	if _, ok := snap.Routes["80"]; ok || len(snap.Routes) != 1 {
		t.Fatalf("routes after dropping listener l80: %v", snap.Routes)
	}
	// A response carrying a foreign resource type is refused.
	bad := response(RouteType, "v9", "r9", &routev3.RouteConfiguration{Name: "9080"})
	bad.Resources[0].TypeUrl = ClusterType
	if _, err := snap.Apply(bad, []string{"9080"}, later); err == nil {
		t.Fatal("a response with a resource of another type was applied")
	}
	rejected := snap.Reject(bad.GetTypeUrl(), "boom")
	if st := rejected.Status[RouteType]; st.Rejected != 1 || st.LastError != "boom" || st.Version != "v1" {
		t.Fatalf("reject status %+v", st)
	}
	// RDS keeps an unchanged route configuration and its version; EDS takes the new version.
	snap = apply(snap, response(RouteType, "v2", "r2", &routev3.RouteConfiguration{Name: "9080"}), []string{"9080"}, later)
	if r := snap.Routes["9080"]; r.Version != "v1" || !r.Updated.Equal(at) {
		t.Fatalf("unchanged route 9080 re-versioned: %+v", r)
	}
	snap = apply(snap, response(EndpointType, "v4", "e4", &endpointv3.ClusterLoadAssignment{ClusterName: "a"}), []string{"a"}, later)
	if snap.Endpoints["a"].Version != "v4" {
		t.Fatalf("resent endpoints a kept version %s", snap.Endpoints["a"].Version)
	}
}

func TestMergeResponsesKeepsNewestPerName(t *testing.T) {
	older := response(RouteType, "v1", "r1", &routev3.RouteConfiguration{Name: "80"}, &routev3.RouteConfiguration{Name: "9080", ValidateClusters: nil})
	newer := response(RouteType, "v2", "r2", &routev3.RouteConfiguration{Name: "9080", IgnorePortInHostMatching: true})
	merged := mergeResponses(older, newer)
	if merged.VersionInfo != "v2" || merged.Nonce != "r2" || len(merged.Resources) != 2 {
		t.Fatalf("merged %v %v %d resources", merged.VersionInfo, merged.Nonce, len(merged.Resources))
	}
	snap, err := EmptySnapshot().Apply(merged, []string{"80", "9080"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Routes["9080"].Message.GetIgnorePortInHostMatching() || snap.Routes["80"].Message == nil {
		t.Fatalf("merged routes %v", snap.Routes)
	}
}
