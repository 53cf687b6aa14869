/**
 * `rollback`: returns all traffic to the stable slot, by the same verified rollback a
 * failing release uses (`verified-rollback.ts`). During a release (or after a deploy) the
 * stable slot is the one that was active; after a finished release it is the previous slot,
 * while it still has ready pods. The mirror and the pre-release route go too.
 */
import { InvalidStateError, PreflightError, ReleaseRolledBackError } from '../errors.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { withOperationContext, type OperationStart, type SlotRoles } from './operation-context.js';
import type { OperationDependencies, OperationOptions } from './operation-dependencies.js';
import { finishOperation } from './operation-summary.js';
import { readBeforeLock } from './read-before-lock.js';
import type { OperationSummary } from './release-events.js';
import { readyPodCount, type ReleaseObjects } from './release-objects.js';
import { otherSlot, sameWeights, weightsFor, type ReleaseRecord } from './state-record.js';
import { rollBackVerified } from './verified-rollback.js';

/** Rolls `spec`'s service back to its stable slot, verified. */
export async function rollbackRelease(
  spec: ResolvedReleaseSpec,
  deps: OperationDependencies,
  options: OperationOptions = {},
): Promise<OperationSummary> {
  const before = await readBeforeLock(spec, deps, 'rollback', options.signal);
  if (before.record.phase === 'idle') {
    throw new InvalidStateError(
      'rollback',
      before.record.phase,
      `nothing to roll back: no release of ${spec.service} is recorded`,
    );
  }
  await rollbackSlots(spec, deps, before.objects, before.record, options.signal);

  const start: OperationStart = {
    kind: 'rollback',
    log: before.log,
    signal: options.signal,
    slots: (objects, record, signal) => rollbackSlots(spec, deps, objects, record, signal),
  };
  return withOperationContext(spec, deps, start, async (context) => {
    const record = context.routes.record;
    const target = weightsFor(context.stable, 100);
    if (
      record.phase === 'rolled-back' &&
      sameWeights(record.weights, target) &&
      !record.headerRoute &&
      record.mirrorPercent === 0
    ) {
      return finishOperation(
        context,
        'no-op',
        `${spec.service} is already rolled back: ${context.stable} serves 100%`,
      );
    }
    try {
      return await rollBackVerified(context, { reason: 'manual', message: 'rollback requested' });
    } catch (error) {
      // A verified manual rollback is the requested outcome, not a failure.
      if (error instanceof ReleaseRolledBackError) return error.summary as OperationSummary;
      throw error;
    }
  });
}

/**
 * Where to roll back to: after a finished release, the previous slot (refused when it has
 * no ready pods: there is nothing warm to return to); otherwise the active slot.
 */
async function rollbackSlots(
  spec: ResolvedReleaseSpec,
  deps: OperationDependencies,
  objects: ReleaseObjects,
  record: ReleaseRecord,
  signal?: AbortSignal,
): Promise<SlotRoles> {
  if (record.phase === 'released') {
    const previous = record.history[0]?.fromSlot ?? otherSlot(record.activeSlot);
    const ready = await readyPodCount(deps.kube, spec, objects.service, previous, signal);
    if (ready === 0) {
      throw new PreflightError([
        {
          object: {
            kind: 'Deployment',
            namespace: spec.namespace,
            name: spec.target.slots[previous].deployment,
          },
          message: `the previous slot (${previous}) has no ready pods, so there is nothing warm to roll back to; deploy the previous image instead`,
        },
      ]);
    }
    return { stable: previous, candidate: record.activeSlot };
  }
  return {
    stable: record.activeSlot,
    candidate: record.candidateSlot ?? otherSlot(record.activeSlot),
  };
}
