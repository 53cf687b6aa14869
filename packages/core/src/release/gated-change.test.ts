/** The gated change: its proxies come from the route backend; it is verified when asked. */
import { describe, expect, it } from 'vitest';
import { ReleaseRolledBackError } from '../errors.js';
import { deployed, world } from './__fixtures__/operations-world.js';

describe('data-plane verification', () => {
  it('verifies after every gated change when enabled', async () => {
    const w = world();
    await w.engine({ sync: { verifyDataplane: 2 } }).deploy({ image: 'reviews:v2' });
    const last = w.dataplane.expectations.at(-1);
    expect(last).toMatchObject({
      host: 'reviews.bookinfo.svc.cluster.local',
      port: 9080,
      weights: { blue: 100, green: 0 },
      headerRoute: { name: 'switchyard-reviews-prerelease', present: true, destination: 'green' },
    });
  });
});

describe('the sync scope of a gated change', () => {
  it("is the route backend's: for a VirtualService, the proxies sync.scope names", async () => {
    const w = world();
    const scope = { namespaces: ['bookinfo'], selector: 'app=productpage' };
    const engine = w.engine({ sync: { scope, verifyDataplane: 1 } });
    await engine.deploy({ image: 'reviews:v2' });
    await engine.release();
    await engine.status();
    // Every wait (deploy's subsets and header route, each step, finalize), the
    // verifications and the status read asked about the same proxies.
    expect(w.gate.scopes.length).toBeGreaterThan(4);
    expect(new Set(w.gate.scopes.map((s) => JSON.stringify(s)))).toEqual(
      new Set([JSON.stringify({ sets: [scope] })]),
    );
    expect(w.dataplane.scopes.length).toBeGreaterThan(0);
    expect(
      w.dataplane.scopes.every((s) => JSON.stringify(s) === JSON.stringify({ sets: [scope] })),
    ).toBe(true);
  });

  it('confirms a rollback by the sync gate alone, without a data-plane verification', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = () => 'fail';
    await expect(w.engine({ sync: { verifyDataplane: 1 } }).release()).rejects.toBeInstanceOf(
      ReleaseRolledBackError,
    );
    const types = w.events.map((e) => (e.type === 'sync-started' ? `sync: ${e.reason}` : e.type));
    const rollbackWait = types.indexOf('sync: rollback to the stable routes');
    expect(types).toContain('dataplane-verified');
    expect(rollbackWait).toBeGreaterThan(types.indexOf('dataplane-verified'));
    expect(types.slice(rollbackWait)).not.toContain('dataplane-verified');
    expect(types.slice(rollbackWait)).toContain('sync-completed');
  });
});
