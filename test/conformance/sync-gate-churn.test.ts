/**
 * The sync gate under config churn on real istiod (`sync-gate-churn.ts`): over
 * SWITCHYARD_CHURN_STEPS weight steps (default 60; the benchmark runs 200) with VirtualServices and DestinationRules
 * of another namespace rewritten every 50-100 ms, Deployments scaled, one istiod replica
 * restarted and an unrelated push interleaved every 5th step, the shipped gate (push fence)
 * never declares a step synced while a proxy it counted lacks the step's weights; the weaker
 * baseline-only rule, judged on the same steps, does.
 */
import { describe, expect, inject, it } from 'vitest';
import { runChurnSteps } from './sync-gate-churn.js';

const info = inject('realCluster');
// The tier's run; `node test/bench/sync-gate-churn.mjs` runs 200 (about 5 minutes alone).
const STEPS = Number(process.env.SWITCHYARD_CHURN_STEPS ?? 60);

describe('the sync gate on a busy mesh (real istiod)', () => {
  it(`declares no step synced early over ${STEPS} steps; the baseline-only rule does`, async () => {
    const result = await runChurnSteps(info, {
      namespace: 'conformance-churn',
      steps: STEPS,
      interleaveEvery: 5,
      restartIstiodAt: Math.floor(STEPS / 2),
      onStep: (line) => {
        if (process.env.SWITCHYARD_CHURN_VERBOSE) process.stderr.write(`[churn] ${line}\n`);
      },
    });
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    process.stderr.write(
      `[churn] ${result.steps} steps, ${result.churnWrites} churn writes, ${result.interleaved} interleaved, ` +
        `up to ${result.maxProxies} proxies in scope; fenced: ${result.fenced.earlySteps} early steps ` +
        `(${result.fenced.proxiesRead} proxy reads, median lag ${median(result.fenced.lagMs)} ms); ` +
        `baseline-only: ${result.baseline.earlySteps} early steps, ${result.baseline.earlyProxies} proxies ` +
        `(median lag ${median(result.baseline.lagMs)} ms)\n`,
    );
    expect(result.steps).toBe(STEPS);
    expect(result.fenced.verdicts).toBe(STEPS);
    expect(result.fenced.proxiesRead).toBeGreaterThanOrEqual(STEPS * 3);
    expect(result.fenced).toMatchObject({ earlySteps: 0, earlyProxies: 0 });
    // The weaker rule is fooled by at least the interleaved steps that had their push.
    expect(result.interleaved).toBeGreaterThan(0);
    expect(result.baseline.earlySteps).toBeGreaterThan(0);
  }, 1_800_000);
});
