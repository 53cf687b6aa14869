import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readCounterIncrements,
  seriesKey,
  START_COUNTERS,
  type CounterSeries,
  type CounterTrackerState,
} from './counter-increments.js';

const pod = (instance: string, code: string) => ({
  __name__: 'istio_requests_total',
  instance,
  destination_workload: 'reviews-green',
  response_code: code,
});
const series = (
  labels: Record<string, string>,
  ...points: [seconds: number, value: number][]
): CounterSeries => ({
  labels,
  samples: points.map(([s, value]) => ({ timestampMs: s * 1000, value })),
});

/** Reads `batches` in turn and returns the total increment per series key. */
function totals(batches: readonly (readonly CounterSeries[])[]): Map<string, number> {
  let state: CounterTrackerState = START_COUNTERS;
  const out = new Map<string, number>();
  for (const batch of batches) {
    const read = readCounterIncrements(state, batch);
    state = read.state;
    for (const { key, increment } of read.increments) out.set(key, (out.get(key) ?? 0) + increment);
  }
  return out;
}

describe('counter increments', () => {
  const ok = pod('10.0.0.7:15020', '200');
  const failed = pod('10.0.0.7:15020', '503');

  it('counts nothing at the baseline, then differences of raw samples', () => {
    const first = readCounterIncrements(START_COUNTERS, [series(ok, [0, 500], [15, 520])]);
    expect(first.increments).toEqual([]);
    expect(first.baselined).toEqual([seriesKey(ok)]);
    const second = readCounterIncrements(first.state, [
      series(ok, [15, 520], [30, 560], [45, 575]),
    ]);
    expect(second.increments).toEqual([
      { labels: ok, key: seriesKey(ok), increment: 55, fromMs: 15_000, toMs: 45_000, resets: 0 },
    ]);
  });

  it('handles a counter reset as Prometheus does, without extrapolation', () => {
    // 575 -> 590, then the proxy restarts: 12 counted since the reset, then 12 -> 40.
    const total = totals([[series(ok, [45, 575])], [series(ok, [60, 590], [75, 12], [90, 40])]]);
    expect(total.get(seriesKey(ok))).toBe(15 + 12 + 28);
    const read = readCounterIncrements(
      readCounterIncrements(START_COUNTERS, [series(ok, [0, 9])]).state,
      [series(ok, [15, 3])],
    );
    expect(read.increments[0]).toMatchObject({ increment: 3, resets: 1 });
  });

  it("counts a pod's first 503 series from zero: it did not exist at the earlier scrapes", () => {
    const base = readCounterIncrements(START_COUNTERS, [series(ok, [0, 100])]);
    const read = readCounterIncrements(base.state, [
      series(ok, [15, 130]),
      series(failed, [15, 4]),
    ]);
    expect(read.increments.find((i) => i.key === seriesKey(failed))).toMatchObject({
      increment: 4,
      fromMs: undefined,
      toMs: 15_000,
    });
    expect(read.baselined).toEqual([]);
  });

  it('takes a new pod’s first sample as its baseline (it may predate the test)', () => {
    const base = readCounterIncrements(START_COUNTERS, [series(ok, [0, 100])]);
    const newcomer = pod('10.0.0.9:15020', '503');
    const read = readCounterIncrements(base.state, [
      series(ok, [15, 130]),
      series(newcomer, [14, 40], [29, 41]),
    ]);
    expect(read.baselined).toEqual([seriesKey(newcomer)]);
    expect(read.increments.find((i) => i.key === seriesKey(newcomer))?.increment).toBe(1);
    expect(read.state.origins).toEqual(['10.0.0.7:15020', '10.0.0.9:15020']);
  });

  it('lists a series without a new sample as stale and counts the gap when it comes back', () => {
    const base = readCounterIncrements(START_COUNTERS, [
      series(ok, [0, 100]),
      series(failed, [0, 3]),
    ]);
    const gap = readCounterIncrements(base.state, [series(ok, [15, 110])]);
    expect(gap.stale).toEqual([seriesKey(failed)]);
    expect(gap.increments.map((i) => i.key)).toEqual([seriesKey(ok)]);
    const back = readCounterIncrements(gap.state, [series(failed, [0, 3], [45, 9])]);
    expect(back.increments).toEqual([
      expect.objectContaining({ key: seriesKey(failed), increment: 6, fromMs: 0, toMs: 45_000 }),
    ]);
  });

  it('skips stale markers, negative values and samples already read', () => {
    const base = readCounterIncrements(START_COUNTERS, [series(ok, [0, 100])]);
    const read = readCounterIncrements(base.state, [
      series(ok, [0, 100], [15, Number.NaN], [20, -1], [30, 130]),
    ]);
    expect(read.increments[0]).toMatchObject({ increment: 30, resets: 0, fromMs: 0 });
  });

  it('never counts more than the counter grew, however the samples are split into reads', () => {
    // A counter growing by random steps with random resets (a reset drops it to a value not
    // above the increments since). Whatever reads the samples arrive in, the total counted
    // is the same, never negative, and never more than the true growth.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), {
          minLength: 2,
          maxLength: 40,
        }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 40 }),
        (steps, cuts) => {
          let value = 1000;
          let trueGrowth = 0;
          const samples: [number, number][] = [[0, value]];
          steps.forEach(([step, reset], i) => {
            value = reset ? step : value + step;
            trueGrowth += step;
            samples.push([i + 1, value]);
          });
          const batches: CounterSeries[][] = [[series(ok, samples[0]!)]];
          let at = 1;
          for (const cut of cuts) {
            if (at >= samples.length) break;
            // Overlapping reads: each batch repeats the previous sample.
            batches.push([series(ok, ...samples.slice(at - 1, at + cut))]);
            at += cut;
          }
          if (at < samples.length) batches.push([series(ok, ...samples.slice(at - 1))]);
          const counted = totals(batches).get(seriesKey(ok)) ?? 0;
          const allAtOnce = totals([[series(ok, samples[0]!)], [series(ok, ...samples)]]);
          expect(counted).toBe(allAtOnce.get(seriesKey(ok)) ?? 0);
          expect(counted).toBeGreaterThanOrEqual(0);
          expect(counted).toBeLessThanOrEqual(trueGrowth);
          // Without resets nothing is lost.
          if (!steps.some(([, reset]) => reset)) expect(counted).toBe(trueGrowth);
        },
      ),
    );
  });

  it('never turns a missing sample into evidence: dropping samples never adds counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 3, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        (steps, keep) => {
          let value = 0;
          const samples: [number, number][] = [[0, 0]];
          steps.forEach((step, i) => {
            value += step;
            samples.push([i + 1, value]);
          });
          const full = totals([
            [series(ok, samples[0]!)],
            samples.slice(1).map((s) => series(ok, s)),
          ]);
          const sparse = samples.slice(1).filter((_, i) => keep[i]);
          const gappy = totals([[series(ok, samples[0]!)], sparse.map((s) => series(ok, s))]);
          expect(gappy.get(seriesKey(ok)) ?? 0).toBeLessThanOrEqual(full.get(seriesKey(ok)) ?? 0);
          // Monotone counters lose nothing to gaps: the last sample read carries the total.
          const last = sparse[sparse.length - 1];
          expect(gappy.get(seriesKey(ok)) ?? 0).toBe(last ? last[1] : 0);
        },
      ),
    );
  });
});
