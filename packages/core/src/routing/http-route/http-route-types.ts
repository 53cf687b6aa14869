/**
 * Gateway API objects (`gateway.networking.k8s.io/v1`) as plain JSON, typed only as far as
 * switchyard reads them. Every interface keeps an index signature: fields switchyard does not
 * know (a newer release channel, an implementation's extension) survive every change.
 *
 * Values as the API server returns them: the CRD's defaults are filled in on every read
 * (a rule's `matches` default to `[{path: {type: PathPrefix, value: /}}]`, a backendRef's
 * `weight` to 1, its `group` to `""` and `kind` to `Service`, a header match's `type` to
 * `Exact`), which is why switchyard writes them explicitly too: what it reads back is then
 * exactly what it wrote.
 */
import type { ObjectMeta } from '../../istio/types.js';

/** The Gateway API group. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** A reference to a parent: a Gateway (ingress) or a Service (GAMMA, mesh traffic). */
export interface ParentReference {
  /** API group; undefined: the Gateway API group; `""` with kind `Service`: a Service. */
  group?: string;
  /** Kind; undefined: `Gateway`. */
  kind?: string;
  /** Namespace; undefined: the route's. */
  namespace?: string;
  /** Name. */
  name: string;
  /** Listener name of a Gateway. */
  sectionName?: string;
  /** Port: the Service port (mesh) or the listener port (Gateway). */
  port?: number;
  [field: string]: unknown;
}

/** One header condition of a match. */
export interface HttpHeaderMatch {
  /** `Exact` (the default) or `RegularExpression`. */
  type?: string;
  /** Header name, case-insensitive. */
  name: string;
  /** Value. */
  value: string;
  [field: string]: unknown;
}

/** One match of a rule: every condition must hold. */
export interface HttpRouteMatch {
  /** Path condition; defaulted to `PathPrefix /`. */
  path?: { type?: string; value?: string; [field: string]: unknown };
  /** Header conditions. */
  headers?: HttpHeaderMatch[];
  /** Query parameter conditions. */
  queryParams?: { type?: string; name: string; value: string; [field: string]: unknown }[];
  /** HTTP method. */
  method?: string;
  [field: string]: unknown;
}

/** A backend object: a Service and port (a mirror's target, a backendRef's). */
export interface BackendObjectReference {
  /** API group; `""` (the default) for a Service. */
  group?: string;
  /** Kind; `Service` by default. */
  kind?: string;
  /** Name. */
  name: string;
  /** Namespace; undefined: the route's. */
  namespace?: string;
  /** Port of the Service. */
  port?: number;
  [field: string]: unknown;
}

/** Where a rule sends requests: a backend object with a weight. */
export interface HttpBackendRef extends BackendObjectReference {
  /** Relative weight; 1 by default, 0 sends nothing. */
  weight?: number;
}

/** A filter of a rule (`RequestMirror`, `RequestHeaderModifier`, `URLRewrite`, ...). */
export interface HttpRouteFilter {
  /** Filter type. */
  type: string;
  /** `RequestMirror`'s settings. */
  requestMirror?: {
    backendRef: BackendObjectReference;
    /** Share of requests mirrored, 0..100 (Gateway API 1.2 and later). */
    percent?: number;
    fraction?: { numerator: number; denominator?: number };
    [field: string]: unknown;
  };
  /** `RequestHeaderModifier`'s settings. */
  requestHeaderModifier?: {
    set?: { name: string; value: string }[];
    add?: { name: string; value: string }[];
    remove?: string[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** One rule: matches, filters and the backends requests go to. */
export interface HttpRouteRule {
  /** Rule name (Gateway API 1.2 and later); istiod names Envoy's route after it. */
  name?: string;
  /** Matches, OR-ed. */
  matches?: HttpRouteMatch[];
  /** Filters. */
  filters?: HttpRouteFilter[];
  /** Backends. */
  backendRefs?: HttpBackendRef[];
  /** Timeouts. */
  timeouts?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The status istiod (or another controller) writes for one parent. */
export interface RouteParentStatus {
  /** The parent as written in `spec.parentRefs`. */
  parentRef: ParentReference;
  /** The controller that wrote it (`istio.io/gateway-controller`). */
  controllerName: string;
  /** `Accepted`, `ResolvedRefs`, ... */
  conditions?: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    observedGeneration?: number;
    [field: string]: unknown;
  }[];
  [field: string]: unknown;
}

/** An HTTPRoute. */
export interface HttpRoute {
  /** `gateway.networking.k8s.io/v1`. */
  apiVersion: string;
  /** `HTTPRoute`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** The routes. */
  spec: {
    /** Parents: Gateways and/or Services. */
    parentRefs?: ParentReference[];
    /** Host names (Gateway parents). */
    hostnames?: string[];
    /** Rules. */
    rules?: HttpRouteRule[];
    [field: string]: unknown;
  };
  /** What the controllers report per parent. */
  status?: { parents?: RouteParentStatus[]; [field: string]: unknown };
  [field: string]: unknown;
}

/** A Gateway API Gateway (the fields preflight reads). */
export interface GatewayApiGateway {
  /** `gateway.networking.k8s.io/v1`. */
  apiVersion: string;
  /** `Gateway`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** Listeners and class. */
  spec: { gatewayClassName?: string; [field: string]: unknown };
  /** Addresses and conditions. */
  status?: {
    addresses?: { type?: string; value: string }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** Whether `parent` is a Service (a GAMMA parent: mesh traffic), not a Gateway. */
export function isServiceParent(parent: ParentReference): boolean {
  return parent.kind === 'Service' && (parent.group ?? '') === '';
}

/** Whether `parent` is a Gateway of the Gateway API. */
export function isGatewayParent(parent: ParentReference): boolean {
  return (
    (parent.kind ?? 'Gateway') === 'Gateway' &&
    (parent.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP
  );
}
