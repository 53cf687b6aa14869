/**
 * The simulated node: the scheduler binding and the kubelet of `sim-node-1`. A new pod is
 * bound (`spec.nodeName`, condition `PodScheduled`), then started (phase `Running`, a pod
 * IP, init containers completed, containers running but not ready), then after the ready
 * delay its readiness probes pass (`ContainersReady` and `Ready` True) - except the app
 * container of an image whose behaviour says `ready: false`, which stays not ready like a
 * failing readiness probe. A pod marked for deletion is made not ready at once and removed
 * after the termination delay. Statuses are shaped as the kubelet writes them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ObjectStore, StoreEvent } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import { DeadlineQueue } from './deadline-queue.js';
import { kubeTime, parseKubeTime } from '../go-faithful/kube-time.js';
import {
  viewAs,
  type Container,
  type ContainerStatus,
  type Pod,
  type PodCondition,
  type PodStatus,
} from './kube-shapes.js';
import { objectKey, splitKey } from './object-index.js';
import type { PodIpAllocator } from './pod-ip-allocator.js';
import { ISTIO_PROXY_CONTAINER } from './sidecar-injector.js';
import { WorkQueue } from './work-queue.js';

/** How an image behaves, as far as pod readiness goes. */
export type ReadinessBehaviourOf = (image: string) => { ready: boolean };

/** Options of the kubelet. */
export interface KubeletOptions {
  /** The cluster store. */
  store: ObjectStore;
  /** The pods resource type. */
  pods: ResourceType;
  /** Node name written to `spec.nodeName`. */
  nodeName: string;
  /** Node IP reported as `hostIP`. */
  hostIP: string;
  /** Milliseconds from pod start to passing readiness probes. */
  readyDelayMs: number;
  /** Milliseconds a deleted pod stays terminating before it is removed. */
  terminationDelayMs: number;
  /** Image behaviour; `ready: false` fails the app container's readiness probe forever. */
  behaviourOf: ReadinessBehaviourOf;
  /** Pod IP pool. */
  ipAllocator: PodIpAllocator;
  /** Reports sync failures; undefined to ignore them. */
  onError?: (key: string, error: unknown) => void;
}

interface PodState {
  uid: string;
  startedAt: number;
  terminatingSince?: number;
}

/** The app container whose image decides readiness: the first one that is not the proxy. */
export function appContainerOf(
  containers: readonly Container[] | undefined,
): Container | undefined {
  return containers?.find((c) => c.name !== ISTIO_PROXY_CONTAINER);
}

