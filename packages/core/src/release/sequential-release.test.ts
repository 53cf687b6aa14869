/**
 * `release` with sequential checks (`checks.analysis: sequential`): a worse canary rolled
 * back as soon as the evidence suffices, an identical one promoted early after the minimum
 * bake, a canary without traffic never passing, the bake-end policies, and the tests' state
 * carried in the record across weight steps and runs.
 */
import { describe, expect, it } from 'vitest';
import { ReleaseRolledBackError } from '../errors.js';
import type { ReleaseSpecOverrides } from '../spec/release-spec.js';
import type { WorkloadTraffic } from './__fixtures__/fake-counters.js';
import { deployed, recordIn, world, type World } from './__fixtures__/operations-world.js';
import type { OperationSummary, ReleaseEvent } from './release-events.js';
import { encodeRecord, type ReleaseRecord } from './state-record.js';

/** 100 rps to reviews, split by the live weights; each slot's behaviour as given. */
function serve(
  w: World,
  slots: { blue: Omit<WorkloadTraffic, 'rps'>; green: Omit<WorkloadTraffic, 'rps'> },
  rps = 100,
) {
  w.metrics.counters.traffic = (workload) => {
    const slot = workload === 'reviews-green' ? 'green' : 'blue';
    return { ...slots[slot], rps: (rps * w.weights()[slot]) / 100 };
  };
}

const sequential = (
  checks: NonNullable<ReleaseSpecOverrides['checks']> = {},
): ReleaseSpecOverrides => ({
  checks: {
    analysis: 'sequential',
    interval: '10s',
    window: '1m',
    items: [{ type: 'success-rate-vs-stable' }],
    ...checks,
  },
});

const ofType = <T extends ReleaseEvent['type']>(w: World, type: T) =>
  w.events.filter((e): e is Extract<ReleaseEvent, { type: T }> => e.type === type);

async function rolledBack(promise: Promise<OperationSummary>): Promise<ReleaseRolledBackError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ReleaseRolledBackError);
  return error as ReleaseRolledBackError;
}

