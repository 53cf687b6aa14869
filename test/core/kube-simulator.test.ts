/**
 * core/kube against the simulated API server: HTTPS with its generated CA, bearer-token
 * auth, the real Istio CRDs with schema validation and the Istio webhook, fault injection,
 * and port-forward over WebSocket into the simulated pod network.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { VirtualService } from '@switchyard/core';
import {
  AbortedError,
  ConcurrentEditError,
  KubeApiError,
  LockHeldError,
  PortForwardError,
} from '@switchyard/core/errors';
import {
  type JsonPatchOperation,
  KubeClient,
  systemClock,
  LeaseLock,
  type Lease,
  loadKubeconfig,
  getJsonViaPortForward,
  openPortForward,
  type RetryOptions,
} from '@switchyard/core/internal-testing';
import { ApiServer } from '../../packages/sim/src/api/api-server.js';
import { writeKubeconfig } from '../../packages/sim/src/api/kubeconfig.js';
import { CrdCatalog, loadIstioCrds } from '../../packages/sim/src/crd/crd-catalog.js';
import { createIstioAdmission } from '../../packages/sim/src/crd/istio-admission.js';
import { PodNetwork } from '../../packages/sim/src/net/pod-network.js';
import type { ApiFault } from '../../packages/sim/src/scenario/scenario-schema.js';
import { ObjectStore, type KubeObject } from '../../packages/sim/src/store/object-store.js';
import {
  builtinResourceTypes,
  ResourceRegistry,
  type ResourceType,
} from '../../packages/sim/src/store/resource-types.js';

interface Simulated {
  api: ApiServer;
  store: ObjectStore;
  podNetwork: PodNetwork;
  kubeconfigPath: string;
  client(retry?: RetryOptions): KubeClient;
  type(plural: string, group?: string): ResourceType;
}

const running: Simulated[] = [];

afterAll(async () => {
  for (const sim of running.splice(0)) {
    await sim.api.stop();
    sim.podNetwork.close();
  }
});

let namespaces = 0;

/** A namespace of its own for one test, so tests can share a server (TLS setup is slow). */
function freshNamespace(sim: Simulated): string {
  namespaces += 1;
  const name = `t${namespaces}`;
  sim.store.create(sim.type('namespaces'), undefined, { metadata: { name } });
  return name;
}

/** Starts an API server over a fresh store; `catalog` replaces the shipped Istio CRDs. */
async function startSimulatedApi(catalog: CrdCatalog = CrdCatalog.istio()): Promise<Simulated> {
  const registry = new ResourceRegistry([...builtinResourceTypes(), ...catalog.resourceTypes()]);
  const store = new ObjectStore(registry);
  const podNetwork = new PodNetwork();
  const api = new ApiServer({
    store,
    registry,
    podNetwork,
    admission: createIstioAdmission({ catalog }),
  });
  const address = await api.start();
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'kube-sim-')), 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, {
    server: address.url,
    caPem: address.caPem,
    token: api.token,
  });
  const type = (plural: string, group = ''): ResourceType => {
    const found = registry.byPlural(group, plural);
    if (!found) throw new Error(`no type ${plural}.${group}`);
    return found;
  };
  store.create(type('namespaces'), undefined, { metadata: { name: 'istio-system' } });
  const sim: Simulated = {
    api,
    store,
    podNetwork,
    kubeconfigPath,
    type,
    client: (retry = {}) => {
      const { kubeConfig } = loadKubeconfig({ path: kubeconfigPath, env: {} });
      // Short backoff: fault storms should not make the suite slow.
      return new KubeClient({
        kubeConfig,
        retry: { initialDelayMs: 10, maxDelayMs: 40, ...retry },
      });
    },
  };
  running.push(sim);
  return sim;
}