/** True when the pod's `Ready` condition is True. */
export function isPodReady(pod: Readonly<Pod>): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function hasCondition(pod: Readonly<Pod>, type: string): boolean {
  return pod.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

const imageIds = new Map<string, string>();

function imageIdOf(image: string): string {
  let id = imageIds.get(image);
  if (!id) {
    const at = image.indexOf('@');
    const repository = at >= 0 ? image.slice(0, at) : image.replace(/:[^:/]+$/, '');
    // A digest derived from the reference: stable across pods and restarts, like a real pull.
    id = `${repository}@sha256:${createHash('sha256').update(image).digest('hex')}`;
    imageIds.set(image, id);
  }
  return id;
}

function condition(
  type: string,
  status: boolean,
  previous: readonly PodCondition[] | undefined,
  now: string,
  reason?: string,
  message?: string,
): PodCondition {
  const value = status ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  const out: PodCondition = {
    type,
    status: value,
    lastProbeTime: null,
    lastTransitionTime:
      before?.status === value && before.lastTransitionTime ? before.lastTransitionTime : now,
  };
  if (!status && reason) {
    out.reason = reason;
    out.message = message;
  }
  return out;
}

/** Binds, starts, probes and removes pods. */
export class Kubelet {
  readonly #options: KubeletOptions;
  readonly #queue: WorkQueue;
  readonly #readiness: DeadlineQueue;
  readonly #removals: DeadlineQueue;
  readonly #state = new Map<string, PodState>();
  #readyDelayMs: number;
  #terminationDelayMs: number;

  constructor(options: KubeletOptions) {
    this.#options = options;
    this.#readyDelayMs = options.readyDelayMs;
    this.#terminationDelayMs = options.terminationDelayMs;
    this.#queue = new WorkQueue({
      handle: (key) => this.#sync(key),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    const enqueue = (keys: string[]): void => {
      for (const key of keys) this.#queue.add(key);
    };
    this.#readiness = new DeadlineQueue(enqueue);
    this.#removals = new DeadlineQueue(enqueue);
  }

  /** Takes over every pod in the store: reserves their IPs and queues them. */
  start(): void {
    for (const object of this.#options.store.peekAll(this.#options.pods)) {
      const pod = object as Readonly<Pod>;
      if (pod.status?.podIP) this.#options.ipAllocator.reserve(pod.status.podIP);
      this.#queue.add(objectKey(pod.metadata.namespace, pod.metadata.name));
    }
  }

  /** Reacts to a committed change (pods only). */
  onEvent(event: StoreEvent): void {
    const key = objectKey(event.object.metadata.namespace, event.object.metadata.name);
    if (event.type === 'DELETED') {
      this.#forget(key);
      const ip = (event.object as Pod).status?.podIP;
      if (ip) this.#options.ipAllocator.release(ip);
      return;
    }
    this.#queue.add(key);
  }

  /** Stops all work and timers. */
  stop(): void {
    this.#queue.stop();
    this.#readiness.clear();
    this.#removals.clear();
    this.#state.clear();
  }

  /** Changes the ready delay; pods still waiting for readiness are rescheduled. */
  setReadyDelayMs(ms: number): void {
    this.#readyDelayMs = ms;
    for (const key of [...this.#readiness.keys()]) {
      const state = this.#state.get(key);
      if (state) this.#readiness.schedule(key, state.startedAt + ms);
    }
  }

  /** Changes the termination delay; terminating pods are rescheduled. */
  setTerminationDelayMs(ms: number): void {
    this.#terminationDelayMs = ms;
    for (const key of [...this.#removals.keys()]) {
      const since = this.#state.get(key)?.terminatingSince;
      if (since !== undefined) this.#removals.schedule(key, since + ms);
    }
  }

  /** Re-runs every pod's readiness probe, after image behaviours changed. */
  reprobeReadiness(): void {
    for (const key of this.#state.keys()) this.#queue.add(key);
  }

  #forget(key: string): void {
    this.#state.delete(key);
    this.#readiness.cancel(key);
    this.#removals.cancel(key);
  }

  #sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const pod = viewAs<Pod>(this.#options.store.peek(this.#options.pods, namespace, name));
    if (!pod) {
      this.#forget(key);
      return;
    }
    let state = this.#state.get(key);
    if (state && state.uid !== pod.metadata.uid) {
      this.#forget(key);
      state = undefined;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (pod.metadata.deletionTimestamp) {
      this.#syncTerminating(key, pod, state);
      return;
    }
    if (!pod.spec?.nodeName) {
      this.#bind(pod);
      return;
    }
    if (!hasCondition(pod, 'PodScheduled')) {
      this.#writeStatus(pod, this.#scheduledStatus(pod));
      return;
    }
    if (phase !== 'Running' || !pod.status?.podIP) {
      this.#startPod(key, pod);
      return;
    }
    this.#syncReadiness(key, pod, state);
  }

  #bind(pod: Readonly<Pod>): void {
    const { store, pods, nodeName } = this.#options;
    // Binding sets the node; the scheduler's condition follows in the status.
    const bound = store.update(
      pods,
      pod.metadata.namespace,
      { ...pod, spec: { ...pod.spec, nodeName } },
      { expectedResourceVersion: pod.metadata.resourceVersion },
    ) as Pod;
    this.#writeStatus(bound, this.#scheduledStatus(bound));
  }

  #scheduledStatus(pod: Readonly<Pod>): PodStatus {
    const now = kubeTime();
    const others = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    return {
      ...pod.status,
      phase: pod.status?.phase ?? 'Pending',
      conditions: [...others, condition('PodScheduled', true, pod.status?.conditions, now)],
    };
  }

  #startPod(key: string, pod: Readonly<Pod>): void {
    const allocator = this.#options.ipAllocator;
    const existingIp = pod.status?.podIP;
    const ip = existingIp ?? allocator.allocate();
    const startedAt = Date.now();
    try {
      this.#writeStatus(pod, this.#runningStatus(pod, ip, startedAt, new Map()));
    } catch (error) {
      if (!existingIp) allocator.release(ip);
      throw error;
    }
    this.#state.set(key, { uid: pod.metadata.uid, startedAt });
    this.#readiness.schedule(key, startedAt + this.#readyDelayMs);
  }

  #syncReadiness(key: string, pod: Readonly<Pod>, known: PodState | undefined): void {
    let state = known;
    if (!state) {
      // Taking over a running pod (controllers restarted): its start time is in its status.
      const started = parseKubeTime(pod.status?.startTime) ?? Date.now();
      state = { uid: pod.metadata.uid, startedAt: started };
      this.#state.set(key, state);
    }
    const readyAt = state.startedAt + this.#readyDelayMs;
    const ready = new Map<string, boolean>();
    if (Date.now() >= readyAt) {
      this.#readiness.cancel(key);
      const app = appContainerOf(pod.spec?.containers);
      for (const container of pod.spec?.containers ?? []) {
        const passes =
          container !== app || this.#options.behaviourOf(container.image ?? '').ready !== false;
        ready.set(container.name, passes);
      }
    } else if (this.#readiness.dueAt(key) === undefined) {
      this.#readiness.schedule(key, readyAt);
    }
    const current = pod.status?.containerStatuses ?? [];
    const unchanged =
      current.length === (pod.spec?.containers ?? []).length &&
      current.every((s) => s.ready === (ready.get(s.name) ?? false));
    if (unchanged) return;
    this.#writeStatus(
      pod,
      this.#runningStatus(pod, pod.status?.podIP as string, state.startedAt, ready),
    );
  }

  #syncTerminating(key: string, pod: Readonly<Pod>, known: PodState | undefined): void {
    let state = known;
    if (!state) {
      state = {
        uid: pod.metadata.uid,
        startedAt: parseKubeTime(pod.status?.startTime) ?? Date.now(),
      };
      this.#state.set(key, state);
    }
    const now = Date.now();
    if (state.terminatingSince === undefined) {
      state.terminatingSince = now;
      this.#readiness.cancel(key);
      this.#removals.schedule(key, now + this.#terminationDelayMs);
    }
    const removeAt = state.terminatingSince + this.#terminationDelayMs;
    if (now >= removeAt) {
      this.#removals.cancel(key);
      const { store, pods } = this.#options;
      // Containers have stopped: the kubelet removes the pod for good.
      store.delete(pods, pod.metadata.namespace, pod.metadata.name, {
        preconditions: { uid: pod.metadata.uid },
      });
      return;
    }
    if (this.#removals.dueAt(key) === undefined) this.#removals.schedule(key, removeAt);
    const anyReady = (pod.status?.containerStatuses ?? []).some((s) => s.ready) || isPodReady(pod);
    if (anyReady && pod.status?.podIP) {
      this.#writeStatus(
        pod,
        this.#runningStatus(pod, pod.status.podIP, state.startedAt, new Map()),
      );
    }
  }

  #writeStatus(pod: Readonly<Pod>, status: PodStatus): void {
    this.#options.store.update(
      this.#options.pods,
      pod.metadata.namespace,
      { ...pod, status },
      { subresource: 'status', expectedResourceVersion: pod.metadata.resourceVersion },
    );
  }

  #runningStatus(
    pod: Readonly<Pod>,
    ip: string,
    startedAt: number,
    ready: ReadonlyMap<string, boolean>,
  ): PodStatus {
    const now = kubeTime();
    const previous = pod.status;
    const start = previous?.startTime ?? kubeTime(startedAt);
    const containers = pod.spec?.containers ?? [];
    const unready = containers.filter((c) => !(ready.get(c.name) ?? false)).map((c) => c.name);
    const allReady = unready.length === 0 && containers.length > 0;
    const unreadyMessage = `containers with unready status: [${unready.join(' ')}]`;
    const conditions = [
      condition('PodReadyToStartContainers', true, previous?.conditions, now),
      condition('Initialized', true, previous?.conditions, now),
      condition('Ready', allReady, previous?.conditions, now, 'ContainersNotReady', unreadyMessage),
      condition(
        'ContainersReady',
        allReady,
        previous?.conditions,
        now,
        'ContainersNotReady',
        unreadyMessage,
      ),
      condition('PodScheduled', true, previous?.conditions, now),
    ];
    const containerStatuses = containers
      .map((c) =>
        this.#containerStatus(c, previous?.containerStatuses, start, ready.get(c.name) ?? false),
      )
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const status: PodStatus = {
      ...previous,
      conditions,
      containerStatuses,
      hostIP: this.#options.hostIP,
      hostIPs: [{ ip: this.#options.hostIP }],
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      startTime: start,
    };
    const inits = pod.spec?.initContainers ?? [];
    if (inits.length > 0) {
      status.initContainerStatuses = inits.map((c) =>
        this.#completedInitStatus(c, previous?.initContainerStatuses, start),
      );
    }
    return status;
  }

  #containerStatus(
    container: Container,
    previous: readonly ContainerStatus[] | undefined,
    start: string,
    ready: boolean,
  ): ContainerStatus {
    const before = previous?.find((s) => s.name === container.name);
    const image = container.image ?? '';
    return {
      containerID: before?.containerID ?? `containerd://${randomBytes(32).toString('hex')}`,
      image,
      imageID: imageIdOf(image),
      lastState: {},
      name: container.name,
      ready,
      restartCount: 0,
      started: true,
      state:
        before?.state && 'running' in before.state
          ? before.state
          : { running: { startedAt: start } },
    };
  }

  #completedInitStatus(
    container: Container,
    previous: readonly ContainerStatus[] | undefined,
    start: string,
  ): ContainerStatus {
    const before = previous?.find((s) => s.name === container.name);
    if (before) return before;
    const image = container.image ?? '';
    const containerID = `containerd://${randomBytes(32).toString('hex')}`;
    return {
      containerID,
      image,
      imageID: imageIdOf(image),
      lastState: {},
      name: container.name,
      ready: true,
      restartCount: 0,
      started: false,
      state: {
        terminated: {
          containerID,
          exitCode: 0,
          finishedAt: start,
          reason: 'Completed',
          startedAt: start,
        },
      },
    };
  }
}
