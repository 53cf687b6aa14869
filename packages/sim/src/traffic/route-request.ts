/**
 * Envoy's HTTP routing over a proxy's applied xDS snapshot, as a pure function: pick the
 * route configuration for the port, the virtual host for the Host header, the first
 * matching route, then a weighted cluster and the mirrors. What happens after that (load
 * balancing, connection failures, retries) is `upstream-request.ts`.
 *
 * Envoy behaviours reproduced (Envoy `config/route/v3` docs and `source/common/router`,
 * Istio `pilot/pkg/networking/core` for what Istio puts in the config):
 * - Sidecar outbound route configurations are named by port (`9080`). Istio sets
 *   `ignore_port_in_host_matching: true` and `validate_clusters: false` on every one, so
 *   the port is stripped from the Host header before matching domains, and a route naming
 *   an unknown cluster fails per request with 503 `NC` instead of being rejected.
 * - Domains: exact match first, then suffix wildcards (`*.foo`), then prefix wildcards
 *   (`foo*`), longest first, then `*`. A wildcard never matches an empty string.
 * - Routes are evaluated in order, first match wins. Path match: `prefix` against the
 *   whole `:path`; `path` and `safe_regex` (full match) against the path without query.
 * - Header matchers are AND-ed, with Envoy's `HeaderUtility::matchHeaders` semantics for
 *   absent headers, `present_match` and `invert_match`.
 * - No route configuration, virtual host or route: 404 with response flag `NR`; a route
 *   naming a cluster the snapshot lacks: 503 `NC`.
 * - `PassthroughCluster` (Istio's `allow_any` virtual host, domain `*`) is not a cluster
 *   with endpoints: it forwards to the original destination, see `PassthroughRoute`.
 * - `weighted_clusters`: weights are relative; a cluster is picked with probability
 *   weight / total. Mirrors fire with their `runtime_fraction` (100% when unset).
 */
import type {
  ClusterConfig,
  EnvoyHeaderMatcher,
  EnvoyMirrorPolicy,
  EnvoyRoute,
  EnvoyRouteConfiguration,
  EnvoyRouteMatch,
  EnvoyVirtualHost,
  ProxyConfigSnapshot,
} from '../mesh/mesh-types.js';
import { parseRetryPolicy, type RetryPolicy } from './retry-policy.js';
import type { RandomSource } from './seeded-random.js';

/** An HTTP request as an application sends it through its sidecar. */
export interface HttpRequest {
  /** Host the application addresses: `reviews`, `reviews.bookinfo`, an FQDN. */
  host: string;
  /** Destination port; selects the sidecar route configuration named after it. */
  port: number;
  /** `:path`, including any query string. */
  path: string;
  /** Request headers; names in lower case. */
  headers: Readonly<Record<string, string>>;
}

/** Why a request was answered by the proxy itself. */
export type LocalReplyReason =
  | 'no-route-config'
  | 'no-virtual-host'
  | 'no-route'
  | 'cluster-not-found'
  | 'direct-response'
  | 'redirect'
  | 'headers-too-large';

/** The proxy answered without sending the request anywhere. */
export interface LocalReply {
  kind: 'local-reply';
  /** HTTP status sent to the application. */
  status: number;
  /** Envoy response flags (`NR`, `NC`, `UH`), `-` when none. */
  responseFlags: string;
  /** Why the proxy answered. */
  reason: LocalReplyReason;
  /** Name of the matched route, undefined when none matched or the route is unnamed. */
  routeName: string | undefined;
  /** For `cluster-not-found`: the cluster the route named; undefined otherwise. */
  clusterName: string | undefined;
}

/** The request goes to an upstream cluster. */
export interface UpstreamRoute {
  kind: 'upstream';
  /** Name of the matched route, undefined when unnamed. */
  routeName: string | undefined;
  /** The chosen cluster. */
  cluster: ClusterConfig;
  /** The route's retry policy, undefined when the route has none (no retries). */
  retryPolicy: RetryPolicy | undefined;
  /** Route timeout in milliseconds; 0 means disabled (Istio's default `0s`). */
  timeoutMs: number;
  /** Clusters that get a shadow copy of this request (existing clusters only). */
  mirrors: readonly ClusterConfig[];
}

/**
 * The request matched Istio's `allow_any` catch-all: Envoy forwards it to the original
 * destination address through the `PassthroughCluster` (ORIGINAL_DST), bypassing every
 * VirtualService.
 */
export interface PassthroughRoute {
  kind: 'passthrough';
  /** Name of the matched route (`allow_any` as Istio builds it). */
  routeName: string | undefined;
}

