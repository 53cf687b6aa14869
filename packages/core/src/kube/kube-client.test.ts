import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AbortedError, ConcurrentEditError, KubeApiError } from '../errors.js';
import type { VirtualService } from '../istio/types.js';
import { FakeApiServer, status } from './__fixtures__/fake-api-server.js';
import { KubeClient } from './kube-client.js';
import type { Deployment, Lease } from './kube-types.js';
import { loadKubeconfig } from './kubeconfig.js';
import type { RetryEvent, RetryOptions } from './retry.js';

let fake: FakeApiServer;
let sleeps: number[];
let retries: RetryEvent[];

beforeEach(async () => {
  fake = await FakeApiServer.start();
  sleeps = [];
  retries = [];
});
afterEach(async () => {
  await fake.close();
});

// Waits are recorded instead of slept, so retry tests take no real time.
function client(retry: RetryOptions = {}): KubeClient {
  const { kubeConfig } = loadKubeconfig({ path: fake.writeKubeconfig(), env: {} });
  return new KubeClient({
    kubeConfig,
    retry: {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      onRetry: (event) => retries.push(event),
      ...retry,
    },
  });
}

function seedReviews(apiVersion = 'networking.istio.io/v1'): VirtualService {
  return fake.seed<VirtualService>({
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'bookinfo' },
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
}

const shiftTo80 = [
  { op: 'test', path: '/spec/http/0/route/0/weight', value: 90 },
  { op: 'replace', path: '/spec/http/0/route/0/weight', value: 80 },
  { op: 'test', path: '/spec/http/0/route/1/weight', value: 10 },
  { op: 'replace', path: '/spec/http/0/route/1/weight', value: 20 },
] as const;

const weightsOf = (vs: Record<string, unknown> | undefined): unknown =>
  ((vs?.spec as VirtualService['spec']).http?.[0]?.route ?? []).map((r) => r.weight);

describe('VirtualService access', () => {
  test('get returns the object as plain JSON with the served apiVersion, and undefined when missing', async () => {
    seedReviews();
    const kube = client();
    const vs = await kube.virtualServices.get('bookinfo', 'reviews');
    expect(vs).toMatchObject({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', resourceVersion: '101' },
    });
    expect(await kube.virtualServices.get('bookinfo', 'ratings')).toBeUndefined();
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${fake.token}`);
  });

  test('JSON Patch with test ops applies when the object is unchanged', async () => {
    seedReviews();
    const patched = await client().virtualServices.patch('bookinfo', 'reviews', [...shiftTo80]);
    expect(weightsOf(patched)).toEqual([80, 20]);
    expect(
      weightsOf(fake.stored('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews')),
    ).toEqual([80, 20]);
    const request = fake.resourceRequests().at(-1);
    expect(request?.headers['content-type']).toBe('application/json-patch+json');
    expect(request?.query).toMatchObject({ fieldManager: 'switchyard' });
  });

  test('an edit between read and patch is a ConcurrentEditError and is not overwritten', async () => {
    seedReviews();
    const kube = client();
    const read = await kube.virtualServices.get('bookinfo', 'reviews');
    expect(weightsOf(read)).toEqual([90, 10]);
    fake.edit('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews', (vs) => {
      const route = (vs.spec as VirtualService['spec']).http?.[0]?.route ?? [];
      route[0]!.weight = 50;
      route[1]!.weight = 50;
    });
    const error = await kube.virtualServices
      .patch('bookinfo', 'reviews', [...shiftTo80])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect((error as ConcurrentEditError).statusCode).toBe(422);
    expect(
      weightsOf(fake.stored('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews')),
    ).toEqual([50, 50]);
  });

  test('a merge patch with a stale resourceVersion is a ConcurrentEditError (409)', async () => {
    const seeded = seedReviews();
    const kube = client();
    fake.edit('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews', (vs) => {
      (vs.metadata as Record<string, unknown>).annotations = { other: 'tool' };
    });
    const error = await kube.virtualServices
      .mergePatch('bookinfo', 'reviews', {
        metadata: {
          resourceVersion: seeded.metadata.resourceVersion,
          annotations: { 'switchyard.io/state': '{}' },
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect((error as ConcurrentEditError).statusCode).toBe(409);
    expect(fake.resourceRequests().at(-1)?.headers['content-type']).toBe(
      'application/merge-patch+json',
    );
  });

  test('a validation error (422 with field causes) is a KubeApiError, not a concurrent edit', async () => {
    fake.seed({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { host: 'reviews', weight: 1 },
    });
    const error = await client()
      .destinationRules.patch('bookinfo', 'reviews', [
        { op: 'replace', path: '/spec/weight', value: -1 },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).not.toBeInstanceOf(ConcurrentEditError);
    expect(error).toMatchObject({ statusCode: 422, reason: 'Invalid' });
  });

  test('dryRun=All is sent and nothing is stored', async () => {
    seedReviews();
    const result = await client().virtualServices.patch('bookinfo', 'reviews', [...shiftTo80], {
      dryRun: 'All',
    });
    expect(weightsOf(result)).toEqual([80, 20]);
    expect(fake.resourceRequests().at(-1)?.query.dryRun).toBe('All');
    expect(
      weightsOf(fake.stored('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews')),
    ).toEqual([90, 10]);
  });
});

describe('networking.istio.io version', () => {
  test('uses v1 when served, discovering once per client', async () => {
    seedReviews();
    const kube = client();
    await kube.virtualServices.get('bookinfo', 'reviews');
    await kube.destinationRules.list('bookinfo');
    await kube.virtualServices.patch('bookinfo', 'reviews', [...shiftTo80]);
    expect(fake.requests.filter((r) => r.path === '/apis/networking.istio.io')).toHaveLength(1);
    expect(
      fake.resourceRequests().every((r) => r.path.startsWith('/apis/networking.istio.io/v1/')),
    ).toBe(true);
    expect(await kube.istioNetworkingVersion()).toBe('v1');
  });

  test('falls back to v1beta1 when v1 is not served', async () => {
    fake.istioVersions = ['v1beta1', 'v1alpha3'];
    seedReviews('networking.istio.io/v1beta1');
    const kube = client();
    const vs = await kube.virtualServices.get('bookinfo', 'reviews');
    expect(vs?.apiVersion).toBe('networking.istio.io/v1beta1');
    const patched = await kube.virtualServices.patch('bookinfo', 'reviews', [...shiftTo80]);
    expect(weightsOf(patched)).toEqual([80, 20]);
    expect(fake.resourceRequests().map((r) => r.path)).toEqual([
      '/apis/networking.istio.io/v1beta1/namespaces/bookinfo/virtualservices/reviews',
      '/apis/networking.istio.io/v1beta1/namespaces/bookinfo/virtualservices/reviews',
    ]);
  });

  test('no Istio at all is a clear KubeApiError, and discovery is retried on the next call', async () => {
    fake.istioVersions = [];
    const kube = client();
    const error = await kube.virtualServices.get('bookinfo', 'reviews').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as Error).message).toContain(
      'networking.istio.io: not served by this cluster; is Istio installed?',
    );
    fake.istioVersions = ['v1'];
    seedReviews();
    expect(await kube.virtualServices.get('bookinfo', 'reviews')).toBeDefined();
  });

  test('only v1alpha3 served is refused with the versions listed', async () => {
    fake.istioVersions = ['v1alpha3'];
    const error = await client()
      .istioNetworkingVersion()
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('serves v1alpha3; switchyard needs v1 or v1beta1');
  });
});

describe('retries against a failing API', () => {
  test('429 with Retry-After is retried after at least that long, then succeeds', async () => {
    seedReviews();
    fake.faults.push({
      match: (r) => r.method === 'GET' && r.path.endsWith('/reviews'),
      action: {
        kind: 'respond',
        status: 429,
        headers: { 'retry-after': '2' },
        body: status(429, 'TooManyRequests', 'Too many requests, please try again later.'),
      },
    });
    const vs = await client().virtualServices.get('bookinfo', 'reviews');
    expect(vs?.metadata.name).toBe('reviews');
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(retries).toEqual([
      {
        call: 'get VirtualService bookinfo/reviews',
        attempt: 1,
        delayMs: sleeps[0],
        failure: '429',
      },
    ]);
  });

  test('a storm of 429 and 500 on a patch converges with the change applied once', async () => {
    seedReviews();
    const isPatch = (r: { method: string }) => r.method === 'PATCH';
    fake.faults.push(
      {
        match: isPatch,
        action: {
          kind: 'respond',
          status: 500,
          body: status(500, 'InternalError', 'etcdserver: request timed out'),
        },
        times: 2,
      },
      {
        match: isPatch,
        action: { kind: 'respond', status: 429, headers: { 'retry-after': '1' } },
        times: 2,
      },
      {
        match: isPatch,
        action: {
          kind: 'respond',
          status: 503,
          body: status(
            503,
            'ServiceUnavailable',
            'the server is currently unable to handle the request',
          ),
        },
      },
    );
    const patched = await client().virtualServices.patch('bookinfo', 'reviews', [...shiftTo80]);
    expect(weightsOf(patched)).toEqual([80, 20]);
    expect(fake.resourceRequests().filter(isPatch)).toHaveLength(6);
    const stored = fake.stored('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews');
    expect(weightsOf(stored)).toEqual([80, 20]);
    // One write landed: the resourceVersion moved exactly once past the seed.
    expect((stored?.metadata as { resourceVersion: string }).resourceVersion).toBe('102');
  });

  test('a dropped connection after the patch landed: the retry conflicts, the re-read shows our change, success', async () => {
    seedReviews();
    fake.faults.push({ match: (r) => r.method === 'PATCH', action: { kind: 'reset-after' } });
    const patched = await client().virtualServices.patch('bookinfo', 'reviews', [...shiftTo80]);
    expect(weightsOf(patched)).toEqual([80, 20]);
    const methods = fake.resourceRequests().map((r) => r.method);
    expect(methods).toEqual(['PATCH', 'PATCH', 'GET']);
    expect(
      weightsOf(fake.stored('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews')),
    ).toEqual([80, 20]);
  });

  test('a dropped connection and someone else editing: the conflict stands', async () => {
    seedReviews();
    fake.faults.push({ match: (r) => r.method === 'PATCH', action: { kind: 'reset-before' } });
    const kube = client({
      onRetry: () =>
        fake.edit('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews', (vs) => {
          ((vs.spec as VirtualService['spec']).http?.[0]?.route ?? [])[0]!.weight = 70;
        }),
    });
    const error = await kube.virtualServices
      .patch('bookinfo', 'reviews', [...shiftTo80])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect(
      weightsOf(fake.stored('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews')),
    ).toEqual([70, 10]);
  });

  test('an unguarded array insert is not repeated after a dropped connection', async () => {
    seedReviews();
    fake.faults.push({ match: (r) => r.method === 'PATCH', action: { kind: 'reset-after' } });
    const insert = [
      {
        op: 'add' as const,
        path: '/spec/http/0',
        value: { name: 'pre', route: [{ destination: { host: 'reviews', subset: 'green' } }] },
      },
    ];
    const error = await client()
      .virtualServices.patch('bookinfo', 'reviews', insert)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'NetworkError' });
    expect((error as Error).message).toContain('may or may not have been applied');
    expect(fake.resourceRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
    const stored = fake.stored('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews');
    expect((stored?.spec as VirtualService['spec']).http).toHaveLength(2);
  });

  test('404, 403 and 400 are not retried', async () => {
    seedReviews();
    for (const [code, reason] of [
      [403, 'Forbidden'],
      [400, 'BadRequest'],
    ] as const) {
      fake.faults.push({
        match: (r) => r.method === 'GET' && r.path.endsWith('/reviews'),
        action: { kind: 'respond', status: code, body: status(code, reason, `${reason} for test`) },
      });
    }
    const kube = client();
    await expect(kube.virtualServices.get('bookinfo', 'reviews')).rejects.toMatchObject({
      statusCode: 403,
      reason: 'Forbidden',
    });
    await expect(kube.virtualServices.get('bookinfo', 'reviews')).rejects.toMatchObject({
      statusCode: 400,
      reason: 'BadRequest',
    });
    await expect(
      kube.virtualServices.patch('bookinfo', 'nope', [...shiftTo80]),
    ).rejects.toMatchObject({ statusCode: 404, reason: 'NotFound' });
    expect(fake.resourceRequests()).toHaveLength(3);
    expect(sleeps).toEqual([]);
  });

  test('a hung server is cut by the request timeout, retried, and reported as a network error', async () => {
    // A server that accepts requests and never answers.
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const { kubeConfig } = loadKubeconfig({ path: fake.writeKubeconfig(), env: {} });
      const { port } = hung.address() as AddressInfo;
      kubeConfig.clusters = kubeConfig.clusters.map((c) => ({
        ...c,
        server: `http://127.0.0.1:${port}`,
      }));
      const kube = new KubeClient({
        kubeConfig,
        retry: { requestTimeoutMs: 100, maxAttempts: 2, sleep: () => Promise.resolve() },
      });
      const error = await kube.deployments
        .get('bookinfo', 'reviews-green')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ reason: 'NetworkError', statusCode: undefined });
      expect((error as Error).message).toContain('no response within 100 ms (after 2 attempts');
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });

  test('aborting the signal rejects with AbortedError', async () => {
    seedReviews();
    const controller = new AbortController();
    fake.faults.push({
      match: (r) => r.method === 'GET' && r.path.endsWith('/reviews'),
      action: { kind: 'respond', status: 503 },
      times: 5,
    });
    const kube = client({
      sleep: () => {
        controller.abort();
        return Promise.reject(new Error('aborted while waiting'));
      },
    });
    await expect(
      kube.virtualServices.get('bookinfo', 'reviews', { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('credentials', () => {
  test('a token echoed by the server never reaches the error', async () => {
    seedReviews();
    fake.faults.push({
      match: (r) => r.method === 'GET' && r.path.endsWith('/reviews'),
      action: {
        kind: 'respond',
        status: 403,
        body: status(403, 'Forbidden', `user with token ${fake.token} cannot get virtualservices`),
      },
    });
    const error = await client()
      .virtualServices.get('bookinfo', 'reviews')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as Error).message).toContain('cannot get virtualservices');
    expect((error as Error).message).not.toContain(fake.token);
    expect(inspect(error, { depth: Infinity })).not.toContain(fake.token);
  });

  test('a rejected token is a 401 KubeApiError without the token', async () => {
    const { kubeConfig } = loadKubeconfig({
      path: fake.writeKubeconfig({ token: 'wrong-token-abcdef' }),
      env: {},
    });
    const error = await new KubeClient({ kubeConfig }).pods
      .list('istio-system')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 401, reason: 'Unauthorized' });
    expect(inspect(error, { depth: Infinity })).not.toContain('wrong-token-abcdef');
  });
});

describe('Deployments, Pods, Services', () => {
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'reviews-green',
      namespace: 'bookinfo',
      labels: { app: 'reviews', slot: 'green' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'reviews', slot: 'green' } },
      template: {
        metadata: { labels: { app: 'reviews', slot: 'green' } },
        spec: { containers: [{ name: 'reviews', image: 'reviews:v2' }] },
      },
    },
  };

  test('create, get, replace with resourceVersion, strategic merge patch, JSON patch, list', async () => {
    const kube = client();
    const created = await kube.deployments.create(deployment);
    expect(created.metadata.uid).toBeDefined();
    const replaced = await kube.deployments.replace({
      ...created,
      spec: { ...created.spec, replicas: 3 },
    });
    expect(replaced.spec.replicas).toBe(3);
    await expect(
      kube.deployments.replace({ ...created, spec: { ...created.spec, replicas: 4 } }),
    ).rejects.toBeInstanceOf(ConcurrentEditError);
    const smp = await kube.deployments.strategicMergePatch('bookinfo', 'reviews-green', {
      spec: { template: { spec: { containers: [{ name: 'reviews', image: 'reviews:v3' }] } } },
    });
    expect(smp.spec.template.spec.containers[0]?.image).toBe('reviews:v3');
    expect(fake.resourceRequests().at(-1)?.headers['content-type']).toBe(
      'application/strategic-merge-patch+json',
    );
    const scaled = await kube.deployments.patch('bookinfo', 'reviews-green', [
      { op: 'replace', path: '/spec/replicas', value: 1 },
    ]);
    expect(scaled.spec.replicas).toBe(1);
    const listed = await kube.deployments.list('bookinfo', { labelSelector: 'slot=green' });
    expect(listed.map((d) => d.metadata.name)).toEqual(['reviews-green']);
    expect(listed[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
  });

  test('rolloutStatus reads the status subresource', async () => {
    fake.seed({
      ...deployment,
      status: {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
      },
    });
    const status = await client().deployments.rolloutStatus('bookinfo', 'reviews-green');
    expect(status).toMatchObject({ state: 'complete', desired: 2, available: 2 });
    expect(fake.resourceRequests().at(-1)?.path).toBe(
      '/apis/apps/v1/namespaces/bookinfo/deployments/reviews-green/status',
    );
    expect(await client().deployments.rolloutStatus('bookinfo', 'missing')).toBeUndefined();
  });

  test('pods are listed by label selector with kind filled in; services are read', async () => {
    fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'istiod-1', namespace: 'istio-system', labels: { app: 'istiod' } },
      status: { phase: 'Running' },
    });
    fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'other', namespace: 'istio-system', labels: { app: 'gateway' } },
    });
    fake.seed({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { ports: [{ name: 'http', port: 9080 }] },
    });
    const kube = client();
    const pods = await kube.pods.list('istio-system', { labelSelector: 'app=istiod' });
    expect(pods.map((p) => [p.kind, p.metadata.name, p.status?.phase])).toEqual([
      ['Pod', 'istiod-1', 'Running'],
    ]);
    expect(fake.resourceRequests().at(-1)).toMatchObject({
      path: '/api/v1/namespaces/istio-system/pods',
      query: { labelSelector: 'app=istiod' },
    });
    expect((await kube.services.get('bookinfo', 'reviews'))?.spec?.ports?.[0]?.port).toBe(9080);
  });
});

