/**
 * The Endpoints controller, after Kubernetes' `pkg/controller/endpoint`: for every Service
 * with a selector, an Endpoints object of the same name listing the selected pods - ready
 * ones under `addresses`, the others under `notReadyAddresses`, terminating and terminal
 * pods not at all - with the Service's ports resolved against each pod (`targetPort` by
 * number or container port name), repacked into subsets by shared address sets
 * (`RepackSubsets`), capped at 1000 addresses, and deleted with the Service. Labels come
 * from the Service; `endpoints.kubernetes.io/last-change-trigger-time` records the
 * earliest change that led to an update.
 */
import { isDeepStrictEqual } from 'node:util';
import { StoreError, type ObjectStore, type StoreEvent } from '../store/object-store.js';
import type { InformerCache, WorkloadResources } from './informer-cache.js';
import {
  viewAs,
  type EndpointAddress,
  type EndpointPort,
  type Endpoints,
  type EndpointSubset,
  type Pod,
  type Service,
  type ServicePort,
} from './kube-shapes.js';
import { kubeTime, parseKubeTime } from '../go-faithful/kube-time.js';
import { isPodReady } from './kubelet.js';
import { labelsEqual, labelsMatch } from '../go-faithful/label-selector.js';
import { objectKey, splitKey } from './object-index.js';
import { WorkQueue } from './work-queue.js';

/** Most addresses an Endpoints object holds before it is truncated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;

const HEADLESS_LABEL = 'service.kubernetes.io/headless';
const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/** Options of the Endpoints controller. */
export interface EndpointsControllerOptions {
  /** The cluster store. */
  store: ObjectStore;
  /** Resource types. */
  resources: WorkloadResources;
  /** Shared informer cache. */
  cache: InformerCache;
  /** Reports sync failures; undefined to ignore them. */
  onError?: (key: string, error: unknown) => void;
}

/** `ShouldPodBeInEndpoints`: not terminal, has an IP, and not terminating (unless published anyway). */
export function shouldPodBeInEndpoints(pod: Readonly<Pod>, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** `podutil.FindPort`: the pod port a Service port targets, or undefined. */
export function findTargetPort(pod: Readonly<Pod>, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target === 0 ? servicePort.port : target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

function podEndpointsChanged(oldPod: Readonly<Pod>, newPod: Readonly<Pod>): boolean {
  return (
    !labelsEqual(oldPod.metadata.labels, newPod.metadata.labels) ||
    oldPod.spec?.hostname !== newPod.spec?.hostname ||
    oldPod.spec?.subdomain !== newPod.spec?.subdomain ||
    oldPod.metadata.deletionTimestamp !== newPod.metadata.deletionTimestamp ||
    isPodReady(oldPod) !== isPodReady(newPod) ||
    oldPod.status?.podIP !== newPod.status?.podIP ||
    oldPod.status?.phase !== newPod.status?.phase
  );
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const na = a.name ?? '';
  const nb = b.name ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.port - b.port;
}

interface AddressEntry {
  address: EndpointAddress;
  ready: boolean;
}

/**
 * `RepackSubsets`: groups ports offered by exactly the same addresses (with the same
 * readiness) into one subset; addresses sorted by IP then uid.
 */
function repackSubsets(
  entries: { address: EndpointAddress; ready: boolean; port: EndpointPort | undefined }[],
): EndpointSubset[] {
  const byPort = new Map<
    string,
    { port: EndpointPort | undefined; addresses: Map<string, AddressEntry> }
  >();
  for (const entry of entries) {
    const port = entry.port;
    const portKey = port
      ? `${port.name ?? ''}\u0000${port.port}\u0000${port.protocol ?? ''}\u0000${port.appProtocol ?? ''}`
      : '';
    let group = byPort.get(portKey);
    if (!group) {
      group = { port: entry.port, addresses: new Map() };
      byPort.set(portKey, group);
    }
    group.addresses.set(`${entry.address.ip}\u0000${entry.address.targetRef?.uid ?? ''}`, {
      address: entry.address,
      ready: entry.ready,
    });
  }
  const bySet = new Map<string, { ports: EndpointPort[]; addresses: AddressEntry[] }>();
  for (const group of byPort.values()) {
    const addresses = [...group.addresses.values()].sort((a, b) =>
      compareAddresses(a.address, b.address),
    );
    const setKey = addresses
      .map((a) => `${a.address.ip}/${a.address.targetRef?.uid ?? ''}/${a.ready}`)
      .join(',');
    let subset = bySet.get(setKey);
    if (!subset) {
      subset = { ports: [], addresses };
      bySet.set(setKey, subset);
    }
    if (group.port) subset.ports.push(group.port);
  }
  const subsets: EndpointSubset[] = [];
  for (const { ports, addresses } of bySet.values()) {
    const subset: EndpointSubset = {};
    const ready = addresses.filter((a) => a.ready).map((a) => a.address);
    const notReady = addresses.filter((a) => !a.ready).map((a) => a.address);
    if (ready.length > 0) subset.addresses = ready;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    if (ports.length > 0) subset.ports = ports.sort(comparePorts);
    subsets.push(subset);
  }
  const first = (s: EndpointSubset): string =>
    (s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? '';
  return subsets.sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : 0));
}

/** `truncateEndpoints`: keeps at most 1000 addresses, ready ones first, proportionally per subset. */
function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const subset of subsets) {
    totalReady += subset.addresses?.length ?? 0;
    totalNotReady += subset.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const total = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const subset of subsets) {
    const inSubset = (truncateReady ? subset.addresses : subset.notReadyAddresses)?.length ?? 0;
    const toBeAdded = Math.min(Math.ceil((inSubset / total) * max), canBeAdded);
    if (truncateReady) {
      if (subset.addresses) subset.addresses = subset.addresses.slice(0, toBeAdded);
      delete subset.notReadyAddresses;
      canBeAdded -= subset.addresses?.length ?? 0;
    } else {
      if (subset.notReadyAddresses)
        subset.notReadyAddresses = subset.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= subset.notReadyAddresses?.length ?? 0;
    }
  }
  return true;
}

