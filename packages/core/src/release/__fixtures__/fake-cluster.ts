/**
 * An in-memory cluster for the operations' unit tests: the Kubernetes calls the operations
 * make, with the API server's rules that matter to them (resourceVersion on every write,
 * JSON Patch `test` ops failing with a conflict, AlreadyExists), plus knobs for rollouts
 * that never finish. The gates are scripted fakes in `fake-gates.ts`.
 */
import { ConcurrentEditError, KubeApiError } from '../../errors.js';
import { applyJsonPatch } from '../../json-diff/json-patch-apply.js';
import type { DestinationRule, VirtualService } from '../../istio/types.js';
import type { JsonPatchOperation } from '../../json-diff/json-patch-operation.js';
import type { RolloutStatus } from '../../kube/deployment-rollout.js';
import type { EventRecord } from '../../kube/kube-events.js';
import { matchesLabelSelectorText } from '../../kube/label-selector.js';
import type { HttpRoute } from '../../routing/http-route/http-route-types.js';
import type {
  CustomResourceDefinition,
  Deployment,
  KubeEvent,
  KubeObject,
  Lease,
  Pod,
  Service,
} from '../../kube/kube-types.js';
import type { ClusterApis } from '../operation-dependencies.js';

type Stored = KubeObject & { metadata: KubeObject['metadata'] & { resourceVersion?: string } };

/** A condition istiod reports as not True for every parent. */
export interface RefusedCondition {
  type: 'Accepted' | 'ResolvedRefs';
  reason: string;
  message: string;
}

/** What kind of rollout a Deployment write triggers. */
export type RolloutBehaviour = 'completes' | 'never-ready' | 'deadline-exceeded';

/** One write the fake saw, for assertions. */
export interface WriteRecord {
  verb: string;
  kind: string;
  name: string;
  ops?: JsonPatchOperation[];
}

export class FakeCluster implements ClusterApis {
  #rv = 100;
  readonly objects = new Map<string, Stored>();
  readonly writes: WriteRecord[] = [];
  readonly recordedEvents: EventRecord[] = [];
  rolloutBehaviour: RolloutBehaviour = 'completes';
  /** Deployments whose pods report ready; by default every Deployment with a completed rollout. */
  readonly notReady = new Set<string>();
  /** Called before each VirtualService patch is applied (to simulate a concurrent edit). */
  beforeVirtualServicePatch: (() => void) | undefined;

  constructor(objects: KubeObject[]) {
    for (const object of objects) this.put(structuredClone(object));
  }