describe('release with sequential checks', () => {
  it('rolls a canary failing 10x the stable rate back at once, with the evidence', async () => {
    const w = world();
    await deployed(w);
    serve(w, { blue: { errorRate: 0.005 }, green: { errorRate: 0.05 } });
    const started = w.clock.now();
    const error = await rolledBack(
      w
        .engine({
          ...sequential(),
          strategy: { steps: [{ weight: 20 }, { bake: '30m' }, { weight: 100 }] },
        })
        .release(),
    );
    expect(error.reason).toBe('checks-failed');
    expect(error.message).toMatch(
      /sequential checks ask for a rollback: success-rate-vs-stable: canary's rate above 1x the stable's: likelihood ratio/,
    );
    const evidence = (error.summary as OperationSummary).rollback?.evidence[0];
    expect(evidence).toMatchObject({ name: 'success-rate-vs-stable', outcome: 'fail' });
    // Decided within two minutes of the first candidate traffic, not after the 30 min bake.
    expect(w.clock.now() - started).toBeLessThan(120_000);
    const last = ofType(w, 'checks-evaluated').at(-1);
    expect(last?.sequential?.verdict).toBe('rollback');
    const result = last?.results[0];
    expect(result?.sequential?.kind).toBe('compare');
    if (result?.sequential?.kind === 'compare') {
      expect(result.sequential.evidence.rollback.peakLikelihoodRatio).toBeGreaterThanOrEqual(100);
      expect(result.sequential.evidence.canary.events).toBeGreaterThan(0);
      expect(result.sequential.evidence.bounds.lower).toBeGreaterThan(1);
    }
    // One failing evaluation was enough: no failureLimit streak for a sequential verdict.
    expect(ofType(w, 'checks-evaluated').filter((e) => e.verdict === 'fail')).toHaveLength(1);
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    // Counts, never rates: every read was a range selector of a raw counter.
    expect(w.metrics.counterReads[0]).toMatchObject({
      metric: 'istio_requests_total',
      rangeMs: 60_000,
      selectors: {
        canary:
          'reporter="source",destination_workload_namespace="bookinfo",destination_workload="reviews-green"',
        stable:
          'reporter="source",destination_workload_namespace="bookinfo",destination_workload="reviews-blue"',
      },
    });
    expect(w.metrics.calls).toEqual([]);
  });

  it('ends a bake early once an identical canary is shown no worse, after the minimum bake', async () => {
    const w = world();
    await deployed(w);
    serve(w, { blue: { errorRate: 0.02 }, green: { errorRate: 0.02 } }, 400);
    const summary = await w
      .engine({
        ...sequential({ earlyPromotion: true, minBake: '30s' }),
        strategy: { steps: [{ weight: 50 }, { bake: '1h' }, { weight: 100 }] },
      })
      .release();
    expect(summary.outcome).toBe('released');
    const [ended] = ofType(w, 'bake-ended');
    expect(ended?.ending).toBe('promoted-early');
    expect(ended?.bakedMs).toBeGreaterThanOrEqual(30_000);
    expect(ended?.bakedMs).toBeLessThan(3_600_000);
    expect(ended?.reason).toMatch(
      /success-rate-vs-stable: canary's rate below 2x the stable's: likelihood ratio .* >= 20 \(1\/beta\)/,
    );
  });

  it("ends the last bake (100 %, no stable traffic) early on the evidence carried into it, when the stable slot's last requests lower it", async () => {
    const w = world();
    await deployed(w);
    // 100 rps, both slots at 2 %. After the switch to 100 % the stable slot's pods report
    // once more the last requests it served, 200, none of them failed (0.98^200: 1 in 57);
    // then nothing.
    let drained = false;
    w.metrics.counters.traffic = (workload) => {
      const slot = workload === 'reviews-green' ? 'green' : 'blue';
      const weight = w.weights()[slot];
      if (weight > 0) return { rps: weight, errorRate: 0.02 };
      if (slot === 'blue' && !drained) {
        drained = true;
        return { rps: 40, errorRate: 0 };
      }
      return { rps: 0, errorRate: 0.02 };
    };
    const summary = await w
      .engine({
        ...sequential({ earlyPromotion: true, minBake: '10s' }),
        strategy: { steps: [{ weight: 50 }, { bake: '1h' }, { weight: 100 }, { bake: '1h' }] },
      })
      .release();
    expect(summary.outcome).toBe('released');
    expect(drained).toBe(true);
    const bakes = ofType(w, 'bake-ended');
    expect(bakes.map((b) => b.ending)).toEqual(['promoted-early', 'promoted-early']);
    expect(bakes[1]?.bakedMs).toBeGreaterThanOrEqual(10_000);
    expect(bakes[1]?.bakedMs).toBeLessThan(3_600_000);
    expect(bakes[1]?.reason).toMatch(
      /^success-rate-vs-stable: canary's rate below 2x the stable's: likelihood ratio \S+ >= 20 \(1\/beta\) carried into this step \(\S+ now\); the stable slot gets no traffic at this step, so the comparison cannot gain evidence here/,
    );
    // The stable slot's last requests lowered the statistic below 1/beta for good: the
    // evidence carried into the step decided, as it was when the step began.
    const evaluations = ofType(w, 'checks-evaluated');
    const lastBakeStarted = ofType(w, 'bake-started')[1]?.at ?? 0;
    const before = evaluations.filter((e) => e.at <= lastBakeStarted).at(-1)?.results[0];
    const last = evaluations.at(-1)?.results[0]?.sequential;
    expect(before?.sequential?.kind).toBe('compare');
    expect(last?.kind).toBe('compare');
    if (last?.kind === 'compare' && before?.sequential?.kind === 'compare') {
      const carried = before.sequential.evidence;
      expect(carried.promotion.likelihoodRatio).toBeGreaterThanOrEqual(20);
      expect(last.evidence.promotion.likelihoodRatio).toBeLessThan(20);
      expect(last.evidence.carriedPromotion?.likelihoodRatio).toBe(
        carried.promotion.likelihoodRatio,
      );
      expect(last.evidence.stable.requests).toBeGreaterThan(carried.stable.requests);
    }
  });

  it('does not end a bake before the minimum bake, however strong the evidence', async () => {
    const w = world();
    await deployed(w);
    serve(w, { blue: { errorRate: 0.05 }, green: { errorRate: 0.05 } }, 4000);
    await w
      .engine({
        ...sequential({ earlyPromotion: true, minBake: '2m' }),
        strategy: { steps: [{ weight: 50 }, { bake: '1h' }, { weight: 100 }] },
      })
      .release();
    const [ended] = ofType(w, 'bake-ended');
    expect(ended?.ending).toBe('promoted-early');
    expect(ended?.bakedMs).toBeGreaterThanOrEqual(120_000);
    // The evidence was there before: the minimum bake held it back.
    const promotedBefore = ofType(w, 'checks-evaluated').filter(
      (e) =>
        e.sequential?.verdict === 'promote' &&
        e.at - (ofType(w, 'bake-started')[0]?.at ?? 0) < 120_000,
    );
    expect(promotedBefore.length).toBeGreaterThan(0);
  });

  it('never passes a canary without traffic: inconclusive, then rolled back', async () => {
    const w = world();
    await deployed(w);
    w.metrics.counters.traffic = (workload) =>
      workload === 'reviews-blue' ? { rps: 100, errorRate: 0.01 } : undefined;
    const error = await rolledBack(w.engine(sequential()).release());
    expect(error.message).toMatch(/checks inconclusive 4 times in a row \(limit 3\)/);
    const results = ofType(w, 'checks-evaluated').map((e) => e.results[0]);
    expect(results.every((r) => r?.outcome === 'inconclusive')).toBe(true);
    expect(results[0]?.reason).toMatch(
      /^too little traffic: 0 requests to the candidate counted in the last 1m, fewer than minRequests 20; no evidence: the canary received no requests/,
    );
  });

  it('pauses an undecided bake when bakeEnd is pause, and a promote resumes the same tests', async () => {
    const w = world();
    await deployed(w);
    // No failures in either slot: a comparison can neither roll back nor promote.
    serve(w, { blue: { errorRate: 0 }, green: { errorRate: 0 } });
    const spec: ReleaseSpecOverrides = {
      ...sequential({ bakeEnd: 'pause' }),
      strategy: {
        steps: [{ weight: 20 }, { bake: '1m' }, { weight: 40 }, { bake: '1m' }, { weight: 100 }],
      },
    };
    const paused = await w.engine(spec).release();
    expect(paused.outcome).toBe('paused');
    expect(ofType(w, 'bake-ended')[0]).toMatchObject({ ending: 'pause' });
    expect(ofType(w, 'bake-ended')[0]?.reason).toMatch(
      /bake time 1m up without a sequential verdict: success-rate-vs-stable: no evidence: no events in either slot yet/,
    );
    const record = recordIn(w) as ReleaseRecord;
    const state = record.operation?.sequential?.['success-rate-vs-stable']?.state;
    expect(state?.test).toMatchObject({ canary: { requests: expect.any(Number) } });
    const counted = state?.kind === 'compare' ? state.test.canary.requests : 0;
    expect(counted).toBeGreaterThan(0);

    // status and plan show how each check decides and its evidence so far.
    const status = await w.engine(spec).status();
    expect(status.checks).toEqual([
      {
        name: 'success-rate-vs-stable',
        analysis: 'sequential',
        rule: "sequential: failed requests (5xx, non-OK gRPC) compared with the stable slot's; roll back once the candidate's rate is shown above 1x the stable's (alpha 0.01); promote once shown below 2x (beta 0.05)",
        evidence: expect.objectContaining({ kind: 'compare', verdict: 'continue' }),
        reason: expect.stringMatching(
          /^no evidence: no events in either slot yet: rollback likelihood ratio 1 of 100, promotion 1 of 20; canary 0 of \d+ requests failed/,
        ),
      },
    ]);
    const plan = await w.engine(spec).plan({ operation: 'release' });
    expect(plan.checks?.[0]?.reason).toBe(status.checks[0]?.reason);
    expect(plan.notes).toContain(
      'sequential analysis: at most 1% chance of a false rollback for the release (alpha 0.01 split across 1 check); bakes run their full time (earlyPromotion off); an undecided bake at its end: pause; counting source-side reports',
    );

    w.events.length = 0;
    await w.engine(spec).promote();
    // The same test went on (no restart warning), and it kept counting.
    expect(ofType(w, 'warning')).toEqual([]);
    const after = recordIn(w)?.operation?.sequential?.['success-rate-vs-stable']?.state;
    expect(after?.kind === 'compare' ? after.test.canary.requests : 0).toBeGreaterThan(counted);
  });

  it('rolls an undecided bake back when bakeEnd is rollback', async () => {
    const w = world();
    await deployed(w);
    serve(w, { blue: { errorRate: 0 }, green: { errorRate: 0 } });
    const error = await rolledBack(w.engine(sequential({ bakeEnd: 'rollback' })).release());
    expect(error.message).toMatch(
      /bake time 1m up without a sequential verdict: .*\(checks.bakeEnd rollback\)/,
    );
  });

  it('proceeds with an undecided bake by default, as threshold checks do', async () => {
    const w = world();
    await deployed(w);
    serve(w, { blue: { errorRate: 0 }, green: { errorRate: 0 } });
    const summary = await w.engine(sequential()).release();
    expect(summary.outcome).toBe('released');
    expect(ofType(w, 'bake-ended')[0]?.reason).toMatch(
      /sequential checks undecided \(checks.bakeEnd proceed\)/,
    );
  });

  it('restarts a recorded test whose settings changed, saying so', async () => {
    const w = world();
    await deployed(w);
    serve(w, { blue: { errorRate: 0 }, green: { errorRate: 0 } });
    const steps: ReleaseSpecOverrides = {
      strategy: { steps: [{ weight: 20 }, { bake: '1m' }, { pause: true }, { weight: 100 }] },
    };
    expect((await w.engine({ ...sequential(), ...steps }).release()).outcome).toBe('paused');
    w.events.length = 0;
    await w.engine({ ...sequential({ margin: 3 }), ...steps }).promote();
    expect(ofType(w, 'warning').map((e) => e.message)).toEqual([
      "sequential check success-rate-vs-stable starts again: its test's settings changed since the run that started it (its evidence so far is dropped)",
    ]);
  });

  it('compares slow requests above the stable p99 edge and absolute objectives', async () => {
    const w = world();
    await deployed(w);
    serve(
      w,
      { blue: { errorRate: 0.001, slowRate: 0.002 }, green: { errorRate: 0.001, slowRate: 0.2 } },
      200,
    );
    const error = await rolledBack(
      w
        .engine({
          ...sequential({
            items: [{ type: 'latency-vs-stable' }, { type: 'success-rate', min: 99 }],
          }),
          strategy: { steps: [{ weight: 50 }, { bake: '30m' }, { weight: 100 }] },
        })
        .release(),
    );
    expect(error.message).toMatch(/latency-vs-stable: canary's rate above 1x the stable's/);
    const result = ofType(w, 'checks-evaluated').at(-1)?.results;
    expect(result?.[0]?.sequential?.slowerThanMs).toBe(100);
    expect(result?.[1]).toMatchObject({
      name: 'success-rate',
      outcome: 'pass',
      sequential: { kind: 'bound' },
    });
    expect(w.metrics.counterReads.map((q) => q.metric)).toContain(
      'istio_request_duration_milliseconds_bucket',
    );
  });

  it('keeps four checks in a record far below its size limit', async () => {
    const w = world();
    await deployed(w);
    serve(w, {
      blue: { errorRate: 0.01, slowRate: 0.01 },
      green: { errorRate: 0.01, slowRate: 0.01 },
    });
    await w
      .engine({
        ...sequential({
          items: [
            { type: 'success-rate-vs-stable' },
            { type: 'latency-vs-stable' },
            { type: 'success-rate' },
            { type: 'latency-p99' },
          ],
        }),
        strategy: { steps: [{ weight: 50 }, { bake: '1m' }, { pause: true }, { weight: 100 }] },
      })
      .release();
    const record = recordIn(w) as ReleaseRecord;
    expect(Object.keys(record.operation?.sequential ?? {})).toHaveLength(4);
    expect(Buffer.byteLength(encodeRecord(record))).toBeLessThan(16 * 1024);
  });
});
