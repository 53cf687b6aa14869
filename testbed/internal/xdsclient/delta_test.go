package xdsclient

import (
	"fmt"
	"sort"
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
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func deltaResponse(typeURL, version, nonce string, removed []string, msgs ...proto.Message) *discoveryv3.DeltaDiscoveryResponse {
	r := &discoveryv3.DeltaDiscoveryResponse{TypeUrl: typeURL, SystemVersionInfo: version, Nonce: nonce, RemovedResources: removed}
	for _, a := range packAll(typeURL, msgs...) {
		r.Resources = append(r.Resources, &discoveryv3.Resource{Name: nameOf(msgs[len(r.Resources)]), Resource: a})
	}
	return r
}

func nameOf(m proto.Message) string {
	switch v := m.(type) {
	case interface{ GetName() string }:
		return v.GetName()
	case interface{ GetClusterName() string }:
		return v.GetClusterName()
	}
	return ""
}

// describeDelta renders a request as `<type> n=<nonce> +[subscribe] -[unsubscribe]
// init[names] ERR(<code>)`.
func describeDelta(r *discoveryv3.DeltaDiscoveryRequest) string {
	s := fmt.Sprintf("%s n=%s +%v -%v", ShortType(r.TypeUrl), r.ResponseNonce, r.ResourceNamesSubscribe, r.ResourceNamesUnsubscribe)
	if len(r.InitialResourceVersions) > 0 {
		var names []string
		for n := range r.InitialResourceVersions {
			names = append(names, n)
		}
		sort.Strings(names)
		s += fmt.Sprintf(" init%v", names)
	}
	if r.ErrorDetail != nil {
		s += fmt.Sprintf(" ERR(%d)", r.ErrorDetail.Code)
	}
	return s
}

// inlineListener is a waypoint-like internal listener whose HTTP chain carries its routes.
func inlineListener(name string, rc *routev3.RouteConfiguration) *listenerv3.Listener {
	h, err := anypb.New(&hcmv3.HttpConnectionManager{RouteSpecifier: &hcmv3.HttpConnectionManager_RouteConfig{RouteConfig: rc}})
	if err != nil {
		panic(err)
	}
	return &listenerv3.Listener{Name: name, FilterChains: []*listenerv3.FilterChain{{
		Name:    "inbound-vip|9080|http|reviews.bookinfo.svc.cluster.local",
		Filters: []*listenerv3.Filter{{Name: "envoy.filters.network.http_connection_manager", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: h}}},
	}}}
}

// deltaStep: "start" (new stream), "apply" (response accepted), "apply-old" (accepted,
// from a stream since ended) or "reject", and the requests Envoy sends then.
type deltaStep struct {
	do   string
	resp *discoveryv3.DeltaDiscoveryResponse
	want []string
}

