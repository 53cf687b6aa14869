/**
 * The release engine: deploy, release, promote and rollback for one service, over the
 * ports in `ports.ts` and the Kubernetes access in `EngineKube`.
 *
 * Invariants it keeps:
 * - Everything that can be checked is checked before the lock is taken and before any
 *   write (bad input changes nothing, not even the Lease).
 * - Every route change and the release record that describes it leave in one JSON Patch;
 *   the record says which step is applied, so a re-run never applies a step twice.
 * - Every route change is followed by the proxy sync gate (and the data-plane verifier
 *   when enabled) before anything is measured or changed next, rollbacks included.
 * - A concurrent edit of the managed weights or of the record stops the operation without
 *   touching them.
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
import { isoTime } from './clock.js';
import { deployCandidate, type DeployOptions } from './deploy.js';
import { deployChanges, prereleaseHeaders } from './deploy-changes.js';
import { describeStep, describeWeights } from './describe-event.js';
import type { EngineDependencies, OperationOptions } from './operation-context.js';
import type { SyncStatusSummary } from './ports.js';
import { checkDeployable, checkReleasable } from './preconditions.js';
import { promoteRelease, type PromoteOptions } from './promote.js';
import { reconcileRecord } from './reconcile-record.js';
import { releaseCandidate } from './release.js';
import type { OperationSummary } from './release-events.js';
import { rollbackRelease } from './rollback.js';
import { loadServiceContext, readyPodCount, slotWithTraffic } from './service-context.js';
import {
  otherSlot,
  sameWeights,
  weightsFor,
  type CheckSummary,
  type OperationRecord,
  type ReleasePhase,
  type ReleaseRecord,
  type ReleaseStep,
  type Slot,
  type SlotWeights,
} from './state-record.js';

export type { EngineDependencies };

/** One slot in a status report. */
export interface SlotStatus {
  /** Deployment name. */
  deployment: string;
  /** Whether the Deployment exists. */
  exists: boolean;
  /** Image of the managed container; undefined when the Deployment does not exist. */
  image: string | undefined;
  /** Desired replicas. */
  replicas: number;
  /** Ready pods. */
  ready: number;
}

/** What `status` reports. */
export interface StatusReport {
  /** Service. */
  service: string;
  /** Namespace. */
  namespace: string;
  /** Recorded phase; `unmanaged` before switchyard's first operation. */
  phase: ReleasePhase | 'unmanaged';
  /** Slot serving users. */
  activeSlot: Slot;
  /** Slot of the deployed candidate, if any. */
  candidateSlot: Slot | undefined;
  /** Both slots. */
  slots: Record<Slot, SlotStatus>;
  /** Weights on the managed routes now. */
  weights: SlotWeights;
  /** Weights switchyard last applied; undefined before its first operation. */
  recordedWeights: SlotWeights | undefined;
  /** True when someone changed the weights since switchyard last wrote them. */
  weightsDiverged: boolean;
  /** Whether the pre-release header route is in place. */
  headerRoute: boolean;
  /** Percent mirrored to the candidate. */
  mirrorPercent: number;
  /** Current step of a release in progress or paused. */
  step: { index: number; total: number; stage: string; step: ReleaseStep } | undefined;
  /** The operation in progress, as recorded. */
  operation: OperationRecord | undefined;
  /** Latest check results. */
  lastChecks: readonly CheckSummary[];
  /** Who holds the release lock, if anyone. */
  lock: { holder: string; expiresAt: string; expired: boolean } | undefined;
  /** Proxy sync state now, or why it could not be read; undefined when not asked for. */
  sync: SyncStatusSummary | { error: string } | undefined;
  /** Why the last rollback or failure happened. */
  reason: string | undefined;
  /** For phase `failed`: the exact route state. */
  routeState: string | undefined;
  /** Recent releases, newest first. */
  history: ReleaseRecord['history'];
  /** When the record was last written. */
  updatedAt: string | undefined;
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

/** The release engine for one service, configured by a resolved spec. */
export class ReleaseEngine {
  readonly #spec: ResolvedReleaseSpec;
  readonly #deps: EngineDependencies;

  constructor(spec: ResolvedReleaseSpec, dependencies: EngineDependencies) {
    this.#spec = spec;
    this.#deps = dependencies;
  }

