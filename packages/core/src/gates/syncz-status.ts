/**
 * istiod's `/debug/syncz` answer (docs/reference/istio.md §1) reduced to what the sync gate
 * needs: the status of every proxy's routes, judged the way `istioctl proxy-status` judges
 * it, and the replicas' answers merged by proxy id. Routes travel in RDS to sidecars and
 * gateway routers, but inline in the listeners (LDS) to an ambient waypoint, so a
 * waypoint's route status is its listener status; ztunnel has no L7 routes at all
 * (`routesTypeOf`).
 *
 * Parsing is lenient on purpose: every field is optional (istiod uses Go's `omitempty`, so a
 * type never sent has no `*_sent` field at all), older istiods have no `resources` map, and
 * nonces come with or without a push version. An entry without a proxy id is skipped.
 */
import type { ProxySyncState } from '../errors.js';
import { parseNonce } from './xds-nonce.js';

/** Type URL of Envoy route configurations, the key of RDS in the syncz `resources` map. */
export const ROUTE_CONFIGURATION_TYPE_URL =
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

/** The xDS types `istioctl proxy-status` shows a column for. */
export type XdsTypeName = 'CDS' | 'LDS' | 'EDS' | 'RDS' | 'ECDS';

/** Per xDS type: its syncz field prefix and type URL. */
const XDS_TYPES: readonly { name: XdsTypeName; prefix: string; typeUrl: string }[] = [
  {
    name: 'CDS',
    prefix: 'cluster',
    typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  },
  {
    name: 'LDS',
    prefix: 'listener',
    typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  },
  {
    name: 'EDS',
    prefix: 'endpoint',
    typeUrl: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  },
  { name: 'RDS', prefix: 'route', typeUrl: ROUTE_CONFIGURATION_TYPE_URL },
  {
    name: 'ECDS',
    prefix: 'extensionconfig',
    typeUrl: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig',
  },
];

/** The sync state of one xDS type of one proxy. */
export interface XdsTypeStatus {
  /** State as `istioctl proxy-status` prints it. */
  readonly state: ProxySyncState;
  /** When the last push of the type was sent (ms since epoch), when syncz says. */
  readonly sentAt: number | undefined;
  /** Envoy's rejection of the last push of the type, when it rejected it. */
  readonly lastError: string | undefined;
}

/**
 * The xDS type that carries a proxy's L7 routes, by its syncz `proxy_type`: LDS for a
 * waypoint (istiod inlines its route configurations in the main_internal listener's filter
 * chains, so a route change is a listener push and `route_sent` stays empty), none for
 * ztunnel (L4 only: it never has a route change), RDS for every other proxy (sidecars,
 * gateway routers; an older istiod that leaves `proxy_type` out).
 */
export function routesTypeOf(proxyType: string): 'RDS' | 'LDS' | undefined {
  if (proxyType === 'waypoint') return 'LDS';
  if (proxyType === 'ztunnel') return undefined;
  return 'RDS';
}

/** Go's zero `time.Time`, which syncz prints as `sentTime` for a type never sent. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The sync status of one proxy's routes (the xDS type carrying them: `routesType`), as one
 * istiod replica reports it.
 */
export interface ProxyRouteStatus {
  /** Proxy id, `<pod>.<namespace>`. */
  readonly proxy: string;
  /** Pod name (the id up to its last dot: namespaces cannot contain dots, pod names can). */
  readonly pod: string;
  /** Pod namespace. */
  readonly namespace: string;
  /** `sidecar`, `router` (gateways), `waypoint`, `ztunnel`; `''` when istiod did not say. */
  readonly proxyType: string;
  /** istiod replica that reported it (pod name, or the URL's host). */
  readonly istiod: string;
  /**
   * The xDS type carrying the proxy's routes, whose status the fields below are: `RDS`,
   * `LDS` for a waypoint, undefined for ztunnel (no L7 routes: never in an L7 change's
   * scope). See {@link routesTypeOf}.
   */
  readonly routesType: 'RDS' | 'LDS' | undefined;
  /** Nonce of the last route push sent; `''` when never sent. */
  readonly sent: string;
  /** Nonce the proxy last acked; `''` when never acked. */
  readonly acked: string;
  /**
   * When the last route push was sent (ms since epoch) from the `resources` map; undefined
   * without the map (istiod < 1.23) or when never sent (Go's zero time).
   */
  readonly sentAt: number | undefined;
  /** Push context time of the last route push, from the nonce (second precision). */
  readonly nonceTime: number | undefined;
  /** Push counter from the nonce (only comparable between nonces of the same replica). */
  readonly nonceCounter: number | undefined;
  /** Envoy's rejection of the last push, when it rejected it. */
  readonly lastError: string | undefined;
  /** Route status as `istioctl proxy-status` names it. */
  readonly state: ProxySyncState;
  /**
   * Every xDS type's status, the `istioctl proxy-status` view (CDS, LDS, EDS, RDS, ECDS);
   * undefined on statuses not parsed from syncz.
   */
  readonly xds?: Readonly<Record<XdsTypeName, XdsTypeStatus>> | undefined;
}

/**
 * istiod's rule for one xDS type (`debugSyncStatus` in pilot/pkg/xds/statusgen.go, which
 * `istioctl proxy-status` prints): rejected → ERROR, checked first; never sent → NOT SENT;
 * acked the last push → SYNCED; never acked anything, or acked an older push → STALE.
 * A rejection leaves the acked nonce on the push before it and is cleared only by the next
 * ack, so ERROR holds while later pushes are sent and not yet answered.
 */
