package istiometrics

import (
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	productpage = Workload{Name: "productpage", Namespace: "bookinfo", App: "productpage", Version: "v1", CanonicalService: "productpage", CanonicalRevision: "v1", Principal: "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage", Cluster: "Kubernetes"}
	reviews     = Workload{Name: "reviews-green", Namespace: "bookinfo", App: "reviews", Version: "green", CanonicalService: "reviews", CanonicalRevision: "green", Principal: "spiffe://cluster.local/ns/bookinfo/sa/default", Cluster: "Kubernetes"}
	fromEDS     = Workload{Name: "reviews-green", Namespace: "bookinfo", App: Unknown, Version: Unknown, CanonicalService: "reviews", CanonicalRevision: "green", Cluster: "Kubernetes"}
)

func TestSourceLabels(t *testing.T) {
	svc := Service{Kind: ServiceFromCluster, Host: "reviews.bookinfo.svc.cluster.local"}
	tests := []struct {
		name   string
		report SourceReport
		want   map[string]string
	}{
		{
			name:   "full peer over mTLS",
			report: SourceReport{Source: productpage, Service: svc, Peer: &Peer{Workload: reviews, Full: true}, MutualTLS: true, ResponseCode: 200},
			want: map[string]string{
				"reporter": "source", "source_workload": "productpage", "source_workload_namespace": "bookinfo",
				"source_principal": productpage.Principal, "source_app": "productpage", "source_version": "v1",
				"source_canonical_service": "productpage", "source_canonical_revision": "v1", "source_cluster": "Kubernetes",
				"destination_workload": "reviews-green", "destination_workload_namespace": "bookinfo",
				"destination_principal": reviews.Principal, "destination_app": "reviews", "destination_version": "green",
				"destination_service": "reviews.bookinfo.svc.cluster.local", "destination_service_name": "reviews",
				"destination_service_namespace": "bookinfo", "destination_canonical_service": "reviews",
				"destination_canonical_revision": "green", "destination_cluster": "Kubernetes",
				"request_protocol": "http", "response_code": "200", "grpc_response_status": "", "response_flags": "-",
				"connection_security_policy": "unknown",
			},
		},
		{
			name:   "endpoint metadata only, no mTLS: no app, version or principals",
			report: SourceReport{Source: productpage, Service: svc, Peer: &Peer{Workload: fromEDS}, ResponseCode: 503, ResponseFlags: "UF,URX"},
			want: map[string]string{
				"source_principal": Unknown, "destination_workload": "reviews-green", "destination_app": Unknown,
				"destination_version": Unknown, "destination_principal": Unknown, "destination_canonical_revision": "green",
				"response_code": "503", "response_flags": "UF,URX",
			},
		},
		{
			name:   "no healthy upstream (UH): nothing of the peer, the service from the cluster's metadata",
			report: SourceReport{Source: productpage, Service: svc, ResponseCode: 503, ResponseFlags: "UH"},
			want: map[string]string{
				"destination_service": "reviews.bookinfo.svc.cluster.local", "destination_service_name": "reviews",
				"destination_service_namespace": "bookinfo", "destination_workload": Unknown,
				"destination_workload_namespace": Unknown, "destination_canonical_revision": "latest",
				"destination_cluster": Unknown, "response_flags": "UH",
			},
		},
		{
			name:   "no route: service from the Host header, namespace unknown",
			report: SourceReport{Source: productpage, Service: Service{Kind: ServiceFromAuthority, Host: "ratings:9080"}, ResponseCode: 404, ResponseFlags: "NR"},
			want: map[string]string{
				"destination_service": "ratings:9080", "destination_service_name": "ratings:9080",
				"destination_service_namespace": Unknown, "destination_workload": Unknown,
				"destination_canonical_revision": "latest", "destination_cluster": Unknown,
			},
		},
		{
			name:   "passthrough",
			report: SourceReport{Source: productpage, Service: Service{Kind: ServiceFromPassthrough, Host: "reviews:9080"}, Peer: &Peer{Workload: reviews, Full: true}, ResponseCode: 200},
			want:   map[string]string{"destination_service": "reviews:9080", "destination_service_name": "PassthroughCluster"},
		},
		{
			name:   "gRPC",
			report: SourceReport{Source: productpage, Service: svc, Peer: &Peer{Workload: reviews, Full: true}, ResponseCode: 200, Protocol: Protocol{Grpc: true, GrpcStatus: 14}},
			want:   map[string]string{"request_protocol": "grpc", "grpc_response_status": "14", "response_code": "200"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SourceLabels(tt.report).Map()
			if len(got) != 25 {
				t.Fatalf("%d labels, Istio has 25", len(got))
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestDestinationLabels(t *testing.T) {
	tests := []struct {
		name   string
		report DestinationReport
		want   map[string]string
	}{
		{
			name:   "mTLS from a sidecar client",
			report: DestinationReport{Destination: reviews, Source: &productpage, ServiceHost: "reviews.bookinfo.svc.cluster.local", MutualTLS: true, ResponseCode: 500},
			want: map[string]string{
				"reporter": "destination", "source_workload": "productpage", "source_principal": productpage.Principal,
				"source_app": "productpage", "destination_workload": "reviews-green", "destination_principal": reviews.Principal,
				"destination_version": "green", "destination_service_name": "reviews", "destination_service_namespace": "bookinfo",
				"response_code": "500", "connection_security_policy": "mutual_tls",
			},
		},
		{
			name:   "plaintext without peer metadata",
			report: DestinationReport{Destination: reviews, ServiceHost: "reviews.bookinfo.svc.cluster.local", ResponseCode: 200},
			want: map[string]string{
				"source_workload": Unknown, "source_principal": Unknown, "source_canonical_revision": "latest",
				"destination_principal": Unknown, "connection_security_policy": "none",
			},
		},
		{
			name:   "client reset before the answer",
			report: DestinationReport{Destination: reviews, Source: &productpage, ServiceHost: "reviews.bookinfo.svc.cluster.local", MutualTLS: true, ResponseFlags: "DC"},
			want:   map[string]string{"response_code": "0", "response_flags": "DC"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DestinationLabels(tt.report).Map()
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestWorkloadOf(t *testing.T) {
	yes := true
	rsPod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: "reviews-blue-7877b9c847-c6h8c", Namespace: "bookinfo",
		Labels:          map[string]string{"app": "reviews", "version": "blue", "pod-template-hash": "7877b9c847"},
		OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "reviews-blue-7877b9c847", Controller: &yes}},
	}, Spec: corev1.PodSpec{ServiceAccountName: "bookinfo-reviews"}}
	rolloutPod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: "reviews-5d9c8f7b6-x2x7q", Namespace: "bookinfo",
		Labels:          map[string]string{"app": "reviews", "rollouts-pod-template-hash": "5d9c8f7b6"},
		OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "reviews-5d9c8f7b6", Controller: &yes}},
	}}
	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debug", Namespace: "default", Labels: map[string]string{
		"app.kubernetes.io/name": "tool", "app.kubernetes.io/version": "2", "service.istio.io/canonical-revision": "r9",
	}}}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want Workload
	}{
		{"Deployment pod", rsPod, Workload{Name: "reviews-blue", Namespace: "bookinfo", App: "reviews", Version: "blue", CanonicalService: "reviews", CanonicalRevision: "blue", Principal: "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews", Cluster: "Kubernetes"}},
		{"Argo Rollout pod: Istio trims its hash too", rolloutPod, Workload{Name: "reviews", Namespace: "bookinfo", App: "reviews", Version: Unknown, CanonicalService: "reviews", CanonicalRevision: "latest", Principal: "spiffe://cluster.local/ns/bookinfo/sa/default", Cluster: "Kubernetes"}},
		{"bare pod with recommended labels", bare, Workload{Name: "debug", Namespace: "default", App: Unknown, Version: "2", CanonicalService: "tool", CanonicalRevision: "r9", Principal: "spiffe://cluster.local/ns/default/sa/default", Cluster: "Kubernetes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WorkloadOf(tt.pod, DefaultIdentity); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestExpositionHasIstioBucketsAndWholeMilliseconds(t *testing.T) {
	m := New()
	l := SourceLabels(SourceReport{Source: productpage, Service: Service{Host: "reviews.bookinfo.svc.cluster.local"}, Peer: &Peer{Workload: reviews, Full: true}, ResponseCode: 200})
	m.Record(l, 0.9) // Envoy records 0 ms
	m.Record(l, 24.99)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	// What Prometheus asks for; Envoy answers text 0.0.4 whatever the Accept.
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.8,application/openmetrics-text;version=1.0.0;q=0.7,text/plain;version=0.0.4;q=0.5")
	m.Handler().ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("content type %q, want text 0.0.4", ct)
	}
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	if strings.Contains(text, "e+") {
		t.Fatalf("a bucket bound in exponent form:\n%s", text)
	}
	for _, want := range []string{
		"# TYPE istio_requests_total counter",
		"# TYPE istio_request_duration_milliseconds histogram",
		`le="0.5"} 1`,
		`le="25"} 2`,
		`le="1800000"} 2`, // Envoy's fixed point ({:.32g}), not client_golang's 1.8e+06
		`le="3600000"} 2`,
		`le="+Inf"} 2`,
		"istio_request_duration_milliseconds_sum{",
	} {
		if !strings.Contains(text, want) {
			t.Fatalf("exposition lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, `} 24`+"\n") {
		t.Fatalf("duration sum should be 0+24 whole milliseconds:\n%s", text)
	}
	if c := strings.Count(text, "istio_request_duration_milliseconds_bucket{"); c != len(DurationBuckets)+1 {
		t.Fatalf("%d buckets, want %d", c, len(DurationBuckets)+1)
	}
}
