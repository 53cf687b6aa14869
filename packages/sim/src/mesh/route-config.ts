/**
 * RDS as istiod builds it, as a pure function of the proxy, the Services and the
 * VirtualServices / Gateways in its scope. Output is Envoy's JSON (snake_case, fields in
 * Envoy's order) exactly as `config_dump` prints it, so the admin endpoint serves it as is
 * and the traffic generator routes over it.
 *
 * Reproduced from Istio `pilot/pkg/networking/core/httproute.go`, `.../core/route/route.go`,
 * `.../core/route/retry/retry.go` and `.../core/gateway.go` (istio.md section 2):
 * - Sidecars: one RouteConfiguration per HTTP service port, named by the port, with
 *   `validate_clusters: false`, `ignore_port_in_host_matching: true`; one virtual host per
 *   Service on the port (`<fqdn>:<port>`, domains per `sidecarServiceDomains`), sorted by
 *   name, then the `allow_any` catch-all to `PassthroughCluster`.
 * - A VirtualService applies to the Services its hosts name; its `http[]` become routes in
 *   order, one per `match[]` entry; translation stops after a catch-all route. Services
 *   without a VirtualService get the route `default` to `outbound|port||fqdn`.
 * - Route name = `http[].name`, plus `"." + match.name` when the match is named.
 * - One destination -> `route.cluster`; several -> `weighted_clusters` with zero weights
 *   dropped and the rest passed through unnormalised (even when one is left).
 * - Timeout from the VirtualService or `0s`; Istio's default retry policy unless `retries`
 *   says otherwise; `mirror` at 100% (`{numerator: 100}`) unless `mirrorPercentage`, which
 *   becomes `{numerator: value * 10000, denominator: MILLION}`.
 * - Gateways: one RouteConfiguration `http.<port>` per HTTP server port, virtual hosts for
 *   the hosts a bound VirtualService shares with the server.
 */
import type {
  EnvoyHeaderMatcher,
  EnvoyMirrorPolicy,
  EnvoyRoute,
  EnvoyRouteAction,
  EnvoyRouteConfiguration,
  EnvoyRouteMatch,
  EnvoyStringMatch,
  EnvoyVirtualHost,
  EnvoyWeightedCluster,
} from './mesh-types.js';
import type {
  GatewaySpec,
  HeaderOperations,
  HttpMatchRequest,
  HttpRetry,
  HttpRoute,
  IstioConfig,
  IstioDestination,
  IstioStringMatch,
  VirtualServiceSpec,
} from './istio-config.js';
import {
  hostIsSubsetOf,
  hostsMatch,
  isWildcardHost,
  resolveHost,
  sidecarServiceDomains,
} from './istio-host.js';
import type { MeshService } from './mesh-service.js';
import { carriesHttpRoutes } from './service-protocol.js';
import { goDurationToProto } from './xds-time.js';

/** Envoy `HeaderMatcher` with the fields Istio sets beyond the shared contract. */
export interface IstioHeaderMatcher extends EnvoyHeaderMatcher {
  /** Set on `withoutHeaders` matchers so an absent header counts as empty. */
  treat_missing_header_as_empty?: boolean;
}

/** Envoy `RouteMatch` as Istio builds it. */
export interface IstioRouteMatch extends EnvoyRouteMatch {
  /** `!ignoreUriCase`; present on every route built from a `match[]` entry. */
  case_sensitive?: boolean;
  headers?: IstioHeaderMatcher[];
}

/** Envoy `HeaderValueOption`. */
export interface EnvoyHeaderValueOption {
  header: { key: string; value: string };
  /** Absent means Envoy's default, `APPEND_IF_EXISTS_OR_ADD`. */
  append_action?: 'OVERWRITE_IF_EXISTS_OR_ADD';
}

/** Envoy `RequestMirrorPolicy` as Istio builds it. */
export interface IstioMirrorPolicy extends EnvoyMirrorPolicy {
  /** Istio always sets it false. */
  trace_sampled: boolean;
}

/** Envoy `RouteAction` as Istio builds it. */
export interface IstioRouteAction extends EnvoyRouteAction {
  /** `rewrite.uri`. */
  prefix_rewrite?: string;
  /** `rewrite.authority` or an authority header set by the route. */
  host_rewrite_literal?: string;
  /** Deprecated Envoy field Istio still sets: the route timeout, `0s` when none. */
  max_grpc_timeout: string;
  request_mirror_policies?: IstioMirrorPolicy[];
}

/** Envoy `RedirectAction`. */
export interface EnvoyRedirectAction {
  scheme_redirect?: string;
  host_redirect?: string;
  port_redirect?: number;
  path_redirect?: string;
  /** Absent means `MOVED_PERMANENTLY` (301). */
  response_code?: 'FOUND' | 'SEE_OTHER' | 'TEMPORARY_REDIRECT' | 'PERMANENT_REDIRECT';
}

/** Envoy `Metadata` Istio puts on a route built from a VirtualService. */
export interface IstioConfigInfoMetadata {
  filter_metadata: {
    /** `config`: `/apis/networking.istio.io/v1/namespaces/<ns>/virtual-service/<name>`. */
    istio: { config: string };
  };
}

