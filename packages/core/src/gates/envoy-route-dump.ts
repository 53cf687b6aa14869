/**
 * What a proxy really routes, read from Envoy's own `config_dump` (docs/reference/istio.md
 * §2), compared with what switchyard applied. Pure: the verifier fetches, this judges.
 *
 * `GET /config_dump?resource=dynamic_route_configs` answers
 * `{"configs": [{"@type": "...RoutesConfigDump.DynamicRouteConfig", "version_info",
 * "route_config", "last_updated"}]}` (an empty dump is `{}`); the full dump nests the same
 * elements in a `RoutesConfigDump`. Both are accepted.
 *
 * Where the service's routes are:
 * - sidecars: the RouteConfiguration named by the service port (`9080`), in the virtual
 *   host whose domains contain the service FQDN;
 * - gateways (`router`): RouteConfigurations `http.<server port>`, in every virtual host that
 *   has the managed route or the pre-release route by name (their domains are the gateway's
 *   hosts, not the FQDN, and other VirtualServices may route to the service there too). A
 *   gateway is therefore only verified when the managed route is named (`target.routes`) or
 *   the pre-release route exists.
 *
 * In that virtual host, the managed route is the one named `routeName` (Envoy names routes
 * `http[].name`, plus `.<match name>` for named matches), else every route that sends only
 * to slot subsets of the service, preferring the default routes (prefix `/` and no other
 * condition: a user's own `/legacy` route to a slot above the managed one is not the traffic
 * split), then routes without header matches (nor is a user's header route to a slot). Clusters are
 * `outbound|<port>|<subset>|<fqdn>` for a VirtualService's subsets, and
 * `outbound|<port>||<slot-service fqdn>` for an HTTPRoute's slot Services (the expectation's
 * `clusters`; istiod names an HTTPRoute rule's Envoy route after the rule's `name`, else
 * `<namespace>.<route>.<rule index>`); one destination shows as `route.cluster`, several as
 * `weighted_clusters` without zero weights, passed through unnormalised, so shares are
 * compared rather than raw numbers.
 */
import { isJsonObject } from '../json-diff/json-value.js';
import { ROUTE_CONFIGS, sectionElements } from './config-dump-sections.js';
import type { DataplaneExpectation } from './dataplane-verifier.js';

/** One dynamic route configuration of a proxy. */
export interface DynamicRouteConfig {
  /** `version_info`: the push version (the nonce prefix syncz shows). */
  readonly version: string;
  /** The RouteConfiguration as Envoy prints it. */
  readonly routeConfig: EnvoyRouteConfigurationDump;
}

/**
 * The parts of an Envoy RouteConfiguration the verifier reads (Envoy's other fields are
 * there too, and ignored).
 */
export interface EnvoyRouteConfigurationDump {
  /** `9080` for sidecars, `http.8080` for gateways. */
  name?: string;
  /** Virtual hosts. */
  virtual_hosts?: EnvoyVirtualHostDump[];
}

/** The parts of an Envoy VirtualHost the verifier reads. */
export interface EnvoyVirtualHostDump {
  /** `reviews.bookinfo.svc.cluster.local:9080`. */
  name?: string;
  /** Host names it answers for. */
  domains?: string[];
  /** Routes, first match wins. */
  routes?: EnvoyRouteDump[];
}

/** The parts of an Envoy Route the verifier reads. */
export interface EnvoyRouteDump {
  /** Route name. */
  name?: string;
  /** Match; `headers` makes it a header route, a lone `prefix: "/"` a default route. */
  match?: { prefix?: string; headers?: unknown[] };
  /** Action: one `cluster` or `weighted_clusters`. */
  route?: {
    cluster?: string;
    weighted_clusters?: { clusters?: { name?: string; weight?: number }[] };
  };
}

function dynamicRouteConfig(element: Record<string, unknown>): DynamicRouteConfig | undefined {
  const routeConfig = element.route_config;
  if (!isJsonObject(routeConfig)) return undefined;
  return {
    version: typeof element.version_info === 'string' ? element.version_info : '',
    routeConfig: routeConfig,
  };
}

