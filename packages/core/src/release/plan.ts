/**
 * `plan`: what `deploy` or `release` would change, as ordered diffs, without changing
 * anything. Each change is computed exactly as the operation computes it (the same
 * preconditions, `deploy-changes.ts`, the same step plan), then sent with `dryRun=All`, so
 * the API server (and Istio's webhook) validate it. Takes no lock.
 */
import { dump } from 'js-yaml';
import { UsageError } from '../errors.js';
import { removeMirror } from '../istio/candidate-mirror.js';
import { removePrereleaseRoute, setPrereleaseRoute } from '../istio/prerelease-route.js';
import { planRouteChanges } from '../istio/route-plan.js';
import { setSlotWeights } from '../istio/slot-weights.js';
import type { DestinationRule, VirtualService } from '../istio/types.js';
import { renderUnifiedDiff } from '../istio/unified-diff.js';
import type { Deployment } from '../kube/kube-types.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { deployChanges, prereleaseHeaders } from './deploy-changes.js';
import { describeStep, describeWeights } from './describe-event.js';
import type { EngineDependencies } from './operation-context.js';
import { checkDeployable, checkReleasable } from './preconditions.js';
import { reconcileRecord } from './reconcile-record.js';
import { loadServiceContext, type ServiceContext } from './service-context.js';
import {
  otherSlot,
  weightsFor,
  type ReleaseRecord,
  type ReleaseStep,
  type Slot,
} from './state-record.js';
import { remainingPlan } from './step-plan.js';

/** Options of `plan`. */
export interface PlanOptions {
  /** The operation to plan. */
  operation: 'deploy' | 'release';
  /** Image to deploy; required for `deploy`. */
  image?: string | undefined;
  /** Aborts the reads and the dry runs. */
  signal?: AbortSignal | undefined;
}

/** One object change in a plan. */
export interface PlannedObjectChange {
  /** The object. */
  object: { kind: string; namespace: string | undefined; name: string };
  /** One line. */
  description: string;
  /** Unified diff of the YAML before and after. */
  diff: string;
  /** True when the API server accepted it with `dryRun=All`. */
  validated: boolean;
}

/** What `plan` reports. */
export interface PlanReport {
  /** The planned operation. */
  operation: 'deploy' | 'release';
  /** Service. */
  service: string;
  /** Namespace. */
  namespace: string;
  /** Ordered changes (make before break), each validated by the API server. */
  changes: PlannedObjectChange[];
  /** Release steps still to run; undefined for deploy. */
  steps: ReleaseStep[] | undefined;
  /** Notes for a human. */
  notes: string[];
}

/** The diff of the Deployment fields switchyard sets. */
function deploymentDiff(before: Deployment | undefined, after: Deployment): string {
  // Only the parts switchyard sets: status and server metadata would be noise.
  const view = (d: Deployment | undefined): string =>
    d
      ? dump(
          {
            metadata: {
              name: d.metadata.name,
              namespace: d.metadata.namespace,
              labels: d.metadata.labels,
            },
            spec: {
              replicas: d.spec.replicas,
              selector: d.spec.selector,
              template: d.spec.template,
            },
          },
          { noRefs: true, lineWidth: -1 },
        )
      : '';
  const label = `Deployment/${after.metadata.namespace ?? ''}/${after.metadata.name}`;
  return renderUnifiedDiff(view(before), view(after), {
    beforeLabel: before ? `a/${label}` : '/dev/null',
    afterLabel: `b/${label}`,
  });
}

/** Plans `options.operation` for `spec`'s service; every change validated with `dryRun=All`. */
export async function planOperation(
  spec: ResolvedReleaseSpec,
  deps: EngineDependencies,
  options: PlanOptions,
): Promise<PlanReport> {
  const service = await loadServiceContext(deps.kube, spec, options.signal);
  const kind = options.operation;
  const record = reconcileRecord(spec, deps, service, kind);
  const planning: Planning = {
    spec,
    deps,
    service,
    record,
    signal: options.signal,
    changes: [],
    notes: [],
  };
  let steps: ReleaseStep[] | undefined;
  if (kind === 'deploy') {
    if (!options.image) throw new UsageError('plan deploy needs --image');
    await planDeploy(planning, options.image);
  } else {
    steps = await planRelease(planning);
  }
  return {
    operation: kind,
    service: spec.service,
    namespace: spec.namespace,
    changes: planning.changes,
    steps,
    notes: planning.notes,
  };
}

