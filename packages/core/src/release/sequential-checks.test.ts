import { describe, expect, it } from 'vitest';
import type {
  CheckContext,
  CounterQuery,
  CounterReadResult,
  MetricsProvider,
} from '../gates/metrics-provider.js';
import { resolveReleaseSpec } from '../spec/resolve-release-spec.js';
import { SequentialChecks, withReporter } from './sequential-checks.js';

const selector = (workload: string) =>
  `reporter="destination",destination_workload_namespace="bookinfo",destination_workload="${workload}"`;
const context: CheckContext = {
  service: 'reviews',
  namespace: 'bookinfo',
  workload: 'reviews-green',
  stableWorkload: 'reviews-blue',
  slot: 'green',
  candidateSelector: selector('reviews-green'),
  stableSelector: selector('reviews-blue'),
  windowMs: 60_000,
  minRequests: 20,
};

const checksOf = (reporter: 'source' | 'destination' = 'source') =>
  resolveReleaseSpec(
    undefined,
    {
      service: 'reviews',
      checks: { analysis: 'sequential', reporter, items: [{ type: 'success-rate-vs-stable' }] },
    },
    { defaultNamespace: 'bookinfo' },
  ).checks;

/** Cumulative request counters by caller, slot and code, scraped at every read (10 s apart). */
class Callers implements MetricsProvider {
  readonly totals = new Map<
    string,
    {
      labels: Record<string, string>;
      value: number;
      samples: { timestampMs: number; value: number }[];
    }
  >();
  reads: CounterQuery[] = [];
  failure: string | undefined;
  #time = 1_700_000_000_000;

  serve(source: string, slot: 'canary' | 'stable', ok: number, failed: number, pod = source) {
    for (const [code, count] of [
      ['200', ok],
      ['503', failed],
    ] as const) {
      const labels = {
        source_workload: source,
        source_workload_namespace: 'bookinfo',
        instance: pod,
        response_code: code,
        slot,
      };
      const key = JSON.stringify(labels);
      const entry = this.totals.get(key) ?? { labels, value: 0, samples: [] };
      entry.value += count;
      this.totals.set(key, entry);
    }
  }

  evaluate(): never {
    throw new Error('no threshold checks here');
  }

