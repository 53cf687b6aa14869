/**
 * Istio networking objects as plain JSON, typed only as far as switchyard reads them.
 * Every interface keeps an index signature: fields switchyard does not know (newer Istio
 * releases, vendor extensions) must survive every change untouched.
 */

/** Kubernetes object metadata, the fields switchyard uses. */
export interface ObjectMeta {
  /** Object name. */
  name: string;
  /** Namespace; undefined only in objects not yet placed. */
  namespace?: string;
  /** Opaque version; changes on every write. */
  resourceVersion?: string;
  /** Increments on every spec change. */
  generation?: number;
  /** Server-assigned identity. */
  uid?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations (switchyard keeps its release record in one). */
  annotations?: Record<string, string>;
  /** Creation time (RFC 3339). */
  creationTimestamp?: string;
  [field: string]: unknown;
}

/** Port selector of a destination. */
export interface PortSelector {
  /** Port number on the destination service. */
  number?: number;
  [field: string]: unknown;
}

/** Where a route sends traffic. */
export interface Destination {
  /** Service host: short name, `name.namespace`, or FQDN. */
  host: string;
  /** DestinationRule subset; undefined means all endpoints. */
  subset?: string;
  /** Destination port; undefined when the service has one port. */
  port?: PortSelector;
  [field: string]: unknown;
}

/** One weighted destination of an HTTP route. */
export interface HttpRouteDestination {
  /** Destination. */
  destination: Destination;
  /** Relative weight; undefined counts as 100 when alone, 0 otherwise (Istio semantics). */
  weight?: number;
  [field: string]: unknown;
}

/** A string match; exactly one field is set. */
export interface StringMatch {
  /** Exact value. */
  exact?: string;
  /** Prefix. */
  prefix?: string;
  /** RE2 regular expression. */
  regex?: string;
  [field: string]: unknown;
}

/** One `match[]` entry; its conditions are AND-ed, entries are OR-ed. */
export interface HttpMatchRequest {
  /** Name of the match; Envoy route name becomes `<route>.<match>`. */
  name?: string;
  /** Header conditions. */
  headers?: Record<string, StringMatch>;
  /** URI condition. */
  uri?: StringMatch;
  /** Port condition. */
  port?: number;
  [field: string]: unknown;
}

/** Percentage, `value` in 0..100. */
export interface Percent {
  /** Percentage. */
  value: number;
  [field: string]: unknown;
}

/** One entry of an http route's `mirrors[]`. */
export interface HttpMirrorPolicy {
  /** Where copies go. */
  destination: Destination;
  /** Share of traffic copied; undefined means 100%. */
  percentage?: Percent;
  [field: string]: unknown;
}

/** One `http[]` route of a VirtualService. */
export interface HttpRoute {
  /** Route name; required for switchyard to tell several candidate routes apart. */
  name?: string;
  /** Conditions; undefined matches everything. */
  match?: HttpMatchRequest[];
  /** Weighted destinations. */
  route?: HttpRouteDestination[];
  /** Delegate to another VirtualService (switchyard refuses to manage these). */
  delegate?: { name?: string; namespace?: string; [field: string]: unknown };
  /** Redirect instead of route. */
  redirect?: Record<string, unknown>;
  /** Shadow traffic destination. */
  mirror?: Destination;
  /** Share of traffic mirrored. */
  mirrorPercentage?: Percent;
  /** Several shadow destinations (Istio 1.19+); Istio rejects `mirror` next to a non-empty list. */
  mirrors?: HttpMirrorPolicy[];
  /** Timeout, e.g. `10s`. */
  timeout?: string;
  /** Retry policy. */
  retries?: Record<string, unknown>;
  [field: string]: unknown;
}

