/**
 * @kubernetes/client-node 1.4 against the simulated API server, the way switchyard's core
 * uses it: custom objects with JSON Patch (the default) and merge patch, Deployments and
 * their status, Leases with optimistic concurrency, ApiException bodies, and watches.
 */
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestCluster,
  type TestCluster,
} from '../../packages/sim/src/api/__fixtures__/api-test-cluster.js';
import { kubeconfigYaml } from '../../packages/sim/src/api/kubeconfig.js';

let cluster: TestCluster;
let kc: KubeConfig;
const vsRef = {
  group: 'networking.istio.io',
  version: 'v1',
  namespace: 'bookinfo',
  plural: 'virtualservices',
};

function statusOf(error: unknown): { code: number; status: Record<string, unknown> } {
  expect(error).toBeInstanceOf(ApiException);
  const apiError = error as ApiException<unknown>;
  // client-node hands the body over as received: a JSON string of the Status.
  expect(typeof apiError.body).toBe('string');
  return {
    code: apiError.code,
    status: JSON.parse(apiError.body as string) as Record<string, unknown>,
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  cluster = await startTestCluster();
  cluster.seed('networking.istio.io', 'virtualservices', 'bookinfo', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews' },
    spec: {
      hosts: ['reviews'],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: 'reviews', subset: 'blue' }, weight: 90 },
            { destination: { host: 'reviews', subset: 'green' }, weight: 10 },
          ],
        },
      ],
    },
  });
  cluster.seed('apps', 'deployments', 'bookinfo', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'reviews-green', labels: { app: 'reviews' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'reviews', slot: 'green' } },
      template: {
        metadata: { labels: { app: 'reviews', slot: 'green' } },
        spec: { containers: [{ name: 'reviews', image: 'reviews:2' }] },
      },
    },
  });
  kc = new KubeConfig();
  kc.loadFromString(
    kubeconfigYaml({
      server: cluster.url,
      caPem: cluster.caPem,
      token: cluster.token,
      namespace: 'bookinfo',
    }),
  );
});

afterAll(async () => {
  await cluster.stop();
});

describe('CustomObjectsApi', () => {
  it('gets a VirtualService and patches it with JSON Patch (the default content type)', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const vs = await api.getNamespacedCustomObject({ ...vsRef, name: 'reviews' });
    expect(vs.spec.http[0].route[1].weight).toBe(10);
    const patched = await api.patchNamespacedCustomObject({
      ...vsRef,
      name: 'reviews',
      body: [
        { op: 'test', path: '/spec/http/0/route/1/weight', value: 10 },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
      ],
    });
    expect(patched.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([50, 50]);
    expect(patched.metadata.generation).toBe(2);
  });

  it('surfaces a failed test op as ApiException 422 with a parsable Status', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const error = await failure(
      api.patchNamespacedCustomObject({
        ...vsRef,
        name: 'reviews',
        body: [
          { op: 'test', path: '/spec/http/0/route/1/weight', value: 10 },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 },
        ],
      }),
    );
    const { code, status } = statusOf(error);
    expect(code).toBe(422);
    expect(status).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    const stored = await api.getNamespacedCustomObject({ ...vsRef, name: 'reviews' });
    expect(stored.spec.http[0].route[1].weight).toBe(50);
  });

  it('merge-patches with the MergePatch content type and conflicts on a stale resourceVersion', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const before = await api.getNamespacedCustomObject({ ...vsRef, name: 'reviews' });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const patched = await api.patchNamespacedCustomObject(
      {
        ...vsRef,
        name: 'reviews',
        body: { metadata: { annotations: { 'switchyard.io/state': '{"phase":"idle"}' } } },
      },
      merge,
    );
    expect(patched.metadata.annotations['switchyard.io/state']).toBe('{"phase":"idle"}');
    expect(patched.metadata.generation).toBe(before.metadata.generation);

    const error = await failure(
      api.patchNamespacedCustomObject(
        {
          ...vsRef,
          name: 'reviews',
          body: {
            metadata: { resourceVersion: before.metadata.resourceVersion },
            spec: { hosts: ['x'] },
          },
        },
        merge,
      ),
    );
    const { code, status } = statusOf(error);
    expect(code).toBe(409);
    expect(status.reason).toBe('Conflict');
  });

  it('answers strategic merge patches on custom resources with 415', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const error = await failure(
      api.patchNamespacedCustomObject(
        { ...vsRef, name: 'reviews', body: { spec: { hosts: ['x'] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(statusOf(error)).toMatchObject({
      code: 415,
      status: { reason: 'UnsupportedMediaType' },
    });
  });

  it('runs dryRun=All through admission without storing', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const error = await failure(
      api.patchNamespacedCustomObject({
        ...vsRef,
        name: 'reviews',
        dryRun: 'All',
        body: [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: -1 }],
      }),
    );
    expect(statusOf(error)).toMatchObject({ code: 422, status: { reason: 'Invalid' } });
    const ok = await api.patchNamespacedCustomObject({
      ...vsRef,
      name: 'reviews',
      dryRun: 'All',
      body: [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 }],
    });
    expect(ok.spec.http[0].route[0].weight).toBe(0);
    const stored = await api.getNamespacedCustomObject({ ...vsRef, name: 'reviews' });
    expect(stored.spec.http[0].route[0].weight).toBe(50);
  });

  it('reports a missing object as ApiException 404 with a NotFound Status', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const error = await failure(api.getNamespacedCustomObject({ ...vsRef, name: 'nope' }));
    expect(statusOf(error)).toEqual({
      code: 404,
      status: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'virtualservices.networking.istio.io "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', group: 'networking.istio.io', kind: 'virtualservices' },
        code: 404,
      },
    });
  });
});

