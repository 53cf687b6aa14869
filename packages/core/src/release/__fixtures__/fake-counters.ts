/**
 * Istio's request counters as Prometheus would store them, for the sequential checks' unit
 * tests: per workload, the requests a test says it serves (`traffic`), counted exactly (the
 * expected counts, rounded), scraped every `scrapeMs` on the fake clock, and returned as raw
 * samples by range reads, the way `PrometheusChecks.readCounters` returns them.
 */
import type { Clock } from '../clock.js';
import type {
  CounterQuery,
  CounterReadResult,
  SlotCounterSeries,
} from '../../gates/metrics-provider.js';

/** What one workload serves from now on. */
export interface WorkloadTraffic {
  /** Requests per second. */
  rps: number;
  /** Share answered 503. */
  errorRate: number;
  /** Share slower than 250 ms (the rest take under 100 ms). */
  slowRate?: number;
}

const EDGES = ['25', '100', '250', '500', '+Inf'];

interface Series {
  labels: Record<string, string>;
  samples: { timestampMs: number; value: number }[];
}

/** Counters of every workload, scraped on the clock. */
export class FakeCounters {
  /** What a workload (by Deployment name) serves now; undefined: nothing. */
  traffic: (workload: string) => WorkloadTraffic | undefined = () => undefined;
  /** The workloads `traffic` is asked about. */
  workloads: readonly string[] = ['reviews-blue', 'reviews-green'];
  /** Reads answered with this failure instead, while set. */
  failure: string | undefined;
  readonly #series = new Map<string, Series>();
  readonly #totals = new Map<string, number>();
  #lastScrape: number;

  constructor(
    readonly clock: Clock,
    readonly scrapeMs = 5_000,
  ) {
    this.#lastScrape = clock.now();
  }

  /** Answers one range read of `query`. */
  read(query: CounterQuery): CounterReadResult {
    this.#scrapeUntil(this.clock.now());
    if (this.failure !== undefined) return { ok: false, reason: this.failure, query: undefined };
    const since = this.clock.now() - query.rangeMs;
    const series: SlotCounterSeries[] = [];
    for (const slot of ['canary', 'stable'] as const) {
      const matchers = parseMatchers(query.selectors[slot]);
      for (const { labels, samples } of this.#series.values()) {
        if (labels['__name__'] !== query.metric) continue;
        if (Object.entries(matchers).some(([name, value]) => labels[name] !== value)) continue;
        const inRange = samples.filter((s) => s.timestampMs > since);
        if (inRange.length > 0) series.push({ slot, labels, samples: inRange });
      }
    }
    return { ok: true, series };
  }

  #scrapeUntil(now: number): void {
    while (this.#lastScrape + this.scrapeMs <= now) {
      this.#lastScrape += this.scrapeMs;
      for (const workload of this.workloads) {
        const traffic = this.traffic(workload);
        if (traffic !== undefined) this.#serve(workload, traffic);
      }
    }
  }

  #serve(workload: string, traffic: WorkloadTraffic): void {
    const requests = (traffic.rps * this.scrapeMs) / 1000;
    const failed = requests * traffic.errorRate;
    const slow = requests * (traffic.slowRate ?? 0);
    for (const reporter of ['source', 'destination']) {
      const base = {
        reporter,
        source_workload: 'productpage',
        source_workload_namespace: 'bookinfo',
        destination_workload: workload,
        destination_workload_namespace: 'bookinfo',
        instance: '127.0.0.1:9090',
      };
      this.#add(
        { ...base, __name__: 'istio_requests_total', response_code: '200' },
        requests - failed,
      );
      this.#add({ ...base, __name__: 'istio_requests_total', response_code: '503' }, failed);
      for (const le of EDGES) {
        const fast = le === '25' ? 0 : le === '100' || le === '250' ? requests - slow : requests;
        this.#add({ ...base, __name__: 'istio_request_duration_milliseconds_bucket', le }, fast);
      }
    }
  }

  /** Adds `count` expected requests; the counter holds their running total, rounded. */
  #add(labels: Record<string, string>, count: number): void {
    const key = JSON.stringify(labels);
    const total = (this.#totals.get(key) ?? 0) + count;
    this.#totals.set(key, total);
    // Istio creates a series at its first request (a 503 series at the first failure).
    if (Math.round(total) === 0 && !this.#series.has(key)) return;
    const series = this.#series.get(key) ?? { labels, samples: [] };
    series.samples.push({ timestampMs: this.#lastScrape, value: Math.round(total) });
    this.#series.set(key, series);
  }
}

function parseMatchers(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const matcher of selector.split(',')) {
    const [name, quoted] = matcher.split('=');
    if (name !== undefined && quoted !== undefined) out[name] = quoted.replace(/^"|"$/g, '');
  }
  return out;
}
