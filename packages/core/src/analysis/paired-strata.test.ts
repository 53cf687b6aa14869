import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_WAIT_READS,
  NO_PENDING_STRATA,
  pairStrata,
  type PendingStrata,
} from './paired-strata.js';
import type { SlotIncrements } from './slot-increments.js';

/** A read in which the given pods reported: canary pod `c`, stable pods `s1`, `s2`. */
const read = (
  pods: Partial<Record<'c' | 's1' | 's2', [number, number]>>,
  key = '',
): SlotIncrements => {
  const canary = pods.c ?? [0, 0];
  const stable = [pods.s1, pods.s2].reduce<[number, number]>(
    (sum, p) => [sum[0] + (p?.[0] ?? 0), sum[1] + (p?.[1] ?? 0)],
    [0, 0],
  );
  return {
    strata: [
      {
        key,
        canary: { requests: canary[0], events: canary[1] },
        stable: { requests: stable[0], events: stable[1] },
        observed: {
          canary: pods.c !== undefined,
          stable: pods.s1 !== undefined || pods.s2 !== undefined,
        },
        origins: Object.keys(pods).sort(),
      },
    ],
  };
};

function feed(reads: readonly SlotIncrements[]) {
  let state: PendingStrata = NO_PENDING_STRATA;
  const released = [];
  for (const r of reads) {
    const paired = pairStrata(state, r);
    state = paired.state;
    released.push(paired.strata);
  }
  return { released, state };
}

describe('paired strata', () => {
  it('holds one slot’s counts until the other slot reports, then releases the sums', () => {
    const { released } = feed([read({ c: [300, 14] }), read({ s1: [450, 2] })]);
    expect(released).toEqual([
      [],
      [{ canary: { requests: 300, events: 14 }, stable: { requests: 450, events: 2 } }],
    ]);
  });

  it('then waits for every pod of the previous stratum to report again', () => {
    const { released } = feed([
      read({ c: [300, 14], s1: [450, 2], s2: [450, 3] }),
      read({ c: [310, 15], s1: [440, 1] }), // s2 has not reported again: held
      read({ s2: [460, 2] }),
    ]);
    expect(released[1]).toEqual([]);
    expect(released[2]).toEqual([
      { canary: { requests: 310, events: 15 }, stable: { requests: 900, events: 3 } },
    ]);
  });

  it(`stops waiting for a pod that is gone after ${MAX_WAIT_READS} reads`, () => {
    const reads = [read({ c: [1, 0], s1: [1, 0], s2: [1, 0] })];
    for (let i = 0; i < MAX_WAIT_READS; i++) reads.push(read({ c: [1, 0], s1: [1, 0] }));
    const { released } = feed(reads);
    expect(released.slice(1, MAX_WAIT_READS).every((r) => r.length === 0)).toBe(true);
    expect(released[MAX_WAIT_READS]).toEqual([
      {
        canary: { requests: MAX_WAIT_READS, events: 0 },
        stable: { requests: MAX_WAIT_READS, events: 0 },
      },
    ]);
  });

  it('releases strata of different keys on their own', () => {
    const paired = pairStrata(NO_PENDING_STRATA, {
      strata: [
        ...read({ c: [2, 1], s1: [20, 0] }, 'client-1').strata,
        ...read({ s1: [9, 0] }, 'client-2').strata,
      ],
    });
    expect(paired.strata).toEqual([
      { canary: { requests: 2, events: 1 }, stable: { requests: 20, events: 0 } },
    ]);
  });

  it('uses every count exactly once, whatever the reads', () => {
    const pod = fc.option(fc.tuple(fc.nat(100), fc.nat(5)), { nil: undefined });
    fc.assert(
      fc.property(fc.array(fc.record({ c: pod, s1: pod, s2: pod }), { maxLength: 40 }), (reads) => {
        const incoming = reads.map((r) =>
          read(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))),
        );
        const { released, state } = feed(incoming);
        const sum = (slot: 'canary' | 'stable') =>
          released.flat().reduce((total, s) => total + s[slot].requests, 0) +
          Object.values(state.pending).reduce((total, s) => total + s[slot].requests, 0);
        expect(sum('canary')).toBe(incoming.reduce((t, r) => t + r.strata[0]!.canary.requests, 0));
        expect(sum('stable')).toBe(incoming.reduce((t, r) => t + r.strata[0]!.stable.requests, 0));
        // Whatever is still held is held for a reason: a slot unseen, or a pod awaited.
        for (const s of Object.values(state.pending)) {
          if (s.observed.canary && s.observed.stable) {
            expect(s.required.every((o) => s.origins.includes(o))).toBe(false);
            expect(s.reads).toBeLessThan(MAX_WAIT_READS);
          }
        }
      }),
    );
  });
});
