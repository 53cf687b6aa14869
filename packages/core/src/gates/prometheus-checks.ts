/**
 * Metric checks against Prometheus: every check is a PromQL template with bounds (built-in
 * checks arrive already resolved to templates), rendered for the candidate and evaluated
 * as an instant query. Only `pass` counts as a pass:
 *
 * - `pass`: the value is within `min`/`max`;
 * - `fail`: it is not; the reason names the threshold;
 * - `inconclusive`: no value (empty result, NaN, ±Inf), or the candidate received fewer than
 *   `minRequests` requests in the window (counted once per evaluation with
 *   `CANDIDATE_REQUEST_COUNT_QUERY`). Missing data is never a pass, and the reason says why
 *   and what to look at: no traffic reaching the candidate, or a `destination_workload`
 *   label that does not match the Deployment;
 * - `error`: Prometheus unreachable, timed out or refused the query (the reason quotes it),
 *   or the query returns a range vector instead of values.
 *
 * Several series in a result: every series must be within bounds, and the worst one
 * decides (the one furthest outside the bounds, else the one closest to them). Summing them
 * would be meaningless for ratios and percentiles, and picking one arbitrarily could hide a
 * failing pod. Series without a value (NaN) are ignored when others have one. Built-in
 * checks aggregate with `sum(...)` and return one series; this matters for custom queries
 * that keep labels (`by (pod)`).
 *
 * `evaluate` never throws for Prometheus failures: one bad query cannot hide the others.
 */
import { isSwitchyardError, PrometheusError } from '../errors.js';
import type { Clock } from '../release/clock.js';
import { systemClock } from '../release/clock.js';
import { readCounterSeries } from './counter-reads.js';
import type {
  CheckContext,
  CheckDefinition,
  CheckResult,
  CounterQuery,
  CounterReadResult,
  MetricsProvider,
} from './metrics-provider.js';
import { renderCheckQuery, type CheckQueryVariables } from '../spec/check-query.js';
import { CANDIDATE_REQUEST_COUNT_QUERY } from '../spec/check-types.js';
import { formatDuration } from '../spec/duration.js';
import { throwIfAborted } from './abort-error.js';
import type {
  InstantQueryResult,
  PrometheusClient,
  PrometheusSample,
} from './prometheus-client.js';

/** What the checks need from a Prometheus client. */
export type InstantQuerier = Pick<PrometheusClient, 'query' | 'description'>;

/** Options of {@link PrometheusChecks}. */
export interface PrometheusChecksOptions {
  /** Runs the queries. */
  prometheus: InstantQuerier;
  /** Stamps results (`at`); default the system clock. */
  clock?: Clock | undefined;
}

/** Outcome of one query: its samples, or the failure's text. */
type QueryOutcome =
  | { ok: true; query: string; result: InstantQueryResult }
  | { ok: false; query: string | undefined; reason: string };

/** How many requests reached the candidate, or why that is unknown. */
type RequestCount = { ok: true; count: number } | { ok: false; reason: string };

/** {@link MetricsProvider} over Prometheus. */
export class PrometheusChecks implements MetricsProvider {
  readonly #prometheus: InstantQuerier;
  readonly #clock: Clock;

  constructor(options: PrometheusChecksOptions) {
    this.#prometheus = options.prometheus;
    this.#clock = options.clock ?? systemClock;
  }