/** Envoy `Route` as Istio builds it. */
export interface IstioRoute extends EnvoyRoute {
  match: IstioRouteMatch;
  route?: IstioRouteAction;
  redirect?: EnvoyRedirectAction & Record<string, unknown>;
  /** The VirtualService the route came from; absent on `default` and `allow_any`. */
  metadata?: IstioConfigInfoMetadata;
  direct_response?: { status: number; body?: { inline_string: string } };
  /** Tracing operation name. */
  decorator?: { operation: string };
  request_headers_to_add?: EnvoyHeaderValueOption[];
  response_headers_to_add?: EnvoyHeaderValueOption[];
  response_headers_to_remove?: string[];
  request_headers_to_remove?: string[];
}

/** Envoy `VirtualHost` as Istio builds it. */
export interface IstioVirtualHost extends EnvoyVirtualHost {
  routes: IstioRoute[];
  include_request_attempt_count?: boolean;
}

/** Envoy `RouteConfiguration` as Istio builds it. */
export interface IstioRouteConfiguration extends EnvoyRouteConfiguration {
  virtual_hosts: IstioVirtualHost[];
  /** Sidecars: the port is stripped from the Host header before domain matching. */
  ignore_port_in_host_matching?: boolean;
  /** Sidecars: 1 MiB. */
  max_direct_response_body_size_bytes?: number;
}

/** The proxy a route configuration is built for. */
export interface RouteBuildProxy {
  /** Proxy (pod) namespace. */
  namespace: string;
  /** Pod labels, for `match[].sourceLabels`. */
  labels: Readonly<Record<string, string>>;
}

/** Input of `buildSidecarRouteConfigurations`. */
export interface SidecarRouteInput {
  /** The sidecar. */
  proxy: RouteBuildProxy;
  /** Every Service in the registry. */
  services: readonly MeshService[];
  /**
   * VirtualServices visible to the proxy's namespace (exportTo) and bound to `mesh`, in
   * istiod's order (see `config-visibility.ts`).
   */
  virtualServices: readonly IstioConfig<VirtualServiceSpec>[];
  /** Istio 1.27+: virtual hosts also answer for the absolute FQDN. Absent: false. */
  absoluteFqdnDomains?: boolean | undefined;
}

/** Input of `buildGatewayRouteConfigurations`. */
export interface GatewayRouteInput {
  /** The gateway proxy. */
  proxy: RouteBuildProxy;
  /** Gateways whose selector matches the proxy's pod, oldest first. */
  gateways: readonly IstioConfig<GatewaySpec>[];
  /** VirtualServices visible to the proxy's namespace, in istiod's order. */
  virtualServices: readonly IstioConfig<VirtualServiceSpec>[];
  /** Every Service in the registry. */
  services: readonly MeshService[];
}

const ROUTE_CONFIGURATION_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const MESH_GATEWAY = 'mesh';
const DEFAULT_RETRY_ON =
  'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
const PREVIOUS_HOSTS_PREDICATE = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typed_config: {
    '@type':
      'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  },
};
const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

/** `outbound|<port>|<subset>|<host>`. */
export function outboundClusterName(port: number, subset: string, hostname: string): string {
  return `outbound|${port}|${subset}|${hostname}`;
}

/**
 * Resolves the gateway references of a VirtualService (`spec.gateways` or
 * `match[].gateways`) to `namespace/name` keys as istiod does: `mesh` stays, `ns/name`
 * stays (`./name` is the VirtualService namespace), a bare name is in the VirtualService
 * namespace, and the legacy `name.namespace[.svc...]` form is split on dots.
 */
export function resolveGatewayRef(ref: string, virtualServiceNamespace: string): string {
  if (ref === MESH_GATEWAY) return MESH_GATEWAY;
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const namespace = ref.slice(0, slash);
    return `${namespace === '.' ? virtualServiceNamespace : namespace}/${ref.slice(slash + 1)}`;
  }
  const parts = ref.split('.');
  if (parts.length >= 2) return `${parts[1] as string}/${parts[0] as string}`;
  return `${virtualServiceNamespace}/${ref}`;
}

/** The gateway keys a VirtualService binds to; absent `gateways` means `mesh` only. */
export function virtualServiceGateways(vs: IstioConfig<VirtualServiceSpec>): string[] {
  const refs = vs.spec.gateways;
  if (!refs || refs.length === 0) return [MESH_GATEWAY];
  return refs.map((ref) => resolveGatewayRef(ref, vs.namespace));
}

// ---------------------------------------------------------------------------------------
// Sidecar
// ---------------------------------------------------------------------------------------

/** Builds the outbound RDS of a sidecar: one RouteConfiguration per HTTP service port. */
export function buildSidecarRouteConfigurations(
  input: SidecarRouteInput,
): IstioRouteConfiguration[] {
  const ports = new Set<number>();
  for (const service of input.services) {
    for (const port of service.ports) if (carriesHttpRoutes(port.protocol)) ports.add(port.port);
  }
  return [...ports]
    .sort((a, b) => a - b)
    .map((port) => buildSidecarPortRouteConfiguration(input, port));
}