  key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}/${namespace ?? ''}/${name}`;
  }

  put(object: Stored): Stored {
    object.metadata.resourceVersion = String(++this.#rv);
    if (object.kind === 'Deployment')
      object.metadata.generation = (object.metadata.generation ?? 0) + 1;
    this.objects.set(
      this.key(object.kind, object.metadata.namespace, object.metadata.name),
      object,
    );
    return structuredClone(object);
  }

  peek<T>(kind: string, namespace: string, name: string): T {
    return this.objects.get(this.key(kind, namespace, name)) as T;
  }

  #get<T>(kind: string, namespace: string | undefined, name: string): Promise<T | undefined> {
    const object = this.objects.get(this.key(kind, namespace, name));
    return Promise.resolve(object ? (structuredClone(object) as T) : undefined);
  }

  #patch<T>(
    kind: string,
    namespace: string,
    name: string,
    ops: readonly JsonPatchOperation[],
    dryRun: boolean,
  ): Promise<T> {
    if (kind === 'VirtualService') this.beforeVirtualServicePatch?.();
    const current = this.objects.get(this.key(kind, namespace, name));
    if (!current) {
      return Promise.reject(
        new KubeApiError('not found', { statusCode: 404, reason: 'NotFound', verb: 'patch' }),
      );
    }
    const result = applyJsonPatch(current, ops);
    if (!result.ok) {
      return Promise.reject(
        new ConcurrentEditError(`test failed: ${JSON.stringify(result)}`, {
          statusCode: 422,
          reason: 'Invalid',
          verb: 'patch',
        }),
      );
    }
    const next = result.document as Stored;
    // The API server bumps a custom resource's generation when its spec changes.
    if (kind === 'HTTPRoute' && JSON.stringify(next.spec) !== JSON.stringify(current.spec))
      next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    if (dryRun) return Promise.resolve(structuredClone(next) as T);
    this.writes.push({ verb: 'patch', kind, name, ops: [...ops] });
    const written = this.put(next);
    if (kind === 'HTTPRoute') this.#reportRouteStatus(written as unknown as HttpRoute);
    return Promise.resolve(written as unknown as T);
  }

  /**
   * What istiod reports for an HTTPRoute after a write, per parent: a condition that is not
   * True (`{ type: 'ResolvedRefs', reason, message }`), or undefined to accept it; `'silent'`
   * writes no status at all. Default: every parent accepted.
   */
  routeVerdict: (route: HttpRoute) => RefusedCondition | 'silent' | undefined = () => undefined;

  /** Writes the status istiod would for the route's generation (see `routeVerdict`). */
  #reportRouteStatus(route: HttpRoute): void {
    const verdict = this.routeVerdict(route);
    if (verdict === 'silent') return;
    const generation = route.metadata.generation ?? 1;
    const stored = this.objects.get(
      this.key('HTTPRoute', route.metadata.namespace, route.metadata.name),
    );
    if (!stored) return;
    (stored as unknown as HttpRoute).status = {
      parents: (route.spec.parentRefs ?? []).map((parentRef) => ({
        parentRef,
        controllerName: 'istio.io/gateway-controller',
        conditions: ['Accepted', 'ResolvedRefs'].map((type) =>
          verdict?.type === type
            ? {
                type,
                status: 'False',
                reason: verdict.reason,
                message: verdict.message,
                observedGeneration: generation,
              }
            : { type, status: 'True', reason: type, message: 'ok', observedGeneration: generation },
        ),
      })),
    };
  }

  #routeApi<T extends KubeObject>(kind: string) {
    return {
      get: (namespace: string, name: string) => this.#get<T>(kind, namespace, name),
      list: () =>
        Promise.resolve(
          [...this.objects.values()].filter((o) => o.kind === kind) as unknown as T[],
        ),
      patch: (
        namespace: string,
        name: string,
        ops: readonly JsonPatchOperation[],
        options?: { dryRun?: 'All' },
      ) => this.#patch<T>(kind, namespace, name, ops, options?.dryRun === 'All'),
      mergePatch: () => Promise.reject(new Error('mergePatch not used by the engine')),
    };
  }

  readonly virtualServices = this.#routeApi<VirtualService>('VirtualService');
  readonly destinationRules = this.#routeApi<DestinationRule>('DestinationRule');
  readonly httpRoutes = this.#routeApi<HttpRoute>('HTTPRoute');
  readonly customResourceDefinitions = {
    get: (_namespace: string, name: string) =>
      this.#get<CustomResourceDefinition>('CustomResourceDefinition', undefined, name),
  };

  readonly deployments = {
    get: (namespace: string, name: string) => this.#get<Deployment>('Deployment', namespace, name),
    list: () => Promise.resolve([]),
    create: (deployment: Deployment, options?: { dryRun?: 'All' }) => {
      if (options?.dryRun === 'All') return Promise.resolve(structuredClone(deployment));
      if (
        this.objects.has(
          this.key('Deployment', deployment.metadata.namespace, deployment.metadata.name),
        )
      ) {
        return Promise.reject(
          new KubeApiError('exists', { statusCode: 409, reason: 'AlreadyExists', verb: 'create' }),
        );
      }
      this.writes.push({ verb: 'create', kind: 'Deployment', name: deployment.metadata.name });
      return Promise.resolve(
        this.put(
          this.#startRollout(structuredClone(deployment) as Stored),
        ) as unknown as Deployment,
      );
    },
    replace: (deployment: Deployment, options?: { dryRun?: 'All' }) => {
      if (options?.dryRun === 'All') return Promise.resolve(structuredClone(deployment));
      const current = this.objects.get(
        this.key('Deployment', deployment.metadata.namespace, deployment.metadata.name),
      );
      if (!current || current.metadata.resourceVersion !== deployment.metadata.resourceVersion) {
        return Promise.reject(
          new ConcurrentEditError('conflict', {
            statusCode: 409,
            reason: 'Conflict',
            verb: 'update',
          }),
        );
      }
      this.writes.push({ verb: 'update', kind: 'Deployment', name: deployment.metadata.name });
      return Promise.resolve(
        this.put(
          this.#startRollout(structuredClone(deployment) as Stored),
        ) as unknown as Deployment,
      );
    },
    patch: () => Promise.reject(new Error('not used')),
    strategicMergePatch: () => Promise.reject(new Error('not used')),
    rolloutStatus: (namespace: string, name: string): Promise<RolloutStatus | undefined> => {
      const deployment = this.objects.get(this.key('Deployment', namespace, name)) as
        Deployment | undefined;
      if (!deployment) return Promise.resolve(undefined);
      const desired = deployment.spec.replicas ?? 1;
      const state =
        (deployment as unknown as { fakeRollout?: RolloutBehaviour }).fakeRollout ?? 'completes';
      const base = { desired, total: desired, summary: '' };
      if (state === 'completes') {
        return Promise.resolve({
          ...base,
          state: 'complete',
          updated: desired,
          ready: desired,
          available: desired,
          summary: `${desired}/${desired} available`,
        });
      }
      if (state === 'deadline-exceeded') {
        return Promise.resolve({
          ...base,
          state: 'failed',
          updated: desired,
          ready: 0,
          available: 0,
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${name}-abc" has timed out progressing.`,
          summary: 'progress deadline exceeded',
        });
      }
      return Promise.resolve({
        ...base,
        state: 'progressing',
        updated: desired,
        ready: 0,
        available: 0,
        summary: `0/${desired} available`,
      });
    },
  };

  #startRollout(deployment: Stored): Stored {
    (deployment as unknown as { fakeRollout: RolloutBehaviour }).fakeRollout =
      this.rolloutBehaviour;
    if (this.rolloutBehaviour !== 'completes') this.notReady.add(deployment.metadata.name);
    else this.notReady.delete(deployment.metadata.name);
    return deployment;
  }

  readonly pods = {
    list: (namespace: string, options?: { labelSelector?: string }): Promise<Pod[]> => {
      const pods: Pod[] = [];
      for (const object of this.objects.values()) {
        if (object.kind !== 'Deployment' || object.metadata.namespace !== namespace) continue;
        const deployment = object as unknown as Deployment;
        const labels = deployment.spec.template.metadata?.labels ?? {};
        if (!matchesLabelSelectorText(labels, options?.labelSelector)) continue;
        const ready = !this.notReady.has(deployment.metadata.name);
        for (let i = 0; i < (deployment.spec.replicas ?? 1); i++) {
          pods.push({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `${deployment.metadata.name}-${i}`, namespace, labels },
            status: {
              phase: 'Running',
              conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
            },
          });
        }
      }
      return Promise.resolve(pods);
    },
  };

  readonly services = {
    get: (namespace: string, name: string) => this.#get<Service>('Service', namespace, name),
  };

  readonly leases = {
    get: (namespace: string, name: string) => this.#get<Lease>('Lease', namespace, name),
    create: (lease: Lease) => {
      if (this.objects.has(this.key('Lease', lease.metadata.namespace, lease.metadata.name))) {
        return Promise.reject(
          new KubeApiError('exists', { statusCode: 409, reason: 'AlreadyExists', verb: 'create' }),
        );
      }
      this.writes.push({ verb: 'create', kind: 'Lease', name: lease.metadata.name });
      return Promise.resolve(this.put(structuredClone(lease) as Stored) as unknown as Lease);
    },
    replace: (lease: Lease) => {
      const current = this.objects.get(
        this.key('Lease', lease.metadata.namespace, lease.metadata.name),
      );
      if (!current || current.metadata.resourceVersion !== lease.metadata.resourceVersion) {
        return Promise.reject(
          new ConcurrentEditError('conflict', {
            statusCode: 409,
            reason: 'Conflict',
            verb: 'update',
          }),
        );
      }
      this.writes.push({ verb: 'update', kind: 'Lease', name: lease.metadata.name });
      return Promise.resolve(this.put(structuredClone(lease) as Stored) as unknown as Lease);
    },
  };

  readonly events = {
    create: (record: EventRecord): Promise<KubeEvent> => {
      this.recordedEvents.push(record);
      return Promise.resolve({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `e${this.recordedEvents.length}` },
        involvedObject: {},
      });
    },
  };

  /** Writes that changed routes or Deployments (not the lock), in order. */
  routeWrites(): WriteRecord[] {
    return this.writes.filter((w) => w.kind !== 'Lease');
  }
}

