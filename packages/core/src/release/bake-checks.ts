/**
 * Baking: hold the current traffic split for a while and evaluate every check each
 * interval (`check-evaluation.ts` judges each evaluation). Failed evaluations
 * `failureLimit` times in a row, or inconclusive ones (no data, too few requests,
 * Prometheus unreachable) more than `inconclusiveLimit` times in a row, end the bake with
 * ChecksFailedError, which the failure policy turns into a rollback. A bake whose time is
 * up but whose latest evaluation did not pass keeps evaluating: missing data is never a pass.
 */
import { ChecksFailedError } from '../errors.js';
import type { CheckContext, CheckResult, MetricsProvider } from '../gates/metrics-provider.js';
import type { ResolvedChecks } from '../spec/resolved-release-spec.js';
import { CheckStreak, evaluateChecks, evidenceOf } from './check-evaluation.js';
import type { Clock } from './clock.js';
import type { OperationLog } from './operation-log.js';

/** Options of a bake. */
export interface BakeOptions {
  /** Clock. */
  clock: Clock;
  /** Where checks are evaluated; undefined only when `checks.items` is empty. */
  metrics: MetricsProvider | undefined;
  /** Check settings. */
  checks: ResolvedChecks;
  /** What the checks are about. */
  context: CheckContext;
  /** Planned bake time. */
  durationMs: number;
  /** Time already baked before a resume. */
  alreadyBakedMs: number;
  /** Events. */
  log: OperationLog;
  /** Called after every evaluation (persist the results, look for concurrent edits). */
  afterEvaluation?: ((results: readonly CheckResult[]) => Promise<void>) | undefined;
  /** Aborts the bake. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs one bake; resolves to the last evaluation (empty without checks) once every check
 * passed at the end of it, throws ChecksFailedError when a limit is reached.
 */
export async function bake(options: BakeOptions): Promise<readonly CheckResult[]> {
  const { clock, checks, log, signal, metrics } = options;
  const start = clock.now() - options.alreadyBakedMs;
  log.emit({
    type: 'bake-started',
    durationMs: options.durationMs,
    alreadyBakedMs: options.alreadyBakedMs,
  });
  if (checks.items.length === 0 || !metrics) {
    const remaining = options.durationMs - (clock.now() - start);
    if (remaining > 0) await clock.sleep(remaining, signal);
    return [];
  }
  const streak = new CheckStreak();
  for (;;) {
    const remaining = options.durationMs - (clock.now() - start);
    const wait = remaining > 0 ? Math.min(checks.intervalMs, remaining) : checks.intervalMs;
    await clock.sleep(wait, signal);
    const { results, verdict, at } = await evaluateChecks({
      metrics,
      checks: checks.items,
      context: options.context,
      streak,
      log,
      clock,
      signal,
    });
    await options.afterEvaluation?.(results);
    const evidence = evidenceOf(results);
    const firstFailureAt = streak.startedAt ?? at;
    if (streak.failures >= checks.failureLimit) {
      const failures = streak.failures;
      throw new ChecksFailedError(
        evidence,
        `checks failed ${failures} time${failures === 1 ? '' : 's'} in a row (failure limit ${checks.failureLimit})`,
        { firstFailureAt },
      );
    }
    if (streak.inconclusive > checks.inconclusiveLimit) {
      throw new ChecksFailedError(
        evidence,
        `checks inconclusive ${streak.inconclusive} times in a row (limit ${checks.inconclusiveLimit}): ${evidence
          .map((e) => `${e.name}: ${e.reason ?? e.outcome}`)
          .join('; ')}`,
        { firstFailureAt },
      );
    }
    if (verdict === 'pass' && clock.now() - start >= options.durationMs) return results;
  }
}
