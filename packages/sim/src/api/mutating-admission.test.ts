import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from './__fixtures__/api-client.js';
import { startTestCluster, type TestCluster } from './__fixtures__/api-test-cluster.js';
import type { MutationRequest } from './mutating-admission.js';

let cluster: TestCluster;
const calls: {
  operation: string;
  namespace: string | undefined;
  dryRun: boolean;
  hadOld: boolean;
}[] = [];

beforeAll(async () => {
  cluster = await startTestCluster({
    mutatingAdmission: {
      // A stand-in for Istio's injector: pods get a sidecar container (the server defaults it).
      mutate(request: MutationRequest) {
        calls.push({
          operation: request.operation,
          namespace: request.namespace,
          dryRun: request.dryRun,
          hadOld: request.oldObject !== undefined,
        });
        if (request.type.plural !== 'pods') return request.object;
        const pod = structuredClone(request.object) as {
          spec: { containers: { name: string; image: string }[] };
        };
        if (!pod.spec.containers.some((c) => c.name === 'istio-proxy')) {
          pod.spec.containers.push({ name: 'istio-proxy', image: 'proxyv2:1.26.2' });
        }
        return pod;
      },
    },
  });
});
afterAll(async () => {
  await cluster.stop();
});

describe('mutating admission', () => {
  it('mutates created objects before validation, then defaults what it added', async () => {
    const created = await apiRequest(cluster, 'POST', '/api/v1/namespaces/default/pods', {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: { containers: [{ name: 'web', image: 'web:1' }] },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'web',
      'istio-proxy',
    ]);
    expect(created.body.spec.containers[1].terminationMessagePath).toBe('/dev/termination-log');
    expect(calls.at(-1)).toEqual({
      operation: 'CREATE',
      namespace: 'default',
      dryRun: false,
      hadOld: false,
    });
  });

  it('sees updates with the old object and dry runs as such', async () => {
    const patched = await apiRequest(
      cluster,
      'PATCH',
      '/api/v1/namespaces/default/pods/web?dryRun=All',
      {
        body: { metadata: { labels: { a: 'b' } } },
        contentType: 'application/merge-patch+json',
      },
    );
    expect(patched.status).toBe(200);
    expect(calls.at(-1)).toEqual({
      operation: 'UPDATE',
      namespace: 'default',
      dryRun: true,
      hadOld: true,
    });
    // Status writes do not go through admission plugins of the main resource.
    const before = calls.length;
    await apiRequest(cluster, 'PATCH', '/api/v1/namespaces/default/pods/web/status', {
      body: { status: { phase: 'Running' } },
      contentType: 'application/merge-patch+json',
    });
    expect(calls.length).toBe(before);
  });
});
