package traffic

import (
	"strings"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
)

// PreviousHostsPredicate is the retry host predicate that avoids hosts already tried.
const PreviousHostsPredicate = "envoy.retry_host_predicates.previous_hosts"

// RetryPolicy is a route's parsed retry_policy.
type RetryPolicy struct {
	RetryOn map[string]bool
	// NumRetries after the first attempt (Envoy's default is 1 when unset).
	NumRetries int
	// RetriableStatusCodes under `retriable-status-codes`.
	RetriableStatusCodes map[int]bool
	// AvoidPreviousHosts with the previous_hosts predicate.
	AvoidPreviousHosts bool
	// HostSelectionMaxAttempts per attempt before settling for a host already tried.
	HostSelectionMaxAttempts int
	// Back-off base and cap (Envoy: 25 ms and 10 x base).
	BaseInterval time.Duration
	MaxInterval  time.Duration
}

// ParseRetryPolicy reads an Envoy retry policy.
func ParseRetryPolicy(rp *routev3.RetryPolicy) *RetryPolicy {
	p := &RetryPolicy{
		RetryOn:                  map[string]bool{},
		NumRetries:               1,
		RetriableStatusCodes:     map[int]bool{},
		HostSelectionMaxAttempts: 1,
		BaseInterval:             25 * time.Millisecond,
	}
	for _, on := range strings.Split(rp.GetRetryOn(), ",") {
		if on = strings.TrimSpace(on); on != "" {
			p.RetryOn[on] = true
		}
	}
	if n := rp.GetNumRetries(); n != nil {
		p.NumRetries = int(n.GetValue())
	}
	for _, c := range rp.GetRetriableStatusCodes() {
		p.RetriableStatusCodes[int(c)] = true
	}
	for _, pred := range rp.GetRetryHostPredicate() {
		if pred.GetName() == PreviousHostsPredicate {
			p.AvoidPreviousHosts = true
		}
	}
	if n := rp.GetHostSelectionRetryMaxAttempts(); n > 1 {
		p.HostSelectionMaxAttempts = int(n)
	}
	if b := rp.GetRetryBackOff(); b != nil {
		if b.GetBaseInterval() != nil {
			p.BaseInterval = b.GetBaseInterval().AsDuration()
		}
		if b.GetMaxInterval() != nil {
			p.MaxInterval = b.GetMaxInterval().AsDuration()
		}
	}
	if p.MaxInterval == 0 {
		p.MaxInterval = 10 * p.BaseInterval
	}
	return p
}

// retriesConnectFailure: Envoy counts a failed connection as a reset and a 5xx.
func (p *RetryPolicy) retriesConnectFailure() bool {
	on := p.RetryOn
	return on["connect-failure"] || on["5xx"] || on["gateway-error"] || on["reset"]
}

func (p *RetryPolicy) retriesStatus(status int) bool {
	on := p.RetryOn
	switch {
	case on["5xx"] && status >= 500:
		return true
	case on["gateway-error"] && (status == 502 || status == 503 || status == 504):
		return true
	case on["retriable-4xx"] && status == 409:
		return true
	}
	return on["retriable-status-codes"] && p.RetriableStatusCodes[status]
}

// gRPC status codes Envoy's retry_on names.
var grpcRetryOn = map[string]int{"cancelled": 1, "deadline-exceeded": 4, "resource-exhausted": 8, "unavailable": 14, "internal": 13}

func (p *RetryPolicy) retriesGrpc(code int) bool {
	for name, c := range grpcRetryOn {
		if c == code && p.RetryOn[name] {
			return true
		}
	}
	return false
}

// backOff before retry number n (1-based): Envoy's fully jittered exponential back-off,
// uniform in [0, (2^n - 1) x base], capped.
func (p *RetryPolicy) backOff(n int, uniform func() float64) time.Duration {
	ceiling := time.Duration((1<<min(n, 20))-1) * p.BaseInterval
	if ceiling > p.MaxInterval {
		ceiling = p.MaxInterval
	}
	return time.Duration(uniform() * float64(ceiling))
}

// Endpoint is one EDS host of a cluster.
type Endpoint struct {
	IP   string
	Port int
	// Workload is Istio's compressed telemetry metadata of the endpoint
	// (`workload;namespace;canonical-service;canonical-revision;cluster`), empty when absent.
	Workload string
	// TLSMode is the endpoint's `tlsMode` transport socket match metadata (`istio`).
	TLSMode string
}

// AttemptKind is what one attempt on an endpoint yielded.
type AttemptKind int

const (
	// ConnectFailure: the connection (or the mTLS handshake) failed.
	ConnectFailure AttemptKind = iota
	// Response: the endpoint answered.
	Response
)

// AttemptResult is one attempt's result.
type AttemptResult struct {
	Kind AttemptKind
	// Status is the HTTP status the endpoint sent (200 for gRPC).
	Status int
	// GrpcStatus of a gRPC response.
	GrpcStatus int
	Duration   time.Duration
}

