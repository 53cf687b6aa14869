/**
 * What a simulated Envoy proxy holds after applying an xDS push, and the read-only view of
 * the mesh the traffic generator and the Envoy admin endpoint use. Route shapes are
 * Envoy's own JSON (snake_case) as `config_dump` prints them (istio.md section 2), so the
 * admin endpoint can serve them as they are.
 */

/** Envoy `StringMatcher` as used in header matches. */
export interface EnvoyStringMatch {
  exact?: string;
  prefix?: string;
  safe_regex?: { regex: string };
}

/** Envoy `HeaderMatcher`. */
export interface EnvoyHeaderMatcher {
  name: string;
  string_match?: EnvoyStringMatch;
  present_match?: boolean;
  invert_match?: boolean;
  /** Istio sets this: an absent header matches as the empty string. */
  treat_missing_header_as_empty?: boolean;
}

/** Envoy `RouteMatch`: exactly one of prefix / path / safe_regex, plus header matchers. */
export interface EnvoyRouteMatch {
  prefix?: string;
  path?: string;
  safe_regex?: { regex: string };
  headers?: EnvoyHeaderMatcher[];
}

/** One weighted cluster. Weights are passed through from the VirtualService, not normalised. */
export interface EnvoyWeightedCluster {
  name: string;
  weight: number;
}

/** Envoy `RequestMirrorPolicy`. */
export interface EnvoyMirrorPolicy {
  cluster: string;
  runtime_fraction?: {
    default_value: { numerator: number; denominator?: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION' };
  };
}

/** Envoy `RouteAction`: a single `cluster` or `weighted_clusters`. */
export interface EnvoyRouteAction {
  cluster?: string;
  weighted_clusters?: { clusters: EnvoyWeightedCluster[] };
  timeout: string;
  retry_policy?: Record<string, unknown>;
  request_mirror_policies?: EnvoyMirrorPolicy[];
}

/** Envoy `Route`. */
export interface EnvoyRoute {
  /** `http[].name` (+ `"." + match.name` when the match is named); absent when unnamed. */
  name?: string;
  match: EnvoyRouteMatch;
  route?: EnvoyRouteAction;
  direct_response?: { status: number };
  redirect?: Record<string, unknown>;
}

/** Envoy `VirtualHost`. */
export interface EnvoyVirtualHost {
  /** `reviews.bookinfo.svc.cluster.local:9080`. */
  name: string;
  /** Host names (and `host:port` forms) this virtual host answers for. */
  domains: string[];
  routes: EnvoyRoute[];
}

/** Envoy `RouteConfiguration`: named by port for sidecars (`9080`), `http.<port>` for gateways. */
export interface EnvoyRouteConfiguration {
  '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
  name: string;
  virtual_hosts: EnvoyVirtualHost[];
  validate_clusters?: boolean;
  /** Istio sets this on every route configuration: Host header ports are ignored when matching domains. */
  ignore_port_in_host_matching?: boolean;
}

/** A pod endpoint of a cluster, as EDS delivered it. */
export interface ClusterEndpoint {
  /** Pod namespace. */
  namespace: string;
  /** Pod name. */
  pod: string;
  /** Pod IP. */
  ip: string;
}

/** A cluster as a proxy knows it (CDS + EDS). */
export interface ClusterConfig {
  /** `outbound|9080|green|reviews.bookinfo.svc.cluster.local`; subset empty when none. */
  name: string;
  /** Service FQDN. */
  host: string;
  /** Service port. */
  port: number;
  /** Subset name, undefined for the whole service. */
  subset?: string;
  /** Endpoints at push time: ready pods selected by the Service and the subset labels. */
  endpoints: readonly ClusterEndpoint[];
}

/**
 * One xDS push as a proxy applies it. Immutable and shared between every proxy that got
 * the same push, so 10,000 proxies do not mean 10,000 copies.
 */
export interface ProxyConfigSnapshot {
  /** Push version, `RFC3339 time + "/" + counter`; equals `version_info` in config_dump. */
  version: string;
  /** RDS: route configurations. */
  routes: readonly EnvoyRouteConfiguration[];
  /** CDS + EDS, by cluster name. A route naming a cluster missing here answers 503 NC. */
  clusters: ReadonlyMap<string, ClusterConfig>;
  /** When istiod built this push. */
  builtAt: Date;
}

/** `sidecar` or `router` (gateway), as in syncz `proxy_type`. */
export type ProxyType = 'sidecar' | 'router';

/** A connected proxy, read-only. */
export interface ProxyView {
  /** `<pod>.<namespace>`. */
  id: string;
  /** Pod name. */
  pod: string;
  /** Pod namespace. */
  namespace: string;
  /** Workload (Deployment) name. */
  workload: string;
  /** Sidecar or gateway. */
  proxyType: ProxyType;
  /** istiod pod this proxy is connected to. */
  istiod: string;
  /** The config the proxy has applied and acked, undefined before its first ack. */
  applied: ProxyConfigSnapshot | undefined;
  /** When `applied` was applied. */
  appliedAt: Date | undefined;
  /**
   * `max_request_headers_kb` of its HTTP connection managers when an override sets it;
   * undefined: Envoy's default, 60.
   */
  readonly maxRequestHeadersKb?: number | undefined;
}

/** Read access to the mesh for traffic, metrics and tests. */
export interface MeshView {
  /** Every connected proxy. */
  proxies(): Iterable<ProxyView>;
  /** The proxy of a pod, if it has one. */
  proxyOfPod(namespace: string, pod: string): ProxyView | undefined;
}
