/**
 * Which proxies count for the sync gate: the sets of a `ProxyScope` (the route backend
 * supplies it; for a VirtualService it is `sync.scope`). A set is every proxy by default,
 * or those of some types (`router`, `sidecar`, `waypoint`), of some namespaces (the proxy
 * id's suffix), and/or whose pod matches a label selector; a proxy in any set counts.
 * ztunnel never counts, whatever the set says: it has no L7 routes, so a route change
 * never reaches it (`routesTypeOf`).
 *
 * syncz does not carry pod labels, so a selector needs the pods: the matching pods of each
 * namespace are listed once, and listed again only when a proxy the gate has not seen yet
 * appears there (a client scaled up mid-wait), not on every poll. A pod whose labels change
 * while it runs keeps the classification it had when its namespace was listed.
 */
import type { PodLister } from '../kube/resource-apis.js';
import type { ProxyScope, ProxySet } from './sync-gate.js';
import type { ProxyRouteStatus } from './syncz-status.js';

/** A scope filter for one poll, or why none could be built. */
export type ScopeResolution =
  | {
      /** Whether a proxy counts. */
      readonly includes: (status: ProxyRouteStatus) => boolean;
      readonly problem?: undefined;
    }
  | {
      readonly includes?: undefined;
      /** Why the scope could not be decided (the pods could not be listed). */
      readonly problem: string;
    };

/** Resolves one proxy set against the proxies syncz lists. */
export class SyncScope {
  readonly #types: ReadonlySet<string> | undefined;
  readonly #namespaces: ReadonlySet<string> | undefined;
  readonly #selector: string | undefined;
  readonly #pods: PodLister;
  /** Proxy ids (`<pod>.<namespace>`) whose pod matched the selector when listed. */
  readonly #matched = new Set<string>();
  /** Proxy ids already classified, by namespace. */
  readonly #classified = new Map<string, Set<string>>();

  /** @param scope the set (`sync.scope` is one); @param pods lists pods when a selector is set */
  constructor(scope: ProxySet, pods: PodLister) {
    this.#types = scope.proxyTypes ? new Set(scope.proxyTypes) : undefined;
    this.#namespaces = scope.namespaces ? new Set(scope.namespaces) : undefined;
    this.#selector = scope.selector?.trim() ? scope.selector.trim() : undefined;
    this.#pods = pods;
  }

  /** Human-readable scope, for messages. */
  describe(): string {
    const parts: string[] = [];
    if (this.#types) parts.push(`${[...this.#types].join(', ')} proxies`);
    if (this.#namespaces) parts.push(`namespaces ${[...this.#namespaces].join(', ')}`);
    if (this.#selector) parts.push(`pods matching "${this.#selector}"`);
    return parts.length > 0 ? parts.join(' and ') : 'every proxy';
  }

  /** Whether the type and namespace parts of the set admit `status`. */
  #inNamespaces(status: ProxyRouteStatus): boolean {
    return (
      status.routesType !== undefined &&
      (!this.#types || this.#types.has(status.proxyType)) &&
      (!this.#namespaces || this.#namespaces.has(status.namespace))
    );
  }

  /**
   * A filter for `statuses`. Lists pods only with a selector, and only for namespaces with
   * proxies not classified yet. Rejects only when `signal` aborts.
   */
  async resolve(
    statuses: Iterable<ProxyRouteStatus>,
    signal?: AbortSignal,
  ): Promise<ScopeResolution> {
    const selector = this.#selector;
    if (selector === undefined) return { includes: (status) => this.#inNamespaces(status) };
    const unclassified = new Map<string, string[]>();
    for (const status of statuses) {
      if (!this.#inNamespaces(status)) continue;
      if (this.#classified.get(status.namespace)?.has(status.proxy)) continue;
      const ids = unclassified.get(status.namespace);
      if (ids) ids.push(status.proxy);
      else unclassified.set(status.namespace, [status.proxy]);
    }
    const failures: string[] = [];
    await Promise.all(
      [...unclassified].map(async ([namespace, ids]) => {
        try {
          const pods = await this.#pods.list(namespace, { labelSelector: selector, signal });
          for (const pod of pods) this.#matched.add(`${pod.metadata.name}.${namespace}`);
          let classified = this.#classified.get(namespace);
          if (!classified) this.#classified.set(namespace, (classified = new Set()));
          for (const id of ids) classified.add(id);
        } catch (error) {
          if (signal?.aborted) throw error;
          // Namespaces classified before keep their classification; new proxies there are
          // left out of this poll and classified on the next one.
          if (!this.#classified.has(namespace))
            failures.push(
              `cannot list pods matching "${selector}" in ${namespace}: ${messageOf(error)}`,
            );
        }
      }),
    );
    if (failures.length > 0) return { problem: failures.join('; ') };
    return {
      includes: (status) => this.#inNamespaces(status) && this.#matched.has(status.proxy),
    };
  }
}

/**
 * Resolves whole proxy scopes (the union of their sets) against the proxies syncz lists.
 * Each distinct set keeps its pod classification across calls, so a gate that waits on
 * the same scope change after change lists pods only for proxies it has not seen.
 */
export class ProxyScopeResolver {
  readonly #pods: PodLister;
  readonly #sets = new Map<string, SyncScope>();

  /** @param pods lists pods for sets with a selector */
  constructor(pods: PodLister) {
    this.#pods = pods;
  }

  /** Human-readable scope, for messages. */
  describe(scope: ProxyScope): string {
    return this.#setsOf(scope)
      .map((set) => set.describe())
      .join(' or ');
  }

  /** A filter admitting a proxy in any set of `scope`, or why one could not be built. */
  async resolve(
    scope: ProxyScope,
    statuses: Iterable<ProxyRouteStatus>,
    signal?: AbortSignal,
  ): Promise<ScopeResolution> {
    const list = [...statuses];
    const resolutions = await Promise.all(
      this.#setsOf(scope).map((set) => set.resolve(list, signal)),
    );
    const problems = resolutions.flatMap((r) => (r.problem === undefined ? [] : [r.problem]));
    if (problems.length > 0) return { problem: problems.join('; ') };
    const filters = resolutions.flatMap((r) => (r.includes ? [r.includes] : []));
    return { includes: (status) => filters.some((includes) => includes(status)) };
  }

  #setsOf(scope: ProxyScope): SyncScope[] {
    return scope.sets.map((set) => {
      const key = JSON.stringify([set.proxyTypes, set.namespaces, set.selector]);
      let resolver = this.#sets.get(key);
      if (!resolver) this.#sets.set(key, (resolver = new SyncScope(set, this.#pods)));
      return resolver;
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