interface VirtualHostWrapper {
  services: MeshService[];
  virtualServiceHosts: string[];
  routes: IstioRoute[];
}

function buildSidecarPortRouteConfiguration(
  input: SidecarRouteInput,
  listenPort: number,
): IstioRouteConfiguration {
  const servicesOnPort = new Map<string, MeshService>();
  for (const service of input.services) {
    if (service.ports.some((p) => p.port === listenPort))
      servicesOnPort.set(service.hostname, service);
  }
  const hasHttpPort = (service: MeshService): boolean =>
    service.ports.some((p) => p.port === listenPort && carriesHttpRoutes(p.protocol));

  const resolvedHosts = new Map<IstioConfig<VirtualServiceSpec>, string[]>();
  for (const vs of input.virtualServices) {
    resolvedHosts.set(
      vs,
      (vs.spec.hosts ?? []).map((h) => resolveHost(h, vs.namespace)),
    );
  }
  // Istio keeps only VirtualServices naming a Service on the port, except on port 80.
  const selected =
    listenPort === 80
      ? input.virtualServices
      : input.virtualServices.filter((vs) =>
          (resolvedHosts.get(vs) ?? []).some(
            (h) =>
              servicesOnPort.has(h) ||
              (isWildcardHost(h) && [...servicesOnPort.keys()].some((s) => hostsMatch(h, s))),
          ),
        );
  const wildcardOwner = mostSpecificWildcardOwners(selected, resolvedHosts, servicesOnPort);

  const wrappers: VirtualHostWrapper[] = [];
  const claimed = new Set<string>();
  for (const vs of selected) {
    const routes = buildHttpRoutesForVirtualService(
      vs,
      listenPort,
      new Set([MESH_GATEWAY]),
      input.proxy,
      () => listenPort,
    );
    if (!routes) continue;
    const nonRegistryHosts: string[] = [];
    const matched: MeshService[] = [];
    for (const host of resolvedHosts.get(vs) ?? []) {
      if (!isWildcardHost(host)) {
        const service = servicesOnPort.get(host);
        if (service) matched.push(service);
        else nonRegistryHosts.push(host);
        continue;
      }
      let foundService = false;
      for (const [serviceHost, service] of servicesOnPort) {
        if (!hostsMatch(serviceHost, host)) continue;
        foundService = true;
        if (wildcardOwner.get(serviceHost) === vs) matched.push(service);
      }
      if (!foundService) nonRegistryHosts.push(host);
    }
    for (const service of matched) claimed.add(service.hostname);
    const withHttpPort = matched.filter(hasHttpPort);
    const hasAnyHttpPort = matched.some((s) => s.ports.some((p) => carriesHttpRoutes(p.protocol)));
    if (withHttpPort.length > 0 || (!hasAnyHttpPort && listenPort === 80)) {
      wrappers.push({ services: withHttpPort, virtualServiceHosts: nonRegistryHosts, routes });
    }
  }
  const defaults = [...servicesOnPort.values()]
    .filter((s) => !claimed.has(s.hostname) && hasHttpPort(s))
    .sort((a, b) => (a.hostname < b.hostname ? -1 : 1));
  for (const service of defaults) {
    wrappers.push({
      services: [service],
      virtualServiceHosts: [],
      routes: [defaultOutboundRoute(service.hostname, listenPort)],
    });
  }

  const names = new Set<string>();
  const usedDomains = new Set<string>();
  const virtualHosts: IstioVirtualHost[] = [];
  const addVirtualHost = (hostname: string, domains: string[], routes: IstioRoute[]): void => {
    const name = `${hostname}:${listenPort}`;
    if (names.has(name)) return;
    names.add(name);
    const unique = domains.filter((d) => {
      const key = d.toLowerCase();
      if (usedDomains.has(key)) return false;
      usedDomains.add(key);
      return true;
    });
    if (unique.length === 0) return;
    virtualHosts.push({ name, domains: unique, routes, include_request_attempt_count: true });
  };
  for (const wrapper of wrappers) {
    if (wrapper.routes.length === 0) continue;
    for (const host of wrapper.virtualServiceHosts) addVirtualHost(host, [host], wrapper.routes);
    for (const service of wrapper.services) {
      addVirtualHost(
        service.hostname,
        sidecarServiceDomains(
          service.hostname,
          input.proxy.namespace,
          service.clusterIP,
          input.absoluteFqdnDomains ?? false,
        ),
        wrapper.routes,
      );
    }
  }
  virtualHosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  virtualHosts.push(allowAnyVirtualHost());
  return {
    '@type': ROUTE_CONFIGURATION_TYPE,
    name: String(listenPort),
    virtual_hosts: virtualHosts,
    validate_clusters: false,
    max_direct_response_body_size_bytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
    ignore_port_in_host_matching: true,
  };
}