describe('Leases', () => {
  const lease: Lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'switchyard-reviews', namespace: 'bookinfo' },
    spec: {
      holderIdentity: 'ci-1',
      leaseDurationSeconds: 30,
      acquireTime: '2026-11-02T10:00:00.000000Z',
      renewTime: '2026-11-02T10:00:00.000000Z',
    },
  };

  test('get returns undefined when absent; create; a second create is AlreadyExists; stale replace is ConcurrentEditError', async () => {
    const kube = client();
    expect(await kube.leases.get('bookinfo', 'switchyard-reviews')).toBeUndefined();
    const created = await kube.leases.create(lease);
    await expect(kube.leases.create(lease)).rejects.toMatchObject({
      reason: 'AlreadyExists',
      statusCode: 409,
    });
    const renewed = await kube.leases.replace({
      ...created,
      spec: { ...created.spec, renewTime: '2026-11-02T10:00:10.000000Z' },
    });
    expect(renewed.spec?.renewTime).toBe('2026-11-02T10:00:10.000000Z');
    await expect(
      kube.leases.replace({ ...created, spec: { ...created.spec, holderIdentity: 'ci-2' } }),
    ).rejects.toBeInstanceOf(ConcurrentEditError);
  });

  test('a create whose answer was lost is recognised as ours on the AlreadyExists retry', async () => {
    fake.faults.push({ match: (r) => r.method === 'POST', action: { kind: 'reset-after' } });
    const created = await client().leases.create(lease);
    expect(created.spec?.holderIdentity).toBe('ci-1');
    expect(fake.resourceRequests().map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
  });

  test('a renewal whose answer was lost is recognised as ours on the 409 retry', async () => {
    const kube = client();
    const created = await kube.leases.create(lease);
    fake.faults.push({ match: (r) => r.method === 'PUT', action: { kind: 'reset-after' } });
    const renewed = await kube.leases.replace({
      ...created,
      spec: { ...created.spec, renewTime: '2026-11-02T10:00:20.000000Z' },
    });
    expect(renewed.spec?.renewTime).toBe('2026-11-02T10:00:20.000000Z');
  });
});

describe('Events', () => {
  test('records an Event about the VirtualService', async () => {
    const vs = seedReviews();
    const event = await client().events.create({
      involvedObject: vs,
      type: 'Warning',
      reason: 'RolledBack',
      message: 'error rate 7% > 1%',
    });
    const request = fake.resourceRequests().at(-1);
    expect(request).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/bookinfo/events' });
    expect(request?.body).toMatchObject({
      involvedObject: {
        kind: 'VirtualService',
        name: 'reviews',
        namespace: 'bookinfo',
        uid: 'uid-reviews',
      },
      type: 'Warning',
      reason: 'RolledBack',
      source: { component: 'switchyard' },
      reportingComponent: 'switchyard',
    });
    expect(event.metadata.name).toMatch(/^reviews\.[0-9a-f]+$/);
  });
});
