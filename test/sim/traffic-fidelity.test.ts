/**
 * Traffic follows what each proxy has *applied*, seen through a real Prometheus: after a
 * weight change, `destination_version` rates follow the VirtualService once proxies sync,
 * while a stuck proxy keeps sending by the old weights.
 */
import { startSimulatedCluster, waitFor, type SimulatedCluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let bed: SimulatedCluster;

beforeAll(async () => {
  bed = await startSimulatedCluster({ prometheus: true });
  // Green gets pods of its own (the manifests leave it at 0 replicas).
  await bed.kubectl(['-n', 'bookinfo', 'scale', 'deployment', 'reviews-green', '--replicas=3']);
  await bed.sim.waitForSettled({ timeoutMs: 30_000 });
});
afterAll(() => bed?.stop());

async function setWeights(blue: number, green: number): Promise<void> {
  await bed.kubectl([
    '-n',
    'bookinfo',
    'patch',
    'virtualservice',
    'reviews',
    '--type',
    'json',
    '-p',
    JSON.stringify([
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: blue },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: green },
    ]),
  ]);
}

/** Share of green in the destination-reported rate over the last 5 s, for a source workload. */
async function greenShare(source: string): Promise<number | undefined> {
  const result = await bed.promQuery(
    `sum by (destination_version) (rate(istio_requests_total{reporter="destination",destination_service_name="reviews",source_workload="${source}"}[5s]))`,
  );
  const rate = (version: string): number =>
    result.find((r) => r.metric.destination_version === version)?.value ?? 0;
  const total = rate('blue') + rate('green');
  return total > 0 ? rate('green') / total : undefined;
}

describe('traffic through applied routes', () => {
  it('follows new weights once synced, while a stuck proxy keeps the old ones', async () => {
    const stuck = [...bed.sim.mesh.proxies()].find((p) => p.workload === 'productpage');
    const versionBefore = stuck?.applied?.version;
    expect(versionBefore).toBeDefined();
    bed.sim.controls.setProxyOverrides([{ match: { workload: 'productpage' }, stuck: true }]);
    await setWeights(0, 100);
    const appliedAt = await waitFor(
      () => {
        const tester = [...bed.sim.mesh.proxies()].find((p) => p.workload === 'release-tester');
        const route = tester?.applied?.routes
          .find((r) => r.name === '9080')
          ?.virtual_hosts.find((v) => v.domains.includes('reviews.bookinfo.svc.cluster.local'))
          ?.routes.find((r) => r.name === 'primary');
        const clusters = route?.route?.weighted_clusters?.clusters ?? [];
        return clusters.length === 1 && clusters[0]?.name.includes('|green|')
          ? tester?.appliedAt
          : undefined;
      },
      { timeoutMs: 15_000, description: 'the tester proxy to apply 0/100' },
    );
    // The stuck proxy still holds the config it had before the change.
    expect(bed.sim.mesh.proxyOfPod('bookinfo', stuck?.pod ?? '')?.applied?.version).toBe(
      versionBefore,
    );

    // A 5 s window that starts after the synced proxy applied the change.
    const shares = await waitFor(
      async () => {
        if (Date.now() - (appliedAt?.getTime() ?? Date.now()) < 7_000) return undefined;
        const tester = await greenShare('release-tester');
        const productpage = await greenShare('productpage');
        return tester !== undefined && productpage !== undefined
          ? { tester, productpage }
          : undefined;
      },
      { timeoutMs: 40_000, description: 'rates from both clients' },
    );
    expect(shares.tester).toBe(1);
    // productpage's proxy never applied the change: it still sends everything to blue.
    expect(shares.productpage).toBe(0);

    // Unstuck, it catches up, and Prometheus sees it.
    bed.sim.controls.setProxyOverrides([]);
    await setWeights(50, 50);
    const syncedAt = Date.now();
    const share = await waitFor(
      async () => {
        if (Date.now() - syncedAt < 8_000) return undefined;
        return greenShare('productpage');
      },
      { timeoutMs: 40_000, description: 'productpage rates after the 50/50 change' },
    );
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
  });

  it("measures a bad image's 5xx ratio close to its configured rate", async () => {
    const bad = 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.1';
    await bed.kubectl([
      '-n',
      'bookinfo',
      'set',
      'image',
      'deployment/reviews-green',
      `reviews=${bad}`,
    ]);
    await setWeights(0, 100);
    await bed.sim.waitForSettled({ timeoutMs: 30_000 });
    const settledAt = Date.now();
    const ratio = await waitFor(
      async () => {
        if (Date.now() - settledAt < 22_000) return undefined;
        const errors = await bed.promQuery(
          'sum(rate(istio_requests_total{reporter="destination",destination_workload="reviews-green",response_code=~"5.."}[20s]))',
        );
        const all = await bed.promQuery(
          'sum(rate(istio_requests_total{reporter="destination",destination_workload="reviews-green"}[20s]))',
        );
        const total = all[0]?.value ?? 0;
        return total > 0 ? (errors[0]?.value ?? 0) / total : undefined;
      },
      { timeoutMs: 60_000, description: 'a 20 s window of the bad image' },
    );
    // Configured 20%: within 20% relative (about 1,000 requests in the window: ±3 sigma).
    expect(ratio).toBeGreaterThan(0.16);
    expect(ratio).toBeLessThan(0.24);
  });
});