/**
 * For each Service no VirtualService names exactly, the VirtualService whose wildcard host
 * covers it most specifically (Istio's `MostSpecificWildcardVirtualServiceIndex`).
 */
function mostSpecificWildcardOwners(
  virtualServices: readonly IstioConfig<VirtualServiceSpec>[],
  resolvedHosts: Map<IstioConfig<VirtualServiceSpec>, string[]>,
  services: Map<string, MeshService>,
): Map<string, IstioConfig<VirtualServiceSpec>> {
  const exact = new Set<string>();
  for (const vs of virtualServices) {
    for (const h of resolvedHosts.get(vs) ?? []) if (!isWildcardHost(h)) exact.add(h);
  }
  const owners = new Map<string, { vs: IstioConfig<VirtualServiceSpec>; host: string }>();
  for (const vs of virtualServices) {
    for (const wildcard of resolvedHosts.get(vs) ?? []) {
      if (!isWildcardHost(wildcard)) continue;
      for (const serviceHost of services.keys()) {
        if (exact.has(serviceHost) || !hostsMatch(wildcard, serviceHost)) continue;
        const current = owners.get(serviceHost);
        if (!current || wildcard.length > current.host.length)
          owners.set(serviceHost, { vs, host: wildcard });
      }
    }
  }
  return new Map([...owners].map(([host, owner]) => [host, owner.vs]));
}

function allowAnyVirtualHost(): IstioVirtualHost {
  return {
    name: 'allow_any',
    domains: ['*'],
    routes: [
      {
        match: { prefix: '/' },
        route: { cluster: 'PassthroughCluster', timeout: '0s', max_grpc_timeout: '0s' },
        name: 'allow_any',
      },
    ],
    include_request_attempt_count: true,
  };
}

function defaultOutboundRoute(hostname: string, port: number): IstioRoute {
  return {
    match: { prefix: '/' },
    route: {
      cluster: outboundClusterName(port, '', hostname),
      timeout: '0s',
      retry_policy: defaultRetryPolicy(),
      max_grpc_timeout: '0s',
    },
    decorator: { operation: `${hostname}:${port}/*` },
    name: 'default',
  };
}

// ---------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------

const HTTP_SERVER_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

/** Builds the RDS of a gateway proxy: one `http.<port>` RouteConfiguration per HTTP server port. */
export function buildGatewayRouteConfigurations(
  input: GatewayRouteInput,
): IstioRouteConfiguration[] {
  interface ServerRef {
    gatewayKey: string;
    gatewayNamespace: string;
    port: number;
    hosts: string[];
  }
  const serversByPort = new Map<number, ServerRef[]>();
  for (const gateway of input.gateways) {
    for (const server of gateway.spec.servers ?? []) {
      const port = server.port?.number;
      const protocol = (server.port?.protocol ?? '').toUpperCase();
      if (port === undefined || !HTTP_SERVER_PROTOCOLS.has(protocol)) continue;
      const list = serversByPort.get(port) ?? [];
      list.push({
        gatewayKey: `${gateway.namespace}/${gateway.name}`,
        gatewayNamespace: gateway.namespace,
        port,
        hosts: server.hosts ?? [],
      });
      serversByPort.set(port, list);
    }
  }
  const servicesByHost = new Map(input.services.map((s) => [s.hostname, s]));
  const fallbackPort =
    (serverPort: number) =>
    (hostname: string): number => {
      const service = servicesByHost.get(hostname);
      return service && service.ports.length === 1
        ? (service.ports[0]?.port ?? serverPort)
        : serverPort;
    };

  const out: IstioRouteConfiguration[] = [];
  for (const port of [...serversByPort.keys()].sort((a, b) => a - b)) {
    interface PendingHost {
      hostname: string;
      routeSources: IstioRoute[][];
    }
    const pendingHosts = new Map<string, PendingHost>();
    const routeCache = new Map<string, IstioRoute[] | undefined>();
    for (const server of serversByPort.get(port) ?? []) {
      const bound = input.virtualServices.filter((vs) =>
        virtualServiceGateways(vs).includes(server.gatewayKey),
      );
      for (const vs of bound) {
        const serverHosts = serverHostsForNamespace(
          server.hosts,
          vs.namespace,
          server.gatewayNamespace,
        );
        const vsHosts = (vs.spec.hosts ?? []).map((h) => resolveHost(h, vs.namespace));
        const shared = intersectHosts(serverHosts, vsHosts);
        if (shared.length === 0) continue;
        const cacheKey = `${server.gatewayKey}|${vs.namespace}/${vs.name}`;
        if (!routeCache.has(cacheKey)) {
          routeCache.set(
            cacheKey,
            buildHttpRoutesForVirtualService(
              vs,
              port,
              new Set([server.gatewayKey]),
              input.proxy,
              fallbackPort(port),
            ),
          );
        }
        const routes = routeCache.get(cacheKey);
        if (!routes) continue;
        for (const hostname of shared) {
          const pending = pendingHosts.get(hostname);
          if (pending) pending.routeSources.push(routes);
          else pendingHosts.set(hostname, { hostname, routeSources: [routes] });
        }
      }
    }
    let virtualHosts: IstioVirtualHost[];
    if (pendingHosts.size === 0) {
      virtualHosts = [{ name: `blackhole:${port}`, domains: ['*'], routes: [] }];
    } else {
      // Istio collapses virtual hosts with identical route lists into the first (by host).
      const collapsed: { host: PendingHost; domains: string[] }[] = [];
      for (const hostname of [...pendingHosts.keys()].sort()) {
        const host = pendingHosts.get(hostname) as PendingHost;
        const same = collapsed.find(
          (c) =>
            c.host.routeSources.length === host.routeSources.length &&
            c.host.routeSources.every((r, i) => r === host.routeSources[i]),
        );
        if (same) same.domains.push(...gatewayDomains(hostname, port));
        else collapsed.push({ host, domains: gatewayDomains(hostname, port) });
      }
      virtualHosts = collapsed.map(({ host, domains }) => ({
        name: `${host.hostname}:${port}`,
        domains,
        routes: catchAllLast(host.routeSources.flat()),
        include_request_attempt_count: true,
      }));
    }
    virtualHosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out.push({
      '@type': ROUTE_CONFIGURATION_TYPE,
      name: `http.${port}`,
      virtual_hosts: virtualHosts,
      validate_clusters: false,
    });
  }
  return out;
}