describe('AppsV1Api', () => {
  it('reads, patches and reads the status of a Deployment', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({
      name: 'reviews-green',
      namespace: 'bookinfo',
    });
    expect(deployment.spec?.replicas).toBe(2);
    const patched = await apps.patchNamespacedDeployment({
      name: 'reviews-green',
      namespace: 'bookinfo',
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'reviews:3' }],
    });
    expect(patched.spec?.template.spec?.containers[0]?.image).toBe('reviews:3');
    expect(patched.metadata?.generation).toBe(2);

    await apps.patchNamespacedDeploymentStatus(
      {
        name: 'reviews-green',
        namespace: 'bookinfo',
        body: {
          status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const status = await apps.readNamespacedDeploymentStatus({
      name: 'reviews-green',
      namespace: 'bookinfo',
    });
    expect(status.status).toMatchObject({
      observedGeneration: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
    });
    expect(status.metadata?.generation).toBe(2);

    const scale = await apps.readNamespacedDeploymentScale({
      name: 'reviews-green',
      namespace: 'bookinfo',
    });
    expect(scale.status?.selector).toBe('app=reviews,slot=green');
  });
});

describe('CoordinationV1Api', () => {
  it('creates and replaces a Lease, and conflicts on a stale replace', async () => {
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const created = await coordination.createNamespacedLease({
      namespace: 'bookinfo',
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'switchyard-reviews' },
        spec: { holderIdentity: 'alice', leaseDurationSeconds: 30 },
      },
    });
    const renewed = await coordination.replaceNamespacedLease({
      name: 'switchyard-reviews',
      namespace: 'bookinfo',
      body: { ...created, spec: { ...created.spec, holderIdentity: 'alice', leaseTransitions: 1 } },
    });
    expect(renewed.spec?.leaseTransitions).toBe(1);
    const error = await failure(
      coordination.replaceNamespacedLease({
        name: 'switchyard-reviews',
        namespace: 'bookinfo',
        body: { ...created, spec: { ...created.spec, holderIdentity: 'bob' } },
      }),
    );
    const { code, status } = statusOf(error);
    expect(code).toBe(409);
    expect(status).toMatchObject({
      reason: 'Conflict',
      details: { name: 'switchyard-reviews', group: 'coordination.k8s.io', kind: 'leases' },
    });
    const current = await coordination.readNamespacedLease({
      name: 'switchyard-reviews',
      namespace: 'bookinfo',
    });
    expect(current.spec?.holderIdentity).toBe('alice');
  });
});

describe('Watch', () => {
  it('streams events from a resourceVersion', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const start = await api.listNamespacedCustomObject({ ...vsRef });
    const events: string[] = [];
    let abort: AbortController | undefined;
    const received = new Promise<void>((resolve, reject) => {
      void new Watch(kc)
        .watch(
          '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices',
          { resourceVersion: start.metadata.resourceVersion },
          (phase, object: { metadata: { name: string } }) => {
            events.push(`${phase} ${object.metadata.name}`);
            if (events.length === 2) resolve();
          },
          (err: unknown) => {
            if (err && events.length < 2)
              reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
          },
        )
        .then((controller) => {
          abort = controller;
          return api.createNamespacedCustomObject({
            ...vsRef,
            body: {
              apiVersion: 'networking.istio.io/v1',
              kind: 'VirtualService',
              metadata: { name: 'ratings' },
              spec: { hosts: ['ratings'] },
            },
          });
        })
        .then(() => api.deleteNamespacedCustomObject({ ...vsRef, name: 'ratings' }))
        .catch(reject);
    });
    await received;
    abort?.abort();
    expect(events).toEqual(['ADDED ratings', 'DELETED ratings']);
  });
});
