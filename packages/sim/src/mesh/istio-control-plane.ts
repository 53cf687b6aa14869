/**
 * The simulated Istio control plane: istiod replicas (one per Running `app=istiod` pod)
 * and the Envoy proxies of injected pods and ingress gateway pods, wired to the object
 * store and the pod network.
 *
 * Propagation works like Istio's, so switchyard meets the same timing and partial states:
 * config events are debounced into pushes; each replica gives every connected proxy in
 * scope a push with its own version and fresh nonces; each proxy applies its pushes in
 * order, each after its own log-normal delay, then acks (syncz `*_acked`) and swaps the
 * snapshot the traffic generator routes through. Stuck proxies receive pushes and never
 * apply them. A push whose routes Envoy refuses (`envoy-route-validation.ts`), or any route
 * push to a proxy whose override says `reject`, is NACKed: syncz shows the error and the
 * proxy keeps its routes. Endpoints changes are EDS-only pushes that leave route nonces alone.
 *
 * Served on the pod network: `/debug/syncz` on every istiod pod (15014 and 8080), Envoy
 * admin on every proxy (15000).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PodAddress, PodNetwork } from '../net/pod-network.js';
import type { Latency, ProxyOverride, Scenario } from '../scenario/scenario-schema.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store/object-store.js';
import type { ResourceRegistry, ResourceType } from '../store/resource-types.js';
import { applySettingsFor, sampleLogNormal } from './apply-delay.js';
import { ApplyScheduler } from './apply-scheduler.js';
import { attachEndpoints, type SimClusterConfig } from './cluster-config.js';
import { EndpointIndex } from './endpoint-index.js';
import { routeConfigRejection } from './envoy-route-validation.js';
import { handleEnvoyAdmin } from './envoy-admin.js';
import {
  INGRESS_GATEWAY_LABELS,
  ISTIO_NAMESPACE,
  ensureIstioInstall,
  istiodPodLabels,
} from './istio-install.js';
import { istioFeatures, type IstioFeatures } from './istio-features.js';
import { IstiodReplica, type QueuedPush } from './istiod-replica.js';
import type {
  ClusterConfig,
  MeshView,
  ProxyConfigSnapshot,
  ProxyType,
  ProxyView,
} from './mesh-types.js';
import {
  MeshConfigGeneration,
  xdsTypesForChanges,
  type MeshResourceTypes,
  type ProxyScope,
} from './push-context.js';
import { PushDebouncer, type ConfigKind, type PushRequest } from './push-debouncer.js';
import { istioConfigNeedsPush } from './istio-needs-push.js';
import { arrivedOnLoopback, type LoopbackCheck } from './request-origin.js';
import { SimulatedProxy, type PendingPush, type ProxyIdentity } from './simulated-proxy.js';
import { renderSyncz, syncStatusJson, type SynczItem } from './syncz.js';
import { XDS_TYPES, type XdsType } from './xds-type.js';

/** Options of `IstioControlPlane`. */
export interface IstioControlPlaneOptions {
  /** The cluster's objects. */
  store: ObjectStore;
  /** Resource types (Istio CRDs must be registered for VirtualService & co. to count). */
  registry: ResourceRegistry;
  /** Where istiod and Envoy admin ports are served. */
  podNetwork: PodNetwork;
  /** Scenario `istio` section. */
  istio: Scenario['istio'];
  /** Scenario `proxies` overrides (slow and stuck proxies). */
  proxies: ProxyOverride[];
  /** Uniform random source in [0, 1) for apply delays; `Math.random` when undefined. */
  random?: () => number;
  /**
   * How long a replica keeps listing a proxy that moved to another replica because its
   * pod is terminating; default 2000 ms.
   */
  reconnectGraceMs?: number;
  /**
   * Whether a request to istiod arrived on the pod's loopback (allowed) or through the API
   * server's pod proxy (401); default `arrivedOnLoopback`.
   */
  isLoopbackRequest?: LoopbackCheck;
}

