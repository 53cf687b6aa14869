package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/testbed/internal/scenario"
)

type recorder struct {
	calls []string
	last  any
}

func (r *recorder) State() any   { return map[string]any{"proxies": map[string]int{"total": 2}} }
func (r *recorder) Traffic() any { return map[string]any{"clients": []any{}} }
func (r *recorder) SetBehaviour(image string, b scenario.Behaviour) {
	r.calls = append(r.calls, "behaviour "+image)
	r.last = b
}
func (r *recorder) SetOverrides(o []scenario.Override) {
	r.calls = append(r.calls, "overrides")
	r.last = o
}
func (r *recorder) SetApplyDelay(l scenario.Latency) {
	r.calls = append(r.calls, "apply-delay")
	r.last = l
}
func (r *recorder) SetClients(c []scenario.Client) {
	r.calls = append(r.calls, "clients")
	r.last = c
}
func (r *recorder) SetPropagation(p scenario.Propagation) (any, error) {
	r.calls = append(r.calls, "propagation")
	r.last = p
	if p.StragglerFrom != nil && p.StragglerFrom.Workload == "nobody" {
		return nil, errors.New("no proxy matches stragglerFrom")
	}
	return p, nil
}
func (r *recorder) Requests(after int64, limit int) any {
	r.calls = append(r.calls, fmt.Sprintf("requests %d %d", after, limit))
	return map[string]any{"records": []any{}}
}
func (r *recorder) Routes() any { return map[string]any{"routes": []any{}} }

func TestControlAPI(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		calls  []string
		last   any
		// error is a substring of the error message; issue the path of the first issue.
		error string
		issue string
	}{
		{name: "state", method: "GET", path: "/state", status: 200},
		{name: "root is the state", method: "GET", path: "/", status: 200},
		{name: "traffic", method: "GET", path: "/traffic/", status: 200},
		{
			name: "image behaviour with an encoded name", method: "PUT", path: "/images/docker.io%2Fistio%2Freviews%3A1.20.1",
			body: `{"errorRate":0.2}`, status: 200, calls: []string{"behaviour docker.io/istio/reviews:1.20.1"},
			last: scenario.Behaviour{ErrorRate: 0.2, ErrorStatus: 500, Latency: scenario.Latency{MedianMs: 20, P99Ms: 80}, Ready: true, GrpcErrorStatus: 2},
		},
		{name: "bad behaviour changes nothing", method: "PUT", path: "/images/x", body: `{"errorRate":"high"}`, status: 400, error: "invalid body: errorRate: expected number, received string", issue: "errorRate"},
		{
			name: "overrides", method: "PUT", path: "/proxies/overrides", body: `{"overrides":[{"match":{"workload":"productpage"},"stuck":true}]}`,
			status: 200, calls: []string{"overrides"}, last: []scenario.Override{{Match: scenario.ProxyMatch{Workload: "productpage"}, Stuck: true}},
		},
		{name: "bad override names the field", method: "PUT", path: "/proxies/overrides", body: `{"overrides":[{"match":{"workload":""}}]}`, status: 400, error: "overrides[0].match.workload: must not be empty", issue: "overrides[0].match.workload"},
		{name: "apply delay", method: "PUT", path: "/istio/apply-delay", body: `{"medianMs":0,"p99Ms":0}`, status: 200, calls: []string{"apply-delay"}, last: scenario.Latency{}},
		{name: "apply delay without p99", method: "PUT", path: "/istio/apply-delay", body: `{"medianMs":5}`, status: 400, issue: "p99Ms"},
		{name: "clients", method: "PUT", path: "/clients", body: `{"clients":[]}`, status: 200, calls: []string{"clients"}, last: []scenario.Client{}},
		{name: "unknown top-level field", method: "PUT", path: "/clients", body: `{"clients":[],"extra":1}`, status: 400, error: `unknown field "extra"`},
		{name: "not JSON", method: "PUT", path: "/clients", body: `{clients`, status: 400, error: "body is not valid JSON"},
		{name: "too large", method: "PUT", path: "/clients", body: `{"clients":[` + strings.Repeat(" ", 1<<20) + `]}`, status: 413},
		{name: "wrong method", method: "POST", path: "/clients", status: 405, error: "method POST not allowed on /clients"},
		{name: "GET on an image", method: "GET", path: "/images/x", status: 405},
		{name: "propagation profile", method: "PUT", path: "/istio/propagation", body: `{"profile":"slow","stragglerFrom":{"workload":"productpage"}}`, status: 200, calls: []string{"propagation"}, last: scenario.Propagation{Profile: "slow", StragglerFrom: &scenario.ProxyMatch{Workload: "productpage"}}},
		{name: "unknown profile names the known ones", method: "PUT", path: "/istio/propagation", body: `{"profile":"fast"}`, status: 400, error: `unknown profile "fast" (expected one of normal, slow)`, issue: "profile"},
		{name: "profile is required", method: "PUT", path: "/istio/propagation", body: `{}`, status: 400, issue: "profile"},
		{name: "no straggler to pick is a conflict", method: "PUT", path: "/istio/propagation", body: `{"profile":"slow","stragglerFrom":{"workload":"nobody"}}`, status: 409, calls: []string{"propagation"}, error: "no proxy matches"},
		{name: "requests page", method: "GET", path: "/requests?after=41&limit=10", status: 200, calls: []string{"requests 41 10"}},
		{name: "requests default page", method: "GET", path: "/requests", status: 200, calls: []string{"requests 0 50000"}},
		{name: "requests bad cursor", method: "GET", path: "/requests?after=-1", status: 400, issue: "after"},
		{name: "requests limit too large", method: "GET", path: "/requests?limit=50001", status: 400, issue: "limit"},
		{name: "routes", method: "GET", path: "/routes", status: 200},
		{name: "simulator-only endpoint", method: "PUT", path: "/api-faults", body: `{}`, status: 404, error: "no such control endpoint: /api-faults"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			w := httptest.NewRecorder()
			Handler(rec).ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("content type %q", w.Header().Get("Content-Type"))
			}
			if !reflect.DeepEqual(rec.calls, tt.calls) {
				t.Fatalf("calls %v, want %v", rec.calls, tt.calls)
			}
			if tt.last != nil && !reflect.DeepEqual(rec.last, tt.last) {
				t.Fatalf("set %+v, want %+v", rec.last, tt.last)
			}
			if tt.status >= 400 {
				var body struct {
					Error  string           `json:"error"`
					Issues []scenario.Issue `json:"issues"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(body.Error, tt.error) {
					t.Fatalf("error %q does not contain %q", body.Error, tt.error)
				}
				if tt.issue != "" && (len(body.Issues) == 0 || body.Issues[0].Path != tt.issue) {
					t.Fatalf("issues %+v, want first at %q", body.Issues, tt.issue)
				}
			}
		})
	}
}
