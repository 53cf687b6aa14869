import { describe, expect, it } from 'vitest';
import { healthyContext, summary } from './__fixtures__/preflight-context-fixtures.js';
import { subsetOverlapCheck } from './subset-overlap-check.js';
function withSubsets(subsets: { name: string; labels: Record<string, string> }[]) {
  const context = healthyContext();
  return healthyContext({
    destinationRule: { ...context.destinationRule!, spec: { host: 'reviews', subsets } },
  });
}

describe('subset-overlap', () => {
  it('passes subsets that select disjoint pods', () => {
    expect(subsetOverlapCheck.run(healthyContext())).toEqual([]);
  });

  it('catches a slot subset whose labels also select the other slot', () => {
    const findings = subsetOverlapCheck.run(
      withSubsets([
        { name: 'blue', labels: { app: 'reviews' } },
        { name: 'green', labels: { version: 'green' } },
      ]),
    );
    expect(summary(findings)).toEqual(['error subset-overlap spec.subsets[0].labels']);
    expect(findings[0]?.message).toContain("Deployment reviews-green's pods");
  });
});
