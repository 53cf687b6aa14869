/** Data-plane verification after every gated change. */
import { describe, expect, it } from 'vitest';
import { world } from './__fixtures__/operations-world.js';

describe('data-plane verification', () => {
  it('verifies after every gated change when enabled', async () => {
    const w = world();
    await w.engine({ sync: { verifyDataplane: 2 } }).deploy({ image: 'reviews:v2' });
    const last = w.dataplane.expectations.at(-1);
    expect(last).toMatchObject({
      host: 'reviews.bookinfo.svc.cluster.local',
      port: 9080,
      weights: { blue: 100, green: 0 },
      headerRoute: { name: 'switchyard-reviews-prerelease', present: true, subset: 'green' },
    });
  });
});