/**
 * The dynamic route configurations of a config_dump answer (`?resource=dynamic_route_configs`
 * or the full dump).
 *
 * @throws ConfigDumpFormatError when the answer is not a config dump at all.
 */
export function parseRouteConfigDump(body: unknown): DynamicRouteConfig[] {
  return sectionElements(body, ROUTE_CONFIGS).flatMap((element) => {
    const config = dynamicRouteConfig(element);
    return config ? [config] : [];
  });
}

/** Envoy's outbound cluster name for a subset of a service port. */
export function outboundCluster(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** The pre-release header route as found. */
export interface ObservedHeaderRoute {
  /** Whether a route with that name exists. */
  present: boolean;
  /** Where it sends traffic, when present. */
  cluster?: string | undefined;
  /** Whether it comes before the managed route (it must, to win). */
  beforeManagedRoute?: boolean | undefined;
}

/** What one virtual host of a proxy routes for the service. */
export interface ObservedRoutes {
  /** RouteConfiguration inspected. */
  routeConfig: string;
  /** Its `version_info`. */
  version: string;
  /** Virtual host inspected. */
  virtualHost: string;
  /** Managed route found (name, or `#<index>` when unnamed); undefined when none. */
  route: string | undefined;
  /** Weight per destination key (subset or slot Service; a foreign cluster by its name) on the managed route. */
  weights: Record<string, number> | undefined;
  /** The pre-release header route. */
  headerRoute: ObservedHeaderRoute;
}

/** What switchyard expects, in the same terms as {@link ObservedRoutes}. */
export interface ExpectedRoutes {
  /** Weight per destination key; zero weights left out (Envoy drops them). */
  weights: Record<string, number>;
  /** The pre-release header route. */
  headerRoute: { present: boolean; cluster?: string | undefined };
}

/** One virtual host that differs from the expectation. */
export interface RouteMismatch {
  /** What differs, for the error message. */
  message: string;
  /** What was expected. */
  expected: ExpectedRoutes;
  /** What the proxy has. */
  actual: ObservedRoutes;
}

/** Result of inspecting one proxy's dump. */
export type RouteInspection =
  | {
      /** The proxy has no route for the service (not a client of it): nothing to judge. */
      readonly relevant: false;
    }
  | {
      readonly relevant: true;
      /** `version_info` of the route configuration inspected. */
      readonly version: string;
      /** Every virtual host inspected, as found. */
      readonly observed: readonly ObservedRoutes[];
      /** The first difference, when there is one. */
      readonly mismatch: RouteMismatch | undefined;
    };

/** Envoy's cluster of a destination key of the expectation (a subset, or a slot Service). */
export function expectedCluster(expectation: DataplaneExpectation, key: string): string {
  return expectation.clusters?.[key] ?? outboundCluster(expectation.port, key, expectation.host);
}

/** The destination key of one of the expectation's clusters, or undefined for any other. */
function keyOfCluster(expectation: DataplaneExpectation, cluster: string): string | undefined {
  if (expectation.clusters) {
    return Object.keys(expectation.clusters).find((key) => expectation.clusters?.[key] === cluster);
  }
  const prefix = `outbound|${expectation.port}|`;
  const suffix = `|${expectation.host}`;
  return cluster.startsWith(prefix) && cluster.endsWith(suffix)
    ? cluster.slice(prefix.length, cluster.length - suffix.length)
    : undefined;
}

/** The expectation as Envoy would show it. */
export function expectedRoutes(expectation: DataplaneExpectation): ExpectedRoutes {
  const weights: Record<string, number> = {};
  for (const [key, weight] of Object.entries(expectation.weights))
    if (weight > 0) weights[key] = weight;
  const { headerRoute } = expectation;
  return {
    weights,
    headerRoute: headerRoute.present
      ? {
          present: true,
          cluster:
            headerRoute.destination !== undefined
              ? expectedCluster(expectation, headerRoute.destination)
              : undefined,
        }
      : { present: false },
  };
}

function routeClusters(route: EnvoyRouteDump): { name: string; weight: number }[] | undefined {
  const action = route.route;
  if (!action) return undefined;
  if (typeof action.cluster === 'string') return [{ name: action.cluster, weight: 1 }];
  const clusters = action.weighted_clusters?.clusters;
  if (!Array.isArray(clusters)) return undefined;
  return clusters
    .filter((c) => typeof c.name === 'string')
    .map((c) => ({ name: c.name as string, weight: typeof c.weight === 'number' ? c.weight : 0 }));
}

/**
 * Whether the route matches every request: what Istio makes of an http route without
 * `match` (prefix `/`, nothing else), the default route switchyard manages among several.
 */
function matchesEverything(route: EnvoyRouteDump | undefined): boolean {
  const match = route?.match;
  if (match?.prefix !== '/') return false;
  return Object.keys(match).every((key) => key === 'prefix' || key === 'case_sensitive');
}

function namedLike(route: EnvoyRouteDump, name: string): boolean {
  return route.name === name || (route.name?.startsWith(`${name}.`) ?? false);
}

/**
 * Whether a gateway virtual host carries the managed VirtualService's routes. Other
 * VirtualServices bound to the gateway may route to the same service (even to a slot
 * subset), so only names identify the managed routes there: the managed route's name, or
 * the pre-release route's.
 */
function carriesManagedRoutes(
  virtualHost: EnvoyVirtualHostDump,
  expectation: DataplaneExpectation,
): boolean {
  const names = [expectation.headerRoute.name];
  if (expectation.routeName !== undefined) names.push(expectation.routeName);
  return (virtualHost.routes ?? []).some((route) => names.some((name) => namedLike(route, name)));
}

function shares(weights: Record<string, number>): Map<string, number> {
  const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
  return new Map(Object.entries(weights).map(([key, w]) => [key, total > 0 ? w / total : 0]));
}

function sameShares(a: Record<string, number>, b: Record<string, number>): boolean {
  const sa = shares(a);
  const sb = shares(b);
  if (sa.size !== sb.size) return false;
  for (const [key, share] of sa) {
    const other = sb.get(key);
    if (other === undefined || Math.abs(other - share) > 1e-9) return false;
  }
  return true;
}

function describeWeights(weights: Record<string, number> | undefined): string {
  if (!weights) return 'no traffic split';
  const entries = Object.entries(weights);
  return entries.length === 0 ? 'nothing' : entries.map(([k, w]) => `${k}=${w}`).join(', ');
}

/**
 * Inspects one proxy's route configurations against the expectation. `proxyType` decides
 * where the service's routes live (see the module comment).
 */
export function inspectRoutes(
  configs: readonly DynamicRouteConfig[],
  expectation: DataplaneExpectation,
  proxyType: string,
): RouteInspection {
  const expected = expectedRoutes(expectation);
  const host = expectation.host.toLowerCase();
  const targets: { config: DynamicRouteConfig; virtualHost: EnvoyVirtualHostDump }[] = [];
  for (const config of configs) {
    const name = config.routeConfig.name ?? '';
    for (const virtualHost of config.routeConfig.virtual_hosts ?? []) {
      if (proxyType === 'waypoint') {
        // The waypoint's configuration was picked for the Service's VIP and port already
        // (`envoy-waypoint-dump.ts`): its one virtual host (domains `*`) has the routes.
        targets.push({ config, virtualHost });
      } else if (proxyType === 'router') {
        if (name.startsWith('http.') && carriesManagedRoutes(virtualHost, expectation))
          targets.push({ config, virtualHost });
      } else if (
        name === String(expectation.port) &&
        (virtualHost.domains ?? []).some(
          (domain) =>
            domain.toLowerCase() === host || domain.toLowerCase() === `${host}:${expectation.port}`,
        )
      ) {
        targets.push({ config, virtualHost });
      }
    }
  }
  if (targets.length === 0) return { relevant: false };
  const observed: ObservedRoutes[] = [];
  let mismatch: RouteMismatch | undefined;
  for (const { config, virtualHost } of targets) {
    const result = inspectVirtualHost(config, virtualHost, expectation, expected);
    observed.push(result.actual);
    if (result.message !== undefined && !mismatch)
      mismatch = { message: result.message, expected, actual: result.actual };
  }
  return { relevant: true, version: targets[0]?.config.version ?? '', observed, mismatch };
}

function inspectVirtualHost(
  config: DynamicRouteConfig,
  virtualHost: EnvoyVirtualHostDump,
  expectation: DataplaneExpectation,
  expected: ExpectedRoutes,
): { actual: ObservedRoutes; message: string | undefined } {
  const routes = virtualHost.routes ?? [];
  const headerName = expectation.headerRoute.name;
  const headerIndex = routes.findIndex((route) => namedLike(route, headerName));
  let managed: number[];
  if (expectation.routeName !== undefined) {
    const name = expectation.routeName;
    managed = routes.flatMap((route, index) => (namedLike(route, name) ? [index] : []));
  } else {
    const toSlots = routes.flatMap((route, index) => {
      if (namedLike(route, headerName)) return [];
      const clusters = routeClusters(route);
      if (!clusters || clusters.length === 0) return [];
      return clusters.every((c) => {
        const key = keyOfCluster(expectation, c.name);
        return key !== undefined && key in expectation.weights;
      })
        ? [index]
        : [];
    });
    const withoutHeaders = toSlots.filter((index) => !routes[index]?.match?.headers?.length);
    const catchAll = withoutHeaders.filter((index) => matchesEverything(routes[index]));
    managed = catchAll.length > 0 ? catchAll : withoutHeaders.length > 0 ? withoutHeaders : toSlots;
  }
  const first = managed[0];
  const headerRoute: ObservedHeaderRoute =
    headerIndex < 0
      ? { present: false }
      : {
          present: true,
          cluster: routes[headerIndex]?.route?.cluster,
          beforeManagedRoute: first === undefined || headerIndex < first,
        };
  const actual: ObservedRoutes = {
    routeConfig: config.routeConfig.name ?? '',
    version: config.version,
    virtualHost: virtualHost.name ?? '',
    route: first === undefined ? undefined : (routes[first]?.name ?? `#${first}`),
    weights: undefined,
    headerRoute,
  };
  if (first === undefined) {
    return {
      actual,
      message:
        expectation.routeName !== undefined
          ? `route "${expectation.routeName}" not found in virtual host ${actual.virtualHost}`
          : `no route to the slot ${expectation.clusters ? 'Services' : 'subsets'} of ${expectation.host} in virtual host ${actual.virtualHost}`,
    };
  }
  let message: string | undefined;
  for (const index of managed) {
    const clusters = routeClusters(routes[index] as EnvoyRouteDump) ?? [];
    const weights: Record<string, number> = {};
    for (const cluster of clusters) {
      const key = keyOfCluster(expectation, cluster.name) ?? cluster.name;
      weights[key] = (weights[key] ?? 0) + cluster.weight;
    }
    if (index === first) actual.weights = weights;
    if (message === undefined && !sameShares(weights, expected.weights)) {
      actual.weights = weights;
      actual.route = routes[index]?.name ?? `#${index}`;
      message =
        `route ${actual.route} in ${actual.virtualHost} splits ${describeWeights(weights)}, ` +
        `expected ${describeWeights(expected.weights)}`;
    }
  }
  if (message === undefined) message = headerRouteProblem(expected, headerRoute, headerName);
  return { actual, message };
}

function headerRouteProblem(
  expected: ExpectedRoutes,
  observed: ObservedHeaderRoute,
  name: string,
): string | undefined {
  if (!expected.headerRoute.present) {
    return observed.present ? `header route ${name} is still present` : undefined;
  }
  if (!observed.present) return `header route ${name} is missing`;
  if (
    expected.headerRoute.cluster !== undefined &&
    observed.cluster !== expected.headerRoute.cluster
  )
    return `header route ${name} sends to ${observed.cluster ?? 'no single cluster'}, expected ${expected.headerRoute.cluster}`;
  if (!observed.beforeManagedRoute) return `header route ${name} comes after the managed route`;
  return undefined;
}
