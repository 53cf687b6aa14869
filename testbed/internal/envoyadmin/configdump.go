// Package envoyadmin is Envoy's admin interface (port 15000) over a fleet proxy's applied
// config: `/config_dump` in Envoy's own shapes, built from go-control-plane's
// envoy.admin.v3 messages and printed as Envoy prints protos (proto field names, fields in
// field-number order, `@type` on Any, defaults omitted, one space of indentation; see
// envoyjson.go), and `/ready`.
//
//   - `/config_dump`: `{"configs": [...]}` with BootstrapConfigDump, ClustersConfigDump,
//     EndpointsConfigDump (only with `?include_eds`), ListenersConfigDump, RoutesConfigDump,
//     in Envoy's order.
//   - `?resource=<repeated field>`: every element of that field across the dumps, each
//     packed as Any (`...RoutesConfigDump.DynamicRouteConfig`); a singular field is 400, an
//     unknown one 404 `<name> not found in config dump`.
//   - `?name_regex=`: keeps resources whose name fully matches (RE2, as Envoy).
//   - `?mask=` is not implemented: 400 saying so.
package envoyadmin

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	// Every Envoy extension type istiod may put in an Any, so protojson can print it.
	_ "github.com/cncf/xds/go/udpa/type/v1"
	_ "github.com/cncf/xds/go/xds/type/v3"
	_ "istio.io/api/envoy/extensions/stats"
	_ "istio.io/istio/pkg/config/xds"

	"github.com/switchyard/switchyard/testbed/internal/xdsclient"
)

// Proxy is what the admin interface reads of a proxy.
type Proxy interface {
	// Snapshot is the applied config.
	Snapshot() *xdsclient.Snapshot
	// Node is the bootstrap node.
	Node() *corev3.Node
	// Started is when the proxy started (the bootstrap's last_updated).
	Started() time.Time
}

// Result is an admin answer.
type Result struct {
	Status      int
	ContentType string
	Body        []byte
}

func text(status int, body string) Result {
	return Result{Status: status, ContentType: "text/plain; charset=UTF-8", Body: []byte(body)}
}

// lenientResolver resolves Any types from the global registry; a type this binary does
// not link prints as its `@type` alone instead of failing the whole dump.
type lenientResolver struct{}

func (lenientResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	return protoregistry.GlobalTypes.FindMessageByName(name)
}

func (lenientResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(url)
	if errors.Is(err, protoregistry.NotFound) {
		return (&emptypb.Empty{}).ProtoReflect().Type(), nil
	}
	return mt, err
}

func (lenientResolver) FindExtensionByName(field protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByName(field)
}

func (lenientResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

func mustAny(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(err)
	}
	return a
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dynamic is the dump entry of each resource of m that keep selects, by name.
func dynamic[T proto.Message, D any](m map[string]xdsclient.Resource[T], keep func(string) bool, entry func(name string, r xdsclient.Resource[T]) D) []D {
	var out []D
	for _, name := range sortedKeys(m) {
		if keep(name) {
			out = append(out, entry(name, m[name]))
		}
	}
	return out
}

// dumps builds the top-level dump messages in Envoy's order.
func dumps(p Proxy, includeEDS bool, keep func(string) bool) []proto.Message {
	snap := p.Snapshot()
	out := []proto.Message{&adminv3.BootstrapConfigDump{
		Bootstrap:   &bootstrapv3.Bootstrap{Node: p.Node()},
		LastUpdated: timestamppb.New(p.Started()),
	}}

	clusters := &adminv3.ClustersConfigDump{
		VersionInfo: snap.Status[xdsclient.ClusterType].Version,
		DynamicActiveClusters: dynamic(snap.Clusters, keep, func(_ string, c xdsclient.Resource[*clusterv3.Cluster]) *adminv3.ClustersConfigDump_DynamicCluster {
			return &adminv3.ClustersConfigDump_DynamicCluster{VersionInfo: c.Version, Cluster: mustAny(c.Message), LastUpdated: timestamppb.New(c.Updated)}
		}),
	}
	out = append(out, clusters)

	if includeEDS {
		out = append(out, &adminv3.EndpointsConfigDump{
			DynamicEndpointConfigs: dynamic(snap.Endpoints, keep, func(_ string, e xdsclient.Resource[*endpointv3.ClusterLoadAssignment]) *adminv3.EndpointsConfigDump_DynamicEndpointConfig {
				return &adminv3.EndpointsConfigDump_DynamicEndpointConfig{VersionInfo: e.Version, EndpointConfig: mustAny(e.Message), LastUpdated: timestamppb.New(e.Updated)}
			}),
		})
	}

	out = append(out, &adminv3.ListenersConfigDump{
		VersionInfo: snap.Status[xdsclient.ListenerType].Version,
		DynamicListeners: dynamic(snap.Listeners, keep, func(name string, l xdsclient.Resource[*listenerv3.Listener]) *adminv3.ListenersConfigDump_DynamicListener {
			return &adminv3.ListenersConfigDump_DynamicListener{
				Name:        name,
				ActiveState: &adminv3.ListenersConfigDump_DynamicListenerState{VersionInfo: l.Version, Listener: mustAny(l.Message), LastUpdated: timestamppb.New(l.Updated)},
			}
		}),
	})

	out = append(out, &adminv3.RoutesConfigDump{
		DynamicRouteConfigs: dynamic(snap.Routes, keep, func(_ string, r xdsclient.Resource[*routev3.RouteConfiguration]) *adminv3.RoutesConfigDump_DynamicRouteConfig {
			return &adminv3.RoutesConfigDump_DynamicRouteConfig{VersionInfo: r.Version, RouteConfig: mustAny(r.Message), LastUpdated: timestamppb.New(r.Updated)}
		}),
	})
	return out
}

// ConfigDump answers `GET /config_dump` with the given query.
func ConfigDump(p Proxy, query url.Values) Result {
	if query.Get("mask") != "" {
		return text(400, "mask is not supported by proxy-fleet's admin interface")
	}
	keep := func(string) bool { return true }
	if expr := query.Get("name_regex"); expr != "" {
		re, err := regexp.Compile("^(?:" + expr + ")$")
		if err != nil {
			return text(400, "Error while parsing name_regex from "+expr)
		}
		keep = re.MatchString
	}
	_, includeEDS := query["include_eds"]
	tops := dumps(p, includeEDS, keep)
	dump := &adminv3.ConfigDump{}
	if resource := query.Get("resource"); resource != "" {
		found := false
		for _, top := range tops {
			m := top.ProtoReflect()
			field := m.Descriptor().Fields().ByName(protoreflect.Name(resource))
			if field == nil {
				continue
			}
			if !field.IsList() || field.Kind() != protoreflect.MessageKind {
				return text(400, fmt.Sprintf("%s is not a repeated field. Use ?mask=%s to get only this field", resource, resource))
			}
			found = true
			list := m.Get(field).List()
			for i := 0; i < list.Len(); i++ {
				dump.Configs = append(dump.Configs, mustAny(list.Get(i).Message().Interface()))
			}
			break
		}
		if !found {
			return text(404, resource+" not found in config dump")
		}
	} else {
		for _, top := range tops {
			dump.Configs = append(dump.Configs, mustAny(top))
		}
	}
	body, err := marshalEnvoyJSON(dump.ProtoReflect(), lenientResolver{})
	if err != nil {
		return text(500, "proxy-fleet could not print the config dump: "+err.Error())
	}
	return Result{Status: 200, ContentType: "application/json", Body: append(body, '\n')}
}