/** VirtualService `spec`. */
export interface VirtualServiceSpec {
  /** Hosts this VirtualService applies to. */
  hosts?: string[];
  /** Gateways; undefined means `mesh` only. */
  gateways?: string[];
  /** HTTP routes, evaluated in order, first match wins. */
  http?: HttpRoute[];
  /** TLS routes (switchyard does not manage these). */
  tls?: unknown[];
  /** TCP routes (switchyard does not manage these). */
  tcp?: unknown[];
  /** Namespaces it is visible in. */
  exportTo?: string[];
  [field: string]: unknown;
}

/** A `networking.istio.io` VirtualService. */
export interface VirtualService {
  /** `networking.istio.io/v1` or `networking.istio.io/v1beta1`. */
  apiVersion: string;
  /** `VirtualService`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** Spec. */
  spec: VirtualServiceSpec;
  [field: string]: unknown;
}

/** A DestinationRule subset. */
export interface Subset {
  /** Subset name, referenced by `destination.subset`. */
  name: string;
  /** Pod labels that select the subset's endpoints. */
  labels?: Record<string, string>;
  /** Subset-level traffic policy. */
  trafficPolicy?: Record<string, unknown>;
  [field: string]: unknown;
}

/** DestinationRule `spec`. */
export interface DestinationRuleSpec {
  /** Service host. */
  host: string;
  /** Traffic policy for every subset. */
  trafficPolicy?: Record<string, unknown>;
  /** Subsets. */
  subsets?: Subset[];
  /** Namespaces it is visible in. */
  exportTo?: string[];
  [field: string]: unknown;
}

/** A `networking.istio.io` DestinationRule. */
export interface DestinationRule {
  /** `networking.istio.io/v1` or `networking.istio.io/v1beta1`. */
  apiVersion: string;
  /** `DestinationRule`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** Spec. */
  spec: DestinationRuleSpec;
  [field: string]: unknown;
}

/** One server of a Gateway. */
export interface GatewayServer {
  /** Port the gateway listens on. */
  port?: { number?: number; name?: string; protocol?: string; [field: string]: unknown };
  /** Hosts it serves, `namespace/host` or `host`. */
  hosts?: string[];
  [field: string]: unknown;
}

/** A `networking.istio.io` Gateway. */
export interface Gateway {
  /** `networking.istio.io/v1` or `v1beta1`. */
  apiVersion: string;
  /** `Gateway`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** Spec. */
  spec: {
    /** Labels of the gateway pods (Envoy deployments) it configures. */
    selector?: Record<string, string>;
    /** Servers. */
    servers?: GatewayServer[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** A `networking.istio.io` ServiceEntry: adds hosts to Istio's service registry. */
export interface ServiceEntry {
  /** `networking.istio.io/v1` or `v1beta1`. */
  apiVersion: string;
  /** `ServiceEntry`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** Spec. */
  spec: {
    /** Hosts, possibly with a wildcard prefix (`*.example.com`). */
    hosts?: string[];
    /** Namespaces it is visible in; absent or empty means every namespace. */
    exportTo?: string[];
    /** `MESH_EXTERNAL` or `MESH_INTERNAL`. */
    location?: string;
    /** `NONE`, `STATIC`, `DNS`, `DNS_ROUND_ROBIN`. */
    resolution?: string;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** mTLS mode of a PeerAuthentication: what the workload's sidecar accepts. */
export type PeerAuthenticationMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** A `security.istio.io` PeerAuthentication. */
export interface PeerAuthentication {
  /** `security.istio.io/v1` or `v1beta1`. */
  apiVersion: string;
  /** `PeerAuthentication`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** Spec. */
  spec: {
    /** Workloads it applies to; absent: the whole namespace (the whole mesh in the root namespace). */
    selector?: { matchLabels?: Record<string, string>; [field: string]: unknown };
    /** Mode for every port. */
    mtls?: { mode?: PeerAuthenticationMode; [field: string]: unknown };
    /** Mode per workload port (only with a selector). */
    portLevelMtls?: Record<string, { mode?: PeerAuthenticationMode; [field: string]: unknown }>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}