  async evaluate(
    checks: readonly CheckDefinition[],
    context: CheckContext,
    signal?: AbortSignal,
  ): Promise<CheckResult[]> {
    if (checks.length === 0) return [];
    const at = this.#clock.now();
    const variables: CheckQueryVariables = {
      service: context.service,
      namespace: context.namespace,
      workload: context.workload,
      stableWorkload: context.stableWorkload,
      slot: context.slot,
      candidate: context.candidateSelector,
      stable: context.stableSelector,
      window: context.windowMs,
    };
    const [count, ...outcomes] = await Promise.all([
      this.#run(CANDIDATE_REQUEST_COUNT_QUERY, variables, signal),
      ...checks.map((check) => this.#run(check.query, variables, signal)),
    ]);
    throwIfAborted(signal, 'check evaluation');
    const requests = requestCount(count);
    return checks.map((check, index) =>
      classify(check, outcomes[index] as QueryOutcome, requests, context, at),
    );
  }

  readCounters(query: CounterQuery, signal?: AbortSignal): Promise<CounterReadResult> {
    return readCounterSeries(this.#prometheus, query, signal);
  }

  async #run(
    template: string,
    variables: CheckQueryVariables,
    signal: AbortSignal | undefined,
  ): Promise<QueryOutcome> {
    let query: string | undefined;
    try {
      query = renderCheckQuery(template, variables);
      return { ok: true, query, result: await this.#prometheus.query(query, { signal }) };
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof PrometheusError) return { ok: false, query, reason: error.message };
      // A template the spec should have refused, or an unexpected failure: still a result.
      if (isSwitchyardError(error) || error instanceof Error)
        return { ok: false, query, reason: error.message };
      return { ok: false, query, reason: String(error) };
    }
  }
}

function requestCount(outcome: QueryOutcome): RequestCount {
  if (!outcome.ok) return { ok: false, reason: outcome.reason };
  // No series at all: the candidate never received a request in the window.
  const value = outcome.result.samples.reduce(
    (sum, sample) => sum + (Number.isFinite(sample.value) ? sample.value : 0),
    0,
  );
  return { ok: true, count: value };
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(Number(value.toFixed(3)));
}

function withUnit(value: number, unit: string): string {
  const text = formatNumber(value);
  if (unit === '' || !Number.isFinite(value)) return text;
  return unit === '%' || unit === 'ms' ? `${text}${unit}` : `${text} ${unit}`;
}

function describeSeries(sample: PrometheusSample): string {
  const labels = Object.entries(sample.metric)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  return `{${labels}}`;
}

/** How far outside the bounds `value` is (0 inside). */
function violation(value: number, check: CheckDefinition): number {
  return Math.max(
    check.min !== undefined ? check.min - value : 0,
    check.max !== undefined ? value - check.max : 0,
    0,
  );
}

/** Distance to the nearest bound (Infinity without bounds). */
function margin(value: number, check: CheckDefinition): number {
  return Math.min(
    check.min !== undefined ? value - check.min : Infinity,
    check.max !== undefined ? check.max - value : Infinity,
  );
}

/** The series that decides: furthest outside the bounds, else closest to them. */
function worstSample(
  samples: readonly PrometheusSample[],
  check: CheckDefinition,
): PrometheusSample {
  let worst = samples[0] as PrometheusSample;
  for (const sample of samples.slice(1)) {
    const a = violation(sample.value, check);
    const b = violation(worst.value, check);
    if (a > b || (a === b && margin(sample.value, check) < margin(worst.value, check)))
      worst = sample;
  }
  return worst;
}

/** Where to look for the candidate's requests: its last label matcher, in the others' series. */
function noTrafficHint(context: CheckContext, window: string): string {
  const matchers = context.candidateSelector.split(',');
  const last = matchers.pop() ?? '';
  const [label = '', value = ''] = last.split('=');
  return (
    `is traffic reaching the candidate ${context.workload} (weights, header route)? ` +
    `does its ${label} label read ${value} in ` +
    `istio_requests_total{${matchers.join(',')}} ` +
    `over the last ${window}?`
  );
}

function classify(
  check: CheckDefinition,
  outcome: QueryOutcome,
  requests: RequestCount,
  context: CheckContext,
  at: number,
): CheckResult {
  const base = { name: check.name, query: outcome.query, min: check.min, max: check.max, at };
  const window = formatDuration(context.windowMs);
  if (!outcome.ok) return { ...base, outcome: 'error', reason: outcome.reason };
  const { result } = outcome;
  if (result.resultType === 'matrix' || result.resultType === 'string') {
    return {
      ...base,
      outcome: 'error',
      reason:
        result.resultType === 'matrix'
          ? 'the query returns a range vector; a check needs one value per series: wrap the range selector in a function such as rate(...) or avg_over_time(...)'
          : 'the query returns a string; a check needs a number',
    };
  }
  if (result.samples.length === 0) {
    const seen = requests.ok ? ` (${Math.round(requests.count)} requests to it in ${window})` : '';
    return {
      ...base,
      outcome: 'inconclusive',
      reason: `no data: the query returned an empty result${seen}; ${noTrafficHint(context, window)}`,
    };
  }
  const finite = result.samples.filter((sample) => Number.isFinite(sample.value));
  if (finite.length === 0) {
    const value = result.samples[0]?.value ?? Number.NaN;
    const why = Number.isNaN(value)
      ? 'NaN (no requests in the window make 0/0)'
      : `${formatNumber(value)} (no finite value; for a histogram quantile, requests slower than the largest bucket?)`;
    return {
      ...base,
      outcome: 'inconclusive',
      value,
      reason: `no usable value: the query returned ${why}; ${noTrafficHint(context, window)}`,
    };
  }
  if (!requests.ok) {
    return {
      ...base,
      outcome: 'error',
      reason: `cannot count the requests to ${context.workload}: ${requests.reason}`,
    };
  }
  if (requests.count < context.minRequests) {
    return {
      ...base,
      outcome: 'inconclusive',
      value: worstSample(finite, check).value,
      reason:
        `too little traffic: ${Math.round(requests.count)} requests to ${context.workload} in ` +
        `the last ${window}, fewer than minRequests ${context.minRequests}; ` +
        noTrafficHint(context, window),
    };
  }
  const worst = worstSample(finite, check);
  const value = worst.value;
  const series =
    result.samples.length > 1
      ? ` (worst of ${result.samples.length} series: ${describeSeries(worst)}` +
        (finite.length < result.samples.length
          ? `; ${result.samples.length - finite.length} without a value ignored)`
          : ')')
      : '';
  if (check.min !== undefined && value < check.min) {
    return {
      ...base,
      outcome: 'fail',
      value,
      reason: `${withUnit(value, check.unit)} is below the minimum ${withUnit(check.min, check.unit)}${series}`,
    };
  }
  if (check.max !== undefined && value > check.max) {
    return {
      ...base,
      outcome: 'fail',
      value,
      reason: `${withUnit(value, check.unit)} is above the maximum ${withUnit(check.max, check.unit)}${series}`,
    };
  }
  const bounds = [
    check.min !== undefined ? `>= ${withUnit(check.min, check.unit)}` : undefined,
    check.max !== undefined ? `<= ${withUnit(check.max, check.unit)}` : undefined,
  ].filter((b) => b !== undefined);
  return {
    ...base,
    outcome: 'pass',
    value,
    reason: `${withUnit(value, check.unit)}${bounds.length > 0 ? ` ${bounds.join(' and ')}` : ''}${series}`,
  };
}