  readCounters(query: CounterQuery): Promise<CounterReadResult> {
    this.reads.push(query);
    this.#time += 10_000;
    for (const entry of this.totals.values())
      entry.samples.push({ timestampMs: this.#time, value: entry.value });
    if (this.failure) return Promise.resolve({ ok: false, reason: this.failure, query: 'q' });
    return Promise.resolve({
      ok: true,
      series: [...this.totals.values()].map(({ labels: { slot, ...labels }, samples }) => ({
        slot: slot as 'canary' | 'stable',
        labels,
        samples: samples.filter((sample) => sample.timestampMs > this.#time - query.rangeMs),
      })),
    });
  }
}

describe('SequentialChecks', () => {
  it("reads the slots' matchers with the configured reporter", () => {
    expect(withReporter(selector('reviews-green'), 'source')).toBe(
      'reporter="source",destination_workload_namespace="bookinfo",destination_workload="reviews-green"',
    );
    expect(withReporter('destination_service_name="reviews-green"', 'destination')).toBe(
      'reporter="destination",destination_service_name="reviews-green"',
    );
  });

  it("keeps the waypoint path's reporter matcher, whatever checks.reporter says", () => {
    const waypoint =
      'reporter="waypoint",destination_service_namespace="bookinfo",destination_service_name="reviews-green"';
    const mixed =
      'destination_service_namespace="bookinfo",reporter=~"source|waypoint",destination_service_name="reviews-green"';
    for (const reporter of ['source', 'destination'] as const) {
      expect(withReporter(waypoint, reporter)).toBe(waypoint);
      expect(withReporter(mixed, reporter)).toBe(
        'reporter=~"source|waypoint",destination_service_namespace="bookinfo",destination_service_name="reviews-green"',
      );
    }
  });

  it('rolls back a bad canary on waypoint reports (two waypoint pods), whatever checks.reporter says', async () => {
    const waypointSelector = (service: string) =>
      `reporter="waypoint",destination_service_namespace="bookinfo",destination_service_name="${service}"`;
    const ambient: CheckContext = {
      ...context,
      candidateSelector: waypointSelector('reviews-green'),
      stableSelector: waypointSelector('reviews-blue'),
    };
    const metrics = new Callers();
    // checks.reporter's default is destination: there is no destination report in ambient.
    const checks = new SequentialChecks(checksOf('destination'), undefined);
    for (const pod of ['waypoint-a', 'waypoint-b']) {
      metrics.serve('productpage', 'canary', 0, 0, pod);
      metrics.serve('productpage', 'stable', 0, 0, pod);
    }
    await checks.baseline(metrics, ambient);
    let result;
    for (let i = 0; i < 30 && result?.outcome !== 'fail'; i++) {
      for (const pod of ['waypoint-a', 'waypoint-b']) {
        metrics.serve('productpage', 'canary', 40, 10, pod);
        metrics.serve('productpage', 'stable', 441, 9, pod);
      }
      [result] = await checks.evaluate(metrics, ambient, () => 0);
    }
    expect(metrics.reads.map((read) => read.selectors)).toContainEqual({
      canary: waypointSelector('reviews-green'),
      stable: waypointSelector('reviews-blue'),
    });
    expect(
      metrics.reads.every((read) => read.selectors.canary.startsWith('reporter="waypoint",')),
    ).toBe(true);
    expect(result?.outcome).toBe('fail');
    expect(result?.sequential?.verdict).toBe('rollback');
  });

  it('leaves a caller that reaches only the candidate (a tester) out of the comparison', async () => {
    const metrics = new Callers();
    const checks = new SequentialChecks(checksOf(), undefined);
    const now = () => 0;
    metrics.serve('productpage', 'canary', 0, 0);
    metrics.serve('productpage', 'stable', 0, 0);
    metrics.serve('release-tester', 'canary', 0, 0);
    await checks.baseline(metrics, context);
    let result;
    for (let i = 0; i < 30; i++) {
      metrics.serve('productpage', 'canary', 99, 1);
      metrics.serve('productpage', 'stable', 891, 9);
      // The tester's own requests fail a lot (a debug endpoint, say): not users' traffic.
      metrics.serve('release-tester', 'canary', 5, 5);
      [result] = await checks.evaluate(metrics, context, now);
    }
    expect(result?.outcome).toBe('pass');
    expect(result?.sequential?.verdict).not.toBe('rollback');
    if (result?.sequential?.kind !== 'compare') throw new Error('expected a comparison');
    // Only productpage's requests, paired with the stable slot's, were weighed.
    expect(result.sequential.evidence.canary).toEqual({ requests: 3000, events: 30 });
    expect(metrics.reads[0]?.selectors.canary).toMatch(/^reporter="source",/);
  });

  it('keeps its evidence through a failed read and says why', async () => {
    const metrics = new Callers();
    const checks = new SequentialChecks(checksOf('destination'), undefined);
    metrics.serve('productpage', 'canary', 0, 0);
    metrics.serve('productpage', 'stable', 0, 0);
    await checks.baseline(metrics, context);
    metrics.serve('productpage', 'canary', 95, 5);
    metrics.serve('productpage', 'stable', 900, 0);
    const [before] = await checks.evaluate(metrics, context, () => 0);
    metrics.failure = 'cannot reach Prometheus (http://prometheus:9090): connect ECONNREFUSED';
    const [failed] = await checks.evaluate(metrics, context, () => 0);
    expect(failed).toMatchObject({
      outcome: 'error',
      reason:
        'cannot read the raw counters: cannot reach Prometheus (http://prometheus:9090): connect ECONNREFUSED',
    });
    expect(failed?.sequential?.evidence).toEqual(before?.sequential?.evidence);
    expect(metrics.reads[0]?.selectors.canary).toMatch(/^reporter="destination",/);
    const recorded = checks.recorded()['success-rate-vs-stable'];
    expect(JSON.parse(JSON.stringify(recorded))).toEqual(recorded);
  });
});
