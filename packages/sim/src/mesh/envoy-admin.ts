/**
 * Envoy's admin interface (port 15000, reached by port-forward) over a simulated proxy's
 * *applied* config: `/config_dump` and `/ready`, in Envoy's shapes
 * (`source/server/admin/config_dump_handler.cc`, `envoy/admin/v3/config_dump*.proto`):
 *
 * - `/config_dump`: `{"configs": [...]}` with BootstrapConfigDump, ClustersConfigDump,
 *   (EndpointsConfigDump with `?include_eds`), ListenersConfigDump, RoutesConfigDump, in
 *   Envoy's tracker order. Clusters by name (Envoy's cluster map is ordered):
 *   `BlackHoleCluster`, `PassthroughCluster`, for sidecars `InboundPassthroughCluster` and
 *   `inbound|<port>||` per target port of the Services selecting the pod, then the outbound
 *   clusters; their bodies are abbreviated (name, type, EDS config, connect timeout, lb
 *   policy). Listeners are the HTTP ones Istio builds, with their HTTP connection manager:
 *   one outbound listener per route configuration (`0.0.0.0_9080` using RDS `9080`; a
 *   gateway's `0.0.0.0_8080` using `http.8080`) and, for sidecars, `virtualInbound` with its
 *   HTTP filter chain. `max_request_headers_kb` appears only when the proxy's override sets
 *   it, as Envoy omits an unset field.
 * - `/config_dump?resource=<repeated field>`: every element of that field across the
 *   dumps, each packed as Any (`@type` `...RoutesConfigDump.DynamicRouteConfig`, ...);
 *   a non-repeated field is 400, an unknown one 404 `<name> not found in config dump`.
 * - `?name_regex=`: keeps resources whose name fully matches.
 * - JSON as Envoy prints protos: snake_case, default values and empty lists omitted (an
 *   empty dump is `{}`), pretty-printed.
 * - `/ready`: `LIVE` once initial config is applied, else 503 `INITIALIZING`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimClusterConfig } from './cluster-config.js';
import { CLUSTER_DOMAIN } from './istio-host.js';
import type { SimulatedProxy } from './simulated-proxy.js';
import { CLUSTER_ID } from './syncz.js';
import { protoTimestamp } from './xds-time.js';

type Json = Record<string, unknown>;

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

interface DumpField {
  /** Field name in the dump message. */
  name: string;
  /** `@type` of an element when the field is repeated; undefined for singular fields. */
  elementType: string | undefined;
}

interface TopLevelDump {
  message: Json;
  fields: DumpField[];
}

const HELP = [
  'admin commands are:',
  '  /: Admin home page',
  '  /config_dump: dump current Envoy configs (experimental)',
  '      resource: The resource to dump',
  '      mask: The mask to apply. When both resource and mask are specified, the mask is applied to every element in the desired repeated field so that only a subset of fields are returned. The mask is parsed as a ProtobufWkt::FieldMask',
  '      name_regex: Dump only the currently loaded configurations whose names match the specified regex. Can be used with both resource and mask query parameters.',
  '      include_eds: Dump currently loaded configuration including EDS. See the response definition for more information',
  '  /ready: print server state, return 200 if LIVE, otherwise return 503',
  '',
].join('\n');

function nodeJson(proxy: SimulatedProxy, istioVersion: string): Json {
  return {
    id: `${proxy.proxyType}~${proxy.podIP}~${proxy.id}~${proxy.namespace}.svc.${CLUSTER_DOMAIN}`,
    cluster: `${proxy.workload}.${proxy.namespace}`,
    metadata: {
      CLUSTER_ID,
      ISTIO_VERSION: istioVersion,
      LABELS: { ...proxy.labels },
      NAME: proxy.pod,
      NAMESPACE: proxy.namespace,
      WORKLOAD_NAME: proxy.workload,
    },
    user_agent_name: 'envoy',
  };
}

function clusterJson(cluster: { name: string; lbPolicy?: string | undefined }, type = 'EDS'): Json {
  const out: Json = {
    '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    name: cluster.name,
    type,
  };
  if (type === 'EDS') {
    out.eds_cluster_config = {
      eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
      service_name: cluster.name,
    };
  }
  out.connect_timeout = '10s';
  if (cluster.lbPolicy !== undefined) out.lb_policy = cluster.lbPolicy;
  return out;
}

function loadAssignmentJson(cluster: SimClusterConfig): Json {
  const out: Json = {
    '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    cluster_name: cluster.name,
  };
  if (cluster.endpoints.length > 0) {
    out.endpoints = [
      {
        locality: {},
        lb_endpoints: cluster.endpoints.map((endpoint) => ({
          endpoint: {
            address: { socket_address: { address: endpoint.ip, port_value: endpoint.port } },
            health_check_config: {},
          },
          health_status: 'HEALTHY',
          load_balancing_weight: 1,
        })),
      },
    ];
  }
  out.policy = { overprovisioning_factor: 140 };
  return out;
}