/** The bookinfo objects the engine tests start from. */
export function bookinfo(): KubeObject[] {
  const deployment = (slot: string, replicas: number, image: string): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `reviews-${slot}`,
      namespace: 'bookinfo',
      labels: { app: 'reviews', version: slot },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'reviews', version: slot } },
      template: {
        metadata: { labels: { app: 'reviews', version: slot } },
        spec: { containers: [{ name: 'reviews', image }] },
      },
    },
  });
  return [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'bookinfo', uid: 'vs-uid' },
      spec: {
        hosts: ['reviews'],
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host: 'reviews', subset: 'blue' }, weight: 100 },
              { destination: { host: 'reviews', subset: 'green' }, weight: 0 },
            ],
            retries: { attempts: 2 },
          },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { host: 'reviews', subsets: [{ name: 'blue', labels: { version: 'blue' } }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] },
    },
    deployment('blue', 3, 'reviews:v1'),
  ];
}

/** The CRD of HTTPRoute as Gateway API `version` installs it, with or without some fields. */
export function httpRouteCrd(
  options: { version?: string; ruleName?: boolean; mirrorPercent?: boolean } = {},
): KubeObject {
  const mirror: Record<string, unknown> = { backendRef: { type: 'object' } };
  if (options.mirrorPercent !== false) mirror.percent = { type: 'integer' };
  const rule: Record<string, unknown> = {
    backendRefs: { type: 'array' },
    filters: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          requestMirror: { type: 'object', properties: mirror },
        },
      },
    },
    matches: { type: 'array' },
  };
  if (options.ruleName !== false) rule.name = { type: 'string' };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: 'httproutes.gateway.networking.k8s.io',
      annotations: {
        'gateway.networking.k8s.io/bundle-version': options.version ?? 'v1.6.0',
        'gateway.networking.k8s.io/channel': 'standard',
      },
    },
    spec: {
      group: 'gateway.networking.k8s.io',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    rules: { type: 'array', items: { type: 'object', properties: rule } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/**
 * bookinfo's reviews released through an HTTPRoute (examples/bookinfo-gateway-api): the
 * `reviews` HTTPRoute with the reviews Service as parent (rule "primary" to reviews-blue 100
 * and reviews-green 0, a timeout of the user's), one Service per slot, the HTTPRoute CRD.
 */
export function bookinfoHttpRoute(): KubeObject[] {
  const slotService = (slot: string): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `reviews-${slot}`, namespace: 'bookinfo' },
    spec: { selector: { app: 'reviews', version: slot }, ports: [{ name: 'http', port: 9080 }] },
  });
  return [
    ...bookinfo().filter((o) => o.apiVersion !== 'networking.istio.io/v1'),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews', namespace: 'bookinfo', uid: 'route-uid', generation: 1 },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
        rules: [
          {
            name: 'primary',
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [
              { group: '', kind: 'Service', name: 'reviews-blue', port: 9080, weight: 100 },
              { group: '', kind: 'Service', name: 'reviews-green', port: 9080, weight: 0 },
            ],
            timeouts: { request: '10s' },
          },
        ],
      },
    },
    slotService('blue'),
    slotService('green'),
    httpRouteCrd(),
  ];
}
