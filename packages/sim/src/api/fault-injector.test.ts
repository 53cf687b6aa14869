import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiFault } from '../scenario/scenario-schema.js';
import { apiRequest } from './__fixtures__/api-client.js';
import { startTestCluster, type TestCluster } from './__fixtures__/api-test-cluster.js';
import { FaultInjector } from './fault-injector.js';

const fault: ApiFault = { verbs: [], resources: [], rate: 1, kind: 'error', retryAfterSeconds: 1 };

describe('FaultInjector', () => {
  it('matches verbs and resources, subresources by their own name', () => {
    const injector = new FaultInjector([
      { ...fault, verbs: ['patch'], resources: ['virtualservices'] },
    ]);
    expect(injector.pick('patch', 'virtualservices')).toBeDefined();
    expect(injector.pick('get', 'virtualservices')).toBeUndefined();
    expect(injector.pick('patch', 'destinationrules')).toBeUndefined();
    expect(injector.pick('patch', 'virtualservices/status')).toBeUndefined();
  });

  it('fails about the given share of requests, identically for the same seed', () => {
    const draw = (seed: number): boolean[] => {
      const injector = new FaultInjector([{ ...fault, rate: 0.3 }], seed);
      return Array.from({ length: 1000 }, () => injector.pick('get', 'pods') !== undefined);
    };
    const first = draw(7);
    expect(draw(7)).toEqual(first);
    const failures = first.filter(Boolean).length;
    expect(failures).toBeGreaterThan(220);
    expect(failures).toBeLessThan(380);
  });
});

describe('fault injection in the API server', () => {
  let cluster: TestCluster;
  const VS = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';

  beforeAll(async () => {
    cluster = await startTestCluster({
      faults: [
        {
          ...fault,
          kind: 'throttle',
          verbs: ['list'],
          resources: ['virtualservices'],
          retryAfterSeconds: 7,
        },
      ],
    });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('throttles with 429, a Retry-After header and details.retryAfterSeconds', async () => {
    const reply = await apiRequest(cluster, 'GET', VS);
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('7');
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 7 },
      code: 429,
    });
    // Other verbs, resources and discovery are untouched.
    expect((await apiRequest(cluster, 'GET', `${VS}/missing`)).status).toBe(404);
    expect((await apiRequest(cluster, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
    expect((await apiRequest(cluster, 'GET', '/apis/networking.istio.io/v1')).status).toBe(200);
  });

  it('changes faults at run time: 500 InternalError, then dropped connections, then none', async () => {
    cluster.server.setFaults([{ ...fault, verbs: ['create'] }]);
    const failed = await apiRequest(cluster, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' } },
    });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    expect(
      (await apiRequest(cluster, 'GET', '/api/v1/namespaces/default/configmaps/f')).status,
    ).toBe(404);

    cluster.server.setFaults([
      { ...fault, kind: 'drop', verbs: ['get'], resources: ['configmaps'] },
    ]);
    await expect(
      apiRequest(cluster, 'GET', '/api/v1/namespaces/default/configmaps/f'),
    ).rejects.toThrow(/socket hang up|ECONNRESET/);

    cluster.server.setFaults([]);
    expect(
      (await apiRequest(cluster, 'GET', '/api/v1/namespaces/default/configmaps/f')).status,
    ).toBe(404);
  });

  it('delays requests by the configured latency', async () => {
    cluster.server.setLatency(300);
    try {
      const started = performance.now();
      const reply = await apiRequest(cluster, 'GET', '/version');
      // A lower bound only: the latency is a guaranteed minimum, so this cannot flake on a slow machine.
      expect(reply.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    } finally {
      cluster.server.setLatency(0);
    }
  });
});
