/** `plan`: the changes deploy and release would make, validated, changing nothing. */
import { describe, expect, it } from 'vitest';
import { deployed, world } from './__fixtures__/operations-world.js';

describe('plan', () => {
  it('shows the ordered changes of a deploy, validated, and changes nothing', async () => {
    const w = world();
    const report = await w.engine().plan({ operation: 'deploy', image: 'reviews:v2' });
    expect(report.changes.map((c) => `${c.object.kind}/${c.object.name}`)).toEqual([
      'Deployment/reviews-green',
      'DestinationRule/reviews',
      'VirtualService/reviews',
    ]);
    expect(report.changes.every((c) => c.validated)).toBe(true);
    expect(report.changes[0]?.diff).toContain('+        - name: reviews');
    expect(report.changes[2]?.diff).toContain('+    - name: switchyard-reviews-prerelease');
    expect(w.cluster.writes).toEqual([]);
  });

  it('shows the first step and the final routes of a release', async () => {
    const w = world();
    await deployed(w);
    const writes = w.cluster.writes.length;
    const report = await w.engine().plan({ operation: 'release' });
    expect(report.steps?.[0]).toEqual({ weight: 20 });
    expect(report.changes).toHaveLength(2);
    expect(report.changes[1]?.description).toMatch(/^after the last step/);
    expect(w.cluster.writes.length).toBe(writes);
  });
});
