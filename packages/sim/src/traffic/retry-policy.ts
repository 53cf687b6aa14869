/**
 * Envoy route retry policies: parsing the `retry_policy` JSON of a route and deciding
 * whether an attempt's result is retried.
 *
 * Istio puts the same default policy on every route it builds unless a VirtualService
 * sets `retries` (as `istioctl proxy-config route -o json` shows): 2 retries on
 * `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` with
 * status 503 retriable, and the `previous_hosts` predicate with 5 host selection attempts
 * so a retry goes to another endpoint when there is one. A route without `retry_policy`
 * is not retried (Envoy's behaviour; Istio emits none for `retries.attempts: 0`).
 */

/** Envoy's name of the retry host predicate that avoids hosts already tried. */
export const PREVIOUS_HOSTS_PREDICATE = 'envoy.retry_host_predicates.previous_hosts';

/**
 * The retry policy Istio attaches to routes by default, in Envoy's JSON form, for route
 * builders that want to reproduce it.
 */
export const ISTIO_DEFAULT_RETRY_POLICY: Readonly<Record<string, unknown>> = Object.freeze({
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [
    {
      name: PREVIOUS_HOSTS_PREDICATE,
      typed_config: {
        '@type':
          'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
      },
    },
  ],
  host_selection_retry_max_attempts: '5',
  retriable_status_codes: [503],
});

/** A parsed Envoy retry policy. */
export interface RetryPolicy {
  /** `retry_on` conditions. */
  retryOn: ReadonlySet<string>;
  /** Retries after the first attempt (Envoy's default is 1 when the field is unset). */
  numRetries: number;
  /** Status codes retried under `retriable-status-codes`. */
  retriableStatusCodes: ReadonlySet<number>;
  /** True with the `previous_hosts` predicate: reselect hosts already tried. */
  avoidPreviousHosts: boolean;
  /** Host selections per attempt before settling for a host already tried. */
  hostSelectionMaxAttempts: number;
  /** Back-off base interval in milliseconds (Envoy default 25 ms). */
  baseIntervalMs: number;
  /** Back-off cap in milliseconds (Envoy default 10 x base). */
  maxIntervalMs: number;
}

/** Parses a route's `retry_policy` JSON. */
export function parseRetryPolicy(raw: Readonly<Record<string, unknown>>): RetryPolicy {
  const retryOn = typeof raw.retry_on === 'string' ? raw.retry_on : '';
  const codes = Array.isArray(raw.retriable_status_codes) ? raw.retriable_status_codes : [];
  const predicates = Array.isArray(raw.retry_host_predicate) ? raw.retry_host_predicate : [];
  const backOff = (raw.retry_back_off ?? {}) as { base_interval?: unknown; max_interval?: unknown };
  const baseIntervalMs = durationMs(backOff.base_interval) ?? 25;
  return {
    retryOn: new Set(
      retryOn
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    numRetries: toCount(raw.num_retries) ?? 1,
    retriableStatusCodes: new Set(codes.map(Number).filter(Number.isInteger)),
    avoidPreviousHosts: predicates.some(
      (p) => (p as { name?: unknown } | null)?.name === PREVIOUS_HOSTS_PREDICATE,
    ),
    hostSelectionMaxAttempts: Math.max(1, toCount(raw.host_selection_retry_max_attempts) ?? 1),
    baseIntervalMs,
    maxIntervalMs: durationMs(backOff.max_interval) ?? baseIntervalMs * 10,
  };
}

/** Whether a failed connection to the upstream host is retried. */
export function retriesConnectFailure(policy: RetryPolicy): boolean {
  const on = policy.retryOn;
  // Envoy counts a connection failure as a reset and as a 5xx / gateway error.
  return on.has('connect-failure') || on.has('5xx') || on.has('gateway-error') || on.has('reset');
}

/** Whether an upstream response with this status is retried. */
export function retriesStatus(policy: RetryPolicy, status: number): boolean {
  const on = policy.retryOn;
  if (on.has('5xx') && status >= 500) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has('retriable-4xx') && status === 409) return true;
  return on.has('retriable-status-codes') && policy.retriableStatusCodes.has(status);
}

/**
 * Back-off before retry number `retry` (1-based): Envoy's fully jittered exponential
 * back-off, uniform in [0, (2^retry - 1) x base], capped at the maximum interval.
 */
export function retryBackOffMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxIntervalMs, (2 ** retry - 1) * policy.baseIntervalMs);
  return random() * ceiling;
}

function toCount(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Number(match[1]) * 1000 : undefined;
}
