/**
 * One executor per kind of step (`step-plan.ts`). Each runs one step of the plan inside the
 * step loop and either returns nothing (the loop records the step done and goes on) or the
 * summary that ends the release (a pause). A step whose change is not confirmed, or whose
 * checks fail, rolls back (verified) and so throws.
 */
import { NoReadyPodsError } from '../errors.js';
import { setMirror } from '../istio/candidate-mirror.js';
import { setSlotWeights } from '../istio/slot-weights.js';
import { bake, checkSummariesOf, verdictOf } from './bake-checks.js';
import { isoTime } from './clock.js';
import { describeWeights } from './describe-event.js';
import type { OperationContext } from './operation-context.js';
import { finishOperation } from './operation-summary.js';
import type { CheckContext } from './ports.js';
import { commitChange, emitPhaseChange } from './record-commit.js';
import type { OperationSummary } from './release-events.js';
import { applyRouteChange, type RouteChange } from './route-change.js';
import { readyPodCount } from './service-context.js';
import { stepKindOf, type StepKind, type StepOfKind } from './step-plan.js';
import { sameWeights, weightsFor, type OperationRecord, type ReleaseStep } from './state-record.js';
import { rollBackUnconfirmed, rollBackVerified } from './verified-rollback.js';

/** Runs step `index` of `total`; returns the summary when the step ends the release. */
export type StepExecutor<S extends ReleaseStep> = (
  context: OperationContext,
  step: S,
  index: number,
  total: number,
) => Promise<OperationSummary | undefined>;

/** The executor of each kind of step. */
export const STEP_EXECUTORS: { readonly [K in StepKind]: StepExecutor<StepOfKind[K]> } = {
  weight: (context, step, index) => weightStep(context, index, step.weight),
  mirror: (context, step, index) => mirrorStep(context, index, step.mirror),
  bake: (context, step, index) => bakeStep(context, index, step.bakeMs),
  pause: (context, _step, index, total) => pauseStep(context, index, total),
};

/** Runs one step with the executor of its kind. */
export function executeStep(
  context: OperationContext,
  step: ReleaseStep,
  index: number,
  total: number,
): Promise<OperationSummary | undefined> {
  // The kind names the step's shape, so the executor of that kind accepts it.
  const executor = STEP_EXECUTORS[stepKindOf(step)] as StepExecutor<ReleaseStep>;
  return executor(context, step, index, total);
}

/** A route change of a release step: unconfirmed, it rolls back. */
function releaseRouteChange(context: OperationContext, change: RouteChange): Promise<void> {
  return applyRouteChange(context, change, rollBackUnconfirmed(context, change.what));
}

function checkContextOf(context: OperationContext): CheckContext {
  const { spec } = context;
  return {
    service: spec.service,
    namespace: spec.namespace,
    workload: spec.target.slots[context.candidate].deployment,
    stableWorkload: spec.target.slots[context.stable].deployment,
    slot: context.candidate,
    windowMs: spec.checks.windowMs,
    minRequests: spec.checks.minRequests,
  };
}

