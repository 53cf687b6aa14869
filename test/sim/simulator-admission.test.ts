import { startSimulatedCluster, type SimulatedCluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let bed: SimulatedCluster;

beforeAll(async () => {
  bed = await startSimulatedCluster();
});
afterAll(() => bed?.stop());

describe('pods created by a client', () => {
  it('get a sidecar in an injection-enabled namespace, as from the real admission chain', async () => {
    await bed.kubectl([
      '-n',
      'bookinfo',
      'run',
      'curl',
      '--image=curlimages/curl',
      '--restart=Never',
    ]);
    const pod = await bed.kubectlJson<{
      spec: { containers: { name: string }[]; serviceAccountName: string };
    }>(['-n', 'bookinfo', 'get', 'pod', 'curl']);
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['curl', 'istio-proxy']);
    expect(pod.spec.serviceAccountName).toBe('default');
  });
});
