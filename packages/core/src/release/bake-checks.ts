/**
 * Baking: hold the current traffic split for a while and evaluate every check each
 * interval. Only an evaluation where every check passed counts as a pass; failed
 * evaluations `failureLimit` times in a row, or inconclusive ones (no data, too few
 * requests, Prometheus unreachable) more than `inconclusiveLimit` times in a row, end the
 * bake with a failure. A bake whose time is up but whose latest evaluation did not pass
 * keeps evaluating: missing data is never a pass.
 */
import type { CheckEvidence } from '../errors.js';
import type { ResolvedChecks } from '../spec/resolved-release-spec.js';
import { isoTime, type Clock } from './clock.js';
import type { OperationLog } from './operation-log.js';
import type { CheckContext, CheckResult, MetricsProvider } from './ports.js';
import type { CheckSummary } from './state-record.js';

/** How a bake ended. */
export type BakeResult =
  | {
      /** Every check passed at the end of the bake (or there were no checks). */
      ok: true;
      /** The last evaluation, empty without checks. */
      results: readonly CheckResult[];
    }
  | {
      ok: false;
      /** What failed. */
      message: string;
      /** The failing evaluation's results. */
      evidence: readonly CheckEvidence[];
      /** When the streak that ended the bake began (ms since epoch). */
      firstFailureAt: number;
      /** The last evaluation. */
      results: readonly CheckResult[];
    };

/** The verdict of one evaluation of every check. */
export function verdictOf(results: readonly CheckResult[]): 'pass' | 'fail' | 'inconclusive' {
  if (results.some((r) => r.outcome === 'fail')) return 'fail';
  if (results.length === 0 || results.some((r) => r.outcome !== 'pass')) return 'inconclusive';
  return 'pass';
}

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

/** Runs one bake. */
export async function bake(options: BakeOptions): Promise<BakeResult> {
  const { clock, checks, context, log, signal } = options;
  const start = clock.now() - options.alreadyBakedMs;
  log.emit({
    type: 'bake-started',
    durationMs: options.durationMs,
    alreadyBakedMs: options.alreadyBakedMs,
  });
  if (checks.items.length === 0 || !options.metrics) {
    const remaining = options.durationMs - (clock.now() - start);
    if (remaining > 0) await clock.sleep(remaining, signal);
    return { ok: true, results: [] };
  }
  let failures = 0;
  let inconclusive = 0;
  let streakStart: number | undefined;
  for (;;) {
    const remaining = options.durationMs - (clock.now() - start);
    const wait = remaining > 0 ? Math.min(checks.intervalMs, remaining) : checks.intervalMs;
    await clock.sleep(wait, signal);
    const results = await options.metrics.evaluate(checks.items, context, signal);
    const verdict = verdictOf(results);
    const now = clock.now();
    if (verdict === 'pass') {
      failures = 0;
      inconclusive = 0;
      streakStart = undefined;
    } else if (verdict === 'fail') {
      if (failures === 0) streakStart = now;
      failures++;
      inconclusive = 0;
    } else {
      if (inconclusive === 0 && failures === 0) streakStart = now;
      inconclusive++;
      failures = 0;
    }
    log.emit({
      type: 'checks-evaluated',
      results,
      verdict,
      consecutiveFailures: failures,
      consecutiveInconclusive: inconclusive,
    });
    await options.afterEvaluation?.(results);
    const evidence = results.filter((r) => r.outcome !== 'pass');
    if (failures >= checks.failureLimit) {
      return {
        ok: false,
        message: `checks failed ${failures} time${failures === 1 ? '' : 's'} in a row (failure limit ${checks.failureLimit})`,
        evidence,
        firstFailureAt: streakStart ?? now,
        results,
      };
    }
    if (inconclusive > checks.inconclusiveLimit) {
      return {
        ok: false,
        message: `checks inconclusive ${inconclusive} times in a row (limit ${checks.inconclusiveLimit}): ${evidence
          .map((e) => `${e.name}: ${e.reason ?? e.outcome}`)
          .join('; ')}`,
        evidence,
        firstFailureAt: streakStart ?? now,
        results,
      };
    }
    if (verdict === 'pass' && clock.now() - start >= options.durationMs)
      return { ok: true, results };
  }
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
