/**
 * Baking: hold the current traffic split for a while and evaluate every check each
 * interval (`check-evaluation.ts` judges each evaluation). Failed evaluations
 * `failureLimit` times in a row, or inconclusive ones (no data, too few requests,
 * Prometheus unreachable) more than `inconclusiveLimit` times in a row, end the bake with
 * ChecksFailedError, which the failure policy turns into a rollback. A bake whose time is
 * up but whose latest evaluation did not pass keeps evaluating: missing data is never a pass.
 *
 * Sequential checks decide on their own evidence: a rollback the moment any of them asks
 * for one (the test already weighed every interval; no streak to wait for); with
 * `checks.earlyPromotion`, the bake ends once every one of them says promote and the
 * evaluation passed, after `checks.minBake` (the bake time becomes a maximum). When the bake
 * time is up with the latest evaluation passing but the sequential checks undecided,
 * `checks.bakeEnd` decides: `proceed` (as threshold checks do), `rollback`, or `pause`.
 */
import { ChecksFailedError } from '../errors.js';
import type { CheckContext, CheckResult, MetricsProvider } from '../gates/metrics-provider.js';
import type { ResolvedChecks } from '../spec/resolved-release-spec.js';
import { formatDuration } from '../spec/duration.js';
import { CheckStreak, evaluateChecks, evidenceOf } from './check-evaluation.js';
import type { Clock } from './clock.js';
import type { OperationLog } from './operation-log.js';
import type { BakeEndedEvent } from './release-events.js';
import type { SequentialChecks } from './sequential-checks.js';

/** Options of a bake. */
export interface BakeOptions {
  /** Clock. */
  clock: Clock;
  /** Where checks are evaluated; undefined only when `checks.items` is empty. */
  metrics: MetricsProvider | undefined;
  /** Check settings. */
  checks: ResolvedChecks;
  /** The release's sequential checks (their state carries across bakes). */
  sequential: SequentialChecks;
  /**
   * Whether the stable slot gets traffic during this bake (its weight is above 0). At a step
   * where it gets none the comparisons with it cannot gain evidence: their early-promotion
   * verdict is the evidence they carried into the step (`analysis/rate-ratio-test.ts`).
   */
  stableGetsTraffic: boolean;
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

/** How a bake ended. */
export interface BakeOutcome {
  /** The last evaluation (empty without checks). */
  readonly results: readonly CheckResult[];
  /** How: see `BakeEndedEvent`. */
  readonly ending: BakeEndedEvent['ending'];
}

/**
 * Runs one bake; resolves once it may end (every check passed at the end of it, or the
 * sequential checks promoted it early, or `checks.bakeEnd` pauses it), throws
 * ChecksFailedError when a check asks for a rollback.
 */
export async function bake(options: BakeOptions): Promise<BakeOutcome> {
  const { clock, checks, log, signal, metrics, sequential } = options;
  const start = clock.now() - options.alreadyBakedMs;
  log.emit({
    type: 'bake-started',
    durationMs: options.durationMs,
    alreadyBakedMs: options.alreadyBakedMs,
  });
  const ended = (
    ending: BakeEndedEvent['ending'],
    reason: string,
    results: readonly CheckResult[],
  ) => {
    log.emit({ type: 'bake-ended', bakedMs: clock.now() - start, ending, reason });
    return { results, ending };
  };
  if (checks.items.length === 0 || !metrics) {
    const remaining = options.durationMs - (clock.now() - start);
    if (remaining > 0) await clock.sleep(remaining, signal);
    return ended('time-up', 'no checks: the bake only waited', []);
  }
  sequential.stepTraffic(options.stableGetsTraffic);
  await sequential.baseline(metrics, options.context, signal);
  const streak = new CheckStreak();
  for (;;) {
    const remaining = options.durationMs - (clock.now() - start);
    const wait = remaining > 0 ? Math.min(checks.intervalMs, remaining) : checks.intervalMs;
    await clock.sleep(wait, signal);
    const evaluation = await evaluateChecks({
      metrics,
      checks: checks.items,
      sequential,
      context: options.context,
      streak,
      log,
      clock,
      signal,
    });
    const { results, verdict, at } = evaluation;
    await options.afterEvaluation?.(results);
    const evidence = evidenceOf(results);
    const firstFailureAt = streak.startedAt ?? at;
    if (evaluation.sequential?.verdict === 'rollback') {
      throw new ChecksFailedError(
        results.filter((r) => r.outcome === 'fail'),
        `sequential checks ask for a rollback: ${evaluation.sequential.reason}`,
        { firstFailureAt: at },
      );
    }
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
    if (verdict !== 'pass') continue;
    const baked = clock.now() - start;
    const decided = evaluation.sequential?.verdict === 'promote';
    if (
      decided &&
      checks.earlyPromotion &&
      baked >= checks.minBakeMs &&
      baked < options.durationMs
    ) {
      return ended('promoted-early', evaluation.sequential?.reason ?? '', results);
    }
    if (baked < options.durationMs) continue;
    if (evaluation.sequential === undefined || decided || checks.bakeEnd === 'proceed') {
      return ended(
        'time-up',
        evaluation.sequential === undefined || decided
          ? 'the latest evaluation passed'
          : `the latest evaluation passed; sequential checks undecided (checks.bakeEnd proceed): ${evaluation.sequential.reason}`,
        results,
      );
    }
    const undecided = `bake time ${formatDuration(options.durationMs)} up without a sequential verdict: ${evaluation.sequential.reason}`;
    if (checks.bakeEnd === 'pause')
      return ended('pause', `${undecided} (checks.bakeEnd pause)`, results);
    throw new ChecksFailedError(
      results.filter((r) => r.sequential !== undefined && r.sequential.verdict !== 'promote'),
      `${undecided} (checks.bakeEnd rollback)`,
      { firstFailureAt: at },
    );
  }
}
