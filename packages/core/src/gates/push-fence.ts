/**
 * The push fence: which of istiod's pushes carry a change. The rule that keeps the sync gate
 * from declaring a change synced early on a busy mesh.
 *
 * istiod pushes from push contexts: after a debounce it snapshots its config store into a
 * new context, numbered by a counter of its own that the nonce carries in its push version
 * (`<time>/<counter>`, `xds-nonce.ts`). A context created before istiod's informer saw the
 * change lacks it, yet on a busy mesh (other objects rewritten, endpoints moving) a push
 * from such a context can reach a proxy after the gate's baseline; a proxy that reconnects
 * to another replica, or a new pod, gets that replica's current context, which may lag.
 * "Pushed after the baseline and acked" (`sync-evaluation.ts`) is therefore not proof.
 *
 * The rule: a proxy has the change when it acked a route push from a context that carries
 * the change. The contexts of one replica are created in counter order from one config
 * store that only moves forward, so once one context is known to carry the change, every
 * later one does too; the lowest such counter known is the replica's fence. A proxy counts
 * once it acked (SYNCED) a push of its replica at or above that replica's fence; a replica
 * without a fence counts none of its proxies.
 *
 * How a fence is learned, per replica, from one of its proxies in scope (the sentinel): syncz
 * shows it acked nonce N1, a push made after the change (by the gate's criterion); its Envoy
 * config_dump then shows the expected routes (read and judged by `envoy-route-reader.ts`:
 * RDS for a sidecar or a gateway; a waypoint has no RDS, its routes are inline in its
 * listeners and its acks are listener pushes, `envoy-waypoint-dump.ts`); the next syncz poll
 * shows it acked N2, still on that replica. The routes read were applied from a push between
 * N1 and N2 (Envoy acks a push as it applies it, so nothing newer sits applied and unacked
 * for a poll), so that push's context carried the change, and so does N2's: N2's counter is
 * the fence (on a quiet mesh N2 is N1). A sentinel that has no
 * route for the service, or whose config_dump cannot be read (its pod gone, no permission to
 * port-forward into its namespace), is not asked again; one whose routes differ is asked again once it
 * acks a newer push. The first sentinel of a replica is its proxy with the newest ack; once
 * the replica has a fence, a proxy that acked a push after the change but below the fence
 * (pushes of one context usually reach every proxy, but a push can be merged into a later
 * one) is asked in turn, oldest first, and lowers the fence if its routes carry the change.
 * Cost: one config_dump per replica per poll while it has such a proxy (usually one or two
 * polls per change), whatever the number of proxies.
 *
 * What it cannot prove: a nonce without a push version (istiod before 1.12) has no counter,
 * so its replica never gets a fence (the wait times out naming its proxies).
 */
import type { DataplaneExpectation } from './dataplane-verifier.js';
import { inspectProxyRoutes, type EnvoyRouteReader } from './envoy-route-reader.js';
import { pushedAfterChange, type SyncCriterion } from './sync-evaluation.js';
import type { ProxyRouteStatus } from './syncz-status.js';
import { parseNonce } from './xds-nonce.js';
import { throwIfAborted } from './abort-error.js';

/** One sentinel's dump, waiting for the next poll's ack to bound the push it came from. */
interface Probe {
  /** Proxy id. */
  readonly proxy: string;
  /** Nonce it had acked before its dump was read. */
  readonly acked: string;
  /** That nonce's push counter. */
  readonly counter: number;
  /** Whether the dump showed the expected routes. */
  readonly carries: boolean;
}

/** What a {@link PushFence} needs. */
export interface PushFenceOptions {
  /** The change, as Envoy should show it. */
  readonly expectation: DataplaneExpectation;
  /** Reads a sentinel's routes. */
  readonly routes: EnvoyRouteReader;
  /** What "after the change" means for this wait (sentinels must have a push after it). */
  readonly criterion: SyncCriterion;
}

/** The route push counter of a nonce; undefined without a push version. */
function counterOf(nonce: string): number | undefined {
  return parseNonce(nonce).counter;
}

/** The fences of one sync wait, per istiod replica. */
export class PushFence {
  readonly #options: PushFenceOptions;
  /** Lowest push counter known to carry the change, by replica. */
  readonly #fences = new Map<string, number>();
  /** Dumps read at the last poll, by replica. */
  #probes = new Map<string, Probe>();
  /** Proxies whose routes do not mention the service, or could not be read: never sentinels. */
  readonly #unusable = new Set<string>();
  /** Why the last read failed (a pod gone, a port-forward refused), for messages. */
  #lastReadError: string | undefined;
  /** Nonce each proxy had when its dump last showed other routes: asked again after a newer push. */
  readonly #differed = new Map<string, string>();

