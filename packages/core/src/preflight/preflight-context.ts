/**
 * The cluster facts every check reads, gathered once before the checks run
 * (`read-cluster-facts.ts`) and handed to each of them as plain data. Facts a check may do
 * without (cluster-wide lists that RBAC can forbid, istiod, Prometheus, Envoy's config) are
 * `Fact`s: either the value or why it could not be read, so a check can say what it could
 * not look at instead of failing the whole run.
 */
import type { DataplanePath } from '../dataplane/dataplane-path.js';
import type { Slot } from '../istio/route-target.js';
import type {
  DestinationRule,
  Gateway,
  PeerAuthentication,
  ServiceEntry,
  VirtualService,
} from '../istio/types.js';
import type { Deployment, Namespace, Pod, Service } from '../kube/kube-types.js';
import type { ProxyRouteStatus } from '../gates/syncz-status.js';
import type { HttpRouteSchema } from '../routing/http-route/http-route-schema.js';
import type { GatewayApiGateway, HttpRoute } from '../routing/http-route/http-route-types.js';
import type { RouteBackendKindName } from '../spec/sections/target.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';

/** A fact that was read, or why it could not be. */
export type Fact<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** What preflight runs for: `doctor`, or the operation about to change the cluster. */
export type PreflightOperation = 'doctor' | 'deploy' | 'release';

/** The istiod view of the proxies (`istioctl proxy-status`), from every replica's syncz. */
export interface ProxySyncFacts {
  /** Proxies in the sync scope, merged across replicas. */
  readonly proxies: readonly ProxyRouteStatus[];
  /** istiod replicas found. */
  readonly replicas: readonly string[];
  /** Replicas that did not answer, with why. */
  readonly unanswered: readonly { readonly istiod: string; readonly error: string }[];
}

/** What Prometheus holds for the service. */
export interface PrometheusFacts {
  /** Where it was asked (URL or Service), for messages. */
  readonly endpoint: string;
  /**
   * What was asked about: the service (`reviews.bookinfo.svc.cluster.local`) or, through an
   * HTTPRoute, its slot Services (`the slot Services reviews-blue, reviews-green`).
   */
  readonly subject: string;
  /**
   * The reporter the built-in checks query (`destination`; `source` through an HTTPRoute;
   * `waypoint` through an HTTPRoute in ambient).
   */
  readonly checkedReporter: string;
  /** The window looked at, in milliseconds. */
  readonly windowMs: number;
  /** Samples of `istio_requests_total` for the service in the window, per `reporter`. */
  readonly samplesByReporter: Readonly<Record<string, number>>;
}

/** The request header limit of one proxy, from its Envoy `config_dump`. */
export interface EnvoyHeaderLimit {
  /** Proxy id, `<pod>.<namespace>`. */
  readonly proxy: string;
  /** `sidecar` or `router`. */
  readonly proxyType: string;
  /** `inbound` (one of the service's own pods) or `outbound` (a caller or gateway). */
  readonly direction: 'inbound' | 'outbound';
  /** The lowest `max_request_headers_kb` of the listeners on the service's path (Envoy's default 60 when unset). */
  readonly maxRequestHeadersKb: number;
  /** The listener it comes from. */
  readonly listener: string;
}

/** The Envoy config preflight read, when a header is relied upon. */
export interface EnvoyFacts {
  /** The limits of the proxies sampled. */
  readonly limits: readonly EnvoyHeaderLimit[];
  /** Proxies that could not be read, with why. */
  readonly unread: readonly { readonly proxy: string; readonly error: string }[];
}

