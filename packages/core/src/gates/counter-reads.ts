/**
 * Raw counter samples for the sequential checks: a range selector evaluated as an instant
 * query (`istio_requests_total{<slot's matchers>}[1m]`) returns every sample Prometheus
 * stored for each series in the range, with its scrape time. The checks take differences
 * themselves (`analysis/counter-increments.ts`); no `rate()`, `increase()` or
 * `histogram_quantile` value ever reaches a test.
 *
 * One query per slot, each with the label matchers the route backend gives for the slot, so
 * which slot a series belongs to is known from the query that returned it, whatever labels
 * the backend selects on (a Deployment, a slot Service).
 */
import { PrometheusError } from '../errors.js';
import { formatDuration } from '../spec/duration.js';
import type { CounterQuery, CounterReadResult, SlotCounterSeries } from './metrics-provider.js';
import type { PrometheusClient } from './prometheus-client.js';

/** What a counter read needs from a Prometheus client. */
export type RangeQuerier = Pick<PrometheusClient, 'query'>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const MATCHER = '[a-zA-Z_][a-zA-Z0-9_]*(?:=|!=|=~|!~)"[^"\\\\]*"';
const MATCHERS = new RegExp(`^${MATCHER}(?:,${MATCHER})*$`);

/** The range selector of `metric` over `rangeMs` for series matching `selector`. */
export function counterRangeQuery(metric: string, selector: string, rangeMs: number): string {
  if (!METRIC_NAME.test(metric)) throw new RangeError(`not a metric name: ${metric}`);
  if (!MATCHERS.test(selector)) throw new RangeError(`not a list of label matchers: ${selector}`);
  if (!(rangeMs >= 1)) throw new RangeError(`range must be at least 1ms, got ${rangeMs}`);
  return `${metric}{${selector}}[${formatDuration(rangeMs)}]`;
}

/** Reads both slots' series of `query`; a failure of either read is the result. */
export async function readCounterSeries(
  prometheus: RangeQuerier,
  query: CounterQuery,
  signal?: AbortSignal,
): Promise<CounterReadResult> {
  const series: SlotCounterSeries[] = [];
  for (const slot of ['canary', 'stable'] as const) {
    let text: string | undefined;
    try {
      text = counterRangeQuery(query.metric, query.selectors[slot], query.rangeMs);
      const result = await prometheus.query(text, { signal });
      if (result.resultType !== 'matrix' || result.series === undefined) {
        return {
          ok: false,
          query: text,
          reason: `expected the raw samples of a range selector (a matrix), got a ${result.resultType}`,
        };
      }
      for (const { metric, values } of result.series)
        series.push({ slot, labels: metric, samples: values });
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason =
        error instanceof PrometheusError || error instanceof Error ? error.message : String(error);
      return { ok: false, query: text, reason };
    }
  }
  return { ok: true, series };
}
