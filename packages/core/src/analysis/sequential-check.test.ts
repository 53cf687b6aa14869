import { describe, expect, it } from 'vitest';
import type { CounterIncrement } from './counter-increments.js';
import { slotByWorkload } from './request-outcome.js';
import {
  sequentialCheckResult,
  startSequentialCheck,
  updateSequentialCheck,
  type SequentialCheckState,
} from './sequential-check.js';

const slotOf = slotByWorkload({ canary: 'reviews-green', stable: 'reviews-blue' });
const settings = { alpha: 0.01, beta: 0.05, tolerance: 1, margin: 2 };

const inc = (labels: Record<string, string>, increment: number): CounterIncrement => ({
  labels,
  key: JSON.stringify(labels),
  increment,
  fromMs: 0,
  toMs: 10_000,
  resets: 0,
});
const requests = (workload: string, ok: number, failed: number): CounterIncrement[] => [
  inc({ destination_workload: workload, instance: workload, response_code: '200' }, ok),
  inc({ destination_workload: workload, instance: workload, response_code: '503' }, failed),
];
const buckets = (workload: string, fast: number, total: number): CounterIncrement[] => [
  inc({ destination_workload: workload, instance: workload, le: '250' }, fast),
  inc({ destination_workload: workload, instance: workload, le: '+Inf' }, total),
];

function feed(
  state: SequentialCheckState,
  rounds: number,
  canary: [number, number],
  stable: [number, number],
) {
  for (let i = 0; i < rounds; i++) {
    state = updateSequentialCheck(
      state,
      {
        requests: [...requests('reviews-green', ...canary), ...requests('reviews-blue', ...stable)],
        buckets: [
          ...buckets('reviews-green', canary[0], canary[0] + canary[1]),
          ...buckets('reviews-blue', stable[0], stable[0] + stable[1]),
        ],
      },
      { slotOf },
    );
  }
  return state;
}

describe('sequential check', () => {
  it('compares failures with the stable slot and rolls back a failing canary', () => {
    const start = startSequentialCheck({
      name: 'errors',
      kind: 'compare',
      events: 'failed',
      settings,
    });
    const result = sequentialCheckResult(feed(start, 10, [95, 5], [896, 4]));
    expect(result.name).toBe('errors');
    expect(result.verdict).toBe('rollback');
    expect(result.reason).toContain('canary 50 of 1000 requests failed (5%)');
  });

  it('compares slow requests through the histogram buckets', () => {
    const start = startSequentialCheck({
      name: 'latency',
      kind: 'compare',
      events: { slowerThan: 250 },
      settings,
    });
    const result = sequentialCheckResult(feed(start, 10, [95, 5], [896, 4]));
    expect(result.verdict).toBe('rollback');
    expect(result.reason).toContain('canary 50 of 1000 requests were slower than 250');
  });

  it('checks an absolute objective on the canary alone', () => {
    const start = startSequentialCheck({
      name: 'slo',
      kind: 'bound',
      events: 'failed',
      settings: { alpha: 0.01, beta: 0.05, maxRate: 0.01 },
    });
    expect(sequentialCheckResult(feed(start, 20, [1000, 0], [0, 0])).verdict).toBe('promote');
    expect(sequentialCheckResult(feed(start, 3, [950, 50], [0, 0])).verdict).toBe('rollback');
  });

  it('stays undecided without canary traffic, saying why', () => {
    const start = startSequentialCheck({
      name: 'errors',
      kind: 'compare',
      events: 'failed',
      settings,
    });
    const result = sequentialCheckResult(feed(start, 30, [0, 0], [990, 10]));
    expect(result.verdict).toBe('continue');
    expect(result.reason).toMatch(/^no evidence: the canary received no requests/);
  });

  it('refuses a latency edge that is not a positive number', () => {
    expect(() =>
      startSequentialCheck({ name: 'l', kind: 'compare', events: { slowerThan: 0 }, settings }),
    ).toThrow(/slowerThan/);
  });

  it('keeps a state that survives JSON (for the release record)', () => {
    const start = startSequentialCheck({
      name: 'errors',
      kind: 'compare',
      events: 'failed',
      settings,
    });
    const state = feed(start, 3, [95, 5], [896, 4]);
    const copy = JSON.parse(JSON.stringify(state)) as SequentialCheckState;
    expect(sequentialCheckResult(feed(copy, 7, [95, 5], [896, 4]))).toEqual(
      sequentialCheckResult(feed(state, 7, [95, 5], [896, 4])),
    );
  });
});
