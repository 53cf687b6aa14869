/**
 * Istio networking configs (VirtualService, DestinationRule, Gateway) as istiod reads them:
 * the spec fields the simulator acts on, typed loosely because the objects come from the
 * store as users wrote them (already validated by the CRD schema and Istio's webhook).
 */
import type { KubeObject } from '../store/object-store.js';

/** Istio `StringMatch`: exactly one of the fields. */
export interface IstioStringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** `HTTPMatchRequest`. */
export interface HttpMatchRequest {
  name?: string;
  uri?: IstioStringMatch;
  scheme?: IstioStringMatch;
  method?: IstioStringMatch;
  authority?: IstioStringMatch;
  headers?: Record<string, IstioStringMatch>;
  withoutHeaders?: Record<string, IstioStringMatch>;
  port?: number;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  gateways?: string[];
  ignoreUriCase?: boolean;
}

/** `Destination`. */
export interface IstioDestination {
  host: string;
  subset?: string;
  port?: { number?: number };
}

/** `Headers` operations. */
export interface HeaderOperations {
  request?: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] };
  response?: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] };
}

/** `HTTPRouteDestination`. */
export interface HttpRouteDestination {
  destination: IstioDestination;
  weight?: number;
  headers?: HeaderOperations;
}

/** `HTTPRetry`. */
export interface HttpRetry {
  attempts?: number;
  perTryTimeout?: string;
  retryOn?: string;
  retryRemoteLocalities?: boolean;
  retryIgnorePreviousHosts?: boolean;
  backoff?: string;
}

/** `HTTPRoute`. */
export interface HttpRoute {
  name?: string;
  match?: HttpMatchRequest[];
  route?: HttpRouteDestination[];
  redirect?: {
    uri?: string;
    authority?: string;
    port?: number;
    scheme?: string;
    redirectCode?: number;
  };
  directResponse?: { status: number; body?: { string?: string } };
  rewrite?: { uri?: string; authority?: string };
  timeout?: string;
  retries?: HttpRetry;
  mirror?: IstioDestination;
  mirrorPercentage?: { value?: number };
  mirrors?: { destination?: IstioDestination; percentage?: { value?: number } }[];
  headers?: HeaderOperations;
}

/** `VirtualService` spec. */
export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HttpRoute[];
  exportTo?: string[];
}

/** `DestinationRule` spec. */
export interface DestinationRuleSpec {
  host?: string;
  trafficPolicy?: { loadBalancer?: { simple?: string } };
  subsets?: {
    name: string;
    labels?: Record<string, string>;
    trafficPolicy?: { loadBalancer?: { simple?: string } };
  }[];
  exportTo?: string[];
}

/** `Gateway` spec. */
export interface GatewaySpec {
  selector?: Record<string, string>;
  servers?: {
    port?: { number?: number; name?: string; protocol?: string };
    hosts?: string[];
    tls?: { mode?: string; httpsRedirect?: boolean };
    name?: string;
  }[];
}

/** A config object with the metadata istiod orders and scopes by. */
export interface IstioConfig<Spec> {
  /** Object name. */
  name: string;
  /** Object namespace. */
  namespace: string;
  /** Creation time in milliseconds; istiod orders configs oldest first. */
  createdAt: number;
  /** The spec as stored. */
  spec: Spec;
}

/** Wraps a stored object. */
export function istioConfigFromObject<Spec>(object: Readonly<KubeObject>): IstioConfig<Spec> {
  const created = Date.parse(object.metadata.creationTimestamp);
  return {
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? 'default',
    createdAt: Number.isNaN(created) ? 0 : created,
    spec: (object.spec ?? {}) as Spec,
  };
}

/** Istio's config order: creation time, then name, then namespace. */
export function compareConfigs(a: IstioConfig<unknown>, b: IstioConfig<unknown>): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return 0;
}