/** Outcome of routing one request. */
export type RouteDecision = LocalReply | UpstreamRoute | PassthroughRoute;

/** Istio's ORIGINAL_DST cluster: forwards to wherever the application connected. */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

/** Options of `routeRequest`. */
export interface RouteRequestOptions {
  /**
   * Route configuration name; defaults to the port (`9080`), as for sidecars. Gateways
   * use `http.<port>`.
   */
  routeConfigName?: string;
}

/** Routes one request over an applied snapshot; `random` decides weights and mirrors. */
export function routeRequest(
  snapshot: ProxyConfigSnapshot,
  request: HttpRequest,
  random: RandomSource,
  options: RouteRequestOptions = {},
): RouteDecision {
  const configName = options.routeConfigName ?? String(request.port);
  const config = snapshot.routes.find((r) => r.name === configName);
  if (!config) return noRoute('no-route-config', undefined);
  const virtualHost = findVirtualHost(config, hostHeader(request));
  if (!virtualHost) return noRoute('no-virtual-host', undefined);
  const route = virtualHost.routes.find((r) => routeMatches(r.match, request));
  if (!route) return noRoute('no-route', undefined);

  if (route.direct_response) {
    return localReply(route.direct_response.status, '-', 'direct-response', route.name);
  }
  if (route.redirect) return localReply(301, '-', 'redirect', route.name);
  const action = route.route;
  if (!action) return noRoute('no-route', route.name);

  const clusterName = pickCluster(route, random);
  if (clusterName === PASSTHROUGH_CLUSTER) return { kind: 'passthrough', routeName: route.name };
  const cluster = clusterName === undefined ? undefined : snapshot.clusters.get(clusterName);
  if (!cluster) {
    return {
      ...localReply(503, 'NC', 'cluster-not-found', route.name),
      clusterName,
    };
  }
  return {
    kind: 'upstream',
    routeName: route.name,
    cluster,
    retryPolicy: action.retry_policy ? parseRetryPolicy(action.retry_policy) : undefined,
    timeoutMs: parseEnvoyDuration(action.timeout),
    mirrors: pickMirrors(action.request_mirror_policies ?? [], snapshot, random),
  };
}

/** The Host header an HTTP/1.1 client sends: the port is omitted only for 80. */
export function hostHeader(request: Pick<HttpRequest, 'host' | 'port'>): string {
  return request.port === 80 ? request.host : `${request.host}:${request.port}`;
}

function noRoute(reason: LocalReplyReason, routeName: string | undefined): LocalReply {
  return localReply(404, 'NR', reason, routeName);
}

function localReply(
  status: number,
  responseFlags: string,
  reason: LocalReplyReason,
  routeName: string | undefined,
): LocalReply {
  return {
    kind: 'local-reply',
    status,
    responseFlags,
    reason,
    routeName,
    clusterName: undefined,
  };
}

/** Envoy's virtual host selection for a Host header value. */
export function findVirtualHost(
  config: EnvoyRouteConfiguration,
  authority: string,
): EnvoyVirtualHost | undefined {
  // Istio always sets ignore_port_in_host_matching on the route configurations it builds;
  // honour an explicit false from a hand-written config.
  const ignorePort =
    (config as { ignore_port_in_host_matching?: boolean }).ignore_port_in_host_matching !== false;
  let host = authority.toLowerCase();
  if (ignorePort) host = stripPort(host);

  let suffixMatch: { host: EnvoyVirtualHost; length: number } | undefined;
  let prefixMatch: { host: EnvoyVirtualHost; length: number } | undefined;
  let defaultHost: EnvoyVirtualHost | undefined;
  for (const virtualHost of config.virtual_hosts) {
    for (const rawDomain of virtualHost.domains) {
      const domain = rawDomain.toLowerCase();
      if (domain === host) return virtualHost;
      if (domain === '*') {
        defaultHost ??= virtualHost;
      } else if (domain.startsWith('*')) {
        const suffix = domain.slice(1);
        if (host.length > suffix.length && host.endsWith(suffix)) {
          if (!suffixMatch || suffix.length > suffixMatch.length) {
            suffixMatch = { host: virtualHost, length: suffix.length };
          }
        }
      } else if (domain.endsWith('*')) {
        const prefix = domain.slice(0, -1);
        if (host.length > prefix.length && host.startsWith(prefix)) {
          if (!prefixMatch || prefix.length > prefixMatch.length) {
            prefixMatch = { host: virtualHost, length: prefix.length };
          }
        }
      }
    }
  }
  return suffixMatch?.host ?? prefixMatch?.host ?? defaultHost;
}

function stripPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return host;
  // An IPv6 literal is bracketed; a colon inside the brackets is not a port separator.
  const bracket = host.lastIndexOf(']');
  if (bracket > colon) return host;
  return /^\d+$/.test(host.slice(colon + 1)) ? host.slice(0, colon) : host;
}

/** Whether an Envoy `RouteMatch` matches the request. */
export function routeMatches(match: EnvoyRouteMatch, request: HttpRequest): boolean {
  if (!pathMatches(match, request.path)) return false;
  for (const matcher of match.headers ?? []) {
    if (!headerMatches(matcher, request.headers)) return false;
  }
  return true;
}

function pathMatches(match: EnvoyRouteMatch, fullPath: string): boolean {
  if (match.prefix !== undefined) return fullPath.startsWith(match.prefix);
  const query = fullPath.indexOf('?');
  const path = query < 0 ? fullPath : fullPath.slice(0, query);
  if (match.path !== undefined) return path === match.path;
  if (match.safe_regex !== undefined) return fullRegex(match.safe_regex.regex)?.test(path) ?? false;
  // A RouteMatch must name one path specifier; Envoy would have rejected the config.
  return false;
}

/** Envoy `HeaderMatcher` semantics, including absent headers and `invert_match`. */
export function headerMatches(
  matcher: EnvoyHeaderMatcher,
  headers: Readonly<Record<string, string>>,
): boolean {
  const value = headers[matcher.name.toLowerCase()];
  const invert = matcher.invert_match === true;
  const treatMissingAsEmpty =
    (matcher as { treat_missing_header_as_empty?: boolean }).treat_missing_header_as_empty === true;
  const isPresentMatch = matcher.string_match === undefined;
  // Envoy treats a matcher without a specifier as present_match: true.
  const present = matcher.present_match ?? true;
  if (value === undefined && !treatMissingAsEmpty) {
    return isPresentMatch && (invert ? present : !present);
  }
  const actual = value ?? '';
  const matched = isPresentMatch
    ? present
    : stringMatches(
        matcher.string_match as NonNullable<EnvoyHeaderMatcher['string_match']>,
        actual,
      );
  return matched !== invert;
}

function stringMatches(
  match: NonNullable<EnvoyHeaderMatcher['string_match']>,
  value: string,
): boolean {
  if (match.exact !== undefined) return value === match.exact;
  if (match.prefix !== undefined) return value.startsWith(match.prefix);
  if (match.safe_regex !== undefined)
    return fullRegex(match.safe_regex.regex)?.test(value) ?? false;
  return false;
}

const regexCache = new Map<string, RegExp | null>();

/** RE2 `safe_regex` matches the whole string; an invalid pattern never matches. */
function fullRegex(pattern: string): RegExp | undefined {
  let compiled = regexCache.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      compiled = null;
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, compiled);
  }
  return compiled ?? undefined;
}

function pickCluster(route: EnvoyRoute, random: RandomSource): string | undefined {
  const action = route.route;
  if (!action) return undefined;
  if (action.cluster !== undefined) return action.cluster;
  const clusters = action.weighted_clusters?.clusters ?? [];
  let total = 0;
  for (const c of clusters) total += Math.max(0, c.weight);
  // Envoy rejects weighted_clusters whose weights sum to zero, so an applied config never
  // has one; answer as for an unknown cluster rather than invent a choice.
  if (total <= 0) return undefined;
  let point = random() * total;
  for (const c of clusters) {
    const weight = Math.max(0, c.weight);
    if (point < weight) return c.name;
    point -= weight;
  }
  return clusters.findLast((c) => c.weight > 0)?.name;
}

const DENOMINATORS = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

function pickMirrors(
  policies: readonly EnvoyMirrorPolicy[],
  snapshot: ProxyConfigSnapshot,
  random: RandomSource,
): ClusterConfig[] {
  const out: ClusterConfig[] = [];
  for (const policy of policies) {
    const fraction = policy.runtime_fraction?.default_value;
    if (fraction) {
      const denominator = DENOMINATORS[fraction.denominator ?? 'HUNDRED'];
      if (random() * denominator >= fraction.numerator) continue;
    }
    // A shadow to an unknown cluster fails inside Envoy without any trace in metrics.
    const cluster = snapshot.clusters.get(policy.cluster);
    if (cluster) out.push(cluster);
  }
  return out;
}

/**
 * Parses an Envoy JSON duration (`"0s"`, `"1.500s"`, `"15s"`) to milliseconds; `0`, an
 * unparseable value or an absent one mean no timeout.
 */
export function parseEnvoyDuration(duration: string | undefined): number {
  if (!duration) return 0;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim());
  return match ? Number(match[1]) * 1000 : 0;
}
