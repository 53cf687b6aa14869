package scenario

import (
	"sort"
	"strings"
)

// Propagation profiles: how long the fleet's proxies take to apply what istiod pushes, as
// named presets for the side-by-side benchmark (test/bench/peers.mjs), so every tool runs
// against the same propagation. The seeds' pain: "usually seconds, sometimes minutes,
// sometimes only some pods".
const (
	// ProfileNormal: median 300 ms, p99 3 s (the simulator's default apply delay).
	ProfileNormal = "normal"
	// ProfileSlow: median 2 s, p99 30 s, and one proxy (the straggler) slower still:
	// median 30 s, p99 90 s.
	ProfileSlow = "slow"
)

// Profiles are the named propagation profiles, by name.
var Profiles = map[string]Profile{
	ProfileNormal: {ApplyDelay: DefaultApplyDelay},
	ProfileSlow: {
		ApplyDelay: Latency{MedianMs: 2000, P99Ms: 30000},
		Straggler:  &Latency{MedianMs: 30000, P99Ms: 90000},
	},
}

// Profile is a propagation profile: the apply delay of every proxy and, when set, the
// delay of one proxy slower than the rest.
type Profile struct {
	ApplyDelay Latency  `json:"applyDelay"`
	Straggler  *Latency `json:"straggler,omitempty"`
}

// Propagation is `PUT /istio/propagation`: a profile by name, and which proxies the
// straggler is chosen from (the first by namespace and pod name that matches; absent: the
// first proxy of the first client that sends).
type Propagation struct {
	Profile string `json:"profile"`
	// StragglerFrom selects the candidates for the straggler; nil: the first client's.
	StragglerFrom *ProxyMatch `json:"stragglerFrom,omitempty"`
}

// ProfileNames are the profile names, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles))
	for n := range Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParsePropagation validates a `PUT /istio/propagation` body.
func ParsePropagation(v any) (Propagation, error) {
	var c checker
	m, ok := c.object("", v, "profile", "stragglerFrom")
	if !ok {
		return Propagation{}, c.err()
	}
	var out Propagation
	if name, present := c.str(m, "", "profile", true); !present {
		if _, has := m["profile"]; !has {
			c.fail("profile", "required")
		}
	} else if _, known := Profiles[name]; !known {
		c.fail("profile", "unknown profile %q (expected one of %s)", name, strings.Join(ProfileNames(), ", "))
	} else {
		out.Profile = name
	}
	if raw, present := m["stragglerFrom"]; present {
		if mm, ok := c.object("stragglerFrom", raw, "namespace", "workload", "pod", "proxyType"); ok {
			var match ProxyMatch
			match.Namespace, _ = c.str(mm, "stragglerFrom", "namespace", true)
			match.Workload, _ = c.str(mm, "stragglerFrom", "workload", true)
			match.Pod, _ = c.str(mm, "stragglerFrom", "pod", true)
			match.ProxyType, _ = c.str(mm, "stragglerFrom", "proxyType", true)
			out.StragglerFrom = &match
		}
	}
	return out, c.err()
}
