/** `status`: the facts, described, without writing. */
import { describe, expect, it } from 'vitest';
import type { ReleaseSpecOverrides } from '../spec/release-spec.js';
import { deployed, world } from './__fixtures__/operations-world.js';

describe('status', () => {
  it('reports phase, slots, weights, step, lock and checks without writing', async () => {
    const w = world();
    const fresh = await w.engine().status();
    expect(fresh.phase).toBe('unmanaged');
    expect(fresh.slots.green.exists).toBe(false);
    await deployed(w);
    const overrides: ReleaseSpecOverrides = {
      strategy: { steps: [{ weight: 10 }, { bake: '30s' }, { pause: true }, { weight: 100 }] },
    };
    await w.engine(overrides).release();
    const writes = w.cluster.writes.length;
    const report = await w.engine(overrides).status();
    expect(w.cluster.writes.length).toBe(writes);
    expect(report).toMatchObject({
      phase: 'paused',
      activeSlot: 'blue',
      candidateSlot: 'green',
      weights: { blue: 90, green: 10 },
      weightsDiverged: false,
      headerRoute: true,
      step: { index: 3, total: 4, stage: 'pending', step: { weight: 100 } },
      sync: { synced: 6, total: 6 },
      dataplane: 'sidecars: the callers’ sidecars and gateways apply the routes',
    });
    expect(report.slots.green).toMatchObject({ image: 'reviews:v2', replicas: 3, ready: 3 });
    expect(report.lastChecks[0]?.outcome).toBe('pass');
    expect(report.lock).toBeUndefined();
  });
});
