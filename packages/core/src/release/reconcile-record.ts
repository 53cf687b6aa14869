/**
 * The record an operation works from: the stored one, checked against the weights the
 * routes have now, or a fresh one before switchyard's first operation. Pure: it reads the
 * clock and nothing else.
 */
import { ConcurrentEditError, PreflightError, describeRef } from '../errors.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { Clock } from './clock.js';
import { describeWeights } from './describe-event.js';
import { slotWithTraffic, type ReleaseObjects } from './release-objects.js';
import {
  initialRecord,
  isInProgress,
  sameWeights,
  type ReleaseRecord,
  type Slot,
} from './state-record.js';

/**
 * The record to work from for `operation`. Throws when the live weights contradict it in a
 * way switchyard cannot safely adopt.
 */
export function reconcileRecord(
  spec: ResolvedReleaseSpec,
  deps: { clock: Clock; holderIdentity: string },
  objects: ReleaseObjects,
  operation: string,
): ReleaseRecord {
  const now = deps.clock.now();
  const live = objects.liveWeights;
  const single = live.blue === 100 || live.green === 100;
  const ref = objects.backend.ref;
  if (!objects.record) {
    if (!single && operation !== 'rollback') {
      throw new PreflightError([
        {
          object: ref,
          message: `the managed routes split traffic ${describeWeights(live)} but no switchyard release is recorded; put all traffic on one slot before the first deploy`,
        },
      ]);
    }
    const images: Partial<Record<Slot, string>> = {};
    for (const slot of ['blue', 'green'] as const) {
      const container = objects.deployments[slot]?.spec.template.spec?.containers?.[0];
      if (container?.image) images[slot] = container.image;
    }
    return {
      ...initialRecord({
        service: spec.service,
        namespace: spec.namespace,
        activeSlot: slotWithTraffic(live),
        holder: deps.holderIdentity,
        now: new Date(now),
        images,
      }),
      weights: live,
    };
  }
  const record = objects.record;
  if (sameWeights(record.weights, live)) return record;
  // A rollback restores the stable slot from whatever the routes are now, including a
  // split someone made by hand: that is what it is for.
  if (operation === 'rollback') return { ...record, weights: live };
  if (isInProgress(record.phase)) {
    throw new ConcurrentEditError(
      `${describeRef(ref)}: the managed weights are ${describeWeights(live)} but the release record says ${describeWeights(record.weights)}: someone changed them during the release; switchyard will not overwrite them. Run rollback to return to ${record.activeSlot}, or fix the routes by hand.`,
      { statusCode: 409, reason: 'Conflict', verb: 'get', object: ref },
    );
  }
  if (!single) {
    throw new PreflightError([
      {
        object: ref,
        message: `the managed routes split traffic ${describeWeights(live)} outside a release; put all traffic on one slot first`,
      },
    ]);
  }
  // Traffic was moved by hand between releases: adopt it as the new truth.
  return { ...record, weights: live, activeSlot: slotWithTraffic(live) };
}