function seedReviews(
  sim: Simulated,
  ns: string,
  apiVersion = 'networking.istio.io/v1',
): KubeObject {
  sim.store.create(sim.type('destinationrules', 'networking.istio.io'), ns, {
    apiVersion,
    kind: 'DestinationRule',
    metadata: { name: 'reviews', namespace: ns },
    spec: {
      host: 'reviews',
      subsets: [
        { name: 'blue', labels: { slot: 'blue' } },
        { name: 'green', labels: { slot: 'green' } },
      ],
    },
  });
  return sim.store.create(sim.type('virtualservices', 'networking.istio.io'), ns, {
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: ns },
    spec: {
      hosts: ['reviews'],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: 'reviews', subset: 'blue' }, weight: 100 },
            { destination: { host: 'reviews', subset: 'green' }, weight: 0 },
          ],
        },
      ],
    },
  });
}

function storedReviews(sim: Simulated, ns: string): KubeObject {
  const vs = sim.store.get(sim.type('virtualservices', 'networking.istio.io'), ns, 'reviews');
  if (!vs) throw new Error('reviews VirtualService missing');
  return vs;
}

function weights(vs: object | undefined): number[] {
  const http = (vs as { spec?: VirtualService['spec'] } | undefined)?.spec?.http ?? [];
  return (http[0]?.route ?? []).map((r) => r.weight ?? 0);
}

/** Moves `green` to `to` percent, with test ops pinning the weights it read. */
function shiftOps(read: VirtualService, to: number): JsonPatchOperation[] {
  const [blue, green] = weights(read);
  return [
    { op: 'test', path: '/spec/http/0/route/0/weight', value: blue },
    { op: 'replace', path: '/spec/http/0/route/0/weight', value: 100 - to },
    { op: 'test', path: '/spec/http/0/route/1/weight', value: green },
    { op: 'replace', path: '/spec/http/0/route/1/weight', value: to },
  ];
}

