import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedCrossings } from './__fixtures__/crossing-bound.js';
import { seededRandom } from './__fixtures__/seeded-random.js';
import { logBeta } from './log-gamma.js';
import {
  rateBoundEvidence,
  rateBoundLogRatio,
  startRateBoundTest,
  updateRateBoundTest,
  type RateBoundSettings,
} from './rate-bound-test.js';

const settings: RateBoundSettings = { alpha: 0.01, beta: 0.05, maxRate: 0.01 };

const after = (events: number, requests: number, s: RateBoundSettings = settings) =>
  rateBoundEvidence(updateRateBoundTest(startRateBoundTest(s), { requests, events }));

describe('rate-bound check', () => {
  it('passes 0 failures in 1,000 requests against 1 %, by the closed form', () => {
    // Below q the mixture is ∫_0^q ((1-p)/(1-q))^1000 · 99 (1-p)^98 dp / (1 - 0.99^99)
    // = 99 [1 - 0.99^1099] / 1099 / 0.99^1000 / (1 - 0.99^99).
    const closed = (99 * (1 - 0.99 ** 1099)) / 1099 / 0.99 ** 1000 / (1 - 0.99 ** 99);
    expect(rateBoundLogRatio({ requests: 1000, events: 0 }, 0.01, 'below')).toBeCloseTo(
      Math.log(closed),
      10,
    );
    const evidence = after(0, 1000);
    expect(evidence.verdict).toBe('promote');
    expect(evidence.reason).toMatch(/^rate below the objective 1%: likelihood ratio \d+ >= 20/);
    expect(evidence.bounds.upper).toBeLessThan(0.01);
    expect(evidence.bounds.lower).toBeUndefined();
  });

  it('fails 30 failures in 1,000 requests against 1 %', () => {
    // Above q: B(31, 1069) / B(1, 99) · tail ratio / (0.01^30 0.99^970); the posterior mass
    // above 1 % is all but 1, the prior's is 0.99^99.
    const twoSided =
      logBeta(31, 1069) - logBeta(1, 99) - 30 * Math.log(0.01) - 970 * Math.log(0.99);
    expect(rateBoundLogRatio({ requests: 1000, events: 30 }, 0.01, 'above')).toBeCloseTo(
      twoSided - 99 * Math.log(0.99),
      6,
    );
    const evidence = after(30, 1000);
    expect(evidence.verdict).toBe('rollback');
    expect(evidence.reason).toContain('30 of 1000 requests failed (3%)');
    expect(evidence.bounds.lower).toBeGreaterThan(0.01);
    expect(evidence.bounds.lower).toBeLessThan(0.03);
  });

  it('stays undecided near the objective, and says so without traffic', () => {
    expect(after(10, 1000).verdict).toBe('continue');
    const none = after(0, 0);
    expect(none.verdict).toBe('continue');
    expect(none.reason).toMatch(/^no evidence: the canary received no requests/);
    expect(none.observedRate).toBeUndefined();
  });

  it('fails exactly when its lower bound is above the objective, passes when its upper bound is below', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.constantFrom(0.001, 0.01, 0.05),
        (requests, share, maxRate) => {
          const events = Math.floor(requests * share);
          const evidence = after(events, requests, { ...settings, maxRate });
          const { lower, upper } = evidence.bounds;
          expect(evidence.verdict === 'rollback').toBe(lower !== undefined && lower > maxRate);
          // Passing is tested at 1 - beta, the upper bound is at 1 - beta too.
          if (evidence.verdict !== 'rollback')
            expect(evidence.verdict === 'promote').toBe(upper !== undefined && upper < maxRate);
          if (lower !== undefined) expect(lower).toBeLessThanOrEqual(events / requests);
          if (upper !== undefined) expect(upper).toBeGreaterThanOrEqual(events / requests);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses settings out of range', () => {
    expect(() => startRateBoundTest({ ...settings, maxRate: 0 })).toThrow(/maxRate/);
    expect(() => startRateBoundTest({ ...settings, beta: 1.5 })).toThrow(/beta/);
    expect(() =>
      updateRateBoundTest(startRateBoundTest(settings), { requests: 1, events: 2 }),
    ).toThrow(/counts\.events \(2\) exceeds/);
  });

  // Each property run simulates STREAMS independent canaries of 60 intervals whose every
  // request fails with probability exactly q (the least favourable point of both nulls),
  // and counts those whose statistic ever reached its threshold: at most Binomial(STREAMS,
  // level) in law, so the assertion fails by chance with probability below 1e-9 per run.
  const STREAMS = 150;
  const level = 0.1;
  const allowed = allowedCrossings(STREAMS, level, 1e-9);
  const loose = { alpha: level, beta: level, maxRate: 0.02 };

  it(`a canary failing exactly at the objective is failed (or passed) in at most ${allowed} of ${STREAMS} streams`, () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const random = seededRandom(seed);
        let failed = 0;
        let passed = 0;
        for (let s = 0; s < STREAMS; s++) {
          let state = startRateBoundTest(loose);
          let sawFail = false;
          let sawPass = false;
          for (let i = 0; i < 60; i++) {
            const requests = 20 + random.poisson(100);
            state = updateRateBoundTest(state, {
              requests,
              events: random.binomial(requests, loose.maxRate),
            });
            const { events } = state.counts;
            const total = state.counts.requests;
            sawFail ||=
              rateBoundLogRatio({ requests: total, events }, loose.maxRate, 'above') >=
              Math.log(1 / level);
            sawPass ||=
              rateBoundLogRatio({ requests: total, events }, loose.maxRate, 'below') >=
              Math.log(1 / level);
          }
          if (sawFail) failed++;
          if (sawPass) passed++;
        }
        expect(failed).toBeLessThanOrEqual(allowed);
        expect(passed).toBeLessThanOrEqual(allowed);
      }),
      { numRuns: 5 },
    );
  });
});
