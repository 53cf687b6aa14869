package fleet

import (
	"fmt"
	"sort"
	"strings"

	"github.com/switchyard/switchyard/testbed/internal/scenario"
)

// PropagationState is the propagation profile in force (`GET /state` `propagation`);
// empty when the apply delay was set by hand.
type PropagationState struct {
	Profile    string           `json:"profile,omitempty"`
	ApplyDelay scenario.Latency `json:"applyDelay"`
	// Straggler is the proxy (`<namespace>/<pod>`) slower than the rest, with its delay.
	Straggler      string            `json:"straggler,omitempty"`
	StragglerDelay *scenario.Latency `json:"stragglerDelay,omitempty"`
}

// SetPropagation puts a propagation profile in force: every proxy's default apply delay
// and, for a profile with a straggler, one proxy slower still, chosen as the first (by
// namespace and pod name) of the proxies p.StragglerFrom matches, or of the first client's
// workload when it is nil (the proxy whose lag users feel). The straggler is pinned by
// pod name, so it stays the same proxy while that pod lives. The user's overrides keep
// applying on top (a stuck override still holds a straggler).
func (f *Fleet) SetPropagation(p scenario.Propagation, clients []scenario.Client) (PropagationState, error) {
	profile, ok := scenario.Profiles[p.Profile]
	if !ok {
		return PropagationState{}, fmt.Errorf("unknown propagation profile %q", p.Profile)
	}
	state := PropagationState{Profile: p.Profile, ApplyDelay: profile.ApplyDelay}
	if profile.Straggler != nil {
		from := p.StragglerFrom
		if from == nil {
			for _, c := range clients {
				if c.Rps > 0 {
					from = &scenario.ProxyMatch{Namespace: c.Namespace, Workload: c.Name}
					break
				}
			}
		}
		if from == nil {
			return PropagationState{}, fmt.Errorf("profile %q needs a straggler: no client sends and stragglerFrom is not set", p.Profile)
		}
		pod := f.firstProxy(*from)
		if pod == "" {
			return PropagationState{}, fmt.Errorf("profile %q: no proxy matches stragglerFrom %+v", p.Profile, *from)
		}
		state.Straggler, state.StragglerDelay = pod, profile.Straggler
	}
	f.mu.Lock()
	f.applyDelay = profile.ApplyDelay
	f.propagation = state
	f.mu.Unlock()
	f.resettle()
	return state, nil
}

// Propagation is the profile in force.
func (f *Fleet) Propagation() PropagationState {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.propagation
}

// firstProxy is `<namespace>/<pod>` of the first running proxy the match selects.
func (f *Fleet) firstProxy(m scenario.ProxyMatch) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var keys []string
	for key, p := range f.proxies {
		if m.Matches(p.identity) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// effectiveOverrides are the straggler's override (when a profile has one) followed by
// the user's overrides. The caller holds f.mu.
func (f *Fleet) effectiveOverrides() []scenario.Override {
	if f.propagation.Straggler == "" {
		return f.overrides
	}
	ns, pod, _ := strings.Cut(f.propagation.Straggler, "/")
	out := []scenario.Override{{Match: scenario.ProxyMatch{Namespace: ns, Pod: pod}, ApplyDelay: f.propagation.StragglerDelay}}
	return append(out, f.overrides...)
}
