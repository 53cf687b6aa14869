/**
 * The built-in metric checks: Istio standard metrics (docs/reference/istio.md §3) of the
 * candidate's requests over the check window, selected by `{{candidate}}` (and `{{stable}}`):
 * the label matchers the route backend gives (a VirtualService's slot is a Deployment,
 * counted on the destination side; an HTTPRoute's is a Service, counted by the callers'
 * sidecars and gateways as `destination_service_name`). Their
 * queries are templates rendered with `renderCheckQuery`, exactly like custom checks, so
 * the gate evaluates every check the same way.
 *
 * A request fails when it is answered with a 5xx or, for gRPC, with a non-OK status: a
 * failing gRPC call is counted with `response_code="200"` and `grpc_response_status` set to
 * its status code (`"14"`), so a rate over `response_code` alone reads 100% for a gRPC
 * service failing every call. This is how Kiali (Istio's console) counts gRPC errors; the
 * match is negative so series without the label (plain HTTP: `""`) still count as successes.
 *
 * Each series counts what it counted in the window, a series born inside it from zero
 * (`countedInWindow`): never a per-series `rate()`, which loses a new series' first value.
 *
 * Every query returns no data when the workload received no requests in the window; the
 * gate must treat that as inconclusive, never as a pass.
 */

/** Type of a built-in check. */
export type BuiltinCheckType =
  'success-rate' | 'latency-p99' | 'success-rate-vs-stable' | 'latency-vs-stable';

/** Type of any check: a built-in, or `custom` (a query of your own). */
export type CheckType = BuiltinCheckType | 'custom';

/** Which threshold a built-in check takes, and what it is called in the spec. */
export type ThresholdField = 'min' | 'max' | 'maxDegradation';

/**
 * How a built-in check decides in sequential analysis (`analysis/`): against an absolute
 * objective on the candidate's own counts (`bound`: the threshold read as a share of
 * requests), or by comparison with the stable slot (`compare`); counting failed requests
 * or requests slower than a bucket edge.
 */
export interface SequentialForm {
  /** `bound` (an objective) or `compare` (with the stable slot). */
  readonly kind: 'bound' | 'compare';
  /** What it counts: failed requests, or requests slower than a latency edge. */
  readonly events: 'failed' | 'slow';
}

/** A built-in check type and its default threshold. */
export interface BuiltinCheckDefinition {
  /** Type name, as written in `checks.items[].type`. */
  readonly type: BuiltinCheckType;
  /** What it measures, for help texts. */
  readonly description: string;
  /** Spec field holding the threshold. `maxDegradation` resolves to the check's `max`. */
  readonly thresholdField: ThresholdField;
  /** Whether the measured value must be at least (`min`) or at most (`max`) the threshold. */
  readonly bound: 'min' | 'max';
  /** Threshold used when the spec gives none. */
  readonly defaultThreshold: number;
  /** Lowest threshold accepted. */
  readonly thresholdMin: number;
  /** Highest threshold accepted; undefined when unbounded. */
  readonly thresholdMax: number | undefined;
  /** Unit of the measured value: `%`, `ms`, or `pp` (percentage points). */
  readonly unit: string;
  /** PromQL template (variables in `{{ }}`, see `CHECK_TEMPLATE_VARIABLES`). */
  readonly query: string;
  /** How it decides in sequential analysis. */
  readonly sequential: SequentialForm;
}

/**
 * What makes a request failed, as Istio labels it: a response code matching `responseCode`
 * (a 5xx) or a gRPC status matching `grpcStatus` (non-OK: `0` is OK, `""` means not gRPC).
 * Both patterns are anchored, as Prometheus anchors regular expressions. The success-rate
 * queries exclude them (below); the sequential checks count raw series matching them
 * (`analysis/request-outcome.ts`). One rule, two readers.
 */
export const FAILED_REQUEST_PATTERNS = Object.freeze({
  responseCode: '5.*',
  grpcStatus: '[1-9][0-9]*',
});

/** Requests that did not fail: neither pattern of {@link FAILED_REQUEST_PATTERNS} matches. */
const SUCCESSFUL_REQUEST_MATCHERS =
  `response_code!~"${FAILED_REQUEST_PATTERNS.responseCode}",` +
  `grpc_response_status!~"${FAILED_REQUEST_PATTERNS.grpcStatus}"`;

/** How long a series must have had no sample before the window to count as new in it. */
const SERIES_ABSENT_BEFORE = '10m';