export function xdsState(
  sent: string,
  acked: string,
  lastError: string | undefined,
): ProxySyncState {
  if (lastError) return 'ERROR';
  if (sent === '') return 'NOT SENT';
  if (sent === acked) return 'SYNCED';
  // istioctl prints "STALE (Never Acknowledged)" for acked == ''; both are STALE.
  return 'STALE';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function sentTimeOf(value: unknown): number | undefined {
  // Go's zero time, in any precision, means never sent.
  if (typeof value !== 'string' || value === '' || value.startsWith(GO_ZERO_TIME.slice(0, 10)))
    return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function resourceOf(resources: unknown, typeUrl: string): Record<string, unknown> | undefined {
  if (resources === null || typeof resources !== 'object') return undefined;
  const resource = (resources as Record<string, unknown>)[typeUrl];
  return resource !== null && typeof resource === 'object'
    ? (resource as Record<string, unknown>)
    : undefined;
}

/** Every xDS type's status in one syncz entry, by the same rules as the route status. */
function xdsStatuses(fields: Record<string, unknown>): Record<XdsTypeName, XdsTypeStatus> {
  const statuses = {} as Record<XdsTypeName, XdsTypeStatus>;
  for (const { name, prefix, typeUrl } of XDS_TYPES) {
    const resource = resourceOf(fields.resources, typeUrl);
    let sent = text(fields[`${prefix}_sent`]);
    let acked = text(fields[`${prefix}_acked`]);
    if (sent === '' && resource) {
      sent = text(resource.sent);
      acked = text(resource.acked);
    }
    const lastError = resource ? text(resource.lastError) || undefined : undefined;
    statuses[name] = {
      state: xdsState(sent, acked, lastError),
      sentAt: resource ? sentTimeOf(resource.sentTime) : undefined,
      lastError,
    };
  }
  return statuses;
}

/** Parses one syncz entry; undefined when it carries no proxy id. */
export function parseSynczEntry(entry: unknown, istiod: string): ProxyRouteStatus | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  const fields = entry as Record<string, unknown>;
  const proxy = text(fields.proxy);
  if (proxy === '') return undefined;
  const proxyType = text(fields.proxy_type);
  const routesType = routesTypeOf(proxyType);
  const carrier = XDS_TYPES.find((t) => t.name === routesType);
  const resource = carrier ? resourceOf(fields.resources, carrier.typeUrl) : undefined;
  let sent = carrier ? text(fields[`${carrier.prefix}_sent`]) : '';
  let acked = carrier ? text(fields[`${carrier.prefix}_acked`]) : '';
  // The flat fields are what istioctl reads; the resources map only fills in for an istiod
  // that stopped sending them.
  if (sent === '' && resource) {
    sent = text(resource.sent);
    acked = text(resource.acked);
  }
  const lastError = resource ? text(resource.lastError) || undefined : undefined;
  const nonce = parseNonce(sent);
  const dot = proxy.lastIndexOf('.');
  return {
    proxy,
    pod: dot > 0 ? proxy.slice(0, dot) : proxy,
    namespace: dot > 0 ? proxy.slice(dot + 1) : '',
    proxyType,
    istiod,
    routesType,
    sent,
    acked,
    sentAt: resource ? sentTimeOf(resource.sentTime) : undefined,
    nonceTime: nonce.time,
    nonceCounter: nonce.counter,
    lastError,
    state: xdsState(sent, acked, lastError),
    xds: xdsStatuses(fields),
  };
}

/** Why a syncz answer could not be used at all. */
export class SynczFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynczFormatError';
  }
}

/**
 * Parses one replica's syncz answer (already JSON-decoded). Entries without a proxy id are
 * skipped.
 *
 * @throws SynczFormatError when the answer is not a JSON array (a wrong endpoint or an
 *   error page, not a syncz answer).
 */
export function parseSyncz(body: unknown, istiod: string): ProxyRouteStatus[] {
  if (!Array.isArray(body)) {
    throw new SynczFormatError(
      `expected a JSON array of proxies from /debug/syncz, got ${body === null ? 'null' : typeof body}`,
    );
  }
  const statuses: ProxyRouteStatus[] = [];
  for (const entry of body) {
    const status = parseSynczEntry(entry, istiod);
    if (status) statuses.push(status);
  }
  return statuses;
}

/**
 * Orders two reports of the same proxy by the age of their last route push: positive when
 * `a` is newer. `sentTime` (millisecond precision) decides when both have it; otherwise the
 * nonce's push time (second precision), then its counter (only meaningful within one
 * replica, but deterministic either way), then a sent push beats none.
 */
export function compareRoutePush(a: ProxyRouteStatus, b: ProxyRouteStatus): number {
  if (a.sentAt !== undefined && b.sentAt !== undefined && a.sentAt !== b.sentAt)
    return a.sentAt - b.sentAt;
  const at = a.nonceTime ?? a.sentAt ?? -Infinity;
  const bt = b.nonceTime ?? b.sentAt ?? -Infinity;
  if (at !== bt) return at > bt ? 1 : -1;
  const ac = a.nonceCounter ?? -1;
  const bc = b.nonceCounter ?? -1;
  if (ac !== bc) return ac - bc;
  return (a.sent === '' ? 0 : 1) - (b.sent === '' ? 0 : 1);
}

/**
 * Merges the answers of every replica by proxy id. A proxy that reconnected to another
 * replica can be listed by both for a while (the old one keeps its entry briefly): the
 * report with the newest route push wins, see {@link compareRoutePush}; on a tie the first
 * one seen stays.
 */
export function mergeReplicas(
  answers: Iterable<readonly ProxyRouteStatus[]>,
): Map<string, ProxyRouteStatus> {
  const merged = new Map<string, ProxyRouteStatus>();
  for (const statuses of answers) {
    for (const status of statuses) {
      const known = merged.get(status.proxy);
      if (!known || compareRoutePush(status, known) > 0) merged.set(status.proxy, status);
    }
  }
  return merged;
}
