// Package scenario holds the shapes the proxy fleet shares with the simulator's scenario
// file and control API (packages/sim/src/scenario/scenario-schema.ts): latency
// distributions, per-image behaviour, synthetic clients and proxy overrides, with the same
// strict validation (an unknown field or a bad value is an issue naming its path) and the
// same defaults.
//
// `reject` (on an override), `protocol` (on a client) and `grpcErrorRate`/`grpcErrorStatus`
// (on a behaviour) follow the simulator's schema as of its gRPC and NACK support.
package scenario

import (
	"encoding/json"
	"regexp"
)

// Latency is a log-normal distribution given by its median and 99th percentile, in
// milliseconds.
type Latency struct {
	MedianMs float64 `json:"medianMs"`
	P99Ms    float64 `json:"p99Ms"`
}

// ProxyMatch selects proxies; every field that is set must match.
type ProxyMatch struct {
	Namespace string `json:"namespace,omitempty"`
	// Workload is the workload (Deployment) name.
	Workload string `json:"workload,omitempty"`
	// Pod is a pod name, or a prefix ending in `*`.
	Pod string `json:"pod,omitempty"`
	// ProxyType is `sidecar`, `router` or `waypoint` (the proxy types the fleet plays).
	ProxyType string `json:"proxyType,omitempty"`
}

// Override makes matching proxies slow, stuck or rejecting.
type Override struct {
	Match ProxyMatch `json:"match"`
	// ApplyDelay replaces the default apply delay for matching proxies when set.
	ApplyDelay *Latency `json:"applyDelay,omitempty"`
	// Stuck: receive pushes, never apply or ack them (STALE in syncz).
	Stuck bool `json:"stuck"`
	// Reject: Envoy rejects (NACKs) every route push it applies while set, keeping the
	// routes it had (ERROR in syncz with the message).
	Reject Reject `json:"reject"`
}

// DefaultRejectMessage is what a rejecting proxy reports for `reject: true` (the
// simulator's message).
const DefaultRejectMessage = "Proto constraint validation failed (simulated rejection: proxies[].reject)"

// Reject is an override's `reject`: false, true, or Envoy's message.
type Reject struct {
	On bool
	// Message given instead of `true`; empty for `true`.
	Message string
}

// MarshalJSON writes the value as given: a boolean, or the message.
func (r Reject) MarshalJSON() ([]byte, error) {
	if r.Message != "" {
		return json.Marshal(r.Message)
	}
	return json.Marshal(r.On)
}

// Behaviour is how pods running an image answer requests.
type Behaviour struct {
	// ErrorRate is the share of HTTP requests answered with ErrorStatus, 0..1.
	ErrorRate float64 `json:"errorRate"`
	// ErrorStatus is the HTTP status of failed requests.
	ErrorStatus int `json:"errorStatus"`
	// Latency of a response.
	Latency Latency `json:"latency"`
	// Ready is accepted for the simulator's shape; false is refused, pod readiness is
	// KWOK's in the testbed.
	Ready bool `json:"ready"`
	// GrpcErrorRate is the share of gRPC requests answered with grpc-status GrpcErrorStatus.
	GrpcErrorRate float64 `json:"grpcErrorRate"`
	// GrpcErrorStatus is the gRPC status code of failed gRPC requests (1..16; default 2,
	// UNKNOWN).
	GrpcErrorStatus int `json:"grpcErrorStatus"`
}

// Target is where a client's requests go.
type Target struct {
	// Host as the application calls it: `reviews`, `reviews.bookinfo`, an FQDN.
	Host string `json:"host"`
	Port int    `json:"port"`
	Path string `json:"path"`
}

// Client is a synthetic client: the pods of workload Name in Namespace send Rps requests
// per second (over all its pods) through their proxies.
type Client struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Replicas is the simulator's field (it creates the Deployment); the fleet sends from
	// whatever pods the workload has and only reports it.
	Replicas int               `json:"replicas"`
	Rps      float64           `json:"rps"`
	Target   Target            `json:"target"`
	Headers  map[string]string `json:"headers"`
	// Protocol is `http` (default when empty) or `grpc`: unary gRPC calls, answered with a
	// grpc-status and counted with request_protocol="grpc".
	Protocol string `json:"protocol,omitempty"`
}

