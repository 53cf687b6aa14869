/**
 * Where an evaluation of the checks becomes a verdict, the one place: only an evaluation
 * where every check passed is a pass; any failing check makes it a fail; anything else (no
 * checks, no data, too few requests, Prometheus unreachable) is inconclusive, never a pass.
 * A streak counts consecutive failing and inconclusive evaluations for the limits a bake
 * applies; the check a weight step makes before it shifts more traffic is a streak of one.
 *
 * Threshold checks are evaluated by the metrics provider, sequential checks by the release's
 * `SequentialChecks` (raw counter reads, `sequential-checks.ts`); their results come in the
 * spec's order and count alike in the verdict. The sequential checks' own verdict
 * (`rollback`, `promote`, `continue`: `analysis/sequential-verdict.ts`) is combined here too,
 * for the bake to act on: a rollback at once, an early promotion after the minimum bake.
 */
import { combineVerdicts, type CombinedVerdict } from '../analysis/sequential-verdict.js';
import type { CheckContext, CheckResult, MetricsProvider } from '../gates/metrics-provider.js';
import type { Clock } from './clock.js';
import type { OperationLog } from './operation-log.js';
import type { ResolvedCheck } from '../spec/resolved-release-spec.js';
import type { SequentialChecks } from './sequential-checks.js';
import type { CheckSummary } from './state-record.js';
import { isoTime } from './clock.js';

/** The verdict of one evaluation of every check. */
export type CheckVerdict = 'pass' | 'fail' | 'inconclusive';

/** The verdict of one evaluation of every check. */
export function verdictOf(results: readonly CheckResult[]): CheckVerdict {
  if (results.some((r) => r.outcome === 'fail')) return 'fail';
  if (results.length === 0 || results.some((r) => r.outcome !== 'pass')) return 'inconclusive';
  return 'pass';
}

/** The results that kept an evaluation from passing: the evidence a rollback reports. */
export function evidenceOf(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.outcome !== 'pass');
}

/** Consecutive failing and inconclusive evaluations. A pass ends both streaks. */
export class CheckStreak {
  #failures = 0;
  #inconclusive = 0;
  #startedAt: number | undefined;

  /** Failing evaluations in a row. */
  get failures(): number {
    return this.#failures;
  }

  /** Inconclusive evaluations in a row. */
  get inconclusive(): number {
    return this.#inconclusive;
  }

  /** When the current streak of evaluations that did not pass began; undefined after a pass. */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  /** Counts one evaluation's verdict, made at `at` (ms since epoch). */
  count(verdict: CheckVerdict, at: number): void {
    if (verdict === 'pass') {
      this.#failures = 0;
      this.#inconclusive = 0;
      this.#startedAt = undefined;
    } else if (verdict === 'fail') {
      if (this.#failures === 0) this.#startedAt = at;
      this.#failures++;
      this.#inconclusive = 0;
    } else {
      if (this.#inconclusive === 0 && this.#failures === 0) this.#startedAt = at;
      this.#inconclusive++;
      this.#failures = 0;
    }
  }
}

/** One evaluation, judged. */
export interface CheckEvaluation {
  /** Every check's result. */
  results: CheckResult[];
  /** Their verdict. */
  verdict: CheckVerdict;
  /** What the sequential checks say together; undefined when there are none. */
  sequential: CombinedVerdict | undefined;
  /** When it was judged (ms since epoch). */
  at: number;
}

/** What an evaluation needs. */
export interface CheckEvaluationOptions {
  /** Where checks are evaluated. */
  metrics: MetricsProvider;
  /** The checks: threshold checks go to `metrics.evaluate`, sequential ones to `sequential`. */
  checks: readonly ResolvedCheck[];
  /** The release's sequential checks; undefined: none. */
  sequential?: SequentialChecks | undefined;
  /** What they are about. */
  context: CheckContext;
  /** The streak this evaluation counts in. */
  streak: CheckStreak;
  /** Where `checks-evaluated` goes. */
  log: OperationLog;
  /** Time. */
  clock: Clock;
  /** Aborts the evaluation. */
  signal?: AbortSignal | undefined;
}

/** Evaluates every check once, judges it, counts it in the streak, emits `checks-evaluated`. */
export async function evaluateChecks(options: CheckEvaluationOptions): Promise<CheckEvaluation> {
  const { streak, metrics, context, signal, clock } = options;
  const threshold = options.checks.filter((check) => check.analysis !== 'sequential');
  const [thresholdResults, sequentialResults] = await Promise.all([
    threshold.length > 0 ? metrics.evaluate(threshold, context, signal) : [],
    options.sequential?.evaluate(metrics, context, () => clock.now(), signal) ?? [],
  ]);
  const byName = new Map([...thresholdResults, ...sequentialResults].map((r) => [r.name, r]));
  const results = options.checks.flatMap((check) => byName.get(check.name) ?? []);
  const verdict = verdictOf(results);
  const sequential =
    options.sequential?.active === true
      ? combineVerdicts(
          sequentialResults.map((r) => ({
            name: r.name,
            verdict: r.sequential?.verdict ?? 'continue',
            reason: r.reason ?? r.outcome,
          })),
        )
      : undefined;
  const at = clock.now();
  streak.count(verdict, at);
  options.log.emit({
    type: 'checks-evaluated',
    results,
    verdict,
    ...(sequential ? { sequential } : {}),
    consecutiveFailures: streak.failures,
    consecutiveInconclusive: streak.inconclusive,
  });
  return { results, verdict, sequential, at };
}

/** Check results as the record keeps them (ISO times, no NaN values). */
export function checkSummariesOf(results: readonly CheckResult[]): CheckSummary[] {
  return results.map((r) => ({
    name: r.name,
    outcome: r.outcome,
    ...(r.value !== undefined && !Number.isNaN(r.value) ? { value: r.value } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    at: isoTime(r.at),
  }));
}
