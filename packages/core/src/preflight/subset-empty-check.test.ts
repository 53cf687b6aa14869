import { describe, expect, it } from 'vitest';
import { healthyContext, pod, summary } from './__fixtures__/preflight-context-fixtures.js';
import { subsetEmptyCheck } from './subset-empty-check.js';

describe('subset-empty', () => {
  it('notes the idle slot without pods, and nothing else', () => {
    expect(summary(subsetEmptyCheck.run(healthyContext()))).toEqual([
      'info subset-empty spec.subsets[1]',
    ]);
  });

  it('catches a subset that carries traffic and selects no ready pod', () => {
    const notReady = pod('reviews-blue-1', { app: 'reviews', version: 'blue' });
    notReady.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] };
    const findings = subsetEmptyCheck.run(
      healthyContext({ pods: { ok: true, value: [notReady] } }),
    );
    expect(summary(findings)).toEqual([
      'error subset-empty spec.subsets[0]',
      'info subset-empty spec.subsets[1]',
    ]);
    expect(findings[0]?.message).toContain('carries 100% of the traffic');
  });
});