// Attempt is one attempt as it happened.
type Attempt struct {
	Endpoint Endpoint
	// Start is when the attempt began, after the request started.
	Start  time.Duration
	Result AttemptResult
	// Abandoned: the route timeout fired while it was in flight; the client proxy reset
	// the stream.
	Abandoned bool
}

// Outcome is the final result of a request forwarded to a cluster.
type Outcome struct {
	// Status sent to the application, and GrpcStatus for gRPC.
	Status     int
	GrpcStatus int
	// Flags are Envoy's response flags: UH, UF, UF,URX, URX, UT, or `-`.
	Flags    string
	Duration time.Duration
	Attempts []Attempt
	// Upstream is the last endpoint tried; nil when none was.
	Upstream *Endpoint
	// FromUpstream: the status came from an endpoint, not from the proxy.
	FromUpstream bool
}

// Forward is Envoy's router once a route has picked a cluster: pick endpoints uniformly
// (Istio's LEAST_REQUEST with equal load), retry by the policy (connect failures, status
// codes, gRPC statuses) after a jittered back-off, reselecting hosts already tried with
// the previous_hosts predicate, give up at the route timeout (504 UT). No endpoints: 503
// UH. A final failed connection: 503 UF (plus URX when retries ran out); a retriable
// response when retries ran out passes through with URX. send performs one attempt.
func Forward(endpoints []Endpoint, retry *RetryPolicy, timeout time.Duration, grpc bool,
	send func(Endpoint) AttemptResult, uniform func() float64) Outcome {
	if len(endpoints) == 0 {
		return Outcome{Status: 503, Flags: "UH"}
	}
	maxAttempts := 1
	if retry != nil {
		maxAttempts += retry.NumRetries
	}
	var attempts []Attempt
	tried := map[string]bool{}
	var elapsed time.Duration
	for {
		ep := pickEndpoint(endpoints, tried, retry, uniform)
		tried[ep.IP] = true
		result := send(ep)
		if timeout > 0 && elapsed+result.Duration > timeout {
			attempts = append(attempts, Attempt{Endpoint: ep, Start: elapsed, Result: result, Abandoned: true})
			return timedOut(attempts, timeout, ep)
		}
		attempts = append(attempts, Attempt{Endpoint: ep, Start: elapsed, Result: result})
		elapsed += result.Duration
		retriable := false
		if retry != nil {
			switch {
			case result.Kind == ConnectFailure:
				retriable = retry.retriesConnectFailure()
			case grpc && result.Status == 200:
				retriable = result.GrpcStatus != 0 && retry.retriesGrpc(result.GrpcStatus)
			default:
				retriable = retry.retriesStatus(result.Status)
			}
		}
		exhausted := retriable && len(attempts) >= maxAttempts
		if !retriable || exhausted {
			flag := ""
			if exhausted {
				flag = "URX"
			}
			last := ep
			if result.Kind == ConnectFailure {
				flags := "UF"
				if flag != "" {
					flags += "," + flag
				}
				return Outcome{Status: 503, Flags: flags, Duration: elapsed, Attempts: attempts, Upstream: &last}
			}
			if flag == "" {
				flag = "-"
			}
			return Outcome{Status: result.Status, GrpcStatus: result.GrpcStatus, Flags: flag, Duration: elapsed,
				Attempts: attempts, Upstream: &last, FromUpstream: true}
		}
		elapsed += retry.backOff(len(attempts), uniform)
		if timeout > 0 && elapsed > timeout {
			return timedOut(attempts, timeout, ep)
		}
	}
}

func timedOut(attempts []Attempt, timeout time.Duration, ep Endpoint) Outcome {
	return Outcome{Status: 504, Flags: "UT", Duration: timeout, Attempts: attempts, Upstream: &ep}
}

func pickEndpoint(endpoints []Endpoint, tried map[string]bool, retry *RetryPolicy, uniform func() float64) Endpoint {
	selections := 1
	if retry != nil && retry.AvoidPreviousHosts {
		selections = retry.HostSelectionMaxAttempts
	}
	ep := endpoints[int(uniform()*float64(len(endpoints)))%len(endpoints)]
	// Envoy reselects while the predicate rejects the host, then settles for the last pick.
	for i := 1; i < selections && tried[ep.IP]; i++ {
		ep = endpoints[int(uniform()*float64(len(endpoints)))%len(endpoints)]
	}
	return ep
}

// HTTPToGrpcStatus is Envoy's Grpc::Utility::httpToGrpcStatus, used when the proxy
// answers a gRPC request itself (HTTP 200 with this grpc-status).
func HTTPToGrpcStatus(status int) int {
	switch status {
	case 400:
		return 13
	case 401:
		return 16
	case 403:
		return 7
	case 404:
		return 12
	case 429, 502, 503, 504:
		return 14
	}
	return 2
}
