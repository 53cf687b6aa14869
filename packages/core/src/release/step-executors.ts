/**
 * One executor per kind of step (`step-plan.ts`). Each runs one step of the plan inside the
 * step loop and returns what the loop does next: a route change to gate (the loop applies
 * it through `gated-change.ts`), the summary that ends the release (a pause), or nothing.
 * An executor that finds a reason to stop throws it (ChecksFailedError, NoReadyPodsError);
 * the loop asks the failure policy what it means.
 */
import { ChecksFailedError, NoReadyPodsError } from '../errors.js';
import type { CheckContext } from '../gates/metrics-provider.js';
import { bake } from './bake-checks.js';
import { CheckStreak, checkSummariesOf, evaluateChecks, evidenceOf } from './check-evaluation.js';
import { isoTime } from './clock.js';
import { describeWeights } from './describe-event.js';
import { commitRecord, emitPhaseChange, type GatedChange } from './gated-change.js';
import type { OperationContext } from './operation-context.js';
import { finishOperation } from './operation-summary.js';
import type { OperationSummary } from './release-events.js';
import { readyPodCount } from './release-objects.js';
import { stepKindOf, type StepKind, type StepOfKind } from './step-plan.js';
import { sameWeights, weightsFor, type OperationRecord, type ReleaseStep } from './state-record.js';

/** What the step loop does after an executor: gate a route change, end the release, or go on. */
export type StepOutcome =
  | {
      /** The step's route change, for the loop to apply gated. */
      readonly change: GatedChange;
      readonly ended?: undefined;
    }
  | {
      readonly change?: undefined;
      /** The release ends here (paused). */
      readonly ended: OperationSummary;
    }
  | undefined;

/** Runs step `index` of `total`. */
export type StepExecutor<S extends ReleaseStep> = (
  context: OperationContext,
  step: S,
  index: number,
  total: number,
) => Promise<StepOutcome>;

/** The executor of each kind of step. */
export const STEP_EXECUTORS: { readonly [K in StepKind]: StepExecutor<StepOfKind[K]> } = {
  weight: (context, step, index) => weightStep(context, index, step.weight),
  mirror: (context, step, index) => Promise.resolve(mirrorStep(context, index, step.mirror)),
  bake: (context, step, index, total) => bakeStep(context, index, total, step.bakeMs),
  pause: (context, _step, index, total) => pauseStep(context, index, total),
};

/** Runs one step with the executor of its kind. */
export function executeStep(
  context: OperationContext,
  step: ReleaseStep,
  index: number,
  total: number,
): Promise<StepOutcome> {
  // The kind names the step's shape, so the executor of that kind accepts it.
  const executor = STEP_EXECUTORS[stepKindOf(step)] as StepExecutor<ReleaseStep>;
  return executor(context, step, index, total);
}

function checkContextOf(context: OperationContext): CheckContext {
  const { spec } = context;
  return {
    service: spec.service,
    namespace: spec.namespace,
    workload: spec.target.slots[context.candidate].deployment,
    stableWorkload: spec.target.slots[context.stable].deployment,
    slot: context.candidate,
    candidateSelector: context.objects.backend.requestSelector(context.candidate),
    stableSelector: context.objects.backend.requestSelector(context.stable),
    windowMs: spec.checks.windowMs,
    minRequests: spec.checks.minRequests,
  };
}

