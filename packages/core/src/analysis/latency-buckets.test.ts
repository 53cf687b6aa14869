import { describe, expect, it } from 'vitest';
import type { CounterIncrement } from './counter-increments.js';
import {
  bucketEdge,
  bucketTotals,
  edgeAtOrAbove,
  quantileEdge,
  slowRequestCounts,
} from './latency-buckets.js';
import { slotByWorkload } from './request-outcome.js';
import { slotIncrements } from './slot-increments.js';

/** Istio's default buckets for istio_request_duration_milliseconds. */
const ISTIO_EDGES = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
];

const bucket = (workload: string, code: string, le: string, value: number): CounterIncrement => ({
  labels: { destination_workload: workload, response_code: code, le },
  key: `${workload}/${code}/${le}`,
  increment: value,
  fromMs: 0,
  toMs: 15_000,
  resets: 0,
});

describe('latency buckets', () => {
  it('reads le labels, Prometheus 3 float spellings included', () => {
    expect(bucketEdge('250')).toBe(250);
    expect(bucketEdge('250.0')).toBe(250);
    expect(bucketEdge('+Inf')).toBe(Infinity);
    expect(bucketEdge('')).toBeNaN();
  });

  it("picks the smallest edge at or above the stable slot's p99", () => {
    // 1,000 requests: 985 at or below 100 ms, 995 at or below 250 ms.
    const buckets = [
      { le: 50, count: 900 },
      { le: 100, count: 985 },
      { le: 250, count: 995 },
      { le: 500, count: 1000 },
      { le: Infinity, count: 1000 },
    ];
    expect(quantileEdge(buckets)).toBe(250);
    expect(quantileEdge(buckets, 0.9)).toBe(50);
    expect(quantileEdge([{ le: Infinity, count: 0 }])).toBeUndefined();
    // p99 beyond the largest finite bucket: no finite edge to count above.
    expect(
      quantileEdge([
        { le: 10, count: 5 },
        { le: Infinity, count: 100 },
      ]),
    ).toBeUndefined();
  });

  it('rounds a configured bound up to a bucket edge', () => {
    expect(edgeAtOrAbove(ISTIO_EDGES, 300)).toBe(500);
    expect(edgeAtOrAbove(ISTIO_EDGES, 250)).toBe(250);
    expect(edgeAtOrAbove(ISTIO_EDGES, 4_000_000)).toBeUndefined();
  });

  it('counts slow requests per slot as +Inf minus the edge bucket, per histogram', () => {
    const slotOf = slotByWorkload({ canary: 'green', stable: 'blue' });
    const increments = [
      bucket('green', '200', '250', 90),
      bucket('green', '200', '500', 95),
      bucket('green', '200', '+Inf', 100),
      bucket('green', '503', '250', 10),
      bucket('green', '503', '+Inf', 10),
      bucket('blue', '200', '250.0', 897),
      bucket('blue', '200', '+Inf', 900),
      // A histogram whose edge bucket had no new sample: left out, not guessed.
      bucket('blue', '404', '+Inf', 50),
    ];
    const read = slotIncrements(slowRequestCounts(increments, 250), { slotOf });
    expect(read.strata).toEqual([
      {
        key: '',
        canary: { requests: 110, events: 10 },
        stable: { requests: 900, events: 3 },
        observed: { canary: true, stable: true },
        origins: [''],
      },
    ]);
    expect(bucketTotals(increments, slotOf, 'stable')).toEqual([
      { le: 250, count: 897 },
      { le: Infinity, count: 950 },
    ]);
  });
});
