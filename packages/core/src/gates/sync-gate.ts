/**
 * What the release engine asks of the proxy sync gate: after a route change, wait until
 * every proxy in scope has acked it. `IstiodSyncGate` implements it over istiod's
 * `/debug/syncz`; unit tests pass a scripted fake on a fake clock.
 *
 * Which proxies must ack is a value the route backend supplies (`RouteBackend.proxyScope`):
 * a VirtualService is gated on the proxies `sync.scope` names; an HTTPRoute with a Gateway
 * parent would be gated on that gateway's router proxies. Proxy kinds (sidecar, gateway
 * router, waypoint) differ only inside the gate.
 */
import type { UnsyncedProxy } from '../errors.js';
import type { DataplaneExpectation } from './dataplane-verifier.js';

/**
 * One set of proxies: those of the given types, in the given namespaces, whose pods match
 * the selector. Every field narrows; an empty set (all undefined) is every proxy.
 */
export interface ProxySet {
  /**
   * Proxy types as syncz reports them (`sidecar`, `router` for gateways, `waypoint`);
   * undefined: every type.
   */
  readonly proxyTypes?: readonly string[] | undefined;
  /** Namespaces of the proxies' pods (the proxy id's suffix); undefined: every namespace. */
  readonly namespaces: readonly string[] | undefined;
  /** Label selector the proxies' pods match; undefined: every pod. */
  readonly selector: string | undefined;
}

/** The proxies that must ack a route change: a proxy in any of the sets counts. */
export interface ProxyScope {
  /** The sets, at least one. */
  readonly sets: readonly ProxySet[];
}

/** Opaque proof of what proxies had before a change; only its time is public. */
export interface SyncSnapshot {
  /** When the snapshot was taken (ms since epoch). */
  readonly takenAt: number;
}

/** Progress of a sync wait, emitted on every poll. */
export interface SyncProgress {
  /** Proxies in scope that have the change. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** Time since the wait started, in milliseconds. */
  elapsedMs: number;
  /** Proxies not synced yet, slowest (longest waiting) first. */
  pending: readonly UnsyncedProxy[];
}

/** A completed sync wait. */
export interface SyncReport {
  /** Proxies in scope that have the change. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** When the wait started (ms since epoch). */
  startedAt: number;
  /** When the required ratio was first observed (ms since epoch). */
  completedAt: number;
  /** istiod replicas queried. */
  istiodReplicas: number;
}

/** Options of a sync wait. */
export interface SyncWaitOptions {
  /** The proxies that must ack the change. */
  scope: ProxyScope;
  /** Give up after this long (throwing SyncTimeoutError). */
  timeoutMs: number;
  /** Aborts the wait. */
  signal?: AbortSignal | undefined;
  /** Called after every poll. */
  onProgress?: ((progress: SyncProgress) => void) | undefined;
  /**
   * The change's routes as Envoy shows them. Given, a proxy counts only once its acked push
   * carries them (istiod's pushes fenced per replica, `push-fence.ts`); without it, any
   * acked push after the snapshot counts, which a busy mesh can fool.
   */
  expectation?: DataplaneExpectation | undefined;
}

/** Waits until every proxy in scope has acked a route change (istiod `/debug/syncz`). */
export interface SyncGate {
  /** Records what every proxy has now; take it immediately before the change. */
  snapshot(signal?: AbortSignal): Promise<SyncSnapshot>;
  /**
   * Resolves once the required share of proxies in `options.scope` had their routes pushed
   * after the snapshot and acked that push (a push carrying `options.expectation`, when
   * given); throws SyncTimeoutError naming every proxy not synced.
   */
  waitForSync(snapshot: SyncSnapshot, options: SyncWaitOptions): Promise<SyncReport>;
  /**
   * A snapshot for a change accepted at `changeAcceptedAt` (ms since epoch) by an earlier
   * run that crashed before its sync gate finished: no new push will come, so a proxy
   * counts as synced when its route config is acked (sent == acked) and was pushed at or
   * after that time. No I/O.
   */
  since(changeAcceptedAt: number): SyncSnapshot;
  /** How many proxies in `scope` are SYNCED right now, and which are not (for `status`). */
  currentStatus(scope: ProxyScope, signal?: AbortSignal): Promise<SyncStatusSummary>;
}

/** Sync state of the proxies in scope right now, as `istioctl proxy-status` would judge it. */
export interface SyncStatusSummary {
  /** Proxies whose route config is SYNCED. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** Proxies not SYNCED (NOT SENT, STALE, ERROR). */
  notSynced: readonly UnsyncedProxy[];
  /** istiod replicas answering. */
  istiodReplicas: number;
}
