/**
 * A sequential check's state as a check result, the shape every check reports in: its
 * outcome this evaluation, its value, its reason, and its evidence as data (`sequential`).
 * Used by the bake (`sequential-checks.ts`) and by `status`, which recomputes the evidence
 * from the states the release record keeps.
 */
import type { RateBoundEvidence } from '../analysis/rate-bound-test.js';
import type { RateRatioEvidence } from '../analysis/rate-ratio-evidence.js';
import { sequentialCheckResult, type SequentialCheckState } from '../analysis/sequential-check.js';
import type { CheckResult, SequentialEvidence } from '../gates/metrics-provider.js';

/** The candidate's traffic in the window, which decides whether an evaluation can pass. */
export interface WindowTraffic {
  /** Requests to the candidate counted in the window's raw samples. */
  readonly windowRequests: number;
  /** Fewer make the evaluation inconclusive. */
  readonly minRequests: number;
  /** The window, as written (`1m`). */
  readonly window: string;
}

/**
 * The result of a check in `state`: `fail` once its test asked for a rollback, else
 * `inconclusive` when `traffic` is below `minRequests`, else `pass` (the verdict, `promote`
 * or `continue`, is in `sequential`). Without `traffic` (a state read back from the record)
 * the outcome is the test's alone.
 */
export function sequentialResult(
  state: SequentialCheckState,
  traffic?: WindowTraffic,
): Omit<CheckResult, 'at'> & { sequential: SequentialEvidence } {
  const result = sequentialCheckResult(state);
  const slowerThanMs =
    typeof state.definition.events === 'object' ? state.definition.events.slowerThan : undefined;
  const sequential: SequentialEvidence =
    state.kind === 'compare'
      ? {
          kind: 'compare',
          verdict: result.verdict,
          slowerThanMs,
          evidence: result.evidence as RateRatioEvidence,
        }
      : {
          kind: 'bound',
          verdict: result.verdict,
          slowerThanMs,
          evidence: result.evidence as RateBoundEvidence,
        };
  const value =
    sequential.kind === 'compare'
      ? sequential.evidence.observedRatio
      : sequential.evidence.observedRate === undefined
        ? undefined
        : sequential.evidence.observedRate * 100;
  const base = { name: result.name, sequential, ...(value === undefined ? {} : { value }) };
  if (result.verdict === 'rollback') return { ...base, outcome: 'fail', reason: result.reason };
  if (traffic !== undefined && traffic.windowRequests < traffic.minRequests) {
    return {
      ...base,
      outcome: 'inconclusive',
      reason:
        `too little traffic: ${Math.round(traffic.windowRequests)} requests to the candidate counted in the last ${traffic.window}, ` +
        `fewer than minRequests ${traffic.minRequests}; ${result.reason}`,
    };
  }
  return { ...base, outcome: 'pass', reason: result.reason };
}
