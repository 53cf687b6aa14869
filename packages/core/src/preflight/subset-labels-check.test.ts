import { describe, expect, it } from 'vitest';
import { deployment, healthyContext, summary } from './__fixtures__/preflight-context-fixtures.js';
import { subsetLabelsCheck } from './subset-labels-check.js';
function withSubsets(subsets: { name: string; labels: Record<string, string> }[]) {
  const context = healthyContext();
  return healthyContext({
    destinationRule: { ...context.destinationRule!, spec: { host: 'reviews', subsets } },
  });
}

describe('subset-labels', () => {
  it('passes slot pods that carry their subset labels', () => {
    expect(subsetLabelsCheck.run(healthyContext())).toEqual([]);
  });

  it('catches a slot whose pod template lacks the subset label', () => {
    const green = deployment('green', 1);
    green.spec.template.metadata = { labels: { app: 'reviews', track: 'green' } };
    green.spec.selector = { matchLabels: { app: 'reviews', track: 'green' } };
    const findings = subsetLabelsCheck.run(
      healthyContext({ deployments: { blue: deployment('blue', 2), green } }),
    );
    expect(summary(findings)).toEqual(['error subset-labels spec.template.metadata.labels']);
    expect(findings[0]?.object.name).toBe('reviews-green');
    expect(findings[0]?.message).toContain('selects version=green');
  });

  it('catches pods outside the Service selector', () => {
    const blue = deployment('blue', 2);
    blue.spec.template.metadata = { labels: { app: 'reviews-v2', version: 'blue' } };
    expect(
      summary(subsetLabelsCheck.run(healthyContext({ deployments: { blue, green: undefined } }))),
    ).toEqual(['error subset-labels spec.template.metadata.labels']);
  });

  it('warns when the subset does not select by target.slotLabel', () => {
    const context = withSubsets([
      { name: 'blue', labels: { version: 'blue' } },
      { name: 'green', labels: { track: 'b' } },
    ]);
    const green = deployment('green', 0);
    green.spec.template.metadata = { labels: { app: 'reviews', version: 'green', track: 'b' } };
    expect(
      summary(
        subsetLabelsCheck.run({ ...context, deployments: { ...context.deployments, green } }),
      ),
    ).toEqual(['warning subset-labels spec.subsets[1].labels']);
  });
});