/**
 * Server hosts that apply to a VirtualService in `vsNamespace`: `ns/host` only when the
 * namespace matches (`*` any, `.` the Gateway's own), a plain host always.
 */
function serverHostsForNamespace(
  hosts: readonly string[],
  vsNamespace: string,
  gatewayNamespace: string,
): string[] {
  const out: string[] = [];
  for (const entry of hosts) {
    const slash = entry.indexOf('/');
    if (slash < 0) {
      out.push(entry.toLowerCase());
      continue;
    }
    const namespace = entry.slice(0, slash);
    const host = entry.slice(slash + 1).toLowerCase();
    if (
      namespace === '*' ||
      namespace === vsNamespace ||
      (namespace === '.' && gatewayNamespace === vsNamespace)
    ) {
      out.push(host);
    }
  }
  return out;
}

/** Istio's `host.Names.Intersection`: for each overlapping pair, the narrower host. */
function intersectHosts(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  for (const x of a) {
    for (const y of b) {
      if (!hostsMatch(x, y)) continue;
      const narrower = hostIsSubsetOf(x, y) ? x : y;
      if (!out.includes(narrower)) out.push(narrower);
    }
  }
  return out;
}

function gatewayDomains(hostname: string, port: number): string[] {
  if (hostname === '*') return ['*'];
  // Envoy allows one wildcard per domain, so wildcard hosts keep the exact port.
  return isWildcardHost(hostname) ? [hostname, `${hostname}:${port}`] : [hostname, `${hostname}:*`];
}

function catchAllLast(routes: IstioRoute[]): IstioRoute[] {
  return [...routes.filter((r) => !isCatchAllRoute(r)), ...routes.filter(isCatchAllRoute)];
}

// ---------------------------------------------------------------------------------------
// Shared: VirtualService http[] -> Envoy routes
// ---------------------------------------------------------------------------------------

/**
 * Translates the `http[]` of a VirtualService for one listener port (Istio's
 * `BuildHTTPRoutesForVirtualService`). Undefined when no route applies, which drops the
 * VirtualService for that port. `destinationPort` gives the cluster port of a destination
 * without `port`.
 */
export function buildHttpRoutesForVirtualService(
  vs: IstioConfig<VirtualServiceSpec>,
  listenPort: number,
  gatewayNames: ReadonlySet<string>,
  proxy: RouteBuildProxy,
  destinationPort: (hostname: string) => number,
): IstioRoute[] | undefined {
  const out: IstioRoute[] = [];
  for (const http of vs.spec.http ?? []) {
    let catchAll = false;
    if (!http.match || http.match.length === 0) {
      const route = translateRoute(
        vs,
        http,
        undefined,
        listenPort,
        gatewayNames,
        proxy,
        destinationPort,
      );
      if (route) out.push(route);
      catchAll = true;
    } else {
      for (const match of http.match) {
        const route = translateRoute(
          vs,
          http,
          match,
          listenPort,
          gatewayNames,
          proxy,
          destinationPort,
        );
        if (!route) continue;
        out.push(route);
        if (isCatchAllRoute(route)) {
          catchAll = true;
          break;
        }
      }
    }
    if (catchAll) break;
  }
  return out.length > 0 ? out : undefined;
}

/** A route matching every request: prefix `/` (or regex `.*`) and no header matchers. */
export function isCatchAllRoute(route: EnvoyRoute): boolean {
  const match = route.match;
  const pathCatchAll = match.prefix === '/' || match.safe_regex?.regex === '.*';
  return pathCatchAll && (match.headers ?? []).length === 0;
}