const HTTP_CONNECTION_MANAGER = 'envoy.filters.network.http_connection_manager';
const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ADS = { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' };

function httpConnectionManager(proxy: SimulatedProxy, fields: Json): Json {
  const config: Json = { '@type': HCM_TYPE, ...fields };
  if (proxy.settings.maxRequestHeadersKb !== undefined)
    config.max_request_headers_kb = proxy.settings.maxRequestHeadersKb;
  return { name: HTTP_CONNECTION_MANAGER, typed_config: config };
}

/** The HTTP listeners of a proxy, derived from its route configurations. */
function listenersOf(proxy: SimulatedProxy): Json[] {
  const listeners: Json[] = [];
  for (const route of proxy.applied?.routes ?? []) {
    const port = Number(route.name.startsWith('http.') ? route.name.slice(5) : route.name);
    if (!Number.isInteger(port)) continue;
    const name = `0.0.0.0_${port}`;
    listeners.push({
      '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
      name,
      address: { socket_address: { address: '0.0.0.0', port_value: port } },
      filter_chains: [
        {
          filters: [
            httpConnectionManager(proxy, {
              stat_prefix: proxy.proxyType === 'router' ? name : `outbound_${name}`,
              rds: { config_source: ADS, route_config_name: route.name },
            }),
          ],
        },
      ],
      traffic_direction: 'OUTBOUND',
      ...(proxy.proxyType === 'router' ? {} : { bind_to_port: false }),
    });
  }
  if (proxy.proxyType === 'sidecar') {
    listeners.push({
      '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
      name: 'virtualInbound',
      address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
      filter_chains: [
        {
          filter_chain_match: {
            transport_protocol: 'raw_buffer',
            application_protocols: ['http/1.1', 'h2c'],
          },
          filters: [
            httpConnectionManager(proxy, {
              stat_prefix: 'inbound_0.0.0.0_15006',
              route_config: { name: 'InboundPassthroughCluster' },
            }),
          ],
          name: '0.0.0.0_15006',
        },
      ],
      traffic_direction: 'INBOUND',
    });
  }
  return listeners.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
}

function sortedClusters(proxy: SimulatedProxy): SimClusterConfig[] {
  const clusters = proxy.applied
    ? [...(proxy.applied.clusters.values() as Iterable<SimClusterConfig>)]
    : [];
  return clusters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function topLevelDumps(
  proxy: SimulatedProxy,
  istioVersion: string,
  includeEds: boolean,
  keep: (name: string) => boolean,
): TopLevelDump[] {
  const dumps: TopLevelDump[] = [];
  dumps.push({
    message: {
      '@type': `${ADMIN}BootstrapConfigDump`,
      bootstrap: { node: nodeJson(proxy, istioVersion) },
      last_updated: protoTimestamp(proxy.startedAt),
    },
    fields: [
      { name: 'bootstrap', elementType: undefined },
      { name: 'last_updated', elementType: undefined },
    ],
  });

  const clustersDump: Json = { '@type': `${ADMIN}ClustersConfigDump` };
  const cdsVersion = proxy.appliedVersionByType.cds;
  const cdsAt = proxy.appliedAtByType.cds;
  if (proxy.applied && cdsVersion !== undefined && cdsAt !== undefined) {
    clustersDump.version_info = cdsVersion;
    const dynamic: Json[] = [];
    const originalDst = (name: string): Json =>
      clusterJson({ name, lbPolicy: 'CLUSTER_PROVIDED' }, 'ORIGINAL_DST');
    const clusters = [
      clusterJson({ name: 'BlackHoleCluster' }, 'STATIC'),
      originalDst('PassthroughCluster'),
      ...(proxy.proxyType === 'sidecar' ? [originalDst('InboundPassthroughCluster')] : []),
      ...proxy.inboundPorts.map((port) => originalDst(`inbound|${port}||`)),
      ...sortedClusters(proxy).map((c) => clusterJson(c)),
    ];
    // Envoy keeps its clusters in a map ordered by name.
    clusters.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
    for (const cluster of clusters) {
      if (!keep(cluster.name as string)) continue;
      dynamic.push({ version_info: cdsVersion, cluster, last_updated: protoTimestamp(cdsAt) });
    }
    if (dynamic.length > 0) clustersDump.dynamic_active_clusters = dynamic;
  }
  dumps.push({
    message: clustersDump,
    fields: [
      { name: 'version_info', elementType: undefined },
      { name: 'static_clusters', elementType: `${ADMIN}ClustersConfigDump.StaticCluster` },
      { name: 'dynamic_active_clusters', elementType: `${ADMIN}ClustersConfigDump.DynamicCluster` },
      {
        name: 'dynamic_warming_clusters',
        elementType: `${ADMIN}ClustersConfigDump.DynamicCluster`,
      },
    ],
  });

  if (includeEds) {
    const endpointsDump: Json = { '@type': `${ADMIN}EndpointsConfigDump` };
    const dynamic = sortedClusters(proxy)
      .filter((c) => keep(c.name))
      .map((c) => ({ endpoint_config: loadAssignmentJson(c) }));
    if (dynamic.length > 0) endpointsDump.dynamic_endpoint_configs = dynamic;
    dumps.push({
      message: endpointsDump,
      fields: [
        {
          name: 'static_endpoint_configs',
          elementType: `${ADMIN}EndpointsConfigDump.StaticEndpointConfig`,
        },
        {
          name: 'dynamic_endpoint_configs',
          elementType: `${ADMIN}EndpointsConfigDump.DynamicEndpointConfig`,
        },
      ],
    });
  }

  const listenersDump: Json = { '@type': `${ADMIN}ListenersConfigDump` };
  const ldsVersion = proxy.appliedVersionByType.lds;
  const ldsAt = proxy.appliedAtByType.lds;
  if (proxy.applied && ldsVersion !== undefined && ldsAt !== undefined) {
    listenersDump.version_info = ldsVersion;
    const dynamic = listenersOf(proxy)
      .filter((listener) => keep(listener.name as string))
      .map((listener) => ({
        name: listener.name,
        active_state: { version_info: ldsVersion, listener, last_updated: protoTimestamp(ldsAt) },
      }));
    if (dynamic.length > 0) listenersDump.dynamic_listeners = dynamic;
  }
  dumps.push({
    message: listenersDump,
    fields: [
      { name: 'version_info', elementType: undefined },
      { name: 'static_listeners', elementType: `${ADMIN}ListenersConfigDump.StaticListener` },
      {
        name: 'dynamic_listeners',
        elementType: `${ADMIN}ListenersConfigDump.DynamicListener`,
      },
    ],
  });

  const routesDump: Json = { '@type': `${ADMIN}RoutesConfigDump` };
  const rdsVersion = proxy.appliedVersionByType.rds;
  const rdsAt = proxy.appliedAtByType.rds;
  if (proxy.applied && rdsVersion !== undefined && rdsAt !== undefined) {
    const dynamic = proxy.applied.routes
      .filter((r) => keep(r.name))
      .map((route) => ({
        version_info: rdsVersion,
        route_config: route,
        last_updated: protoTimestamp(rdsAt),
      }));
    if (dynamic.length > 0) routesDump.dynamic_route_configs = dynamic;
  }
  dumps.push({
    message: routesDump,
    fields: [
      { name: 'static_route_configs', elementType: `${ADMIN}RoutesConfigDump.StaticRouteConfig` },
      { name: 'dynamic_route_configs', elementType: `${ADMIN}RoutesConfigDump.DynamicRouteConfig` },
    ],
  });
  return dumps;
}

/** Result of a config_dump request. */
export interface AdminResult {
  /** HTTP status. */
  status: number;
  /** Content type. */
  contentType: string;
  /** Body. */
  body: string;
}

/** Renders `/config_dump` for the query parameters of the request. */
export function renderConfigDump(
  proxy: SimulatedProxy,
  istioVersion: string,
  query: URLSearchParams,
): AdminResult {
  let keep: (name: string) => boolean = () => true;
  const nameRegex = query.get('name_regex');
  if (nameRegex !== null && nameRegex !== '') {
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${nameRegex})$`);
    } catch {
      return {
        status: 400,
        contentType: 'text/plain',
        body: `Error while parsing name_regex from ${nameRegex}`,
      };
    }
    keep = (name) => regex.test(name);
  }
  const dumps = topLevelDumps(proxy, istioVersion, query.has('include_eds'), keep);
  const resource = query.get('resource');
  let dump: Json;
  if (resource !== null && resource !== '') {
    const configs: Json[] = [];
    let found = false;
    for (const top of dumps) {
      const field = top.fields.find((f) => f.name === resource);
      if (!field) continue;
      if (field.elementType === undefined) {
        return {
          status: 400,
          contentType: 'text/plain',
          body: `${resource} is not a repeated field. Use ?mask=${resource} to get only this field`,
        };
      }
      found = true;
      for (const element of (top.message[resource] as Json[] | undefined) ?? []) {
        configs.push({ '@type': field.elementType, ...element });
      }
      break;
    }
    if (!found)
      return {
        status: 404,
        contentType: 'text/plain',
        body: `${resource} not found in config dump`,
      };
    dump = configs.length > 0 ? { configs } : {};
  } else {
    dump = { configs: dumps.map((d) => d.message) };
  }
  return { status: 200, contentType: 'application/json', body: JSON.stringify(dump, null, 1) };
}

/** Serves one admin request for a proxy. */
export function handleEnvoyAdmin(
  proxy: SimulatedProxy,
  istioVersion: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1:15000');
  const send = (result: AdminResult): void => {
    response.writeHead(result.status, {
      'content-type': result.contentType,
      'cache-control': 'no-cache, max-age=0',
      'x-content-type-options': 'nosniff',
    });
    response.end(result.body);
  };
  switch (url.pathname) {
    case '/config_dump':
      send(renderConfigDump(proxy, istioVersion, url.searchParams));
      return;
    case '/ready': {
      const live = proxy.applied !== undefined;
      send({
        status: live ? 200 : 503,
        contentType: 'text/plain; charset=UTF-8',
        body: live ? 'LIVE\n' : 'INITIALIZING\n',
      });
      return;
    }
    default:
      send({
        status: 404,
        contentType: 'text/plain; charset=UTF-8',
        body: `invalid path. ${HELP}`,
      });
  }
}