describe('KubeClient against the simulated API server', () => {
  let sim: Simulated;
  beforeAll(async () => {
    sim = await startSimulatedApi();
  });
  afterEach(() => sim.api.setFaults([]));

  test('reads the VirtualService over HTTPS and shifts weight with a pinned JSON Patch', async () => {
    const ns = freshNamespace(sim);
    seedReviews(sim, ns);
    const kube = sim.client();
    const read = await kube.virtualServices.get(ns, 'reviews');
    expect(read).toMatchObject({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' });
    const patched = await kube.virtualServices.patch(ns, 'reviews', shiftOps(read!, 10));
    expect(weights(patched)).toEqual([90, 10]);
    expect(weights(storedReviews(sim, ns))).toEqual([90, 10]);
  });

  test('an edit between read and patch is a ConcurrentEditError and is kept', async () => {
    const ns = freshNamespace(sim);
    seedReviews(sim, ns);
    const kube = sim.client();
    const read = await kube.virtualServices.get(ns, 'reviews');
    // Someone else (kubectl edit) moves weight in between.
    const current = storedReviews(sim, ns);
    const edited = structuredClone(current);
    (edited.spec as VirtualService['spec']).http![0]!.route![0]!.weight = 70;
    (edited.spec as VirtualService['spec']).http![0]!.route![1]!.weight = 30;
    sim.store.update(sim.type('virtualservices', 'networking.istio.io'), ns, edited);

    const error = await kube.virtualServices
      .patch(ns, 'reviews', shiftOps(read!, 10))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect(error).toMatchObject({ statusCode: 422, verb: 'patch' });
    expect((error as Error).message).toContain(
      `patch VirtualService ${ns}/reviews: 422 Invalid: the server rejected our request`,
    );
    // A real API server gives no detail about which op failed (a bare 422, no causes).
    expect((error as Error).message).toContain('the object changed since it was read');
    expect(weights(storedReviews(sim, ns))).toEqual([70, 30]);
  });

  test('a merge patch with a stale resourceVersion is a 409 ConcurrentEditError', async () => {
    const ns = freshNamespace(sim);
    const seeded = seedReviews(sim, ns);
    const kube = sim.client();
    await kube.virtualServices.mergePatch(ns, 'reviews', {
      metadata: { annotations: { 'example.com/touched': 'yes' } },
    });
    const error = await kube.virtualServices
      .mergePatch(ns, 'reviews', {
        metadata: { resourceVersion: seeded.metadata.resourceVersion, annotations: { a: 'b' } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect(error).toMatchObject({ statusCode: 409, reason: 'Conflict' });
  });

  test('invalid routes are rejected as validation errors, not concurrent edits, and dry runs store nothing', async () => {
    const ns = freshNamespace(sim);
    seedReviews(sim, ns);
    const kube = sim.client();
    const negative = await kube.virtualServices
      .patch(ns, 'reviews', [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: -5 }])
      .catch((e: unknown) => e);
    expect(negative).toBeInstanceOf(KubeApiError);
    expect(negative).not.toBeInstanceOf(ConcurrentEditError);
    expect((negative as KubeApiError).statusCode).toBeGreaterThanOrEqual(400);

    const dry = await kube.virtualServices.patch(
      ns,
      'reviews',
      shiftOps((await kube.virtualServices.get(ns, 'reviews'))!, 50),
      { dryRun: 'All' },
    );
    expect(weights(dry)).toEqual([50, 50]);
    expect(weights(storedReviews(sim, ns))).toEqual([100, 0]);
  });

  test('falls back to v1beta1 when the cluster does not serve networking.istio.io/v1', async () => {
    const crds = loadIstioCrds().map((crd) => {
      const copy = structuredClone(crd);
      const versions = (
        copy.spec as { versions: { name: string; served: boolean; storage: boolean }[] }
      ).versions;
      for (const version of versions) {
        if (version.name === 'v1') {
          version.served = false;
          version.storage = false;
        }
        if (version.name === 'v1beta1') version.storage = true;
      }
      return copy;
    });
    const sim = await startSimulatedApi(new CrdCatalog(crds));
    const ns = freshNamespace(sim);
    seedReviews(sim, ns, 'networking.istio.io/v1beta1');
    const kube = sim.client();
    expect(await kube.istioNetworkingVersion()).toBe('v1beta1');
    const read = await kube.virtualServices.get(ns, 'reviews');
    expect(read?.apiVersion).toBe('networking.istio.io/v1beta1');
    const patched = await kube.virtualServices.patch(ns, 'reviews', shiftOps(read!, 20));
    expect(weights(patched)).toEqual([80, 20]);
    expect((await kube.destinationRules.list(ns)).map((d) => d.metadata.name)).toEqual(['reviews']);
  });

  test('a storm of 500, 429 and dropped connections still converges, each change applied once', async () => {
    const ns = freshNamespace(sim);
    seedReviews(sim, ns);
    const faults: ApiFault[] = [
      {
        verbs: ['get', 'patch'],
        resources: ['virtualservices'],
        rate: 0.25,
        kind: 'error',
        retryAfterSeconds: 1,
      },
      {
        verbs: ['get', 'patch'],
        resources: ['virtualservices'],
        rate: 0.25,
        kind: 'throttle',
        retryAfterSeconds: 0,
      },
      {
        verbs: ['get', 'patch'],
        resources: ['virtualservices'],
        rate: 0.25,
        kind: 'drop',
        retryAfterSeconds: 1,
      },
    ];
    sim.api.setFaults(faults);
    const retried: string[] = [];
    const kube = sim.client({ maxAttempts: 30, onRetry: (event) => retried.push(event.failure) });
    const generationBefore = storedReviews(sim, ns).metadata.generation;
    const steps = [10, 25, 50, 75, 100];
    for (const to of steps) {
      const read = await kube.virtualServices.get(ns, 'reviews');
      const patched = await kube.virtualServices.patch(ns, 'reviews', shiftOps(read!, to));
      expect(weights(patched)).toEqual([100 - to, to]);
    }
    sim.api.setFaults([]);
    expect(weights(storedReviews(sim, ns))).toEqual([0, 100]);
    // generation moves once per spec change: a step applied twice would show here.
    expect(storedReviews(sim, ns).metadata.generation).toBe(
      Number(generationBefore) + steps.length,
    );
    expect(new Set(retried)).toEqual(new Set(['500', '429', 'ECONNRESET']));
  });

  test('Leases: create, renew, lose a race, conflict on a stale resourceVersion', async () => {
    const ns = freshNamespace(sim);
    const kube = sim.client();
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'switchyard-reviews', namespace: ns },
      spec: {
        holderIdentity: 'ci-1',
        leaseDurationSeconds: 30,
        acquireTime: '2026-11-02T10:00:00.000000Z',
        renewTime: '2026-11-02T10:00:00.000000Z',
        leaseTransitions: 0,
      },
    };
    expect(await kube.leases.get(ns, 'switchyard-reviews')).toBeUndefined();
    const created = await kube.leases.create(lease);
    await expect(kube.leases.create(lease)).rejects.toMatchObject({ reason: 'AlreadyExists' });
    const renewed = await kube.leases.replace({
      ...created,
      spec: { ...created.spec, renewTime: '2026-11-02T10:00:10.000000Z' },
    });
    expect(renewed.spec?.renewTime).toBe('2026-11-02T10:00:10.000000Z');
    await expect(
      kube.leases.replace({ ...created, spec: { ...created.spec, holderIdentity: 'ci-2' } }),
    ).rejects.toBeInstanceOf(ConcurrentEditError);
  });

  test('the release LeaseLock works over KubeClient.leases', async () => {
    const ns = freshNamespace(sim);
    const kube = sim.client();
    const lock = (holderIdentity: string): LeaseLock =>
      new LeaseLock({
        api: kube.leases,
        clock: systemClock,
        namespace: ns,
        service: 'reviews',
        holderIdentity,
        leaseDurationMs: 30_000,
      });
    const first = await lock('ci-1').acquire();
    await expect(lock('ci-2').acquire()).rejects.toBeInstanceOf(LockHeldError);
    await first.release();
    const second = await lock('ci-2').acquire();
    const stored = sim.store.get(
      sim.type('leases', 'coordination.k8s.io'),
      ns,
      'switchyard-reviews',
    );
    expect(stored?.spec).toMatchObject({ holderIdentity: 'ci-2', leaseTransitions: 0 });
    await second.release();
  });

  test('Events, Deployments, Pods and Services', async () => {
    const ns = freshNamespace(sim);
    const vs = seedReviews(sim, ns);
    const kube = sim.client();
    const event = await kube.events.create({
      involvedObject: vs,
      type: 'Normal',
      reason: 'StepApplied',
      message: 'green at 10%',
    });
    const stored = sim.store.get(sim.type('events'), ns, event.metadata.name);
    expect(stored).toMatchObject({
      involvedObject: { kind: 'VirtualService', name: 'reviews', uid: vs.metadata.uid },
      reason: 'StepApplied',
      source: { component: 'switchyard' },
    });

    const deployment = await kube.deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'reviews-green', namespace: ns, labels: { app: 'reviews' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'reviews', slot: 'green' } },
        template: {
          metadata: { labels: { app: 'reviews', slot: 'green' } },
          spec: { containers: [{ name: 'reviews', image: 'reviews:v2' }] },
        },
      },
    });
    expect(deployment.metadata.generation).toBe(1);
    const updated = await kube.deployments.strategicMergePatch(ns, 'reviews-green', {
      spec: { template: { spec: { containers: [{ name: 'reviews', image: 'reviews:v3' }] } } },
    });
    expect(updated.spec.template.spec.containers.map((c) => c.image)).toEqual(['reviews:v3']);
    expect(updated.metadata.generation).toBe(2);
    expect((await kube.deployments.rolloutStatus(ns, 'reviews-green'))?.desired).toBe(1);

    sim.store.create(sim.type('pods'), ns, {
      metadata: { name: 'istiod-1', namespace: ns, labels: { app: 'istiod' } },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'discovery', image: 'istio/pilot:1.26.2' }],
      },
      status: { phase: 'Running' },
    });
    sim.store.create(sim.type('pods'), ns, {
      metadata: {
        name: 'gateway-1',
        namespace: ns,
        labels: { app: 'istio-ingressgateway' },
      },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'istio-proxy', image: 'istio/proxyv2:1.26.2' }],
      },
    });
    const istiods = await kube.pods.list(ns, { labelSelector: 'app=istiod' });
    expect(istiods.map((p) => p.metadata.name)).toEqual(['istiod-1']);

    sim.store.create(sim.type('services'), ns, {
      metadata: { name: 'reviews', namespace: ns },
      spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] },
    });
    expect((await kube.services.get(ns, 'reviews'))?.spec?.ports?.[0]?.name).toBe('http');
  });

  test('a wrong token is a 401 that never shows the token', async () => {
    const ns = freshNamespace(sim);
    const { kubeConfig } = loadKubeconfig({ path: sim.kubeconfigPath, env: {} });
    kubeConfig.users = kubeConfig.users.map((u) => ({ ...u, token: 'not-the-token-31337' }));
    const error = await new KubeClient({ kubeConfig }).virtualServices
      .get(ns, 'reviews')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 401, reason: 'Unauthorized' });
    expect(inspect(error, { depth: Infinity })).not.toContain('not-the-token-31337');
    expect(inspect(error, { depth: Infinity })).not.toContain(sim.api.token);
  });

  test('aborting a call stops its retries', async () => {
    const ns = freshNamespace(sim);
    seedReviews(sim, ns);
    sim.api.setFaults([
      {
        verbs: ['get'],
        resources: ['virtualservices'],
        rate: 1,
        kind: 'error',
        retryAfterSeconds: 1,
      },
    ]);
    const controller = new AbortController();
    const kube = sim.client({
      initialDelayMs: 50,
      maxDelayMs: 50,
      onRetry: () => controller.abort(),
    });
    await expect(
      kube.virtualServices.get(ns, 'reviews', { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('port-forward into the simulated pod network', () => {
  let sim: Simulated;
  beforeAll(async () => {
    sim = await startSimulatedApi();
    sim.store.create(sim.type('pods'), 'istio-system', {
      metadata: { name: 'istiod-1', namespace: 'istio-system', labels: { app: 'istiod' } },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'discovery', image: 'istio/pilot:1.26.2' }],
      },
      status: { phase: 'Running' },
    });
    sim.podNetwork.listen(
      15014,
      (pod) => pod.namespace === 'istio-system' && pod.name === 'istiod-1',
      (_pod, request, response) => {
        if (request.url === '/debug/syncz') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify([
              { proxy: 'reviews-blue-1.bookinfo', route_sent: 'a', route_acked: 'a' },
            ]),
          );
          return;
        }
        response.writeHead(404).end('not found');
      },
    );
  });

  const target = { namespace: 'istio-system', pod: 'istiod-1', port: 15014 };

  test('several keep-alive requests and many sequential forwards, then a clean close', async () => {
    const { kubeConfig } = loadKubeconfig({ path: sim.kubeconfigPath, env: {} });
    const forward = await openPortForward(kubeConfig, target);
    for (let i = 0; i < 10; i++) {
      const response = await forward.fetch('/debug/syncz');
      expect(response.status).toBe(200);
    }
    for (let i = 0; i < 10; i++) {
      const response = await forward.fetch('/debug/syncz', { headers: { connection: 'close' } });
      expect(JSON.parse(response.body.toString('utf8'))).toHaveLength(1);
    }
    await forward.close();
    await expect(fetch(`${forward.baseUrl}/debug/syncz`)).rejects.toThrow();
  });

  test('getJsonViaPortForward returns istiod syncz', async () => {
    const { kubeConfig } = loadKubeconfig({ path: sim.kubeconfigPath, env: {} });
    const syncz = await getJsonViaPortForward(kubeConfig, { ...target, path: '/debug/syncz' });
    expect(syncz).toEqual([
      { proxy: 'reviews-blue-1.bookinfo', route_sent: 'a', route_acked: 'a' },
    ]);
  });

  test('a missing pod and a closed port are PortForwardErrors with the reason', async () => {
    const { kubeConfig } = loadKubeconfig({ path: sim.kubeconfigPath, env: {} });
    const missing = await openPortForward(kubeConfig, { ...target, pod: 'istiod-9' }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(PortForwardError);
    expect((missing as Error).message).toContain('port-forward to Pod istio-system/istiod-9:15014');
    expect((missing as Error).message).toContain('404');

    const forward = await openPortForward(kubeConfig, { ...target, port: 8080 }, { verify: false });
    try {
      const closed = await forward.fetch('/ready').catch((e: unknown) => e);
      expect(closed).toBeInstanceOf(PortForwardError);
      expect((closed as Error).message).toContain('connect: connection refused');
    } finally {
      await forward.close();
    }
  });
});
