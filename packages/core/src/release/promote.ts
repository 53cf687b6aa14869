/**
 * `promote`: continues a paused release from its recorded step, in the same step loop as
 * `release`; `full` replaces the rest of the plan with one step to 100%, still sync-gated
 * and baked. Run again after it was killed, it resumes the release as `release` would; run
 * again by the pipeline that finished the release, it reports so.
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { commitRecord, emitPhaseChange, regateAfterInterruption } from './gated-change.js';
import { withOperationContext, type OperationStart } from './operation-context.js';
import type { OperationDependencies } from './operation-dependencies.js';
import { checkPromotable, releasedByHolder } from './preconditions.js';
import { readBeforeLock } from './read-before-lock.js';
import type { OperationSummary } from './release-events.js';
import { alreadyReleased } from './release.js';
import type { OperationRecord } from './state-record.js';
import { runReleaseSteps } from './step-loop.js';
import { fullPromotionPlan } from './step-plan.js';

/** Options of `promote`. */
export interface PromoteOptions {
  /** Go straight to 100% (still sync-gated and baked). */
  full?: boolean | undefined;
  /** Aborts the operation. */
  signal?: AbortSignal | undefined;
}

/** Continues the paused release of `spec`'s service. */
export async function promoteRelease(
  spec: ResolvedReleaseSpec,
  deps: OperationDependencies,
  options: PromoteOptions = {},
): Promise<OperationSummary> {
  const before = await readBeforeLock(spec, deps, 'promote', options.signal);
  const holder = spec.lock.holderIdentity ?? deps.holderIdentity;
  if (!releasedByHolder(before.record, holder) && before.record.phase !== 'releasing')
    checkPromotable(spec, before.record);

  const start: OperationStart = { kind: 'promote', log: before.log, signal: options.signal };
  return withOperationContext(spec, deps, start, async (context) => {
    const record = context.routes.record;
    if (releasedByHolder(record, context.holder)) return alreadyReleased(context);
    // A promotion (or release) killed mid-way: run again, it continues where it stopped.
    if (record.phase === 'releasing')
      return runReleaseSteps(context, () => regateAfterInterruption(context));
    checkPromotable(spec, record);
    const op = record.operation as OperationRecord;
    const steps = options.full ? fullPromotionPlan(op.steps ?? [], op.stepIndex) : (op.steps ?? []);
    await commitRecord(context, {
      record: (r) => ({ ...r, phase: 'releasing', operation: { ...op, steps } }),
    });
    emitPhaseChange(context, 'paused', 'releasing');
    return runReleaseSteps(context);
  });
}