// Grpc reports whether the client makes gRPC calls.
func (c Client) Grpc() bool { return c.Protocol == "grpc" }

// DefaultBehaviour is the behaviour of an image with no entry and no `default` entry.
var DefaultBehaviour = Behaviour{
	ErrorStatus:     500,
	Latency:         Latency{MedianMs: 20, P99Ms: 80},
	Ready:           true,
	GrpcErrorStatus: 2,
}

// DefaultApplyDelay is the simulator's default `istio.applyDelay`.
var DefaultApplyDelay = Latency{MedianMs: 300, P99Ms: 3000}

var kubeName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func (c *checker) latency(path string, v any, def Latency) Latency {
	m, ok := c.object(path, v, "medianMs", "p99Ms")
	if !ok {
		return def
	}
	before := len(c.issues)
	out := Latency{
		MedianMs: c.numberIn(m, path, "medianMs", 0, 1e12, 0, true, false),
		P99Ms:    c.numberIn(m, path, "p99Ms", 0, 1e12, 0, true, false),
	}
	if len(c.issues) == before && out.P99Ms < out.MedianMs {
		c.fail(join(path, "p99Ms"), "p99Ms must be >= medianMs")
	}
	return out
}

func (c *checker) override(path string, v any) Override {
	m, ok := c.object(path, v, "match", "applyDelay", "stuck", "reject")
	if !ok {
		return Override{}
	}
	var out Override
	if raw, present := m["match"]; !present {
		c.fail(join(path, "match"), "required")
	} else if mm, ok := c.object(join(path, "match"), raw, "namespace", "workload", "pod", "proxyType"); ok {
		mp := join(path, "match")
		out.Match.Namespace, _ = c.str(mm, mp, "namespace", true)
		out.Match.Workload, _ = c.str(mm, mp, "workload", true)
		out.Match.Pod, _ = c.str(mm, mp, "pod", true)
		if t, present := c.str(mm, mp, "proxyType", false); present {
			if t != "sidecar" && t != "router" && t != "waypoint" {
				c.fail(join(mp, "proxyType"), `expected "sidecar", "router" or "waypoint", received %q`, t)
			}
			out.Match.ProxyType = t
		}
	}
	if raw, present := m["applyDelay"]; present {
		l := c.latency(join(path, "applyDelay"), raw, Latency{})
		out.ApplyDelay = &l
	}
	out.Stuck = c.boolean(m, path, "stuck", false)
	if raw, present := m["reject"]; present {
		switch v := raw.(type) {
		case bool:
			out.Reject = Reject{On: v}
		case string:
			if v == "" {
				c.fail(join(path, "reject"), "must be a boolean or a non-empty message")
			} else {
				out.Reject = Reject{On: true, Message: v}
			}
		default:
			c.fail(join(path, "reject"), "expected boolean or string, received %s", typeName(raw))
		}
	}
	return out
}

func (c *checker) behaviour(path string, v any) Behaviour {
	m, ok := c.object(path, v, "errorRate", "errorStatus", "latency", "ready", "grpcErrorRate", "grpcErrorStatus")
	if !ok {
		return DefaultBehaviour
	}
	out := Behaviour{
		ErrorRate:       c.numberIn(m, path, "errorRate", 0, 1, 0, false, false),
		ErrorStatus:     int(c.numberIn(m, path, "errorStatus", 400, 599, 500, false, true)),
		Latency:         DefaultBehaviour.Latency,
		Ready:           c.boolean(m, path, "ready", true),
		GrpcErrorRate:   c.numberIn(m, path, "grpcErrorRate", 0, 1, 0, false, false),
		GrpcErrorStatus: int(c.numberIn(m, path, "grpcErrorStatus", 1, 16, 2, false, true)),
	}
	if raw, present := m["latency"]; present {
		out.Latency = c.latency(join(path, "latency"), raw, DefaultBehaviour.Latency)
	}
	if !out.Ready {
		c.fail(join(path, "ready"), "false is not supported by proxy-fleet: pod readiness belongs to KWOK in the testbed")
	}
	return out
}