/** Proxies a replica pushes to per event-loop turn; the rest follow on the next turns. */
const PUSH_BATCH = 500;
/** Pods reconciled per event-loop turn. */
const FLUSH_BATCH = 2000;
/** Syncz port and istiod's HTTP debug port. */
const ISTIOD_PORTS = [15014, 8080];
/** Envoy admin port. */
const ENVOY_ADMIN_PORT = 15000;

interface PodShape {
  spec?: {
    containers?: {
      name?: unknown;
      args?: unknown;
      ports?: { name?: unknown; containerPort?: unknown }[];
    }[];
    initContainers?: { name?: unknown; args?: unknown }[];
  };
  status?: {
    phase?: unknown;
    podIP?: unknown;
    conditions?: { type?: unknown; status?: unknown }[];
  };
}

function isReady(pod: Readonly<KubeObject>): boolean {
  const conditions = (pod as PodShape).status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function phaseOf(pod: Readonly<KubeObject>): unknown {
  return (pod as PodShape).status?.phase;
}

function labelsEqual(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const ea = Object.entries(a ?? {});
  if (ea.length !== Object.keys(b ?? {}).length) return false;
  return ea.every(([k, v]) => (b ?? {})[k] === v);
}

/** The Deployment of a pod: its ReplicaSet owner minus the pod-template-hash suffix. */
function workloadOf(pod: Readonly<KubeObject>): string {
  const labels = pod.metadata.labels ?? {};
  const owner =
    pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (owner?.kind === 'ReplicaSet') {
    const hash = labels['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -(hash.length + 1));
    const dash = owner.name.lastIndexOf('-');
    return dash > 0 ? owner.name.slice(0, dash) : owner.name;
  }
  if (owner) return owner.name;
  return labels.app ?? pod.metadata.name;
}

/** The proxy a pod runs, if any: Running pods with an `istio-proxy` container, and gateway pods. */
function proxyIdentityOf(pod: Readonly<KubeObject>): ProxyIdentity | undefined {
  const shape = pod as PodShape;
  if (phaseOf(pod) !== 'Running') return undefined;
  const namespace = pod.metadata.namespace ?? 'default';
  const labels = pod.metadata.labels ?? {};
  const containers = [...(shape.spec?.containers ?? []), ...(shape.spec?.initContainers ?? [])];
  const proxyContainer = containers.find((c) => c.name === 'istio-proxy');
  const gatewayPod =
    namespace === ISTIO_NAMESPACE &&
    Object.entries(INGRESS_GATEWAY_LABELS).every(([k, v]) => labels[k] === v);
  if (!proxyContainer && !gatewayPod) return undefined;
  const args = Array.isArray(proxyContainer?.args) ? (proxyContainer.args as unknown[]) : [];
  const proxyType: ProxyType = gatewayPod || args.includes('router') ? 'router' : 'sidecar';
  const containerPorts: Record<string, number> = {};
  for (const container of shape.spec?.containers ?? []) {
    if (container.name === 'istio-proxy') continue;
    for (const port of container.ports ?? []) {
      if (typeof port.name === 'string' && typeof port.containerPort === 'number')
        containerPorts[port.name] = port.containerPort;
    }
  }
  return {
    pod: pod.metadata.name,
    namespace,
    workload: workloadOf(pod),
    proxyType,
    labels,
    podIP: typeof shape.status?.podIP === 'string' ? shape.status.podIP : '',
    containerPorts,
  };
}

/** The simulated istiod replicas and Envoy proxies. */
export class IstioControlPlane implements MeshView {
  readonly #store: ObjectStore;
  readonly #podNetwork: PodNetwork;
  readonly #registry: ResourceRegistry;
  readonly #istio: Scenario['istio'];
  readonly #features: IstioFeatures;
  readonly #random: () => number;
  readonly #graceMs: number;
  readonly #isLoopback: LoopbackCheck;
  readonly #types: MeshResourceTypes;
  readonly #istiodLabels: Record<string, string>;
  readonly #proxies = new Map<string, SimulatedProxy>();
  readonly #replicas = new Map<string, IstiodReplica>();
  readonly #scheduler = new ApplyScheduler();
  readonly #debouncer: PushDebouncer;
  readonly #drainScheduled = new Set<IstiodReplica>();
  readonly #clusterCache = new Map<string, ReadonlyMap<string, ClusterConfig>>();
  /** Cluster objects of the current endpoint epoch, shared between namespaces. */
  #clusterObjects = new Map<string, SimClusterConfig>();
  /** The config as last captured; undefined once a config event made it stale. */
  #latestGeneration: MeshConfigGeneration | undefined;
  readonly #dirtyPods = new Set<string>();
  /** xDS types per queued push and scope: one decision per scope, not per proxy. */
  readonly #typesMemo = new WeakMap<QueuedPush, Map<string, Set<XdsType>>>();
  #overrides: ProxyOverride[];
  #applyDelay: Latency;
  #endpointEpoch = 0;
  #endpointIndex: EndpointIndex | undefined;
  #istiodDirty = false;
  #flushScheduled = false;
  #started = false;
  #stopped = false;
  #unsubscribe: (() => void) | undefined;
  readonly #unlisten: (() => void)[] = [];

  constructor(options: IstioControlPlaneOptions) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#podNetwork = options.podNetwork;
    this.#istio = options.istio;
    this.#features = istioFeatures(options.istio.version);
    this.#overrides = [...options.proxies];
    this.#applyDelay = options.istio.applyDelay;
    this.#random = options.random ?? Math.random;
    this.#graceMs = options.reconnectGraceMs ?? 2000;
    this.#isLoopback = options.isLoopbackRequest ?? arrivedOnLoopback;
    this.#istiodLabels = istiodPodLabels(options.istio.revision);
    const type = (group: string, plural: string): ResourceType | undefined =>
      options.registry.byPlural(group, plural);
    this.#types = {
      pods: type('', 'pods'),
      services: type('', 'services'),
      endpoints: type('', 'endpoints'),
      virtualServices: type('networking.istio.io', 'virtualservices'),
      destinationRules: type('networking.istio.io', 'destinationrules'),
      gateways: type('networking.istio.io', 'gateways'),
    };
    this.#debouncer = new PushDebouncer((request) => this.#push(request), options.istio.debounceMs);
  }

  /**
   * Installs istiod (and the ingress gateway) unless present, starts watching the store
   * and serving syncz and Envoy admin. Proxies of pods that already run connect now.
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    ensureIstioInstall(this.#store, this.#registry, this.#istio);
    this.#unsubscribe = this.#store.subscribe((event) => this.#onEvent(event));
    for (const port of ISTIOD_PORTS) {
      this.#unlisten.push(
        this.#podNetwork.listen(
          port,
          (pod) => pod.namespace === ISTIO_NAMESPACE && this.#replicas.has(pod.name),
          (pod, request, response) => this.#serveIstiod(pod, request, response),
        ),
      );
    }
    this.#unlisten.push(
      this.#podNetwork.listen(
        ENVOY_ADMIN_PORT,
        (pod) => this.#proxies.has(`${pod.namespace}/${pod.name}`),
        (pod, request, response) => {
          const proxy = this.#proxies.get(`${pod.namespace}/${pod.name}`);
          if (!proxy) {
            response.writeHead(503).end();
            return;
          }
          handleEnvoyAdmin(proxy, this.#istio.version, request, response);
        },
      ),
    );
    if (this.#types.pods) {
      // The filter sees every pod; rejecting them all spares peekAll sorting 10,000 pods.
      this.#store.peekAll(this.#types.pods, undefined, (pod) => {
        this.#dirtyPods.add(`${pod.metadata.namespace ?? ''}/${pod.metadata.name}`);
        return false;
      });
    }
    this.#istiodDirty = true;
    this.#flush();
  }

  /** Stops watching, serving and applying. Proxies keep their last applied config. */
  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
    this.#debouncer.stop();
    this.#scheduler.stop();
    for (const replica of this.#replicas.values()) replica.queue.clear();
  }

  /** Every proxy (connected, or waiting for an istiod). */
  proxies(): Iterable<ProxyView> {
    return this.#proxies.values();
  }

  /** The proxy of a pod, if it has one. */
  proxyOfPod(namespace: string, pod: string): ProxyView | undefined {
    return this.#proxies.get(`${namespace}/${pod}`);
  }

  /** Names of the istiod pods serving now. */
  istiodPods(): string[] {
    return [...this.#replicas.keys()].sort();
  }

  /**
   * Replaces the slow/stuck/rejecting overrides. A proxy that is no longer stuck applies the
   * newest push it holds (with every type's newest nonce) after its delay. A proxy that no
   * longer rejects takes the next route push; istiod does not resend the rejected one.
   */
  setProxyOverrides(overrides: ProxyOverride[]): void {
    this.#overrides = [...overrides];
    for (const proxy of this.#proxies.values()) {
      const wasStuck = proxy.settings.stuck;
      proxy.settings = applySettingsFor(this.#overrides, proxy);
      if (wasStuck && !proxy.settings.stuck) {
        const push = proxy.collapsePending();
        if (push) this.#scheduleApply(proxy, push);
      }
    }
  }

  /** Sets the default apply-delay distribution for pushes from now on. */
  setApplyDelay(latency: Latency): void {
    this.#applyDelay = latency;
  }

  /** Sets istiod's debounce quiet period (PILOT_DEBOUNCE_AFTER). */
  setDebounce(ms: number): void {
    this.#debouncer.setDebounce(ms);
  }

  // -------------------------------------------------------------------------------------
  // Store events
  // -------------------------------------------------------------------------------------

  #onEvent(event: StoreEvent): void {
    if (this.#stopped) return;
    const { resource, object } = event;
    const namespace = object.metadata.namespace ?? '';
    if (resource === this.#types.pods) {
      this.#dirtyPods.add(`${namespace}/${object.metadata.name}`);
      if (namespace === ISTIO_NAMESPACE) this.#istiodDirty = true;
      const labelsChanged =
        event.type === 'MODIFIED' &&
        !labelsEqual(event.oldObject?.metadata.labels, object.metadata.labels);
      // Pod labels select subsets: a label change is an endpoint update.
      if (labelsChanged) this.#endpointsChanged(namespace, object.metadata.name);
      this.#scheduleFlush();
    } else if (resource === this.#types.endpoints) {
      this.#endpointsChanged(namespace, object.metadata.name);
    } else if (resource === this.#types.services) {
      this.#configChanged('Service', event);
    } else if (resource === this.#types.virtualServices) {
      this.#configChanged('VirtualService', event);
    } else if (resource === this.#types.destinationRules) {
      this.#configChanged('DestinationRule', event);
    } else if (resource === this.#types.gateways) {
      this.#configChanged('Gateway', event);
    }
  }

  #configChanged(kind: ConfigKind, event: StoreEvent): void {
    if (
      kind !== 'Service' &&
      event.type === 'MODIFIED' &&
      event.oldObject &&
      !istioConfigNeedsPush(event.oldObject, event.object)
    ) {
      return;
    }
    this.#latestGeneration = undefined;
    // Services also feed endpoints (ports, selector).
    if (kind === 'Service') this.#bumpEndpoints();
    const versions = event.oldObject ? [event.oldObject, event.object] : [event.object];
    this.#debouncer.enqueue({
      full: true,
      changes: [
        {
          kind,
          namespace: event.object.metadata.namespace ?? '',
          name: event.object.metadata.name,
          versions,
        },
      ],
    });
  }

  #endpointsChanged(namespace: string, name: string): void {
    this.#bumpEndpoints();
    this.#debouncer.enqueue({
      full: false,
      changes: [{ kind: 'Service', namespace, name, versions: [] }],
    });
  }

  #bumpEndpoints(): void {
    this.#endpointEpoch += 1;
    this.#endpointIndex = undefined;
    this.#clusterCache.clear();
    this.#clusterObjects = new Map();
  }

  /** The current config, captured once per change (replicas starting together share it). */
  #generationNow(): MeshConfigGeneration {
    this.#latestGeneration ??= MeshConfigGeneration.fromStore(
      this.#store,
      this.#types,
      this.#features,
    );
    return this.#latestGeneration;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Never act inside a store listener: the write that notified us is still on the stack.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#stopped) return;
    if (this.#istiodDirty) {
      this.#istiodDirty = false;
      this.#reconcileIstiod();
    }
    // A batch per turn: 10,000 pods appearing at once must not hold the event loop.
    let budget = FLUSH_BATCH;
    for (const key of this.#dirtyPods) {
      this.#dirtyPods.delete(key);
      this.#reconcileProxyPod(key);
      if (--budget === 0) break;
    }
    if (this.#dirtyPods.size > 0) this.#scheduleFlush();
  }

  // -------------------------------------------------------------------------------------
  // istiod replicas and connections
  // -------------------------------------------------------------------------------------

  #reconcileIstiod(): void {
    const podsType = this.#types.pods;
    const istiodPods = podsType
      ? this.#store.peekAll(podsType, ISTIO_NAMESPACE, (pod) =>
          Object.entries(this.#istiodLabels).every(([k, v]) => pod.metadata.labels?.[k] === v),
        )
      : [];
    const now = new Date();
    const serving = new Set<string>();
    const displaced: SimulatedProxy[] = [];
    for (const pod of istiodPods) {
      if (phaseOf(pod) !== 'Running') continue;
      const name = pod.metadata.name;
      serving.add(name);
      let replica = this.#replicas.get(name);
      if (!replica) {
        // A new istiod builds its own push context from the config it reads at start.
        replica = new IstiodReplica(name, this.#generationNow(), now);
        this.#replicas.set(name, replica);
      }
      replica.terminating = pod.metadata.deletionTimestamp !== undefined;
      replica.accepting = isReady(pod) && !replica.terminating;
      if (replica.terminating && replica.proxies.size > 0) {
        // Its proxies reconnect elsewhere; the terminating istiod lists them a while longer.
        for (const proxy of replica.proxies) {
          replica.lingering.set(proxy.id, {
            json: syncStatusJson(proxy, this.#istio.version),
            namespace: proxy.namespace,
            until: now.getTime() + this.#graceMs,
          });
          displaced.push(proxy);
        }
        replica.proxies.clear();
        replica.queue.clear();
      }
    }
    for (const [name, replica] of this.#replicas) {
      if (serving.has(name)) continue;
      this.#replicas.delete(name);
      displaced.push(...replica.proxies);
      replica.proxies.clear();
      replica.queue.clear();
    }
    for (const proxy of displaced) this.#connect(proxy);
    for (const proxy of this.#proxies.values()) if (proxy.istiod === '') this.#connect(proxy);
  }

  /** Connects a proxy to the accepting replica with the fewest proxies. */
  #connect(proxy: SimulatedProxy): void {
    const previous = this.#replicas.get(proxy.istiod);
    if (previous) {
      previous.proxies.delete(proxy);
      previous.queue.delete(proxy);
    }
    let best: IstiodReplica | undefined;
    for (const replica of this.#replicas.values()) {
      if (!replica.accepting) continue;
      if (
        !best ||
        replica.proxies.size < best.proxies.size ||
        (replica.proxies.size === best.proxies.size && replica.pod < best.pod)
      ) {
        best = replica;
      }
    }
    if (!best) {
      if (proxy.istiod !== '') proxy.resetConnection('');
      return;
    }
    proxy.resetConnection(best.pod);
    best.proxies.add(proxy);
    best.lingering.delete(proxy.id);
    this.#enqueue(best, proxy, {
      connect: true,
      full: true,
      endpoints: false,
      changes: [],
      subscribed: [],
    });
  }

  #reconcileProxyPod(key: string): void {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const pod = this.#types.pods ? this.#store.peek(this.#types.pods, namespace, name) : undefined;
    const identity = pod ? proxyIdentityOf(pod) : undefined;
    const existing = this.#proxies.get(key);
    if (!identity) {
      if (existing) this.#removeProxy(key, existing);
      return;
    }
    if (existing) {
      existing.labels = identity.labels;
      existing.podIP = identity.podIP;
      return;
    }
    const proxy = new SimulatedProxy(identity);
    proxy.settings = applySettingsFor(this.#overrides, proxy);
    this.#proxies.set(key, proxy);
    this.#connect(proxy);
  }

  #removeProxy(key: string, proxy: SimulatedProxy): void {
    this.#proxies.delete(key);
    for (const replica of this.#replicas.values()) {
      replica.proxies.delete(proxy);
      replica.queue.delete(proxy);
      replica.lingering.delete(proxy.id);
    }
    proxy.pending = [];
  }

  // -------------------------------------------------------------------------------------
  // Pushes
  // -------------------------------------------------------------------------------------

  /**
   * A debounced push: a full push starts a new push context on every replica; from Istio
   * 1.31 every push does (an endpoints-only push included), so its version is new too.
   */
  #push(request: PushRequest): void {
    if (this.#stopped) return;
    if (request.full || this.#features.newPushContextPerPush) {
      const generation = this.#generationNow();
      const now = new Date();
      for (const replica of this.#replicas.values()) replica.newPushContext(generation, now);
    }
    const queued: QueuedPush = {
      connect: false,
      full: request.full,
      endpoints: !request.full,
      changes: request.changes,
      subscribed: [],
    };
    for (const replica of this.#replicas.values()) {
      for (const proxy of replica.proxies) this.#enqueue(replica, proxy, queued);
    }
  }

  #enqueue(replica: IstiodReplica, proxy: SimulatedProxy, push: QueuedPush): void {
    replica.enqueue(proxy, push);
    if (this.#drainScheduled.has(replica)) return;
    this.#drainScheduled.add(replica);
    setImmediate(() => this.#drain(replica));
  }

  /** Sends queued pushes, a batch per event-loop turn so a big push never blocks for long. */
  #drain(replica: IstiodReplica): void {
    this.#drainScheduled.delete(replica);
    if (this.#stopped || this.#replicas.get(replica.pod) !== replica) return;
    let sent = 0;
    for (const [proxy, push] of replica.queue) {
      replica.queue.delete(proxy);
      if (
        proxy.istiod === replica.pod &&
        this.#proxies.get(`${proxy.namespace}/${proxy.pod}`) === proxy
      ) {
        this.#send(replica, proxy, push);
      }
      if (++sent >= PUSH_BATCH) break;
    }
    if (replica.queue.size > 0 && !this.#drainScheduled.has(replica)) {
      this.#drainScheduled.add(replica);
      setImmediate(() => this.#drain(replica));
    }
  }

  #send(replica: IstiodReplica, proxy: SimulatedProxy, push: QueuedPush): void {
    const scope = replica.generation.scopeOf(proxy);
    let types: ReadonlySet<XdsType>;
    if (push.connect) types = new Set(XDS_TYPES);
    else if (push.full) {
      let byScope = this.#typesMemo.get(push);
      if (!byScope) {
        byScope = new Map();
        this.#typesMemo.set(push, byScope);
      }
      let forScope = byScope.get(scope.key);
      if (!forScope) {
        forScope = xdsTypesForChanges(scope, push.changes);
        byScope.set(scope.key, forScope);
      }
      types = forScope;
    } else types = new Set<XdsType>();
    const sends = (type: XdsType): boolean =>
      // istiod pushes only what the proxy subscribed to (its watched resources).
      proxy.subscriptions.has(type) &&
      (types.has(type) || push.subscribed.includes(type) || (push.endpoints && type === 'eds'));
    if (!XDS_TYPES.some(sends)) return;
    const snapshot = this.#snapshotFor(replica, scope);
    const nonces: Partial<Record<XdsType, string>> = {};
    for (const type of XDS_TYPES) {
      if (sends(type)) nonces[type] = `${replica.version}${randomUUID()}`;
    }
    const inbound =
      nonces.cds !== undefined && proxy.proxyType === 'sidecar'
        ? replica.generation.inboundPortsFor(proxy)
        : undefined;
    const pending = proxy.receive(snapshot, nonces, new Date(), inbound);
    if (proxy.settings.stuck) {
      // A stuck proxy only ever needs the newest of what it holds: keep memory bounded.
      proxy.collapsePending();
      return;
    }
    this.#scheduleApply(proxy, pending);
  }

  #snapshotFor(replica: IstiodReplica, scope: ProxyScope): ProxyConfigSnapshot {
    if (replica.snapshotEpoch !== this.#endpointEpoch) {
      replica.snapshots.clear();
      replica.snapshotEpoch = this.#endpointEpoch;
    }
    const cached = replica.snapshots.get(scope.key);
    if (cached) return cached;
    const generation = replica.generation;
    const snapshot: ProxyConfigSnapshot = Object.freeze({
      version: replica.version,
      routes: generation.routesFor(scope),
      clusters: this.#clustersFor(generation, scope.namespace),
      builtAt: new Date(),
    });
    replica.snapshots.set(scope.key, snapshot);
    return snapshot;
  }

  #clustersFor(
    generation: MeshConfigGeneration,
    namespace: string,
  ): ReadonlyMap<string, ClusterConfig> {
    const key = `${generation.id}|${namespace}`;
    const cached = this.#clusterCache.get(key);
    if (cached) return cached;
    this.#endpointIndex ??= new EndpointIndex(this.#store, this.#types.endpoints, this.#types.pods);
    const index = this.#endpointIndex;
    const clusters = attachEndpoints(
      generation.clusterSkeletonsFor(namespace),
      (service, port) => index.endpointsOf(service, port),
      this.#clusterObjects,
    );
    // Old generations are not looked up again once every replica moved on.
    if (this.#clusterCache.size > 256) this.#clusterCache.clear();
    this.#clusterCache.set(key, clusters);
    return clusters;
  }

  #scheduleApply(proxy: SimulatedProxy, push: PendingPush): void {
    if (proxy.settings.stuck) return;
    const delay = sampleLogNormal(proxy.settings.applyDelay ?? this.#applyDelay, this.#random);
    // Envoy processes responses in order: never apply before an earlier push.
    const at = Math.max(Date.now() + delay, proxy.lastScheduledApply());
    push.applyAt = at;
    this.#scheduler.schedule(at, () => {
      if (proxy.settings.stuck || proxy.pending[0] !== push) return;
      if (this.#proxies.get(`${proxy.namespace}/${proxy.pod}`) !== proxy) return;
      // Decided when Envoy processes the push, with the overrides in force then.
      const rejection =
        push.nonces.rds === undefined
          ? undefined
          : (routeConfigRejection(push.snapshot.routes) ?? proxy.settings.reject);
      const subscribed = proxy.applyHead(new Date(), rejection);
      // Envoy's new subscriptions go to its istiod on the same stream, answered at once.
      const replica = this.#replicas.get(proxy.istiod);
      if (subscribed.length > 0 && replica && replica.proxies.has(proxy)) {
        this.#enqueue(replica, proxy, {
          connect: false,
          full: false,
          endpoints: false,
          changes: [],
          subscribed,
        });
      }
    });
  }

  // -------------------------------------------------------------------------------------
  // istiod HTTP
  // -------------------------------------------------------------------------------------

  #serveIstiod(pod: PodAddress, request: IncomingMessage, response: ServerResponse): void {
    const replica = this.#replicas.get(pod.name);
    if (!replica) {
      response.writeHead(503).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/ready') {
      response.writeHead(200).end();
      return;
    }
    if (url.pathname !== '/debug/syncz') {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('404 page not found\n');
      return;
    }
    if (!this.#isLoopback(request)) {
      // istiod answers unauthenticated non-loopback debug requests with a bare 401.
      response.writeHead(401).end();
      return;
    }
    const namespace = url.searchParams.get('namespace') ?? '';
    const items: SynczItem[] = [];
    const connected = new Set<string>();
    for (const proxy of replica.proxies) {
      connected.add(proxy.id);
      if (namespace === '' || proxy.namespace === namespace)
        items.push({ proxy: proxy.id, json: syncStatusJson(proxy, this.#istio.version) });
    }
    const now = Date.now();
    for (const [id, lingering] of replica.lingering) {
      if (lingering.until <= now) {
        replica.lingering.delete(id);
        continue;
      }
      if (connected.has(id)) continue;
      if (namespace === '' || lingering.namespace === namespace)
        items.push({ proxy: id, json: lingering.json });
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(renderSyncz(items, url.searchParams.has('pretty')));
  }
}