async function weightStep(
  context: OperationContext,
  index: number,
  percent: number,
): Promise<undefined> {
  const { spec, candidate, clients } = context;
  const target = weightsFor(candidate, percent);
  const current = context.state.record.weights;
  if (sameWeights(current, target)) return; // applied before an interruption, already re-gated
  if (target[candidate] > current[candidate]) {
    const ready = await readyPodCount(
      clients.kube,
      spec,
      context.service.service,
      candidate,
      context.signal,
    );
    if (ready === 0) {
      const deployment = spec.target.slots[candidate].deployment;
      const error = new NoReadyPodsError(
        { kind: 'Deployment', namespace: spec.namespace, name: deployment },
        candidate,
        `has no ready pods; refusing to send it ${percent}% of the traffic`,
      );
      return rollBackVerified(context, 'step-error', error.message, { cause: error });
    }
    // Checks must not be failing before more users see the candidate.
    const metrics = spec.checks.items.length > 0 ? clients.metrics : undefined;
    if ((current[candidate] > 0 || context.state.record.mirrorPercent > 0) && metrics) {
      const results = await metrics.evaluate(
        spec.checks.items,
        checkContextOf(context),
        context.signal,
      );
      context.checks = [...results];
      const verdict = verdictOf(results);
      context.log.emit({
        type: 'checks-evaluated',
        results,
        verdict,
        consecutiveFailures: verdict === 'fail' ? 1 : 0,
        consecutiveInconclusive: verdict === 'inconclusive' ? 1 : 0,
      });
      if (verdict === 'fail') {
        return rollBackVerified(
          context,
          'checks-failed',
          `checks failed before step ${index + 1}`,
          {
            evidence: results.filter((r) => r.outcome !== 'pass'),
            firstFailureAt: context.clock.now(),
          },
        );
      }
    }
  }
  await releaseRouteChange(context, {
    what: `weights ${describeWeights(target)}`,
    routes: (vs) => setSlotWeights(vs, context.service.target, target),
    record: (r) => ({
      ...r,
      weights: target,
      operation: {
        ...(r.operation as OperationRecord),
        stepIndex: index,
        stage: 'syncing',
        targetWeights: target,
      },
    }),
  });
}

async function mirrorStep(
  context: OperationContext,
  index: number,
  percent: number,
): Promise<undefined> {
  if (context.state.record.mirrorPercent === percent) return;
  await releaseRouteChange(context, {
    what: `mirror ${percent}% to ${context.candidate}`,
    routes: (vs) =>
      setMirror(vs, context.service.target, { slot: context.candidate, percentage: percent }),
    record: (r) => ({
      ...r,
      mirrorPercent: percent,
      operation: { ...(r.operation as OperationRecord), stepIndex: index, stage: 'syncing' },
    }),
  });
}

async function bakeStep(
  context: OperationContext,
  index: number,
  durationMs: number,
): Promise<undefined> {
  const { clock } = context;
  const op = context.state.record.operation as OperationRecord;
  const resumedBake = op.stepIndex === index && op.stage === 'baking' && op.bakeStartedAt;
  const startedAt = resumedBake ? Date.parse(op.bakeStartedAt as string) : clock.now();
  if (!resumedBake) {
    await commitChange(context, {
      record: (r) => ({
        ...r,
        operation: {
          ...(r.operation as OperationRecord),
          stepIndex: index,
          stage: 'baking',
          bakeStartedAt: isoTime(startedAt),
        },
      }),
    });
  }
  const result = await bake({
    clock,
    metrics: context.clients.metrics,
    checks: context.spec.checks,
    context: checkContextOf(context),
    durationMs,
    alreadyBakedMs: Math.max(0, Math.min(durationMs, clock.now() - startedAt)),
    log: context.log,
    signal: context.signal,
    afterEvaluation: async (results) => {
      context.checks = [...results];
      // Someone may have moved the weights while we were measuring: stop, don't overwrite.
      await context.state.refresh(context.signal);
      await commitChange(context, {
        record: (r) => ({ ...r, lastChecks: checkSummariesOf(results) }),
      });
    },
  });
  if (!result.ok) {
    return rollBackVerified(context, 'checks-failed', result.message, {
      evidence: result.evidence,
      firstFailureAt: result.firstFailureAt,
    });
  }
}

async function pauseStep(
  context: OperationContext,
  index: number,
  total: number,
): Promise<OperationSummary> {
  await commitChange(context, {
    record: (r) => ({
      ...r,
      phase: 'paused',
      operation: {
        ...(r.operation as OperationRecord),
        stepIndex: index + 1,
        stage: 'pending',
      },
    }),
  });
  emitPhaseChange(context, 'releasing', 'paused');
  context.log.emit({ type: 'paused', nextStep: index + 1 });
  return finishOperation(
    context,
    'paused',
    `paused before step ${index + 2} of ${total}; run switchyard promote ${context.spec.service} to continue`,
  );
}