/**
 * What each series of a counter (`metric{matchers}`) counted in the window: `increase()` for
 * a series Prometheus had before the window, and its whole value for a series first stored
 * inside it. Istio creates a series at the first request with its label set (a candidate's
 * first failed gRPC call creates its `grpc_response_status="2"` series), and `rate()` and
 * `increase()` count only what a series added between two samples in the window: a new
 * series' first value is lost, and one with a single sample counts nothing. A canary's
 * failure series are born after its success series, so per-series rates read a failing
 * canary healthier than it is, most of all right after a step: on the real test bed a gRPC
 * candidate failing 3 calls in 10 read 90.5% where its counters said 76.7% (CI: 95.33%).
 *
 * A series is new when it had no sample in the {@link SERIES_ABSENT_BEFORE} before the
 * window (a lost scrape at the window's start does not make a long-lived series new). Its
 * first sample may include requests of the last scrape interval before the window; a series
 * whose scrapes failed for that long and came back would count its whole value.
 */
const countedInWindow = (series: string): string =>
  `((${series} unless last_over_time(${series}[${SERIES_ABSENT_BEFORE}] offset {{window}}))` +
  ` or increase(${series}[{{window}}]))`;

const latencyP99 = (selector: string): string =>
  'histogram_quantile(0.99, sum(' +
  countedInWindow(`istio_request_duration_milliseconds_bucket{${selector}}`) +
  ') by (le))';

const successRate = (selector: string): string =>
  `sum(${countedInWindow(`istio_requests_total{${selector},${SUCCESSFUL_REQUEST_MATCHERS}}`)})` +
  ` / sum(${countedInWindow(`istio_requests_total{${selector}}`)}) * 100`;

/**
 * Requests the candidate received in the window. The gate compares it with
 * `checks.minRequests`: fewer requests make every evaluation inconclusive.
 */
export const CANDIDATE_REQUEST_COUNT_QUERY = `sum(${countedInWindow('istio_requests_total{{{candidate}}}')})`;

/** The built-in checks, in the order they are documented. */
export const BUILTIN_CHECK_TYPES: readonly BuiltinCheckDefinition[] = Object.freeze([
  Object.freeze({
    type: 'success-rate',
    description:
      'Percent of the candidate’s requests not answered with a 5xx (nor, for gRPC, a non-OK status).',
    thresholdField: 'min',
    bound: 'min',
    defaultThreshold: 99,
    thresholdMin: 0,
    thresholdMax: 100,
    unit: '%',
    query: successRate('{{candidate}}'),
    sequential: { kind: 'bound', events: 'failed' } as const,
  }),
  Object.freeze({
    type: 'latency-p99',
    description: '99th percentile of the candidate’s request duration, in milliseconds.',
    thresholdField: 'max',
    bound: 'max',
    defaultThreshold: 500,
    thresholdMin: 0,
    thresholdMax: undefined,
    unit: 'ms',
    query: latencyP99('{{candidate}}'),
    sequential: { kind: 'bound', events: 'slow' } as const,
  }),
  Object.freeze({
    type: 'success-rate-vs-stable',
    description:
      'Percentage points by which the candidate’s error rate exceeds the stable slot’s ' +
      '(stable success rate minus candidate success rate).',
    thresholdField: 'maxDegradation',
    bound: 'max',
    defaultThreshold: 1,
    thresholdMin: 0,
    thresholdMax: 100,
    unit: 'pp',
    query: `(${successRate('{{stable}}')}) - (${successRate('{{candidate}}')})`,
    sequential: { kind: 'compare', events: 'failed' } as const,
  }),
  Object.freeze({
    type: 'latency-vs-stable',
    description:
      'Milliseconds by which the candidate’s p99 request duration exceeds the stable slot’s ' +
      '(candidate p99 minus stable p99); sequential: its share of slow requests against the stable’s.',
    thresholdField: 'maxDegradation',
    bound: 'max',
    defaultThreshold: 100,
    thresholdMin: 0,
    thresholdMax: undefined,
    unit: 'ms',
    query: `(${latencyP99('{{candidate}}')}) - (${latencyP99('{{stable}}')})`,
    sequential: { kind: 'compare', events: 'slow' } as const,
  }),
] as const);

/** The checks a spec gets when it lists none: success rate and p99 latency with their defaults. */
export const DEFAULT_CHECK_TYPES: readonly BuiltinCheckType[] = Object.freeze([
  'success-rate',
  'latency-p99',
]);

/** The definition of a built-in check type, or undefined for anything else. */
export function builtinCheckType(type: unknown): BuiltinCheckDefinition | undefined {
  return BUILTIN_CHECK_TYPES.find((definition) => definition.type === type);
}