func (c *checker) client(path string, v any) Client {
	m, ok := c.object(path, v, "name", "namespace", "replicas", "rps", "target", "headers", "protocol")
	if !ok {
		return Client{}
	}
	var out Client
	if name, present := c.str(m, path, "name", false); !present {
		if _, has := m["name"]; !has {
			c.fail(join(path, "name"), "required")
		}
	} else if !kubeName.MatchString(name) {
		c.fail(join(path, "name"), "must be a Kubernetes name")
	} else {
		out.Name = name
	}
	if ns, present := c.str(m, path, "namespace", true); present {
		out.Namespace = ns
	} else if _, has := m["namespace"]; !has {
		c.fail(join(path, "namespace"), "required")
	}
	out.Replicas = int(c.numberIn(m, path, "replicas", 1, 1e9, 1, false, true))
	out.Rps = c.numberIn(m, path, "rps", 0, 10000, 0, true, false)
	if proto, present := c.str(m, path, "protocol", false); present {
		if proto != "http" && proto != "grpc" {
			c.fail(join(path, "protocol"), `expected "http" or "grpc", received %q`, proto)
		} else {
			out.Protocol = proto
		}
	}
	tp := join(path, "target")
	if raw, present := m["target"]; !present {
		c.fail(tp, "required")
	} else if tm, ok := c.object(tp, raw, "host", "port", "path"); ok {
		if host, present := c.str(tm, tp, "host", true); present {
			out.Target.Host = host
		} else if _, has := tm["host"]; !has {
			c.fail(join(tp, "host"), "required")
		}
		out.Target.Port = int(c.numberIn(tm, tp, "port", 1, 65535, 0, true, true))
		out.Target.Path = "/"
		if p, present := c.str(tm, tp, "path", false); present {
			if len(p) == 0 || p[0] != '/' {
				c.fail(join(tp, "path"), `must start with "/"`)
			} else {
				out.Target.Path = p
			}
		}
	}
	out.Headers = map[string]string{}
	if raw, present := m["headers"]; present {
		hp := join(path, "headers")
		if hm, ok := raw.(map[string]any); !ok {
			c.fail(hp, "expected object, received %s", typeName(raw))
		} else {
			for _, k := range sortedKeys(hm) {
				hv := hm[k]
				s, ok := hv.(string)
				if !ok {
					c.fail(join(hp, k), "expected string, received %s", typeName(hv))
					continue
				}
				out.Headers[k] = s
			}
		}
	}
	return out
}

// ParseLatency validates a latency body (`PUT /istio/apply-delay`).
func ParseLatency(v any) (Latency, error) {
	var c checker
	l := c.latency("", v, Latency{})
	return l, c.err()
}

// ParseBehaviour validates a behaviour body (`PUT /images/<image>`), applying defaults.
func ParseBehaviour(v any) (Behaviour, error) {
	var c checker
	b := c.behaviour("", v)
	return b, c.err()
}

// ParseOverrides validates `{overrides: [...]}` (`PUT /proxies/overrides`).
func ParseOverrides(v any) ([]Override, error) {
	var c checker
	m, ok := c.object("", v, "overrides")
	if !ok {
		return nil, c.err()
	}
	out := []Override{}
	raw, present := m["overrides"]
	if !present {
		c.fail("overrides", "required")
		return nil, c.err()
	}
	if list, ok := c.array("overrides", raw); ok {
		for i, item := range list {
			out = append(out, c.override(index("overrides", i), item))
		}
	}
	return out, c.err()
}

// ParseClients validates `{clients: [...]}` (`PUT /clients`).
func ParseClients(v any) ([]Client, error) {
	var c checker
	m, ok := c.object("", v, "clients")
	if !ok {
		return nil, c.err()
	}
	out := []Client{}
	raw, present := m["clients"]
	if !present {
		c.fail("clients", "required")
		return nil, c.err()
	}
	if list, ok := c.array("clients", raw); ok {
		for i, item := range list {
			out = append(out, c.client(index("clients", i), item))
		}
	}
	return out, c.err()
}