func TestDeltaProtocolFollowsEnvoy(t *testing.T) {
	cds1 := deltaResponse(ClusterType, "v1", "c1", nil, edsCluster("inbound-vip|9080|http|a"), staticCluster("main_internal"))
	cds2 := deltaResponse(ClusterType, "v2", "c2", []string{"inbound-vip|9080|http|a"}, edsCluster("inbound-vip|9080|http|b"))
	cdsStatic := deltaResponse(ClusterType, "v1", "c1", nil, staticCluster("main_internal"))
	eds1 := deltaResponse(EndpointType, "v1", "e1", nil, &endpointv3.ClusterLoadAssignment{ClusterName: "inbound-vip|9080|http|a"})
	lds1 := deltaResponse(ListenerType, "v1", "l1", nil, inlineListener("main_internal", &routev3.RouteConfiguration{Name: "x"}))
	lds2 := deltaResponse(ListenerType, "v2", "l2", nil, inlineListener("main_internal", &routev3.RouteConfiguration{Name: "y"}))

	var tests []struct {
		name  string
		steps []deltaStep
	}
	add := func(name string, steps ...deltaStep) {
		tests = append(tests, struct {
			name  string
			steps []deltaStep
		}{name, steps})
	}
	add("initial sync: CDS wildcard, EDS subscribed before the CDS ACK, LDS after EDS; inline routes need no RDS",
		deltaStep{"start", nil, []string{"cds n= +[] -[]"}},
		deltaStep{"apply", cds1, []string{"eds n= +[inbound-vip|9080|http|a] -[]", "cds n=c1 +[] -[]"}},
		deltaStep{"apply", eds1, []string{"eds n=e1 +[] -[]", "lds n= +[] -[]"}},
		deltaStep{"apply", lds1, []string{"lds n=l1 +[] -[]"}},
	)
	add("no EDS cluster: LDS right after CDS",
		deltaStep{"start", nil, []string{"cds n= +[] -[]"}},
		deltaStep{"apply", cdsStatic, []string{"cds n=c1 +[] -[]", "lds n= +[] -[]"}},
	)
	add("a removed cluster unsubscribes its endpoints, an added one subscribes, in a request without a nonce",
		deltaStep{"start", nil, []string{"cds n= +[] -[]"}},
		deltaStep{"apply", cds1, []string{"eds n= +[inbound-vip|9080|http|a] -[]", "cds n=c1 +[] -[]"}},
		deltaStep{"apply", eds1, []string{"eds n=e1 +[] -[]", "lds n= +[] -[]"}},
		deltaStep{"apply", cds2, []string{"eds n= +[inbound-vip|9080|http|b] -[inbound-vip|9080|http|a]", "cds n=c2 +[] -[]"}},
	)
	add("a NACK carries the rejected nonce and an error, no version",
		deltaStep{"start", nil, []string{"cds n= +[] -[]"}},
		deltaStep{"apply", cdsStatic, []string{"cds n=c1 +[] -[]", "lds n= +[] -[]"}},
		deltaStep{"apply", lds1, []string{"lds n=l1 +[] -[]"}},
		deltaStep{"reject", lds2, []string{"lds n=l2 +[] -[] ERR(13)"}},
	)
	add("reconnect re-sends every subscription with the resources held, without nonces",
		deltaStep{"start", nil, []string{"cds n= +[] -[]"}},
		deltaStep{"apply", cds1, []string{"eds n= +[inbound-vip|9080|http|a] -[]", "cds n=c1 +[] -[]"}},
		deltaStep{"apply", eds1, []string{"eds n=e1 +[] -[]", "lds n= +[] -[]"}},
		deltaStep{"apply", lds1, []string{"lds n=l1 +[] -[]"}},
		deltaStep{"start", nil, []string{
			"cds n= +[] -[] init[inbound-vip|9080|http|a main_internal]",
			"eds n= +[inbound-vip|9080|http|a] -[] init[inbound-vip|9080|http|a]",
			"lds n= +[] -[] init[main_internal]",
		}},
	)
	add("a response from an ended stream is applied without an ACK, its subscription change still sent",
		deltaStep{"start", nil, []string{"cds n= +[] -[]"}},
		deltaStep{"apply", cdsStatic, []string{"cds n=c1 +[] -[]", "lds n= +[] -[]"}},
		deltaStep{"start", nil, []string{"cds n= +[] -[] init[main_internal]", "lds n= +[] -[]"}},
		deltaStep{"apply-old", cds1, []string{"eds n= +[inbound-vip|9080|http|a] -[]"}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewDeltaProtocol()
			snap := EmptySnapshot()
			for i, s := range tt.steps {
				var reqs []*discoveryv3.DeltaDiscoveryRequest
				switch s.do {
				case "start":
					reqs = p.StreamStarted()
				case "apply", "apply-old":
					next, err := snap.ApplyDelta(s.resp, p.Names(s.resp.TypeUrl), time.Unix(0, 0))
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
					got = append(got, describeDelta(r))
				}
				if strings.Join(got, "\n") != strings.Join(s.want, "\n") {
					t.Fatalf("step %d (%s):\n got  %q\n want %q", i, s.do, got, s.want)
				}
			}
		})
	}
}

