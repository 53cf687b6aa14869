package scenario

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func decode(t *testing.T, js string) any {
	t.Helper()
	v, err := DecodeJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func issues(err error) []Issue {
	if err == nil {
		return nil
	}
	return err.(*Error).Issues
}

func TestParseOverrides(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		want   []Override
		issues []Issue
	}{
		{
			name: "stuck by workload, defaults filled",
			body: `{"overrides":[{"match":{"workload":"productpage"},"stuck":true}]}`,
			want: []Override{{Match: ProxyMatch{Workload: "productpage"}, Stuck: true}},
		},
		{
			name: "delay and reject",
			body: `{"overrides":[{"match":{"namespace":"b","pod":"r-*","proxyType":"sidecar"},"applyDelay":{"medianMs":10,"p99Ms":20},"reject":true}]}`,
			want: []Override{{Match: ProxyMatch{Namespace: "b", Pod: "r-*", ProxyType: "sidecar"}, ApplyDelay: &Latency{10, 20}, Reject: Reject{On: true}}},
		},
		{
			name: "reject with Envoy's message",
			body: `{"overrides":[{"match":{"workload":"productpage"},"reject":"unknown field \"x\""}]}`,
			want: []Override{{Match: ProxyMatch{Workload: "productpage"}, Reject: Reject{On: true, Message: `unknown field "x"`}}},
		},
		{
			name:   "reject neither boolean nor message",
			body:   `{"overrides":[{"match":{},"reject":3}]}`,
			issues: []Issue{{"overrides[0].reject", "expected boolean or string, received number"}},
		},
		{
			name:   "empty reject message",
			body:   `{"overrides":[{"match":{},"reject":""}]}`,
			issues: []Issue{{"overrides[0].reject", "must be a boolean or a non-empty message"}},
		},
		{name: "empty list", body: `{"overrides":[]}`, want: []Override{}},
		{
			name:   "unknown field named with its path",
			body:   `{"overrides":[{"match":{},"stuk":true}]}`,
			issues: []Issue{{"overrides[0]", `unknown field "stuk"`}},
		},
		{
			name:   "p99 below median",
			body:   `{"overrides":[{"match":{},"applyDelay":{"medianMs":50,"p99Ms":10}}]}`,
			issues: []Issue{{"overrides[0].applyDelay.p99Ms", "p99Ms must be >= medianMs"}},
		},
		{
			name:   "bad proxyType and types",
			body:   `{"overrides":[{"match":{"proxyType":"gateway","pod":""},"stuck":"yes"}]}`,
			issues: []Issue{{"overrides[0].match.pod", "must not be empty"}, {"overrides[0].match.proxyType", `expected "sidecar", "router" or "waypoint", received "gateway"`}, {"overrides[0].stuck", "expected boolean, received string"}},
		},
		{name: "missing list", body: `{}`, issues: []Issue{{"overrides", "required"}}},
		{name: "missing match", body: `{"overrides":[{}]}`, issues: []Issue{{"overrides[0].match", "required"}}},
		{name: "not an object", body: `[1]`, issues: []Issue{{"", "expected object, received array"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOverrides(decode(t, tt.body))
			if !reflect.DeepEqual(issues(err), tt.issues) {
				t.Fatalf("issues = %+v, want %+v", issues(err), tt.issues)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseBehaviour(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		want   Behaviour
		issues []Issue
	}{
		{name: "defaults", body: `{}`, want: DefaultBehaviour},
		{
			name: "error rate keeps the other defaults",
			body: `{"errorRate":0.2,"errorStatus":503}`,
			want: Behaviour{ErrorRate: 0.2, ErrorStatus: 503, Latency: Latency{20, 80}, Ready: true, GrpcErrorStatus: 2},
		},
		{
			name: "grpc errors",
			body: `{"grpcErrorRate":1,"grpcErrorStatus":8,"latency":{"medianMs":5,"p99Ms":5}}`,
			want: Behaviour{ErrorStatus: 500, Latency: Latency{5, 5}, Ready: true, GrpcErrorRate: 1, GrpcErrorStatus: 8},
		},
		{name: "rate above one", body: `{"errorRate":1.5}`, issues: []Issue{{"errorRate", "must be <= 1"}}},
		{name: "status not an integer", body: `{"errorStatus":500.5}`, issues: []Issue{{"errorStatus", "expected an integer, received 500.5"}}},
		{name: "status outside 4xx/5xx", body: `{"errorStatus":200}`, issues: []Issue{{"errorStatus", "must be >= 400"}}},
		{name: "gRPC status 0 is OK, not a failure", body: `{"grpcErrorStatus":0}`, issues: []Issue{{"grpcErrorStatus", "must be >= 1"}}},
		{name: "latency missing p99", body: `{"latency":{"medianMs":5}}`, issues: []Issue{{"latency.p99Ms", "required"}}},
		{
			name:   "readiness is KWOK's",
			body:   `{"ready":false}`,
			issues: []Issue{{"ready", "false is not supported by proxy-fleet: pod readiness belongs to KWOK in the testbed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBehaviour(decode(t, tt.body))
			if !reflect.DeepEqual(issues(err), tt.issues) {
				t.Fatalf("issues = %+v, want %+v", issues(err), tt.issues)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseClients(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		want   []Client
		issues []Issue
	}{
		{
			name: "simulator client with defaults",
			body: `{"clients":[{"name":"productpage","namespace":"bookinfo","rps":40,"target":{"host":"reviews","port":9080}}]}`,
			want: []Client{{Name: "productpage", Namespace: "bookinfo", Replicas: 1, Rps: 40, Target: Target{"reviews", 9080, "/"}, Headers: map[string]string{}}},
		},
		{
			name: "tester with headers over gRPC",
			body: `{"clients":[{"name":"t","namespace":"b","rps":1.5,"protocol":"grpc","target":{"host":"r","port":1,"path":"/x"},"headers":{"X-Release":"candidate"}}]}`,
			want: []Client{{Name: "t", Namespace: "b", Replicas: 1, Rps: 1.5, Target: Target{"r", 1, "/x"}, Headers: map[string]string{"X-Release": "candidate"}, Protocol: "grpc"}},
		},
		{
			name:   "unknown protocol",
			body:   `{"clients":[{"name":"t","namespace":"b","rps":1,"protocol":"http3","target":{"host":"r","port":1}}]}`,
			issues: []Issue{{"clients[0].protocol", `expected "http" or "grpc", received "http3"`}},
		},
		{
			name: "every problem named",
			body: `{"clients":[{"name":"Bad","namespace":"b","rps":20000,"target":{"host":"r","port":70000,"path":"x"},"headers":{"a":1}}]}`,
			issues: []Issue{
				{"clients[0].name", "must be a Kubernetes name"},
				{"clients[0].rps", "must be <= 10000"},
				{"clients[0].target.port", "must be <= 65535"},
				{"clients[0].target.path", `must start with "/"`},
				{"clients[0].headers.a", "expected string, received number"},
			},
		},
		{
			name:   "required fields",
			body:   `{"clients":[{}]}`,
			issues: []Issue{{"clients[0].name", "required"}, {"clients[0].namespace", "required"}, {"clients[0].rps", "required"}, {"clients[0].target", "required"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseClients(decode(t, tt.body))
			if !reflect.DeepEqual(issues(err), tt.issues) {
				t.Fatalf("issues = %+v, want %+v", issues(err), tt.issues)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseFileTakesTheFleetSectionsOfASimulatorScenario(t *testing.T) {
	f, err := ParseFile([]byte(`
name: bookinfo
manifests: [../bookinfo]
istio:
  replicas: 2
  applyDelay: { medianMs: 300, p99Ms: 3000 }
  version: 1.30.1
pods: { readyDelayMs: 1000 }
images:
  default: { errorRate: 0, latency: { medianMs: 20, p99Ms: 80 } }
  example.com/reviews:broken: { errorRate: 0.2 }
clients:
  - { name: productpage, namespace: bookinfo, replicas: 1, rps: 40, target: { host: reviews, port: 9080, path: /reviews/0 } }
proxies:
  - { match: { workload: productpage }, stuck: true }
prometheus: { scrapeIntervalSeconds: 1 }
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.ApplyDelay != (Latency{300, 3000}) || f.IstioVersion != "1.30.1" {
		t.Fatalf("istio section: %+v %q", f.ApplyDelay, f.IstioVersion)
	}
	if len(f.Images) != 2 || f.Images["example.com/reviews:broken"].ErrorRate != 0.2 || f.Images["example.com/reviews:broken"].ErrorStatus != 500 {
		t.Fatalf("images: %+v", f.Images)
	}
	if len(f.Clients) != 1 || f.Clients[0].Target.Path != "/reviews/0" || len(f.Overrides) != 1 || !f.Overrides[0].Stuck {
		t.Fatalf("clients %+v overrides %+v", f.Clients, f.Overrides)
	}

	_, err = ParseFile([]byte("images:\n  x: { errorRate: 3 }\nclients: [{ name: a }]\nbogus: 1\n"))
	if err == nil {
		t.Fatal("a bad scenario was accepted")
	}
	for _, want := range []string{`unknown field "bogus"`} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not mention %q", err, want)
		}
	}
}

func TestLatencySampleHitsMedianAndP99(t *testing.T) {
	l := Latency{MedianMs: 300, P99Ms: 3000}
	// Box-Muller with u=1-exp(-z^2/2), v=0 gives the standard normal value z.
	normal := func(z float64) func() float64 {
		calls := 0
		return func() float64 {
			calls++
			if calls%2 == 1 {
				return 1 - math.Exp(-z*z/2)
			}
			return 0
		}
	}
	tests := []struct {
		name    string
		latency Latency
		uniform func() float64
		want    float64
	}{
		{"z=0 is the median", l, normal(0), 300},
		{"z=z99 is the p99", l, normal(z99), 3000},
		{"zero median", Latency{0, 100}, normal(z99), 0},
		{"no spread", Latency{50, 50}, normal(z99), 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.latency.Sample(tt.uniform); math.Abs(got-tt.want) > 1e-6*math.Max(1, tt.want) {
				t.Fatalf("Sample = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSettingsFor(t *testing.T) {
	def := Latency{300, 3000}
	slow := Latency{20000, 60000}
	fast := Latency{1, 2}
	pp := ProxyIdentity{Namespace: "bookinfo", Workload: "productpage", Pod: "productpage-abc", ProxyType: "sidecar"}
	tests := []struct {
		name      string
		overrides []Override
		want      ApplySettings
	}{
		{"no overrides: default delay", nil, ApplySettings{ApplyDelay: def}},
		{"pod prefix matches", []Override{{Match: ProxyMatch{Pod: "productpage-*"}, Stuck: true}}, ApplySettings{Stuck: true, ApplyDelay: def}},
		{"exact pod mismatch", []Override{{Match: ProxyMatch{Pod: "productpage"}, Stuck: true}}, ApplySettings{ApplyDelay: def}},
		{"every field must match", []Override{{Match: ProxyMatch{Namespace: "bookinfo", Workload: "reviews"}, Reject: Reject{On: true}}}, ApplySettings{ApplyDelay: def}},
		{"router overrides skip sidecars", []Override{{Match: ProxyMatch{ProxyType: "router"}, Stuck: true}}, ApplySettings{ApplyDelay: def}},
		{"waypoint overrides skip sidecars", []Override{{Match: ProxyMatch{ProxyType: "waypoint"}, Reject: Reject{On: true, Message: "no"}}}, ApplySettings{ApplyDelay: def}},
		{
			"a delay-only override does not release a stuck proxy; last delay wins",
			[]Override{{Match: ProxyMatch{Workload: "productpage"}, Stuck: true, ApplyDelay: &slow}, {Match: ProxyMatch{Namespace: "bookinfo"}, ApplyDelay: &fast}},
			ApplySettings{Stuck: true, ApplyDelay: fast},
		},
		{"reject: true gives the default message", []Override{{Match: ProxyMatch{}, Reject: Reject{On: true}}}, ApplySettings{Reject: DefaultRejectMessage, ApplyDelay: def}},
		{
			"the last message wins over true",
			[]Override{{Match: ProxyMatch{}, Reject: Reject{On: true, Message: "a"}}, {Match: ProxyMatch{}, Reject: Reject{On: true}}, {Match: ProxyMatch{Workload: "productpage"}, Reject: Reject{On: true, Message: "b"}}},
			ApplySettings{Reject: "b", ApplyDelay: def},
		},
		{"reject: false rejects nothing", []Override{{Match: ProxyMatch{}, Reject: Reject{}}}, ApplySettings{ApplyDelay: def}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SettingsFor(tt.overrides, def, pp); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