interface TriggerState {
  podTimes: Map<string, string>;
  serviceTime: string;
}

/** Keeps Endpoints in step with Services and pods. */
export class EndpointsController {
  readonly #options: EndpointsControllerOptions;
  readonly #queue: WorkQueue;
  readonly #triggers = new Map<string, TriggerState>();

  constructor(options: EndpointsControllerOptions) {
    this.#options = options;
    this.#queue = new WorkQueue({
      handle: (key) => this.#syncService(key),
      // Batch updates of big Services (like --endpoint-updates-batch-period, but only as
      // long as a rebuild costs): a 10,000-pod Service is not rebuilt per pod event.
      spacing: (lastRunMs) => (lastRunMs > 10 ? lastRunMs * 4 : 0),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Queues every Service, and every Endpoints object so leftovers of deleted Services go. */
  start(): void {
    for (const service of this.#options.cache.services.all()) {
      this.#queue.add(objectKey(service.metadata.namespace, service.metadata.name));
    }
    for (const endpoints of this.#options.store.peekAll(this.#options.resources.endpoints)) {
      // Leader-election records are Endpoints without a Service; they are not leftovers.
      if (endpoints.metadata.annotations?.[LEADER_ELECTION_ANNOTATION] !== undefined) continue;
      this.#queue.add(objectKey(endpoints.metadata.namespace, endpoints.metadata.name));
    }
  }

  /** Stops all work. */
  stop(): void {
    this.#queue.stop();
    this.#triggers.clear();
  }

  /** Reacts to a committed change. */
  onEvent(event: StoreEvent): void {
    const { resources } = this.#options;
    const is = (type: { group: string; plural: string }): boolean =>
      event.resource.group === type.group && event.resource.plural === type.plural;
    const key = objectKey(event.object.metadata.namespace, event.object.metadata.name);
    if (is(resources.services)) {
      this.#queue.add(key);
    } else if (is(resources.endpoints)) {
      if (event.type === 'DELETED') this.#queue.add(key);
    } else if (is(resources.pods)) {
      const pod = event.object as Pod;
      const old = event.oldObject;
      if (event.type === 'MODIFIED' && old && !podEndpointsChanged(old, pod)) return;
      for (const version of old ? [old, pod] : [pod]) this.#enqueueServicesOf(version);
    }
  }

  #enqueueServicesOf(pod: Readonly<Pod>): void {
    const namespace = pod.metadata.namespace ?? '';
    for (const service of this.#options.cache.services.inNamespace(namespace)) {
      const selector = service.spec?.selector;
      if (
        selector &&
        Object.keys(selector).length > 0 &&
        labelsMatch(selector, pod.metadata.labels)
      ) {
        this.#queue.add(objectKey(namespace, service.metadata.name));
      }
    }
  }

