/**
 * One istiod pod: its own push version counter and push context (istiod replicas push
 * independently, so versions differ between replicas), the proxies connected to it, its
 * push queue (istiod's per-connection push queue, which merges requests for a proxy that
 * is still waiting), and syncz entries of proxies that just reconnected elsewhere.
 */
import type { ProxyConfigSnapshot } from './mesh-types.js';
import type { MeshConfigGeneration } from './push-context.js';
import type { ConfigChange } from './push-debouncer.js';
import type { SimulatedProxy } from './simulated-proxy.js';
import { goRfc3339Seconds } from './xds-time.js';
import type { XdsType } from './xds-type.js';

/** A push waiting in the queue for one proxy. */
export interface QueuedPush {
  /** Initial push of a new connection: every type the proxy subscribes to. */
  connect: boolean;
  /** Full push: the types the changes affect. */
  full: boolean;
  /** Endpoints changed: EDS. */
  endpoints: boolean;
  /** What changed (full pushes are scoped by it). */
  changes: readonly ConfigChange[];
  /** Types the proxy just subscribed to: istiod answers them from its push context. */
  subscribed: readonly XdsType[];
}

/** Merges two queued pushes for the same proxy. */
export function mergeQueuedPushes(a: QueuedPush, b: QueuedPush): QueuedPush {
  return {
    connect: a.connect || b.connect,
    full: a.full || b.full,
    endpoints: a.endpoints || b.endpoints,
    changes: [...a.changes, ...b.changes],
    subscribed: [...new Set([...a.subscribed, ...b.subscribed])],
  };
}

/** A syncz entry kept after its proxy moved to another replica. */
export interface LingeringEntry {
  /** The syncz entry (JSON) as it was when the proxy left. */
  json: string;
  /** Proxy namespace, for `?namespace=`. */
  namespace: string;
  /** Epoch ms after which the entry is gone. */
  until: number;
}

/** An istiod replica. */
export class IstiodReplica {
  /** istiod pod name. */
  readonly pod: string;
  /** Whether new proxies may connect (pod Ready and not terminating). */
  accepting = false;
  /** Whether the pod is terminating: its proxies move to other replicas. */
  terminating = false;
  /** Connected proxies. */
  readonly proxies = new Set<SimulatedProxy>();
  /** Pushes waiting to be sent, in arrival order. */
  readonly queue = new Map<SimulatedProxy, QueuedPush>();
  /** Entries of proxies that reconnected elsewhere, by proxy id. */
  readonly lingering = new Map<string, LingeringEntry>();
  /** Snapshots of the current push context by scope key (and endpoint epoch). */
  readonly snapshots = new Map<string, ProxyConfigSnapshot>();
  /** Endpoint epoch the cached snapshots were built with. */
  snapshotEpoch = -1;
  #counter = 0;
  #version = '';
  #generation: MeshConfigGeneration;

  constructor(pod: string, generation: MeshConfigGeneration, now: Date) {
    this.pod = pod;
    this.#generation = generation;
    this.newPushContext(generation, now);
  }

  /** Push version of the current push context: `RFC3339/counter`. */
  get version(): string {
    return this.#version;
  }

  /** Config of the current push context. */
  get generation(): MeshConfigGeneration {
    return this.#generation;
  }

  /** Starts a new push context (istiod's `initPushContext` on a full push). */
  newPushContext(generation: MeshConfigGeneration, now: Date): void {
    this.#counter += 1;
    this.#version = `${goRfc3339Seconds(now)}/${this.#counter}`;
    this.#generation = generation;
    this.snapshots.clear();
  }

  /** Adds a push for a proxy, merging with one already waiting. */
  enqueue(proxy: SimulatedProxy, push: QueuedPush): void {
    const waiting = this.queue.get(proxy);
    this.queue.set(proxy, waiting ? mergeQueuedPushes(waiting, push) : push);
  }
}