  constructor(options: PushFenceOptions) {
    this.#options = options;
  }

  /**
   * After each poll: confirms the dumps read at the previous poll against the acks now seen
   * (learning or lowering fences), then reads one sentinel's routes for every replica that
   * has a proxy in scope that acked a push after the change and is not admitted yet. A
   * sentinel that cannot be reached is left for the next poll.
   */
  async observe(
    statuses: Iterable<ProxyRouteStatus>,
    inScope: (status: ProxyRouteStatus) => boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const current = new Map<string, ProxyRouteStatus>();
    for (const status of statuses) current.set(status.proxy, status);
    for (const [istiod, probe] of this.#probes) {
      const now = current.get(probe.proxy);
      if (!probe.carries || now === undefined || now.istiod !== istiod) continue;
      const acked = counterOf(now.acked);
      if (acked !== undefined && acked >= probe.counter) this.#lower(istiod, acked);
    }
    this.#probes = new Map();
    const sentinels = new Map<string, { status: ProxyRouteStatus; counter: number }>();
    for (const status of current.values()) {
      if (!inScope(status) || this.admits(status)) continue;
      const counter = this.#candidateCounter(status);
      if (counter === undefined) continue;
      const best = sentinels.get(status.istiod);
      // No fence yet: the newest push, the likeliest to carry the change. Below the fence:
      // the oldest, to lower it as far as it goes.
      const better = this.#fences.has(status.istiod)
        ? counter < (best?.counter ?? Infinity)
        : counter > (best?.counter ?? -Infinity);
      if (better) sentinels.set(status.istiod, { status, counter });
    }
    await Promise.all(
      [...sentinels].map(async ([istiod, { status, counter }]) => {
        const probe = await this.#read(status, counter, signal);
        if (probe) this.#probes.set(istiod, probe);
      }),
    );
  }

  /** Whether the proxy acked a push of its replica at or above that replica's fence. */
  admits(status: ProxyRouteStatus): boolean {
    const fence = this.#fences.get(status.istiod);
    if (fence === undefined || status.state !== 'SYNCED') return false;
    const counter = counterOf(status.acked);
    return counter !== undefined && counter >= fence;
  }

  /**
   * Why proxies of some replicas cannot count yet, for a timeout message: the replicas with
   * proxies in scope and no fence, and the last failed read. Undefined when every such
   * replica has a fence.
   */
  unfenced(
    statuses: Iterable<ProxyRouteStatus>,
    inScope: (s: ProxyRouteStatus) => boolean,
  ): string | undefined {
    const replicas = new Set<string>();
    for (const status of statuses)
      if (inScope(status) && !this.#fences.has(status.istiod)) replicas.add(status.istiod);
    if (replicas.size === 0) return undefined;
    return (
      `no push of istiod ${[...replicas].sort().join(', ')} was proven to carry the new routes ` +
      `(one of its proxies' config_dump must show them)` +
      (this.#lastReadError ? `; last config_dump read failed: ${this.#lastReadError}` : '')
    );
  }

  /** The replica's fence, when known (for tests and messages). */
  fenceOf(istiod: string): number | undefined {
    return this.#fences.get(istiod);
  }

  #lower(istiod: string, counter: number): void {
    const known = this.#fences.get(istiod);
    if (known === undefined || counter < known) this.#fences.set(istiod, counter);
  }

  /** The acked push counter of a proxy worth asking, or undefined. */
  #candidateCounter(status: ProxyRouteStatus): number | undefined {
    if (status.state !== 'SYNCED' || this.#unusable.has(status.proxy)) return undefined;
    if (this.#differed.get(status.proxy) === status.acked) return undefined;
    if (!pushedAfterChange(status, this.#options.criterion)) return undefined;
    return counterOf(status.acked);
  }

  async #read(
    status: ProxyRouteStatus,
    counter: number,
    signal: AbortSignal | undefined,
  ): Promise<Probe | undefined> {
    let inspection;
    try {
      const dump = await this.#options.routes(status, signal);
      inspection = inspectProxyRoutes(dump, this.#options.expectation, status.proxyType);
    } catch (error) {
      throwIfAborted(signal, 'proxy sync wait');
      // The pod may be gone, or its namespace not ours to port-forward into: another one.
      this.#unusable.add(status.proxy);
      this.#lastReadError = `${status.proxy}: ${error instanceof Error ? error.message : String(error)}`;
      return undefined;
    }
    if (!inspection.relevant) {
      this.#unusable.add(status.proxy);
      return undefined;
    }
    const carries = inspection.mismatch === undefined;
    if (!carries) this.#differed.set(status.proxy, status.acked);
    return { proxy: status.proxy, acked: status.acked, counter, carries };
  }
}
