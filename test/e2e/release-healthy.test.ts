/**
 * Healthy releases end to end, through the library API, against the simulator and a real
 * Prometheus: the pre-release header route, a canary to 100%, a blue/green switch, and a
 * pause that promote completes. Traffic is judged by Prometheus, as a user would.
 */
import { deploy, promote, readSlotWeights, release, type ReleaseEvent } from '@switchyard/core';
import { STATE_ANNOTATION } from '@switchyard/core/internal-testing';
import { GOOD_IMAGE, startTestbed, waitFor, type Testbed } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let bed: Testbed;
const target = {
  service: 'reviews',
  namespace: 'bookinfo',
  subsets: { blue: 'blue', green: 'green' },
};

beforeAll(async () => {
  bed = await startTestbed({ prometheus: true });
});
afterAll(() => bed?.stop());

/** Requests per second by source and destination workload, from the destination reporter. */
async function rates(windowSeconds: number): Promise<Map<string, number>> {
  const result = await bed.promQuery(
    `sum by (source_workload, destination_workload) (rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[${windowSeconds}s]))`,
  );
  return new Map(
    result.map((r) => [`${r.metric.source_workload}->${r.metric.destination_workload}`, r.value]),
  );
}

describe('deploy behind a header', () => {
  it('sends release-tester traffic to the candidate and never productpage traffic', async () => {
    const summary = await deploy({
      ...bed.operationOptions('e2e-healthy'),
      image: GOOD_IMAGE,
      deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } },
    });
    expect(summary.outcome).toBe('deployed');
    const deployedAt = Date.now();
    expect(readSlotWeights(await bed.virtualService(), target)).toEqual({ blue: 100, green: 0 });

    // Wait until a 5 s window lies entirely after the header route was acked everywhere.
    const seen = await waitFor(
      async () => {
        if (Date.now() - deployedAt < 7_000) return undefined;
        const now = await rates(5);
        return (now.get('release-tester->reviews-green') ?? 0) > 1 ? now : undefined;
      },
      { timeoutMs: 40_000, description: 'tester traffic on green in Prometheus' },
    );
    expect(seen.get('release-tester->reviews-blue') ?? 0).toBe(0);
    expect(seen.get('productpage->reviews-blue') ?? 0).toBeGreaterThan(10);
    // Never, over the whole run: no productpage request ever reached green.
    const never = await bed.promQuery(
      'sum(istio_requests_total{reporter="destination",source_workload="productpage",destination_workload="reviews-green"})',
    );
    expect(never.reduce((sum, r) => sum + r.value, 0)).toBe(0);
  });
});

describe('canary release', () => {
  it('shifts 10/25/50/100 with gates and bakes, finalizes, and Prometheus sees green serve', async () => {
    const events: ReleaseEvent[] = [];
    const summary = await release({
      ...bed.operationOptions('e2e-healthy'),
      strategy: { type: 'canary', bake: '3s' },
      onEvent: (e) => events.push(e),
    });
    expect(summary.outcome).toBe('released');
    const vs = await bed.virtualService();
    expect(readSlotWeights(vs, target)).toEqual({ blue: 0, green: 100 });
    expect(vs.spec.http?.map((r) => r.name)).toEqual(['primary']);
    expect(JSON.parse(vs.metadata.annotations?.[STATE_ANNOTATION] ?? '{}')).toMatchObject({
      phase: 'released',
      activeSlot: 'green',
    });
    // Every weight change was followed by a completed sync before its bake started.
    const sequence = events
      .filter((e) => ['routes-applied', 'sync-completed', 'bake-started'].includes(e.type))
      .map((e) =>
        e.type === 'routes-applied'
          ? `w${e.weights?.green}`
          : e.type === 'sync-completed'
            ? 'synced'
            : 'bake',
      );
    expect(sequence.join(' ')).toBe(
      'w10 synced bake w25 synced bake w50 synced bake w100 synced bake w100 synced',
    );
    // Each bake ended on a passing evaluation.
    const verdicts = events
      .filter((e) => e.type === 'checks-evaluated')
      .map((e) => (e.type === 'checks-evaluated' ? e.verdict : ''));
    expect(verdicts).toContain('pass');
    expect(verdicts).not.toContain('fail');

    const finishedAt = Date.now();
    const served = await waitFor(
      async () => {
        if (Date.now() - finishedAt < 6_000) return undefined;
        return rates(5);
      },
      { timeoutMs: 30_000, description: 'a window after the release' },
    );
    expect(served.get('productpage->reviews-green') ?? 0).toBeGreaterThan(10);
    expect(served.get('productpage->reviews-blue') ?? 0).toBe(0);
  });
});

describe('blue/green release', () => {
  it('switches all traffic in one gated step after deploy to the idle slot', async () => {
    const deployed = await deploy({
      ...bed.operationOptions('e2e-healthy'),
      image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.1',
    });
    expect(deployed.candidateSlot).toBe('blue');
    const events: ReleaseEvent[] = [];
    const summary = await release({
      ...bed.operationOptions('e2e-healthy'),
      strategy: { type: 'bluegreen', bake: '3s' },
      onEvent: (e) => events.push(e),
    });
    expect(summary.outcome).toBe('released');
    expect(summary.activeSlot).toBe('blue');
    expect(readSlotWeights(await bed.virtualService(), target)).toEqual({ blue: 100, green: 0 });
    const weights = events
      .filter((e) => e.type === 'routes-applied')
      .map((e) => (e.type === 'routes-applied' ? e.weights?.blue : 0));
    // One switch; finalize has nothing to write (no header route or mirror was deployed).
    expect(weights).toEqual([100]);
  });
});

describe('pause and promote', () => {
  it('stops at the pause step with the split in place, and promote completes it', async () => {
    await deploy({ ...bed.operationOptions('e2e-healthy'), image: GOOD_IMAGE });
    const steps = [
      { weight: 20 },
      { bake: '2s' },
      { pause: true as const },
      { weight: 100 },
      { bake: '2s' },
    ];
    const paused = await release({ ...bed.operationOptions('e2e-healthy'), strategy: { steps } });
    expect(paused.outcome).toBe('paused');
    expect(readSlotWeights(await bed.virtualService(), target)).toEqual({ blue: 80, green: 20 });
    const done = await promote({ ...bed.operationOptions('e2e-healthy'), strategy: { steps } });
    expect(done.outcome).toBe('released');
    expect(readSlotWeights(await bed.virtualService(), target)).toEqual({ blue: 0, green: 100 });
  });
});
