/**
 * Istio's standard HTTP metrics as the mesh's proxies would export them:
 * `istio_requests_total` (counter) and `istio_request_duration_milliseconds` (histogram
 * with Istio's default buckets, istio.md section 3). Requests are aggregated into one
 * series per label set as they are recorded, so memory and exposition cost follow the
 * number of distinct label sets, never the number of requests.
 *
 * The simulator serves every proxy's series from one endpoint: series that a real cluster
 * would split by scrape target (one per pod) are summed, which leaves every `sum by` /
 * `rate` query over Istio labels unchanged.
 */
import { ISTIO_REQUEST_LABEL_NAMES, type IstioRequestLabels } from './istio-request-labels.js';
import { escapeLabelValue, formatSampleValue } from './prometheus-text.js';

/** Istio's default duration buckets in milliseconds (upper bounds, `+Inf` implied). */
export const ISTIO_DURATION_BUCKETS_MS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
]);

/** One aggregated series, as read by `IstioMetrics.series()`. */
export interface IstioRequestSeries {
  /** The label set. */
  labels: Readonly<IstioRequestLabels>;
  /** `istio_requests_total`. */
  requests: number;
  /** `istio_request_duration_milliseconds_sum`. */
  durationSumMs: number;
  /**
   * Cumulative `istio_request_duration_milliseconds_bucket` counts, one per entry of
   * `ISTIO_DURATION_BUCKETS_MS` followed by `+Inf` (equal to `requests`).
   */
  cumulativeBuckets: readonly number[];
}

/** Something that can render Prometheus text exposition. */
export interface MetricsSource {
  /** The metric families in Prometheus text format 0.0.4, ending with a newline. */
  exposition(): string;
}

interface SeriesState {
  labels: Readonly<IstioRequestLabels>;
  /** `{a="b",...` without the closing brace, so bucket lines can append `le`. */
  labelPrefix: string;
  requests: number;
  durationSum: number;
  /** Non-cumulative counts per bucket; the last slot is `+Inf`. */
  buckets: number[];
}

/** Records Istio request metrics and renders them for Prometheus. */
export class IstioMetrics implements MetricsSource {
  readonly #series = new Map<string, SeriesState>();

  /**
   * Records one request as one proxy reported it. Envoy records durations in whole
   * milliseconds (the filter divides the duration by 1 ms), so fractions are dropped.
   */
  recordRequest(labels: IstioRequestLabels, durationMs: number): void {
    const key = seriesKey(labels);
    let state = this.#series.get(key);
    if (!state) {
      state = createSeries(labels);
      this.#series.set(key, state);
    }
    const duration = Math.max(0, Math.floor(durationMs));
    state.requests += 1;
    state.durationSum += duration;
    state.buckets[bucketIndex(duration)] = (state.buckets[bucketIndex(duration)] ?? 0) + 1;
  }

  /** Number of distinct label sets recorded. */
  get seriesCount(): number {
    return this.#series.size;
  }

  /** A snapshot of every series. */
  series(): IstioRequestSeries[] {
    return [...this.#series.values()].map((s) => ({
      labels: s.labels,
      requests: s.requests,
      durationSumMs: s.durationSum,
      cumulativeBuckets: cumulative(s.buckets),
    }));
  }

  /** Both metric families in Prometheus text format 0.0.4. */
  exposition(): string {
    const out: string[] = [
      '# HELP istio_requests_total Total requests handled by an Istio proxy.\n',
      '# TYPE istio_requests_total counter\n',
    ];
    for (const s of this.#series.values()) {
      out.push('istio_requests_total', s.labelPrefix, '} ', formatSampleValue(s.requests), '\n');
    }
    out.push(
      '# HELP istio_request_duration_milliseconds Duration of requests handled by an Istio proxy.\n',
      '# TYPE istio_request_duration_milliseconds histogram\n',
    );
    for (const s of this.#series.values()) {
      let running = 0;
      for (let i = 0; i < s.buckets.length; i++) {
        running += s.buckets[i] ?? 0;
        out.push(
          'istio_request_duration_milliseconds_bucket',
          s.labelPrefix,
          ',le="',
          BUCKET_LABELS[i] as string,
          '"} ',
          formatSampleValue(running),
          '\n',
        );
      }
      out.push(
        'istio_request_duration_milliseconds_sum',
        s.labelPrefix,
        '} ',
        formatSampleValue(s.durationSum),
        '\n',
        'istio_request_duration_milliseconds_count',
        s.labelPrefix,
        '} ',
        formatSampleValue(s.requests),
        '\n',
      );
    }
    return out.join('');
  }
}

const BUCKET_LABELS: readonly string[] = [
  ...ISTIO_DURATION_BUCKETS_MS.map((b) => formatSampleValue(b)),
  '+Inf',
];

function bucketIndex(durationMs: number): number {
  // Few buckets: a linear scan beats a binary search in practice.
  for (let i = 0; i < ISTIO_DURATION_BUCKETS_MS.length; i++) {
    if (durationMs <= (ISTIO_DURATION_BUCKETS_MS[i] as number)) return i;
  }
  return ISTIO_DURATION_BUCKETS_MS.length;
}

function cumulative(buckets: readonly number[]): number[] {
  let running = 0;
  return buckets.map((count) => (running += count));
}

function seriesKey(labels: IstioRequestLabels): string {
  let key = '';
  for (const name of ISTIO_REQUEST_LABEL_NAMES) key += labels[name] + '\u0000';
  return key;
}

function createSeries(labels: IstioRequestLabels): SeriesState {
  const frozen = Object.freeze({ ...labels });
  const parts: string[] = [];
  for (const name of ISTIO_REQUEST_LABEL_NAMES) {
    parts.push(`${name}="${escapeLabelValue(frozen[name])}"`);
  }
  return {
    labels: frozen,
    labelPrefix: `{${parts.join(',')}`,
    requests: 0,
    durationSum: 0,
    buckets: new Array<number>(ISTIO_DURATION_BUCKETS_MS.length + 1).fill(0),
  };
}
