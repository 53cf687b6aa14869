/**
 * The sequential test a built-in check runs in `sequential` analysis (the statistics are in
 * `analysis/`; docs/sequential-verdicts.md says what they guarantee). Each built-in reads its
 * threshold as the test's objective:
 *
 * - `success-rate` (min m %): an absolute objective, at most `100 - m` % failed requests;
 * - `latency-p99` (max L ms): at most 1 % of requests slower than L (rounded up to a
 *   histogram bucket edge when the check starts): what "p99 at most L" says, counted;
 * - `success-rate-vs-stable`: failed requests compared with the stable slot's, rolled back
 *   above `tolerance` times the stable's rate, promoted early below `margin` times it;
 * - `latency-vs-stable`: the same for requests slower than `slowerThan` ms, or than the
 *   stable slot's p99 edge fixed when the check starts.
 *
 * The release-wide alpha is split evenly across the sequential checks (a union bound over
 * their guarantees); every check gets the whole beta (an early promotion needs them all).
 */
import type { RateBoundSettings } from '../analysis/rate-bound-test.js';
import type { RateRatioSettings } from '../analysis/rate-ratio-test.js';
import type { BuiltinCheckDefinition } from './check-types.js';
import { builtinCheckType } from './check-types.js';

/** What a sequential check counts. */
export type SequentialEvents =
  | {
      /** Failed requests (5xx, non-OK gRPC). */
      readonly counted: 'failed';
    }
  | {
      /** Requests slower than a histogram bucket edge. */
      readonly counted: 'slow';
      /**
       * The configured bound in milliseconds, rounded up to a bucket edge when the check
       * starts; undefined: the smallest edge at or above the stable slot's p99 then.
       */
      readonly slowerThanMs: number | undefined;
    };

/** The sequential test of one check, settings resolved. */
export type ResolvedSequentialTest =
  | {
      /** Compared with the stable slot (the rate-ratio test). */
      readonly kind: 'compare';
      /** What it counts. */
      readonly events: SequentialEvents;
      /** Its alpha (its share of the release's), beta, tolerance and margin. */
      readonly settings: RateRatioSettings;
    }
  | {
      /** Against an absolute objective (the rate-bound test). */
      readonly kind: 'bound';
      /** What it counts. */
      readonly events: SequentialEvents;
      /** Its alpha (its share of the release's), beta and objective. */
      readonly settings: RateBoundSettings;
    };

/** The section-level settings a check's test starts from. */
export interface SequentialTestDefaults {
  /** `checks.analysis`. */
  readonly analysis: 'threshold' | 'sequential';
  /** Each sequential check's alpha: `checks.alpha` divided by their number. */
  readonly alpha: number;
  /** `checks.beta`. */
  readonly beta: number;
  /** `checks.tolerance`. */
  readonly tolerance: number;
  /** `checks.margin`. */
  readonly margin: number;
}

/** The share of requests slower than a `latency-p99` bound that still passes: 1 %. */
export const P99_SLOW_SHARE = 0.01;

/** A check item as far as its test is concerned. */
interface SequentialItem {
  readonly analysis?: 'threshold' | 'sequential' | undefined;
  readonly tolerance?: number | undefined;
  readonly margin?: number | undefined;
  readonly slowerThan?: number | undefined;
  readonly type?: string | undefined;
}

/** How many of `items` run a sequential test under section analysis `analysis`. */
export function sequentialCount(
  items: readonly SequentialItem[],
  analysis: 'threshold' | 'sequential',
): number {
  return items.filter(
    (item) =>
      builtinCheckType(item.type) !== undefined && (item.analysis ?? analysis) === 'sequential',
  ).length;
}

/** The test of built-in check `item` whose threshold resolved to `threshold`. */
export function resolveSequentialTest(
  builtin: BuiltinCheckDefinition,
  item: SequentialItem,
  threshold: number,
  defaults: SequentialTestDefaults,
): ResolvedSequentialTest {
  const { alpha, beta } = defaults;
  const events: SequentialEvents =
    builtin.sequential.events === 'failed'
      ? { counted: 'failed' }
      : {
          counted: 'slow',
          slowerThanMs: builtin.sequential.kind === 'bound' ? threshold : item.slowerThan,
        };
  if (builtin.sequential.kind === 'compare') {
    return {
      kind: 'compare',
      events,
      settings: {
        alpha,
        beta,
        tolerance: item.tolerance ?? defaults.tolerance,
        margin: item.margin ?? defaults.margin,
      },
    };
  }
  const maxRate = builtin.sequential.events === 'failed' ? (100 - threshold) / 100 : P99_SLOW_SHARE;
  return { kind: 'bound', events, settings: { alpha, beta, maxRate } };
}