function sourceMatches(
  match: HttpMatchRequest | undefined,
  vsNamespace: string,
  gatewayNames: ReadonlySet<string>,
  proxy: RouteBuildProxy,
): boolean {
  if (!match) return true;
  if (match.gateways && match.gateways.length > 0) {
    return match.gateways.some((g) => gatewayNames.has(resolveGatewayRef(g, vsNamespace)));
  }
  const sourceLabels = match.sourceLabels ?? {};
  for (const [key, value] of Object.entries(sourceLabels)) {
    if (proxy.labels[key] !== value) return false;
  }
  return !match.sourceNamespace || match.sourceNamespace === proxy.namespace;
}

function translateRoute(
  vs: IstioConfig<VirtualServiceSpec>,
  http: HttpRoute,
  match: HttpMatchRequest | undefined,
  listenPort: number,
  gatewayNames: ReadonlySet<string>,
  proxy: RouteBuildProxy,
  destinationPort: (hostname: string) => number,
): IstioRoute | undefined {
  if (match?.port !== undefined && match.port !== 0 && match.port !== listenPort) return undefined;
  if (!sourceMatches(match, vs.namespace, gatewayNames, proxy)) return undefined;

  let name = http.name ?? '';
  if (match?.name) name = `${name}.${match.name}`;

  // Fields are added in Envoy's field-number order, the order config_dump prints them in.
  const route: IstioRoute = { match: translateRouteMatch(match) };
  let headerAuthority = '';
  const headerOps = http.headers ? translateHeaderOperations(http.headers) : undefined;
  if (headerOps) headerAuthority = headerOps.authority;

  if (http.redirect) {
    route.redirect = translateRedirect(http.redirect);
  } else if (!http.directResponse) {
    route.route = translateRouteAction(vs, http, headerAuthority, destinationPort);
  }
  route.metadata = configInfoMetadata(vs);
  route.decorator = { operation: routeOperation(route, vs.name, listenPort) };
  if (http.directResponse && !http.redirect) {
    route.direct_response = {
      status: http.directResponse.status,
      ...(http.directResponse.body?.string !== undefined
        ? { body: { inline_string: http.directResponse.body.string } }
        : {}),
    };
  }
  if (headerOps) {
    if (headerOps.requestToAdd.length > 0) route.request_headers_to_add = headerOps.requestToAdd;
    if (headerOps.responseToAdd.length > 0) route.response_headers_to_add = headerOps.responseToAdd;
    if (headerOps.responseToRemove.length > 0)
      route.response_headers_to_remove = headerOps.responseToRemove;
    if (headerOps.requestToRemove.length > 0)
      route.request_headers_to_remove = headerOps.requestToRemove;
  }
  if (name !== '') route.name = name;
  return route;
}

/**
 * Istio's `BuildConfigInfoMetadata`: which config a route came from, as
 * `/apis/<group>/<version>/namespaces/<ns>/<kebab-kind>/<name>` (the version is istiod's
 * internal one, `v1` since Istio 1.22).
 */
function configInfoMetadata(vs: IstioConfig<VirtualServiceSpec>): IstioConfigInfoMetadata {
  return {
    filter_metadata: {
      istio: {
        config: `/apis/networking.istio.io/v1/namespaces/${vs.namespace}/virtual-service/${vs.name}`,
      },
    },
  };
}

function toEnvoyStringMatch(match: IstioStringMatch): EnvoyStringMatch | undefined {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  if (match.regex !== undefined) return { safe_regex: { regex: match.regex } };
  return undefined;
}

/** Istio turns an empty match and the regex `*` into `present_match`. */
function isPresentMatch(match: IstioStringMatch | undefined): boolean {
  if (!match) return true;
  if (match.exact === undefined && match.prefix === undefined && match.regex === undefined)
    return true;
  return match.regex === '*';
}

function translateHeaderMatch(
  name: string,
  match: IstioStringMatch | undefined,
): IstioHeaderMatcher {
  if (isPresentMatch(match)) return { name, present_match: true };
  const stringMatch = toEnvoyStringMatch(match as IstioStringMatch);
  return stringMatch ? { name, string_match: stringMatch } : { name };
}

function translateRouteMatch(match: HttpMatchRequest | undefined): IstioRouteMatch {
  if (!match) return { prefix: '/' };
  const out: IstioRouteMatch = {};
  const uri = match.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.prefix !== undefined) out.prefix = uri.prefix;
  else if (uri?.regex === undefined) out.prefix = '/';
  out.case_sensitive = !match.ignoreUriCase;

  const headers: IstioHeaderMatcher[] = [];
  for (const [name, stringMatch] of Object.entries(match.headers ?? {})) {
    headers.push(translateHeaderMatch(name, stringMatch));
  }
  for (const [name, stringMatch] of Object.entries(match.withoutHeaders ?? {})) {
    const matcher = translateHeaderMatch(name, stringMatch);
    const inverted: IstioHeaderMatcher = { name: matcher.name };
    if (matcher.present_match) inverted.present_match = true;
    inverted.invert_match = true;
    if (matcher.string_match) inverted.string_match = matcher.string_match;
    if (!isPresentMatch(stringMatch)) inverted.treat_missing_header_as_empty = true;
    headers.push(inverted);
  }
  headers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (match.method) headers.push(translateHeaderMatch(':method', match.method));
  if (match.authority) headers.push(translateHeaderMatch(':authority', match.authority));
  if (match.scheme) headers.push(translateHeaderMatch(':scheme', match.scheme));
  if (headers.length > 0) out.headers = headers;
  if (uri?.regex !== undefined && uri.exact === undefined && uri.prefix === undefined) {
    out.safe_regex = { regex: uri.regex };
  }
  return out;
}

