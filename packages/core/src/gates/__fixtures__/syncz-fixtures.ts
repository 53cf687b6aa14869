/**
 * syncz entries shaped like istiod's (docs/reference/istio.md §1): Go `omitempty` drops
 * empty nonces, the `resources` map (Istio >= 1.23) carries `sentTime` (Go's zero time when
 * never sent) and `lastError` only when set.
 */
import { parseSynczEntry, type ProxyRouteStatus } from '../syncz-status.js';

const ROUTE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ADDRESS = 'type.googleapis.com/istio.workload.Address';

/** A nonce as istiod makes it: push version immediately followed by a UUID. */
export function nonce(version: string, uuidSeed = 1): string {
  const hex = uuidSeed.toString(16).padStart(12, '0');
  return `${version}${'7c0a3f1e'}-1b2c-4d3e-8f40-${hex}`;
}

/** Options of {@link synczEntry}. */
export interface EntryOptions {
  proxy: string;
  /** syncz `proxy_type`; `sidecar` by default. */
  type?: string;
  /**
   * The push carrying the proxy's routes: RDS, or LDS for a `waypoint` (routes inline in
   * its listeners); a `ztunnel` entry has neither, only istiod's workload addresses.
   */
  routeSent?: string;
  routeAcked?: string;
  /** `sentTime` in the resources map; `null` for Go's zero time. */
  sentTime?: string | null;
  lastError?: string;
  /** Leave the resources map out (istiod < 1.23). */
  noResources?: boolean;
}

/** One syncz entry as JSON-decoded data. */
export function synczEntry(options: EntryOptions): Record<string, unknown> {
  const type = options.type ?? 'sidecar';
  if (type === 'ztunnel') {
    return {
      cluster_id: 'Kubernetes',
      proxy: options.proxy,
      proxy_type: type,
      istio_version: '1.26.2',
      resources: { [ADDRESS]: { sent: 'w', acked: 'w', sentTime: '2026-11-02T10:00:00Z' } },
    };
  }
  const [prefix, typeUrl] = type === 'waypoint' ? ['listener', LISTENER] : ['route', ROUTE];
  const entry: Record<string, unknown> = {
    cluster_id: 'Kubernetes',
    proxy: options.proxy,
    proxy_type: type,
    istio_version: '1.26.2',
    cluster_sent: 'x',
    cluster_acked: 'x',
  };
  if (options.routeSent) entry[`${prefix}_sent`] = options.routeSent;
  if (options.routeAcked) entry[`${prefix}_acked`] = options.routeAcked;
  if (!options.noResources) {
    const route: Record<string, unknown> = {};
    if (options.routeSent) route.sent = options.routeSent;
    if (options.routeAcked) route.acked = options.routeAcked;
    route.sentTime =
      options.sentTime === null || options.sentTime === undefined
        ? '0001-01-01T00:00:00Z'
        : options.sentTime;
    if (options.lastError) route.lastError = options.lastError;
    entry.resources = {
      [CLUSTER]: { sent: 'x', acked: 'x', sentTime: '2026-11-02T10:00:00Z' },
      [typeUrl]: route,
    };
  }
  return entry;
}

/** A parsed status, for evaluation tests. */
export function status(options: EntryOptions, istiod = 'istiod-a'): ProxyRouteStatus {
  const parsed = parseSynczEntry(synczEntry(options), istiod);
  if (!parsed) throw new Error('fixture has no proxy id');
  return parsed;
}

/** A proxy that acked push `version` sent at `sentTime`. */
export function synced(
  proxy: string,
  version: string,
  sentTime: string | undefined,
  istiod = 'istiod-a',
  seed = 1,
): ProxyRouteStatus {
  const n = nonce(version, seed);
  return status(
    sentTime === undefined
      ? { proxy, routeSent: n, routeAcked: n, noResources: true }
      : { proxy, routeSent: n, routeAcked: n, sentTime },
    istiod,
  );
}
