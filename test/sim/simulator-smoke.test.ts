import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { defaultScenarioPath, startSimulator, type Simulator } from '@switchyard/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ scenario: defaultScenarioPath() });
  await sim.waitForSettled({ timeoutMs: 30_000 });
});
afterAll(() => sim?.stop());

describe('startSimulator with the default scenario', () => {
  it('serves the bookinfo objects to kubectl', async () => {
    const { stdout } = await run('kubectl', [
      '--kubeconfig',
      sim.kubeconfigPath,
      '-n',
      'bookinfo',
      'get',
      'virtualservices',
      'reviews',
      '-o',
      'json',
    ]);
    const vs = JSON.parse(stdout);
    expect(
      (vs.spec.http[0].route as { destination: { subset: string }; weight: number }[]).map((r) => [
        r.destination.subset,
        r.weight,
      ]),
    ).toEqual([
      ['blue', 100],
      ['green', 0],
    ]);
  });

  it('runs three blue pods, two istiod replicas, an ingress gateway and the clients with sidecars', () => {
    const proxies = [...sim.mesh.proxies()];
    const byWorkload = (w: string) => proxies.filter((p) => p.workload === w);
    expect(byWorkload('reviews-blue')).toHaveLength(3);
    expect(byWorkload('productpage')).toHaveLength(1);
    expect(byWorkload('release-tester')).toHaveLength(1);
    expect(byWorkload('istio-ingressgateway')[0]?.proxyType).toBe('router');
    expect(new Set(proxies.map((p) => p.istiod)).size).toBe(2);
  });
});