/** What planning works on, and what it found so far. */
interface Planning {
  spec: ResolvedReleaseSpec;
  deps: EngineDependencies;
  service: ServiceContext;
  record: ReleaseRecord;
  signal: AbortSignal | undefined;
  changes: PlannedObjectChange[];
  notes: string[];
}

/** Validates a route change with `dryRun=All` and adds it to the plan. */
async function validateRoutes(
  planning: Planning,
  before: VirtualService | DestinationRule,
  after: VirtualService | DestinationRule,
): Promise<void> {
  const { spec, deps } = planning;
  const planned = planRouteChanges(
    before.kind === 'VirtualService'
      ? {
          virtualServices: [{ before: before, after: after }],
        }
      : {
          destinationRules: [
            { before: before as DestinationRule, after: after as DestinationRule },
          ],
        },
  );
  for (const change of planned) {
    const api =
      before.kind === 'VirtualService' ? deps.kube.virtualServices : deps.kube.destinationRules;
    await api.patch(spec.namespace, before.metadata.name, change.patch, {
      dryRun: 'All',
      signal: planning.signal,
    });
    planning.changes.push({
      object: {
        kind: change.object.kind,
        namespace: change.object.namespace,
        name: change.object.name,
      },
      description: change.description,
      diff: change.diff,
      validated: true,
    });
  }
}

/** The candidate Deployment, the DestinationRule subsets, the pre-release route. */
async function planDeploy(planning: Planning, image: string): Promise<void> {
  const { spec, deps, service, record, signal } = planning;
  checkDeployable(spec, record);
  const candidate = otherSlot(record.activeSlot);
  const planned = deployChanges(spec, service, record, image);
  const deployment = planned.deployment.deployment;
  const before = service.deployments[candidate];
  if (planned.deployment.created)
    await deps.kube.deployments.create(deployment, { dryRun: 'All', signal });
  else await deps.kube.deployments.replace(deployment, { dryRun: 'All', signal });
  planning.changes.push({
    object: { kind: 'Deployment', namespace: spec.namespace, name: deployment.metadata.name },
    description: `${planned.deployment.created ? 'create' : 'update'} Deployment ${spec.namespace}/${deployment.metadata.name}: image ${image}, ${deployment.spec.replicas ?? 1} replicas`,
    diff: deploymentDiff(before, deployment),
    validated: true,
  });
  if (planned.destinationRule)
    await validateRoutes(planning, service.destinationRule, planned.destinationRule);
  const headers = prereleaseHeaders(spec);
  const after = headers
    ? setPrereleaseRoute(service.virtualService, service.target, { slot: candidate, headers })
    : removePrereleaseRoute(service.virtualService, service.target);
  await validateRoutes(planning, service.virtualService, after);
  planning.notes.push(
    `the candidate slot is ${candidate}; users keep ${record.activeSlot} (weights ${describeWeights(service.liveWeights)})`,
  );
}

/** The first weight step and the routes after the last step; returns the steps still to run. */
async function planRelease(planning: Planning): Promise<ReleaseStep[]> {
  const { spec, deps, service, record, signal } = planning;
  if (record.phase === 'paused') {
    planning.notes.push('the release is paused: run promote to continue');
  } else {
    checkReleasable(spec, deps, service, record);
  }
  const candidate = record.candidateSlot as Slot;
  const { steps, start } = remainingPlan(spec, record);
  const firstWeight = steps
    .slice(start)
    .find((step): step is { weight: number } => 'weight' in step);
  if (firstWeight) {
    const after = setSlotWeights(
      service.virtualService,
      service.target,
      weightsFor(candidate, firstWeight.weight),
    );
    await validateRoutes(planning, service.virtualService, after);
  }
  const final = removeMirror(
    removePrereleaseRoute(
      setSlotWeights(service.virtualService, service.target, weightsFor(candidate, 100)),
      service.target,
    ),
    service.target,
  );
  const finalPlan = planRouteChanges({
    virtualServices: [{ before: service.virtualService, after: final }],
  });
  for (const change of finalPlan) {
    await deps.kube.virtualServices.patch(
      spec.namespace,
      spec.target.virtualService,
      change.patch,
      { dryRun: 'All', signal },
    );
    planning.changes.push({
      object: {
        kind: 'VirtualService',
        namespace: spec.namespace,
        name: spec.target.virtualService,
      },
      description: `after the last step: ${change.description}`,
      diff: change.diff,
      validated: true,
    });
  }
  planning.notes.push(
    `steps from step ${start + 1}: ${steps.slice(start).map(describeStep).join(', ')}`,
  );
  return steps.slice(start);
}