  // ---------------------------------------------------------------------------------------
  // deploy

  /** See `deployCandidate` (deploy.ts). */
  deploy(options: DeployOptions): Promise<OperationSummary> {
    return deployCandidate(this.#spec, this.#deps, options);
  }

  /** See `releaseCandidate` (release.ts). */
  release(options: OperationOptions = {}): Promise<OperationSummary> {
    return releaseCandidate(this.#spec, this.#deps, options);
  }

  /** See `promoteRelease` (promote.ts). */
  promote(options: PromoteOptions = {}): Promise<OperationSummary> {
    return promoteRelease(this.#spec, this.#deps, options);
  }

  /** See `rollbackRelease` (rollback.ts). */
  rollback(options: OperationOptions = {}): Promise<OperationSummary> {
    return rollbackRelease(this.#spec, this.#deps, options);
  }

  // ---------------------------------------------------------------------------------------
  // status

  /**
   * What is going on with the service, read-only: phase, slots with their images and
   * readiness, live and recorded weights, the current step, the lock holder, the proxies'
   * sync state and the last check results. Takes no lock and writes nothing.
   */
  async status(options: OperationOptions & { sync?: boolean } = {}): Promise<StatusReport> {
    const spec = this.#spec;
    const ctx = await loadServiceContext(this.#deps.kube, spec, options.signal);
    const record = ctx.record;
    const slots = {} as StatusReport['slots'];
    for (const slot of ['blue', 'green'] as const) {
      const deployment = ctx.deployments[slot];
      const containerName = spec.target.container;
      const containers = deployment?.spec.template.spec?.containers ?? [];
      const container = containerName
        ? containers.find((c) => c.name === containerName)
        : containers[0];
      slots[slot] = {
        deployment: spec.target.slots[slot].deployment,
        exists: deployment !== undefined,
        image: container?.image,
        replicas: deployment?.spec.replicas ?? 0,
        ready: deployment
          ? await readyPodCount(this.#deps.kube, spec, ctx.service, slot, options.signal)
          : 0,
      };
    }
    const lease = await this.#deps.kube.leases.get(spec.namespace, `switchyard-${spec.service}`, {
      signal: options.signal,
    });
    const holder = lease?.spec?.holderIdentity;
    const renewed = Date.parse(lease?.spec?.renewTime ?? lease?.spec?.acquireTime ?? '');
    const expiresAt =
      holder && !Number.isNaN(renewed)
        ? renewed + (lease?.spec?.leaseDurationSeconds ?? 0) * 1000
        : undefined;
    let sync: StatusReport['sync'];
    if (options.sync !== false) {
      try {
        sync = await this.#deps.syncGate.currentStatus(options.signal);
      } catch (error) {
        sync = { error: (error as Error).message };
      }
    }
    const op = record?.operation;
    const steps = op?.steps ?? [];
    return {
      service: spec.service,
      namespace: spec.namespace,
      phase: record?.phase ?? 'unmanaged',
      activeSlot: record?.activeSlot ?? slotWithTraffic(ctx.liveWeights),
      candidateSlot: record?.candidateSlot,
      slots,
      weights: ctx.liveWeights,
      recordedWeights: record?.weights,
      weightsDiverged: record !== undefined && !sameWeights(record.weights, ctx.liveWeights),
      headerRoute: record?.headerRoute ?? false,
      mirrorPercent: record?.mirrorPercent ?? 0,
      step:
        op?.kind === 'release' && steps.length > 0
          ? {
              index: op.stepIndex,
              total: steps.length,
              stage: op.stage,
              step: steps[Math.min(op.stepIndex, steps.length - 1)] as ReleaseStep,
            }
          : undefined,
      operation: op,
      lastChecks: record?.lastChecks ?? [],
      lock:
        holder && expiresAt !== undefined
          ? { holder, expiresAt: isoTime(expiresAt), expired: expiresAt <= this.#deps.clock.now() }
          : undefined,
      sync,
      reason: record?.reason,
      routeState: record?.routeState,
      history: record?.history ?? [],
      updatedAt: record?.updatedAt,
    };
  }

  // ---------------------------------------------------------------------------------------
  // plan

  /**
   * What `deploy` or `release` would change, as ordered diffs, without changing anything:
   * each change is computed exactly as the operation would, then sent with `dryRun=All` so
   * the API server (and Istio's webhook) validate it. Takes no lock.
   */
  async plan(options: {
    operation: 'deploy' | 'release';
    image?: string | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<PlanReport> {
    const spec = this.#spec;
    const ctx = await loadServiceContext(this.#deps.kube, spec, options.signal);
    const kind = options.operation;
    const record = reconcileRecord(spec, this.#deps, ctx, kind);
    const changes: PlannedObjectChange[] = [];
    const notes: string[] = [];
    const validateRoutes = async (
      before: VirtualService | DestinationRule,
      after: VirtualService | DestinationRule,
    ): Promise<void> => {
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
          before.kind === 'VirtualService'
            ? this.#deps.kube.virtualServices
            : this.#deps.kube.destinationRules;
        await api.patch(spec.namespace, before.metadata.name, change.patch, {
          dryRun: 'All',
          signal: options.signal,
        });
        changes.push({
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
    };
    if (kind === 'deploy') {
      if (!options.image) throw new UsageError('plan deploy needs --image');
      checkDeployable(spec, record);
      const candidate = otherSlot(record.activeSlot);
      const planned = deployChanges(spec, ctx, record, options.image);
      const deployment = planned.deployment.deployment;
      const before = ctx.deployments[candidate];
      if (planned.deployment.created)
        await this.#deps.kube.deployments.create(deployment, {
          dryRun: 'All',
          signal: options.signal,
        });
      else
        await this.#deps.kube.deployments.replace(deployment, {
          dryRun: 'All',
          signal: options.signal,
        });
      changes.push({
        object: { kind: 'Deployment', namespace: spec.namespace, name: deployment.metadata.name },
        description: `${planned.deployment.created ? 'create' : 'update'} Deployment ${spec.namespace}/${deployment.metadata.name}: image ${options.image}, ${deployment.spec.replicas ?? 1} replicas`,
        diff: deploymentDiff(before, deployment),
        validated: true,
      });
      if (planned.destinationRule)
        await validateRoutes(ctx.destinationRule, planned.destinationRule);
      const headers = prereleaseHeaders(spec);
      const after = headers
        ? setPrereleaseRoute(ctx.virtualService, ctx.target, { slot: candidate, headers })
        : removePrereleaseRoute(ctx.virtualService, ctx.target);
      await validateRoutes(ctx.virtualService, after);
      notes.push(
        `the candidate slot is ${candidate}; users keep ${record.activeSlot} (weights ${describeWeights(ctx.liveWeights)})`,
      );
    } else {
      if (record.phase === 'paused') {
        notes.push('the release is paused: run promote to continue');
      } else {
        checkReleasable(spec, this.#deps, ctx, record);
      }
      const candidate = record.candidateSlot as Slot;
      const steps =
        record.phase === 'deployed'
          ? [...spec.strategy.steps]
          : [...(record.operation?.steps ?? [])];
      const start = record.phase === 'deployed' ? 0 : (record.operation?.stepIndex ?? 0);
      const firstWeight = steps
        .slice(start)
        .find((step): step is { weight: number } => 'weight' in step);
      if (firstWeight) {
        const after = setSlotWeights(
          ctx.virtualService,
          ctx.target,
          weightsFor(candidate, firstWeight.weight),
        );
        await validateRoutes(ctx.virtualService, after);
      }
      const final = removeMirror(
        removePrereleaseRoute(
          setSlotWeights(ctx.virtualService, ctx.target, weightsFor(candidate, 100)),
          ctx.target,
        ),
        ctx.target,
      );
      const finalPlan = planRouteChanges({
        virtualServices: [{ before: ctx.virtualService, after: final }],
      });
      for (const change of finalPlan) {
        await this.#deps.kube.virtualServices.patch(
          spec.namespace,
          spec.target.virtualService,
          change.patch,
          { dryRun: 'All', signal: options.signal },
        );
        changes.push({
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
      notes.push(
        `steps from step ${start + 1}: ${steps.slice(start).map(describeStep).join(', ')}`,
      );
      return {
        operation: kind,
        service: spec.service,
        namespace: spec.namespace,
        changes,
        steps: steps.slice(start),
        notes,
      };
    }
    return {
      operation: kind,
      service: spec.service,
      namespace: spec.namespace,
      changes,
      steps: undefined,
      notes,
    };
  }
}
