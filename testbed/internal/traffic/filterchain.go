package traffic

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	xdscore "github.com/cncf/xds/go/xds/core/v3"
	matcherv3 "github.com/cncf/xds/go/xds/type/matcher/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	networkinputs "github.com/envoyproxy/go-control-plane/envoy/extensions/matching/common_inputs/network/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Connection is what a listener's filter chain matcher can see of a connection.
type Connection struct {
	// DestinationIP and DestinationPort the connection was made to (for a waypoint's
	// main_internal listener: the Service VIP and port the client dialled, which ztunnel
	// carries in the HBONE CONNECT).
	DestinationIP   string
	DestinationPort int
	// ApplicationProtocol as the HTTP inspector detects it (`http/1.1`, `h2c`), empty for
	// a connection that is not HTTP.
	ApplicationProtocol string
	// FilterState values by key (the inputs istiod's matchers read from filter state).
	FilterState map[string]string
}

// FilterChainFor is Envoy's filter_chain_matcher over a listener for a connection: the
// name of the filter chain the matched action names, then that chain; nil when nothing
// matches (Envoy then uses default_filter_chain, or closes the connection). The inputs
// and tree types are those istiod builds (pilot/pkg/networking/core/match): destination
// IP (an IPMatcher custom match: the longest matching prefix first, shorter ones when its
// nested matcher does not match and the range is not exclusive), destination port,
// application and transport protocol, server name and filter state, each an exact match
// map (or prefix match map).
func FilterChainFor(l *listenerv3.Listener, conn Connection) *listenerv3.FilterChain {
	m := l.GetFilterChainMatcher()
	if m == nil {
		return l.GetDefaultFilterChain()
	}
	name, ok := evalMatcher(m, conn)
	if !ok {
		return l.GetDefaultFilterChain()
	}
	for _, fc := range l.GetFilterChains() {
		if fc.GetName() == name {
			return fc
		}
	}
	return nil
}

// evalMatcher evaluates a matcher: its tree, else its on_no_match.
func evalMatcher(m *matcherv3.Matcher, conn Connection) (string, bool) {
	if tree := m.GetMatcherTree(); tree != nil {
		if name, ok := evalTree(tree, conn); ok {
			return name, true
		}
	}
	// istiod builds no matcher lists for listeners: one would match nothing here.
	return evalOnMatch(m.GetOnNoMatch(), conn)
}

// evalOnMatch follows an on_match: a nested matcher, or an action naming a filter chain.
func evalOnMatch(o *matcherv3.Matcher_OnMatch, conn Connection) (string, bool) {
	if o == nil {
		return "", false
	}
	if nested := o.GetMatcher(); nested != nil {
		return evalMatcher(nested, conn)
	}
	if action := o.GetAction(); action != nil {
		name := &wrapperspb.StringValue{}
		if err := action.GetTypedConfig().UnmarshalTo(name); err == nil {
			return name.GetValue(), true
		}
		return action.GetName(), true
	}
	return "", false
}

func evalTree(tree *matcherv3.Matcher_MatcherTree, conn Connection) (string, bool) {
	value, present := inputValue(tree.GetInput(), conn)
	switch {
	case tree.GetExactMatchMap() != nil:
		if !present {
			return "", false
		}
		return evalOnMatch(tree.GetExactMatchMap().GetMap()[value], conn)
	case tree.GetPrefixMatchMap() != nil:
		if !present {
			return "", false
		}
		var best string
		found := false
		for prefix := range tree.GetPrefixMatchMap().GetMap() {
			if strings.HasPrefix(value, prefix) && (!found || len(prefix) > len(best)) {
				best, found = prefix, true
			}
		}
		if !found {
			return "", false
		}
		return evalOnMatch(tree.GetPrefixMatchMap().GetMap()[best], conn)
	case tree.GetCustomMatch() != nil:
		ipm := &matcherv3.IPMatcher{}
		if !present || tree.GetCustomMatch().GetTypedConfig().UnmarshalTo(ipm) != nil {
			return "", false
		}
		return evalIPMatcher(ipm, value, conn)
	}
	return "", false
}

// evalIPMatcher: the range matchers containing ip, longest prefix first.
func evalIPMatcher(m *matcherv3.IPMatcher, ip string, conn Connection) (string, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", false
	}
	type candidate struct {
		bits      int
		onMatch   *matcherv3.Matcher_OnMatch
		exclusive bool
	}
	var candidates []candidate
	for _, rm := range m.GetRangeMatchers() {
		best := -1
		for _, r := range rm.GetRanges() {
			if bits, ok := contains(r, addr); ok && bits > best {
				best = bits
			}
		}
		if best >= 0 {
			candidates = append(candidates, candidate{best, rm.GetOnMatch(), rm.GetExclusive()})
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].bits > candidates[j].bits })
	for _, c := range candidates {
		if name, ok := evalOnMatch(c.onMatch, conn); ok {
			return name, true
		}
		if c.exclusive {
			return "", false
		}
	}
	return "", false
}

func contains(r *xdscore.CidrRange, addr netip.Addr) (int, bool) {
	prefixAddr, err := netip.ParseAddr(r.GetAddressPrefix())
	if err != nil {
		return 0, false
	}
	bits := prefixAddr.BitLen()
	if r.GetPrefixLen() != nil {
		bits = int(r.GetPrefixLen().GetValue())
	}
	prefix, err := prefixAddr.Prefix(bits)
	if err != nil || !prefix.Contains(addr) {
		return 0, false
	}
	return bits, true
}

// inputValue is the value a matcher input reads from the connection; present is false
// when the connection has none (the tree then does not match).
func inputValue(input *xdscore.TypedExtensionConfig, conn Connection) (string, bool) {
	tc := input.GetTypedConfig()
	switch {
	case tc.MessageIs(&networkinputs.DestinationIPInput{}):
		return conn.DestinationIP, conn.DestinationIP != ""
	case tc.MessageIs(&networkinputs.DestinationPortInput{}):
		return strconv.Itoa(conn.DestinationPort), conn.DestinationPort > 0
	case tc.MessageIs(&networkinputs.ApplicationProtocolInput{}):
		// Envoy's input joins the detected protocols, each quoted: `'http/1.1'`.
		if conn.ApplicationProtocol == "" {
			return "", false
		}
		return "'" + conn.ApplicationProtocol + "'", true
	case tc.MessageIs(&networkinputs.TransportProtocolInput{}):
		return "raw_buffer", true
	case tc.MessageIs(&networkinputs.FilterStateInput{}):
		in := &networkinputs.FilterStateInput{}
		if tc.UnmarshalTo(in) != nil {
			return "", false
		}
		v, ok := conn.FilterState[in.GetKey()]
		return v, ok
	}
	return "", false
}