func TestApplyDeltaUpdatesAndRemoves(t *testing.T) {
	at := time.Unix(100, 0)
	snap, err := EmptySnapshot().ApplyDelta(deltaResponse(ClusterType, "v1", "c1", nil, edsCluster("a"), edsCluster("b"), staticCluster("s")), nil, at)
	if err != nil {
		t.Fatal(err)
	}
	snap, err = snap.ApplyDelta(deltaResponse(EndpointType, "v1", "e1", nil,
		&endpointv3.ClusterLoadAssignment{ClusterName: "a"}, &endpointv3.ClusterLoadAssignment{ClusterName: "b"}, &endpointv3.ClusterLoadAssignment{ClusterName: "zzz"}), []string{"a", "b"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Endpoints) != 2 {
		t.Fatalf("endpoints %v: an unsubscribed name was applied", keys(snap.Endpoints))
	}
	later := at.Add(time.Second)
	// Only b changes; a is removed (and its endpoints with it); s stays untouched.
	snap, err = snap.ApplyDelta(deltaResponse(ClusterType, "v2", "c2", []string{"a"}, changed("b")), nil, later)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys(snap.Clusters), ","); got != "b,s" {
		t.Fatalf("clusters %s, want b,s", got)
	}
	if got := strings.Join(keys(snap.Endpoints), ","); got != "b" {
		t.Fatalf("endpoints %s, want b", got)
	}
	if !snap.Clusters["s"].Updated.Equal(at) || !snap.Clusters["b"].Updated.Equal(later) {
		t.Fatalf("update times: s %v, b %v", snap.Clusters["s"].Updated, snap.Clusters["b"].Updated)
	}
	if st := snap.Status[ClusterType]; st.Version != "v2" || st.Nonce != "c2" {
		t.Fatalf("CDS status %+v, want the system version and nonce", st)
	}
	// Envoy checks inline route configurations too.
	bad := &routev3.RouteConfiguration{Name: "inline", VirtualHosts: []*routev3.VirtualHost{{Name: "vh", Routes: []*routev3.Route{{
		Name: "primary",
		Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_WeightedClusters{WeightedClusters: &routev3.WeightedCluster{Clusters: []*routev3.WeightedCluster_ClusterWeight{
			{Name: "a", Weight: wrapperspb.UInt32(MaxTotalClusterWeight)}, {Name: "b", Weight: wrapperspb.UInt32(1)},
		}}}}},
	}}}}}
	if _, err := snap.ApplyDelta(deltaResponse(ListenerType, "v3", "l3", nil, inlineListener("main_internal", bad)), nil, later); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("an inline route with weights past 2^32-1 was applied: %v", err)
	}
}

// changed is an EDS cluster named name that differs from edsCluster(name).
func changed(name string) *clusterv3.Cluster {
	c := edsCluster(name)
	c.LbPolicy = clusterv3.Cluster_RANDOM
	return c
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestMergeDelta(t *testing.T) {
	older := deltaResponse(ClusterType, "v1", "c1", []string{"gone", "back"}, staticCluster("a"), staticCluster("b"))
	newer := deltaResponse(ClusterType, "v2", "c2", []string{"a"}, staticCluster("back"), staticCluster("b"))
	m := mergeDelta(older, newer)
	var names []string
	for _, r := range m.Resources {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "back,b" || strings.Join(m.RemovedResources, ",") != "gone,a" || m.Nonce != "c2" || m.SystemVersionInfo != "v2" {
		t.Fatalf("merged resources %v removed %v nonce %s version %s", names, m.RemovedResources, m.Nonce, m.SystemVersionInfo)
	}
}