/** Everything the checks read. */
export interface PreflightContext {
  /** The resolved spec. */
  readonly spec: ResolvedReleaseSpec;
  /** What preflight runs for. */
  readonly operation: PreflightOperation;
  /** When the facts were read (ms since epoch). */
  readonly now: number;
  /** The service's fully qualified host (`reviews.bookinfo.svc.cluster.local`). */
  readonly host: string;
  /** The Service; undefined when it does not exist. */
  readonly service: Service | undefined;
  /** The VirtualService; undefined when it does not exist. */
  readonly virtualService: VirtualService | undefined;
  /** The DestinationRule; undefined when it does not exist. */
  readonly destinationRule: DestinationRule | undefined;
  /** The kind of routing object the release goes through (decided before preflight). */
  readonly routeKind: RouteBackendKindName;
  /** The HTTPRoute (`target.kind` HTTPRoute); undefined when it does not exist or is not used. */
  readonly httpRoute: HttpRoute | undefined;
  /**
   * The Services of the HTTPRoute's namespace its backendRefs and the slots name, by name
   * (the slot Services among them); undefined value: does not exist. Empty for a VirtualService.
   */
  readonly backendServices: ReadonlyMap<string, Service | undefined>;
  /** Each slot's Deployment; undefined when it does not exist. */
  readonly deployments: Readonly<Record<Slot, Deployment | undefined>>;
  /** The service's namespace (labels decide injection); undefined when it does not exist. */
  readonly namespace: Fact<Namespace | undefined>;
  /** The pods of the Service and of both slots' Deployments. */
  readonly pods: Fact<readonly Pod[]>;
  /** VirtualServices of every namespace (host conflicts, delegation). */
  readonly virtualServices: Fact<readonly VirtualService[]>;
  /** DestinationRules of every namespace (the subsets the routes name). */
  readonly destinationRules: Fact<readonly DestinationRule[]>;
  /**
   * The Services the VirtualService's destinations name (`<name>.<namespace>.svc.<domain>`),
   * by `namespace/name`; undefined: does not exist.
   */
  readonly routeServices: Fact<ReadonlyMap<string, Service | undefined>>;
  /** The Gateways the VirtualService names, by `namespace/name`; undefined: does not exist. */
  readonly gateways: Fact<ReadonlyMap<string, Gateway | undefined>>;
  /** Pods of every namespace that the named Gateways select (their Envoy deployments). */
  readonly gatewayPods: Fact<readonly Pod[]>;
  /** ServiceEntries of every namespace. */
  readonly serviceEntries: Fact<readonly ServiceEntry[]>;
  /** PeerAuthentications of the service's namespace and of Istio's root namespace. */
  readonly peerAuthentications: Fact<readonly PeerAuthentication[]>;
  /** The proxies' sync state (the proxies of the routing object's scope). */
  readonly proxies: Fact<ProxySyncFacts>;
  /** The installed HTTPRoute CRD's schema; undefined: the CRD is not installed. */
  readonly httpRouteSchema: Fact<HttpRouteSchema | undefined>;
  /** HTTPRoutes of every namespace (none when Gateway API is not installed). */
  readonly httpRoutes: Fact<readonly HttpRoute[]>;
  /** The Gateways the HTTPRoute names as parents, by `namespace/name`; undefined: does not exist. */
  readonly routeGateways: Fact<ReadonlyMap<string, GatewayApiGateway | undefined>>;
  /** Prometheus' data for the service; undefined when the spec has no metric checks. */
  readonly prometheus: Fact<PrometheusFacts> | undefined;
  /**
   * The data-plane path of the service (`dataplane/dataplane-path.ts`): sidecars, or ambient
   * through a waypoint (with what would stop it serving the Service), or ambient alone.
   */
  readonly dataplane: Fact<DataplanePath>;
  /** Envoy's header limits; undefined when no header is relied upon (nothing was read). */
  readonly envoy: Fact<EnvoyFacts> | undefined;
}

/** The names of the facts a check can need (the core objects are always read). */
export type FactName =
  | 'namespace'
  | 'pods'
  | 'virtualServices'
  | 'destinationRules'
  | 'routeServices'
  | 'gateways'
  | 'gatewayPods'
  | 'serviceEntries'
  | 'peerAuthentications'
  | 'proxies'
  | 'prometheus'
  | 'envoy'
  | 'httpRouteSchema'
  | 'httpRoutes'
  | 'routeGateways'
  | 'dataplane';