function destinationCluster(
  destination: IstioDestination,
  vsNamespace: string,
  destinationPort: (hostname: string) => number,
): string {
  const hostname = resolveHost(destination.host, vsNamespace);
  const port = destination.port?.number ?? destinationPort(hostname);
  return outboundClusterName(port, destination.subset ?? '', hostname);
}

function translateRouteAction(
  vs: IstioConfig<VirtualServiceSpec>,
  http: HttpRoute,
  headerAuthority: string,
  destinationPort: (hostname: string) => number,
): IstioRouteAction {
  const destinations = http.route ?? [];
  const clusterSpecifier: Pick<EnvoyRouteAction, 'cluster' | 'weighted_clusters'> = {};
  if (destinations.length === 1) {
    clusterSpecifier.cluster = destinationCluster(
      (destinations[0] as { destination: IstioDestination }).destination,
      vs.namespace,
      destinationPort,
    );
  } else {
    const clusters: EnvoyWeightedCluster[] = [];
    for (const destination of destinations) {
      const weight = destination.weight ?? 0;
      // Istio ignores zero-weight destinations when a route has several.
      if (weight === 0) continue;
      clusters.push({
        name: destinationCluster(destination.destination, vs.namespace, destinationPort),
        weight,
      });
    }
    clusterSpecifier.weighted_clusters = { clusters };
  }
  const timeout = http.timeout !== undefined ? (goDurationToProto(http.timeout) ?? '0s') : '0s';
  const action: IstioRouteAction = { ...clusterSpecifier, timeout, max_grpc_timeout: timeout };
  const rewritten: Partial<IstioRouteAction> = {};
  if (http.rewrite?.uri) rewritten.prefix_rewrite = http.rewrite.uri;
  const authority = http.rewrite?.authority || headerAuthority;
  if (authority) rewritten.host_rewrite_literal = authority;
  const retryPolicy = convertRetryPolicy(http.retries);
  const mirrors = mirrorPolicies(http, vs.namespace, destinationPort);
  // Envoy prints fields in field-number order; keep that order.
  return {
    ...(action.cluster !== undefined ? { cluster: action.cluster } : {}),
    ...(action.weighted_clusters !== undefined
      ? { weighted_clusters: action.weighted_clusters }
      : {}),
    ...rewritten,
    timeout: action.timeout,
    ...(retryPolicy ? { retry_policy: retryPolicy } : {}),
    max_grpc_timeout: action.max_grpc_timeout,
    ...(mirrors.length > 0 ? { request_mirror_policies: mirrors } : {}),
  };
}

function mirrorFraction(
  percentage: { value?: number } | undefined,
): IstioMirrorPolicy['runtime_fraction'] | undefined {
  if (percentage === undefined) return { default_value: { numerator: 100 } };
  const value = percentage.value ?? 0;
  if (value <= 0) return undefined;
  return { default_value: { numerator: Math.trunc(value * 10000), denominator: 'MILLION' } };
}

function mirrorPolicies(
  http: HttpRoute,
  vsNamespace: string,
  destinationPort: (hostname: string) => number,
): IstioMirrorPolicy[] {
  const out: IstioMirrorPolicy[] = [];
  if (http.mirror) {
    const fraction = mirrorFraction(http.mirrorPercentage);
    if (fraction) {
      out.push({
        cluster: destinationCluster(http.mirror, vsNamespace, destinationPort),
        runtime_fraction: fraction,
        trace_sampled: false,
      });
    }
  }
  for (const mirror of http.mirrors ?? []) {
    if (!mirror.destination) continue;
    const fraction = mirrorFraction(mirror.percentage);
    if (fraction) {
      out.push({
        cluster: destinationCluster(mirror.destination, vsNamespace, destinationPort),
        runtime_fraction: fraction,
        trace_sampled: false,
      });
    }
  }
  return out;
}

function defaultRetryPolicy(): Record<string, unknown> {
  return {
    retry_on: DEFAULT_RETRY_ON,
    num_retries: 2,
    retry_host_predicate: [PREVIOUS_HOSTS_PREDICATE],
    host_selection_retry_max_attempts: '5',
  };
}

// Status codes Go's http.StatusText knows: Istio treats only these as retriable codes.
const KNOWN_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
  305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415,
  416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
  506, 507, 508, 510, 511,
]);

