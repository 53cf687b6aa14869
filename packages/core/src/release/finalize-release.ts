/**
 * The end of a release whose steps all passed: one last gated change removes the
 * pre-release route and the mirror and makes the candidate the active slot (recorded in
 * history); once the proxies have it, the old slot is scaled down when the strategy says so.
 */
import { checkSummariesOf } from './check-evaluation.js';
import { isoTime } from './clock.js';
import { emitPhaseChange, type GatedChange } from './gated-change.js';
import type { OperationContext } from './operation-context.js';
import { finishOperation } from './operation-summary.js';
import type { OperationSummary } from './release-events.js';
import { withHistory, type Slot } from './state-record.js';

/** The last change: the candidate serves 100% without pre-release route or mirror. */
export function finalChange(context: OperationContext): GatedChange {
  const { candidate, stable: previous } = context;
  const now = context.clock.now();
  return {
    what: 'finalize (remove pre-release route and mirror)',
    routes: { headerRoute: 'remove', mirror: 'remove' },
    record: (r) =>
      withHistory(
        {
          ...r,
          phase: 'released',
          activeSlot: candidate,
          candidateSlot: undefined,
          headerRoute: false,
          mirrorPercent: 0,
          operation: undefined,
          lastChecks: checkSummariesOf(context.checks),
        },
        {
          id: context.routes.record.operation?.id ?? context.id,
          fromSlot: previous,
          toSlot: candidate,
          image: r.images[candidate],
          outcome: 'released',
          startedAt: r.operation?.startedAt ?? isoTime(context.log.startedAt),
          endedAt: isoTime(now),
        },
      ),
  };
}

/** After the final change was confirmed: the phase event, the old slot, the summary. */
export async function completeRelease(context: OperationContext): Promise<OperationSummary> {
  const { spec, candidate, stable: previous } = context;
  emitPhaseChange(context, 'releasing', 'released');
  if (spec.strategy.scaleDownOld) await scaleDown(context, previous);
  return finishOperation(
    context,
    'released',
    `released ${context.routes.record.images[candidate] ?? 'the candidate'}: ${candidate} serves 100%; ${previous} ${
      spec.strategy.scaleDownOld ? 'was scaled down' : 'stays warm for an instant rollback'
    }`,
  );
}

async function scaleDown(context: OperationContext, slot: Slot): Promise<void> {
  const { spec } = context;
  const deployments = context.clients.kube.deployments;
  const name = spec.target.slots[slot].deployment;
  const deployment = await deployments.get(spec.namespace, name, { signal: context.signal });
  if (!deployment) return;
  await deployments.replace(
    { ...deployment, spec: { ...deployment.spec, replicas: 0 } },
    { signal: context.signal },
  );
  context.log.emit({
    type: 'warning',
    message: `scaled ${name} to 0 replicas (scaleDownOld); an instant rollback is no longer possible`,
  });
}
