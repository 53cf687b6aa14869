package scenario

import (
	"math"
	"strings"
	"time"
)

// z99 is the z-score of the 99th percentile of the standard normal distribution.
const z99 = 2.3263478740408408

// Sample draws from the log-normal distribution with the latency's median and p99
// (ln p99 = mu + z99 * sigma), in milliseconds. uniform returns numbers in [0, 1).
func (l Latency) Sample(uniform func() float64) float64 {
	if l.MedianMs <= 0 {
		return 0
	}
	if l.P99Ms <= l.MedianMs {
		return l.MedianMs
	}
	mu := math.Log(l.MedianMs)
	sigma := (math.Log(l.P99Ms) - mu) / z99
	// Box-Muller; 1 - u is in (0, 1] so the logarithm stays finite.
	normal := math.Sqrt(-2*math.Log(1-uniform())) * math.Cos(2*math.Pi*uniform())
	return math.Exp(mu + sigma*normal)
}

// SampleDuration is Sample as a time.Duration.
func (l Latency) SampleDuration(uniform func() float64) time.Duration {
	return time.Duration(l.Sample(uniform) * float64(time.Millisecond))
}

// ProxyIdentity is what an override matches against.
type ProxyIdentity struct {
	Namespace string
	Workload  string
	Pod       string
	// ProxyType is the proxy's node type: `sidecar`, or `router` for a gateway.
	ProxyType string
}

// Matches reports whether every field the match sets fits the proxy; Pod may end in `*`
// (a prefix).
func (m ProxyMatch) Matches(p ProxyIdentity) bool {
	if m.Namespace != "" && m.Namespace != p.Namespace {
		return false
	}
	if m.Workload != "" && m.Workload != p.Workload {
		return false
	}
	if m.ProxyType != "" && m.ProxyType != p.ProxyType {
		return false
	}
	if m.Pod != "" {
		if prefix, ok := strings.CutSuffix(m.Pod, "*"); ok {
			if !strings.HasPrefix(p.Pod, prefix) {
				return false
			}
		} else if m.Pod != p.Pod {
			return false
		}
	}
	return true
}

// ApplySettings is what the overrides say about one proxy.
type ApplySettings struct {
	// Stuck: receive pushes, never apply or ack them.
	Stuck bool `json:"stuck"`
	// Reject is Envoy's message for rejecting (NACKing) every route push; empty: it
	// accepts them.
	Reject string `json:"reject,omitempty"`
	// ApplyDelay is the delay distribution from receiving a push to applying (or
	// rejecting) it.
	ApplyDelay Latency `json:"applyDelay"`
}

// SettingsFor combines the overrides for one proxy, as the simulator does: stuck when any
// matching override says so, so an override only about delays does not release a proxy
// another one holds; the apply delay of the last matching override that sets one, else
// the default; rejecting when any matching override says so, with the message of the last
// one that gives one.
func SettingsFor(overrides []Override, defaultDelay Latency, p ProxyIdentity) ApplySettings {
	out := ApplySettings{ApplyDelay: defaultDelay}
	for _, o := range overrides {
		if !o.Match.Matches(p) {
			continue
		}
		if o.Stuck {
			out.Stuck = true
		}
		if o.Reject.Message != "" {
			out.Reject = o.Reject.Message
		} else if o.Reject.On && out.Reject == "" {
			out.Reject = DefaultRejectMessage
		}
		if o.ApplyDelay != nil {
			out.ApplyDelay = *o.ApplyDelay
		}
	}
	return out
}