async function weightStep(
  context: OperationContext,
  index: number,
  percent: number,
): Promise<StepOutcome> {
  const { spec, candidate, clients } = context;
  const target = weightsFor(candidate, percent);
  const current = context.routes.record.weights;
  if (sameWeights(current, target)) return; // applied before an interruption, already re-gated
  if (target[candidate] > current[candidate]) {
    const ready = await readyPodCount(
      clients.kube,
      spec,
      context.objects.service,
      candidate,
      context.signal,
    );
    if (ready === 0) {
      const deployment = spec.target.slots[candidate].deployment;
      throw new NoReadyPodsError(
        { kind: 'Deployment', namespace: spec.namespace, name: deployment },
        candidate,
        `has no ready pods; refusing to send it ${percent}% of the traffic`,
      );
    }
    // Checks must not be failing before more users see the candidate.
    const metrics = spec.checks.items.length > 0 ? clients.metrics : undefined;
    if ((current[candidate] > 0 || context.routes.record.mirrorPercent > 0) && metrics) {
      const streak = new CheckStreak();
      const { results, verdict, at } = await evaluateChecks({
        metrics,
        checks: spec.checks.items,
        sequential: context.sequential,
        context: checkContextOf(context),
        streak,
        log: context.log,
        clock: context.clock,
        signal: context.signal,
      });
      context.checks = [...results];
      if (verdict === 'fail') {
        throw new ChecksFailedError(evidenceOf(results), `checks failed before step ${index + 1}`, {
          firstFailureAt: streak.startedAt ?? at,
        });
      }
    }
  }
  return {
    change: {
      what: `weights ${describeWeights(target)}`,
      routes: { weights: target },
      record: (r) => ({
        ...r,
        weights: target,
        operation: {
          ...(r.operation as OperationRecord),
          stepIndex: index,
          stage: 'syncing',
          targetWeights: target,
          ...sequentialRecord(context),
        },
      }),
    },
  };
}

function mirrorStep(context: OperationContext, index: number, percent: number): StepOutcome {
  if (context.routes.record.mirrorPercent === percent) return;
  return {
    change: {
      what: `mirror ${percent}% to ${context.candidate}`,
      routes: { mirror: { slot: context.candidate, percentage: percent } },
      record: (r) => ({
        ...r,
        mirrorPercent: percent,
        operation: { ...(r.operation as OperationRecord), stepIndex: index, stage: 'syncing' },
      }),
    },
  };
}

async function bakeStep(
  context: OperationContext,
  index: number,
  total: number,
  durationMs: number,
): Promise<StepOutcome> {
  const { clock } = context;
  const op = context.routes.record.operation as OperationRecord;
  const resumedBake = op.stepIndex === index && op.stage === 'baking' && op.bakeStartedAt;
  const startedAt = resumedBake ? Date.parse(op.bakeStartedAt as string) : clock.now();
  if (!resumedBake) {
    await commitRecord(context, {
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
  const { ending } = await bake({
    clock,
    metrics: context.clients.metrics,
    checks: context.spec.checks,
    sequential: context.sequential,
    stableGetsTraffic: context.routes.record.weights[context.stable] > 0,
    context: checkContextOf(context),
    durationMs,
    alreadyBakedMs: Math.max(0, Math.min(durationMs, clock.now() - startedAt)),
    log: context.log,
    signal: context.signal,
    afterEvaluation: async (results) => {
      context.checks = [...results];
      // Someone may have moved the weights while we were measuring: stop, don't overwrite.
      await context.routes.refresh(context.signal);
      await commitRecord(context, {
        record: (r) => ({
          ...r,
          lastChecks: checkSummariesOf(results),
          operation: { ...(r.operation as OperationRecord), ...sequentialRecord(context) },
        }),
      });
    },
  });
  // checks.bakeEnd: pause, and the sequential checks had not decided: a human does.
  if (ending === 'pause') return pauseStep(context, index, total);
  return undefined;
}

/** The sequential checks' states for the operation record; nothing without such checks. */
function sequentialRecord(context: OperationContext): Pick<OperationRecord, 'sequential'> {
  return context.sequential.active ? { sequential: context.sequential.recorded() } : {};
}

async function pauseStep(
  context: OperationContext,
  index: number,
  total: number,
): Promise<StepOutcome> {
  await commitRecord(context, {
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
  return {
    ended: await finishOperation(
      context,
      'paused',
      `paused before step ${index + 2} of ${total}; run switchyard promote ${context.spec.service} to continue`,
    ),
  };
}