/** Istio's `retry.ConvertPolicy`: undefined when `attempts` disables retries. */
function convertRetryPolicy(retries: HttpRetry | undefined): Record<string, unknown> | undefined {
  if (!retries) return defaultRetryPolicy();
  const attempts = retries.attempts ?? 0;
  if (attempts <= 0) return undefined;
  let retryOn = DEFAULT_RETRY_ON;
  const statusCodes: number[] = [];
  if (retries.retryOn) {
    const parts: string[] = [];
    for (const raw of retries.retryOn.split(',')) {
      const part = raw.trim();
      if (part === '') continue;
      const code = /^\d+$/.test(part) ? Number(part) : Number.NaN;
      if (KNOWN_STATUS_CODES.has(code)) statusCodes.push(code);
      else parts.push(part);
    }
    retryOn = parts.join(',');
    if (statusCodes.length > 0 && !retryOn.includes('retriable-status-codes'))
      retryOn += ',retriable-status-codes';
  }
  const perTryTimeout = retries.perTryTimeout
    ? goDurationToProto(retries.perTryTimeout)
    : undefined;
  const hostPredicate =
    retries.retryIgnorePreviousHosts === false ? undefined : [PREVIOUS_HOSTS_PREDICATE];
  const backoff = retries.backoff ? goDurationToProto(retries.backoff) : undefined;
  return {
    retry_on: retryOn,
    num_retries: attempts,
    ...(perTryTimeout ? { per_try_timeout: perTryTimeout } : {}),
    ...(retries.retryRemoteLocalities
      ? {
          retry_priority: {
            name: 'envoy.retry_priorities.previous_priorities',
            typed_config: {
              '@type':
                'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
              update_frequency: 2,
            },
          },
        }
      : {}),
    ...(hostPredicate ? { retry_host_predicate: hostPredicate } : {}),
    host_selection_retry_max_attempts: '5',
    ...(statusCodes.length > 0 ? { retriable_status_codes: statusCodes } : {}),
    ...(backoff ? { retry_back_off: { base_interval: backoff } } : {}),
  };
}

function translateRedirect(redirect: NonNullable<HttpRoute['redirect']>): IstioRoute['redirect'] {
  const out: EnvoyRedirectAction & Record<string, unknown> = {};
  if (redirect.scheme) out.scheme_redirect = redirect.scheme;
  if (redirect.authority) out.host_redirect = redirect.authority;
  if (redirect.port !== undefined) {
    const scheme = redirect.scheme || 'http';
    const port = redirect.port;
    if (!(port === 80 && scheme === 'http') && !(port === 443 && scheme === 'https'))
      out.port_redirect = port;
  }
  if (redirect.uri) out.path_redirect = redirect.uri;
  const codes: Record<number, EnvoyRedirectAction['response_code']> = {
    302: 'FOUND',
    303: 'SEE_OTHER',
    307: 'TEMPORARY_REDIRECT',
    308: 'PERMANENT_REDIRECT',
  };
  const code = redirect.redirectCode !== undefined ? codes[redirect.redirectCode] : undefined;
  if (code) out.response_code = code;
  return out;
}

interface TranslatedHeaders {
  requestToAdd: EnvoyHeaderValueOption[];
  responseToAdd: EnvoyHeaderValueOption[];
  requestToRemove: string[];
  responseToRemove: string[];
  authority: string;
}

function isInternalHeader(key: string): boolean {
  return key.startsWith(':') || key.toLowerCase() === 'host';
}

function headerOptions(
  headers: Record<string, string> | undefined,
  overwrite: boolean,
): EnvoyHeaderValueOption[] {
  return Object.entries(headers ?? {})
    .filter(([key]) => !isInternalHeader(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) =>
      overwrite
        ? { header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' as const }
        : { header: { key, value } },
    );
}

function authorityOf(headers: Record<string, string> | undefined): string {
  let authority = '';
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === ':authority' || key.toLowerCase() === 'host') authority = value;
  }
  return authority;
}

function translateHeaderOperations(headers: HeaderOperations): TranslatedHeaders {
  const request = headers.request;
  const response = headers.response;
  return {
    requestToAdd: [...headerOptions(request?.set, true), ...headerOptions(request?.add, false)],
    responseToAdd: [...headerOptions(response?.set, true), ...headerOptions(response?.add, false)],
    requestToRemove: (request?.remove ?? []).filter((k) => !isInternalHeader(k)),
    responseToRemove: (response?.remove ?? []).filter((k) => !isInternalHeader(k)),
    authority: authorityOf(request?.set) || authorityOf(request?.add),
  };
}

/** Istio's `GetRouteOperation`: `host:port/path` for one cluster, else `vsName:port/path`. */
function routeOperation(route: IstioRoute, vsName: string, port: number): string {
  const match = route.match;
  let path = '/*';
  if (match.prefix !== undefined) path = `${match.prefix}*`;
  else if (match.path !== undefined) path = match.path;
  else if (match.safe_regex !== undefined) path = match.safe_regex.regex;
  const cluster = route.route?.cluster;
  if (cluster !== undefined) {
    const parts = cluster.split('|');
    if (parts.length === 4 && parts[0] === 'outbound' && /^\d+$/.test(parts[1] as string)) {
      return `${parts[3] as string}:${parts[1] as string}${path}`;
    }
  }
  return `${vsName}:${port}${path}`;
}
