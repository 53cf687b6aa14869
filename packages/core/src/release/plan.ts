/**
 * `plan`: what `deploy` or `release` would change, as ordered diffs, without changing
 * anything. Each change is computed exactly as the operation computes it (the same
 * preconditions, `deploy-changes.ts`, the same step plan), then sent with `dryRun=All`, so
 * the API server (and Istio's webhook) validate it. Takes no lock.
 */
import { dump } from 'js-yaml';
import { UsageError } from '../errors.js';
import { renderUnifiedDiff } from '../json-diff/unified-diff.js';
import type { Deployment, KubeObject } from '../kube/kube-types.js';
import { applyRouteEdit } from '../routing/route-edit.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { deployChanges, prereleaseRouteEdit } from './deploy-changes.js';
import { plannedChecks, sequentialSettingsText, type PlannedCheck } from './check-plan.js';
import { describeStep, describeWeights } from './describe-event.js';
import type { OperationDependencies } from './operation-dependencies.js';
import { checkDeployable, checkReleasable } from './preconditions.js';
import { reconcileRecord } from './reconcile-record.js';
import { readReleaseObjects, type ReleaseObjects } from './release-objects.js';
import { describeDataplanePath, SIDECAR_PATH } from '../dataplane/dataplane-path.js';
import {
  isInProgress,
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
  /**
   * A release's checks: how each decides, and the evidence a sequential check has gathered
   * so far (a release in progress); undefined for deploy.
   */
  checks: PlannedCheck[] | undefined;
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
  deps: OperationDependencies,
  options: PlanOptions,
): Promise<PlanReport> {
  const objects = await readReleaseObjects(deps.kube, spec, options.signal);
  const kind = options.operation;
  const record = reconcileRecord(spec, deps, objects, kind);
  const planning: Planning = {
    spec,
    deps,
    objects,
    record,
    signal: options.signal,
    changes: [],
    notes: [`data plane: ${describeDataplanePath(objects.routing.dataplane ?? SIDECAR_PATH)}`],
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
    checks:
      kind === 'release'
        ? plannedChecks(
            spec.checks,
            record.operation?.kind === 'release' && isInProgress(record.phase)
              ? record.operation.sequential
              : undefined,
          )
        : undefined,
  };
}

/** What planning works on, and what it found so far. */
interface Planning {
  spec: ResolvedReleaseSpec;
  deps: OperationDependencies;
  objects: ReleaseObjects;
  record: ReleaseRecord;
  signal: AbortSignal | undefined;
  changes: PlannedObjectChange[];
  notes: string[];
}

/**
 * Validates the write taking the routing object as read to `after` with `dryRun=All` and
 * adds it to the plan (nothing when they are equal).
 */
async function planRoutingWrite(planning: Planning, after: KubeObject, prefix = ''): Promise<void> {
  const { backend, routing } = planning.objects;
  const write = backend.planWrite(routing.object, after, { pinManagedRoutes: false });
  if (!write) return;
  await backend.patch(write.patch, { dryRun: 'All', signal: planning.signal });
  const { kind, namespace, name } = backend.ref;
  planning.changes.push({
    object: { kind, namespace, name },
    description: `${prefix}${write.description}`,
    diff: write.diff,
    validated: true,
  });
}

/** The candidate Deployment, the slot destinations, the pre-release route. */
async function planDeploy(planning: Planning, image: string): Promise<void> {
  const { spec, deps, objects, record, signal } = planning;
  checkDeployable(spec, record);
  const candidate = otherSlot(record.activeSlot);
  const planned = deployChanges(spec, objects, record, image);
  const deployment = planned.deployment.deployment;
  const before = objects.deployments[candidate];
  if (planned.deployment.created)
    await deps.kube.deployments.create(deployment, { dryRun: 'All', signal });
  else await deps.kube.deployments.replace(deployment, { dryRun: 'All', signal });
  planning.changes.push({
    object: { kind: 'Deployment', namespace: spec.namespace, name: deployment.metadata.name },
    description: `${planned.deployment.created ? 'create' : 'update'} Deployment ${spec.namespace}/${deployment.metadata.name}: image ${image}, ${deployment.spec.replicas ?? 1} replicas`,
    diff: deploymentDiff(before, deployment),
    validated: true,
  });
  for (const change of planned.slotDestinations?.changes ?? []) {
    await change.write({ dryRun: 'All', signal });
    const { kind, namespace, name } = change.object;
    planning.changes.push({
      object: { kind, namespace, name },
      description: change.description,
      diff: change.diff,
      validated: true,
    });
  }
  const { backend, routing } = objects;
  await planRoutingWrite(
    planning,
    applyRouteEdit(backend, routing.object, prereleaseRouteEdit(spec, candidate)),
  );
  planning.notes.push(
    `the candidate slot is ${candidate}; users keep ${record.activeSlot} (weights ${describeWeights(objects.liveWeights)})`,
  );
}

/** The first weight step and the routes after the last step; returns the steps still to run. */
async function planRelease(planning: Planning): Promise<ReleaseStep[]> {
  const { spec, deps, objects, record } = planning;
  if (record.phase === 'paused') {
    planning.notes.push('the release is paused: run promote to continue');
  } else {
    checkReleasable(spec, deps, objects, record);
  }
  const candidate = record.candidateSlot as Slot;
  const { steps, start } = remainingPlan(spec, record);
  const firstWeight = steps
    .slice(start)
    .find((step): step is { weight: number } => 'weight' in step);
  const { backend, routing } = objects;
  if (firstWeight) {
    const weights = weightsFor(candidate, firstWeight.weight);
    await planRoutingWrite(planning, applyRouteEdit(backend, routing.object, { weights }));
  }
  const final = applyRouteEdit(backend, routing.object, {
    weights: weightsFor(candidate, 100),
    headerRoute: 'remove',
    mirror: 'remove',
  });
  await planRoutingWrite(planning, final, 'after the last step: ');
  planning.notes.push(
    `steps from step ${start + 1}: ${steps.slice(start).map(describeStep).join(', ')}`,
  );
  // Which requests the built-in checks count, reporter first (the waypoint's in ambient).
  if (spec.checks.items.length > 0)
    planning.notes.push(
      `checks count the candidate's requests as istio_requests_total{${backend.requestSelector(candidate)}}`,
    );
  const sequential = sequentialSettingsText(spec.checks, objects.routing.dataplane ?? SIDECAR_PATH);
  if (sequential !== undefined) planning.notes.push(sequential);
  return steps.slice(start);
}
