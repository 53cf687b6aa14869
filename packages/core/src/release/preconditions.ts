/**
 * Which operation the recorded phase allows, and what else it needs. Each check runs before
 * the lock (on the preflight record) and again under it (on the record read there); `plan`
 * runs the same checks, so it refuses what the operation would refuse.
 */
import { InvalidStateError, PreflightError, UsageError } from '../errors.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { OperationDependencies } from './operation-dependencies.js';
import type { ReleaseObjects } from './release-objects.js';
import { isInProgress, otherSlot, type ReleaseRecord } from './state-record.js';

/** Deploy: nothing in progress, and the last rollback was verified. */
export function checkDeployable(spec: ResolvedReleaseSpec, record: ReleaseRecord): void {
  if (isInProgress(record.phase)) {
    throw new InvalidStateError(
      'deploy',
      record.phase,
      `a release of ${spec.service} is in progress (phase ${record.phase}); promote it, roll it back, or run release again to resume it before deploying`,
    );
  }
  if (record.phase === 'failed') {
    throw new InvalidStateError(
      'deploy',
      record.phase,
      `the last rollback of ${spec.service} could not be verified (${record.routeState ?? record.reason ?? 'see status'}); run rollback first`,
    );
  }
}

/**
 * Release: a deployed candidate (or a release in progress to resume) whose Deployment
 * exists; for a new release, the gates its checks and data-plane verification need.
 */
export function checkReleasable(
  spec: ResolvedReleaseSpec,
  deps: Pick<OperationDependencies, 'metrics' | 'dataplane'>,
  objects: ReleaseObjects,
  record: ReleaseRecord,
): void {
  if (record.phase === 'failed') {
    throw new InvalidStateError(
      'release',
      record.phase,
      `the last rollback of ${spec.service} could not be verified (${record.routeState ?? record.reason ?? 'see status'}); run rollback first`,
    );
  }
  if (!isInProgress(record.phase) && record.phase !== 'deployed') {
    throw new PreflightError([
      {
        object: objects.backend.ref,
        message: `nothing is deployed to release (phase ${record.phase}); run switchyard deploy ${spec.service} --image <image> first`,
      },
    ]);
  }
  const candidate = record.candidateSlot;
  if (!candidate || !objects.deployments[candidate]) {
    throw new PreflightError([
      {
        object: {
          kind: 'Deployment',
          namespace: spec.namespace,
          name: spec.target.slots[candidate ?? otherSlot(record.activeSlot)].deployment,
        },
        message: 'the candidate Deployment does not exist; run deploy again',
      },
    ]);
  }
  if (record.phase === 'deployed') {
    const steps = spec.strategy.steps;
    const bakes = steps.some((s) => 'bakeMs' in s);
    if (bakes && spec.checks.items.length > 0 && !deps.metrics) {
      throw new UsageError(
        'checks are configured but no Prometheus is: give prometheus.url or prometheus.service (or --prometheus-url), or remove the checks',
      );
    }
    if (spec.sync.verifyDataplane > 0 && !deps.dataplane) {
      throw new UsageError('sync.verifyDataplane is set but no data-plane verifier is available');
    }
  }
}

/**
 * A re-run of the pipeline that finished the release: the phase is `released` and this
 * holder identity wrote the record last. It was killed after its last route change (before
 * it could report, perhaps before it freed the Lease); `release` and `promote` re-run by it
 * have nothing left to do but say so and free the Lease, instead of failing the pipeline.
 */
export function releasedByHolder(record: ReleaseRecord, holder: string): boolean {
  return record.phase === 'released' && record.holder === holder;
}

/** Promote: a paused release with its operation and candidate recorded. */
export function checkPromotable(spec: ResolvedReleaseSpec, record: ReleaseRecord): void {
  if (record.phase !== 'paused' || !record.operation || !record.candidateSlot) {
    throw new InvalidStateError(
      'promote',
      record.phase,
      `nothing to promote: the release of ${spec.service} is not paused (phase ${record.phase})`,
    );
  }
}