  #syncService(key: string): void {
    const { store, resources, cache } = this.#options;
    const { namespace, name } = splitKey(key);
    const service = cache.services.get(namespace, name);
    if (!service) {
      this.#triggers.delete(key);
      try {
        store.delete(resources.endpoints, namespace, name);
      } catch (error) {
        if (!(error instanceof StoreError && error.reason === 'NotFound')) throw error;
      }
      return;
    }
    const spec = service.spec ?? {};
    if (spec.type === 'ExternalName') return;
    const selector = spec.selector;
    // Services without a selector get their Endpoints from whoever manages them.
    if (!selector || Object.keys(selector).length === 0) return;

    const pods = cache.pods.withLabels(namespace, selector);
    const triggerTime = this.#lastChangeTriggerTime(key, service, pods);
    const publishNotReady = spec.publishNotReadyAddresses === true;
    const headless = spec.clusterIP === 'None';
    const ports = spec.ports ?? [];
    const entries: { address: EndpointAddress; ready: boolean; port: EndpointPort | undefined }[] =
      [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
      const address: EndpointAddress = {
        ip: pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? '',
      };
      if (pod.spec?.hostname && pod.spec.subdomain === name) address.hostname = pod.spec.hostname;
      if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
      address.targetRef = {
        kind: 'Pod',
        namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      };
      const ready = publishNotReady || isPodReady(pod);
      if (ports.length === 0) {
        // Headless Services may have no ports; others get no endpoints without them.
        if (headless) entries.push({ address, ready, port: undefined });
        continue;
      }
      for (const servicePort of ports) {
        const port = findTargetPort(pod, servicePort);
        if (port === undefined) continue;
        const endpointPort: EndpointPort = { port, protocol: servicePort.protocol ?? 'TCP' };
        if (servicePort.name) endpointPort.name = servicePort.name;
        if (servicePort.appProtocol) endpointPort.appProtocol = servicePort.appProtocol;
        entries.push({ address, ready, port: endpointPort });
      }
    }
    const subsets = repackSubsets(entries);

    const current = viewAs<Endpoints>(store.peek(resources.endpoints, namespace, name));
    const labels: Record<string, string> = { ...(service.metadata.labels ?? {}) };
    const currentLabels = { ...(current?.metadata.labels ?? {}) };
    delete currentLabels[HEADLESS_LABEL];
    const currentOverCapacity =
      current?.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] !== undefined;
    const total = subsets.reduce(
      (n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0),
      0,
    );
    if (
      current &&
      isDeepStrictEqual(current.subsets ?? [], subsets) &&
      isDeepStrictEqual(currentLabels, labels) &&
      currentOverCapacity === total > MAX_ENDPOINTS_CAPACITY
    ) {
      return;
    }
    const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
    if (triggerTime !== undefined) annotations[TRIGGER_TIME_ANNOTATION] = kubeTime(triggerTime);
    else delete annotations[TRIGGER_TIME_ANNOTATION];
    if (truncateSubsets(subsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    if (headless) labels[HEADLESS_LABEL] = '';
    const metadata: Record<string, unknown> = { ...(current?.metadata ?? {}), name, namespace };
    if (Object.keys(labels).length > 0) metadata.labels = labels;
    else delete metadata.labels;
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    else delete metadata.annotations;
    const next: Record<string, unknown> = { apiVersion: 'v1', kind: 'Endpoints', metadata };
    if (subsets.length > 0) next.subsets = subsets;
    if (current) {
      store.update(resources.endpoints, namespace, next, {
        expectedResourceVersion: current.metadata.resourceVersion,
      });
    } else {
      store.create(resources.endpoints, namespace, next);
    }
  }

  /** `TriggerTimeTracker`: the earliest pod-ready or Service change since the last sync. */
  #lastChangeTriggerTime(
    key: string,
    service: Readonly<Service>,
    pods: readonly Readonly<Pod>[],
  ): number | undefined {
    const state = this.#triggers.get(key);
    // Timestamps share one format, so they compare as strings; only changed ones are parsed.
    const podTimes = new Map<string, string>();
    let earliest: string | undefined;
    for (const pod of pods) {
      const time = pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
      if (!time) continue;
      podTimes.set(pod.metadata.name, time);
      const before = state?.podTimes.get(pod.metadata.name);
      if ((before === undefined || time > before) && (earliest === undefined || time < earliest))
        earliest = time;
    }
    const serviceTime = service.metadata.creationTimestamp;
    if (
      (state === undefined || serviceTime > state.serviceTime) &&
      (earliest === undefined || serviceTime < earliest)
    ) {
      earliest = serviceTime;
    }
    this.#triggers.set(key, { podTimes, serviceTime });
    // A Service seen for the first time has no trigger time.
    return state ? parseKubeTime(earliest) : undefined;
  }
}
