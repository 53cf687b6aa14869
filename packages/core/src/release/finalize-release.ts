/**
 * The end of a release whose steps all passed: remove the pre-release route and the
 * mirror, make the candidate the active slot (recorded in history), and scale the old slot
 * down when the strategy says so.
 */
import { removeMirror } from '../istio/candidate-mirror.js';
import { removePrereleaseRoute } from '../istio/prerelease-route.js';
import { checkSummariesOf } from './bake-checks.js';
import { isoTime } from './clock.js';
import type { OperationContext } from './operation-context.js';
import { finishOperation } from './operation-summary.js';
import { emitPhaseChange } from './record-commit.js';
import type { OperationSummary } from './release-events.js';
import { applyRouteChange } from './route-change.js';
import { withHistory, type Slot } from './state-record.js';
import { rollBackUnconfirmed } from './verified-rollback.js';

/** Last step: the candidate serves 100% without pre-release route or mirror. */
export async function finalizeRelease(context: OperationContext): Promise<OperationSummary> {
  const { spec, service, candidate, stable: previous } = context;
  const now = context.clock.now();
  const what = 'finalize (remove pre-release route and mirror)';
  await applyRouteChange(
    context,
    {
      what,
      routes: (vs) => removeMirror(removePrereleaseRoute(vs, service.target), service.target),
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
            id: context.state.record.operation?.id ?? context.id,
            fromSlot: previous,
            toSlot: candidate,
            image: r.images[candidate],
            outcome: 'released',
            startedAt: r.operation?.startedAt ?? isoTime(context.log.startedAt),
            endedAt: isoTime(now),
          },
        ),
    },
    rollBackUnconfirmed(context, what),
  );
  emitPhaseChange(context, 'releasing', 'released');
  if (spec.strategy.scaleDownOld) await scaleDown(context, previous);
  return finishOperation(
    context,
    'released',
    `released ${context.state.record.images[candidate] ?? 'the candidate'}: ${candidate} serves 100%; ${previous} ${
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
