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
import { randomUUID } from 'node:crypto';
import {
  ConcurrentEditError,
  InvalidStateError,
  LockLostError,
  PreflightError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  SyncTimeoutError,
  UsageError,
  describeRef,
  type CheckEvidence,
  type RollbackReason,
  type UnsyncedProxy,
} from '../errors.js';
import { removeMirror } from '../istio/candidate-mirror.js';
import { removePrereleaseRoute, setPrereleaseRoute } from '../istio/prerelease-route.js';
import { planRouteChanges } from '../istio/route-plan.js';
import { readSlotWeights, setSlotWeights } from '../istio/slot-weights.js';
import type { DestinationRule, VirtualService } from '../istio/types.js';
import type { Deployment } from '../kube/kube-types.js';
import { renderUnifiedDiff } from '../istio/unified-diff.js';
import { dump } from 'js-yaml';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { deployCandidate, type DeployOptions } from './deploy.js';
import type { EngineDependencies } from './operation-context.js';
import { deployChanges, prereleaseHeaders } from './deploy-changes.js';
import { checkDeployable, checkReleasable } from './preconditions.js';
import { promoteRelease, type PromoteOptions } from './promote.js';
import { releaseCandidate } from './release.js';
import { describeStep, describeWeights } from './describe-event.js';
import { LeaseLock, type LockHandle } from './lease-lock.js';
import { OperationLog } from './operation-log.js';
import type { CheckResult, SyncSnapshot, SyncStatusSummary } from './ports.js';
import { RecordedVirtualService } from './recorded-virtual-service.js';
import type {
  OperationKind,
  OperationOutcome,
  OperationSummary,
  RollbackSummary,
} from './release-events.js';
import {
  loadServiceContext,
  readyPodCount,
  slotWithTraffic,
  type ServiceContext,
} from './service-context.js';
import {
  initialRecord,
  otherSlot,
  withHistory,
  type CheckSummary,
  type OperationRecord,
  type ReleasePhase,
  type ReleaseRecord,
  type ReleaseStep,
  type Slot,
  type SlotWeights,
  sameWeights,
} from './state-record.js';

export type { EngineDependencies };

/** Options of `release` and `rollback`. */
export interface OperationOptions {
  /** Aborts the operation. */
  signal?: AbortSignal | undefined;
}

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

/** State of one running operation. */
interface Run {
  kind: OperationKind;
  id: string;
  log: OperationLog;
  lock: LockHandle;
  signal: AbortSignal;
  ctx: ServiceContext;
  vs: RecordedVirtualService;
  resumed: boolean;
  checks: CheckResult[];
  /** Slot that had the traffic when the release started (the rollback target). */
  stable: Slot;
  candidate: Slot;
}

const IN_PROGRESS: readonly ReleasePhase[] = ['releasing', 'paused', 'rolling-back'];

function weightsFor(slot: Slot, percent: number): SlotWeights {
  return slot === 'blue'
    ? { blue: percent, green: 100 - percent }
    : { blue: 100 - percent, green: percent };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function summariesOf(results: readonly CheckResult[]): CheckSummary[] {
  return results.map((r) => ({
    name: r.name,
    outcome: r.outcome,
    ...(r.value !== undefined && !Number.isNaN(r.value) ? { value: r.value } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    at: iso(r.at),
  }));
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

  // ---------------------------------------------------------------------------------------
  // rollback

  /**
   * Returns all traffic to the stable slot: during a release (or after a deploy), to the
   * slot that was active; after a finished release, back to the previous slot while it still
   * runs. Removes the mirror and the pre-release route; waits for proxy sync.
   */
  async rollback(options: OperationOptions = {}): Promise<OperationSummary> {
    const log = this.#newLog();
    const preflight = await loadServiceContext(this.#deps.kube, this.#spec, options.signal);
    const record0 = preflight.record;
    if (!record0 || record0.phase === 'idle') {
      throw new InvalidStateError(
        'rollback',
        record0?.phase ?? 'idle',
        `nothing to roll back: no release of ${this.#spec.service} is recorded`,
      );
    }
    await this.#rollbackTarget(preflight, record0, options.signal);
    return this.#locked('rollback', log, options.signal, async (run) => {
      const record = run.vs.record;
      const { stable, candidate } = await this.#rollbackTarget(run.ctx, record, run.signal);
      run.stable = stable;
      run.candidate = candidate;
      const target = weightsFor(stable, 100);
      if (
        record.phase === 'rolled-back' &&
        sameWeights(record.weights, target) &&
        !record.headerRoute &&
        record.mirrorPercent === 0
      ) {
        return this.#finish(
          run,
          'no-op',
          `${this.#spec.service} is already rolled back: ${stable} serves 100%`,
        );
      }
      try {
        return await this.#rollback(run, 'manual', 'rollback requested', {});
      } catch (error) {
        // A verified manual rollback is the requested outcome, not a failure.
        if (error instanceof ReleaseRolledBackError) return error.summary as OperationSummary;
        throw error;
      }
    });
  }

  async #rollbackTarget(
    ctx: ServiceContext,
    record: ReleaseRecord,
    signal?: AbortSignal,
  ): Promise<{ stable: Slot; candidate: Slot }> {
    if (record.phase === 'released') {
      const previous = record.history[0]?.fromSlot ?? otherSlot(record.activeSlot);
      const ready = await readyPodCount(this.#deps.kube, this.#spec, ctx.service, previous, signal);
      if (ready === 0) {
        throw new PreflightError([
          {
            object: {
              kind: 'Deployment',
              namespace: this.#spec.namespace,
              name: this.#spec.target.slots[previous].deployment,
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

  /**
   * Rolls back to `run.stable` and verifies it. Never returns normally: throws
   * ReleaseRolledBackError when every proxy acked the stable routes, RollbackUnverifiedError
   * (after recording phase `failed` with the exact route state) when not.
   */
  async #rollback(
    run: Run,
    reason: RollbackReason,
    message: string,
    details: {
      evidence?: readonly CheckEvidence[];
      stale?: readonly UnsyncedProxy[];
      firstFailureAt?: number;
      cause?: unknown;
    },
  ): Promise<never> {
    const clock = this.#deps.clock;
    const firstFailureAt = details.firstFailureAt ?? clock.now();
    const target = weightsFor(run.stable, 100);
    const previousPhase = run.vs.record.phase;
    run.log.emit({ type: 'rollback-started', reason, message });
    const removeHeader = this.#spec.rollback.removeHeaderRoute || previousPhase === 'released';
    const rollback: RollbackSummary = {
      reason,
      message,
      firstFailureAt: iso(firstFailureAt),
      restoredAt: undefined,
      timeToRestoreMs: undefined,
      evidence: details.evidence ?? [],
      staleProxies: details.stale ?? [],
      verified: false,
    };
    const released = previousPhase === 'released';
    let acceptedAt: number | undefined;
    try {
      const snapshot = await this.#deps.syncGate.snapshot(run.signal);
      const result = await this.#commit(run, {
        routes: (vs) => {
          let next = setSlotWeights(vs, run.ctx.target, target);
          next = removeMirror(next, run.ctx.target);
          return removeHeader ? removePrereleaseRoute(next, run.ctx.target) : next;
        },
        record: (r) => ({
          ...r,
          phase: 'rolling-back',
          weights: target,
          mirrorPercent: 0,
          headerRoute: removeHeader ? false : r.headerRoute,
          reason: message,
          ...(released ? { activeSlot: run.stable, candidateSlot: run.candidate } : {}),
          operation: {
            ...(r.operation ?? {
              kind: 'rollback',
              id: run.id,
              startedAt: iso(run.log.startedAt),
              stepIndex: 0,
            }),
            stage: 'syncing',
            changeAt: iso(clock.now()),
          },
        }),
      });
      acceptedAt = clock.now();
      if (previousPhase !== 'rolling-back') this.#phase(run, previousPhase, 'rolling-back');
      if (result.routesChanged) {
        this.#emitApplied(run, result.description, result.resourceVersion, target);
        await this.#gate(run, snapshot, 'rollback to the stable routes');
      }
    } catch (error) {
      if (error instanceof LockLostError || (run.signal.aborted && run.signal.reason === error))
        throw error;
      return this.#rollbackUnverified(run, rollback, error, acceptedAt, target);
    }
    const restoredAt = clock.now();
    rollback.restoredAt = iso(restoredAt);
    rollback.timeToRestoreMs = restoredAt - firstFailureAt;
    rollback.verified = true;
    await this.#commit(run, {
      record: (r) =>
        withHistory(
          {
            ...r,
            phase: 'rolled-back',
            operation: undefined,
            lastChecks: summariesOf(run.checks),
            routeState: undefined,
          },
          {
            id: r.operation?.id ?? run.id,
            fromSlot: run.stable,
            toSlot: run.candidate,
            image: r.images[run.candidate],
            outcome: 'rolled-back',
            reason: message,
            startedAt: r.operation?.startedAt ?? iso(run.log.startedAt),
            endedAt: iso(restoredAt),
          },
        ),
    });
    run.log.emit({
      type: 'rollback-completed',
      verified: true,
      timeToRestoreMs: rollback.timeToRestoreMs,
    });
    this.#phase(run, 'rolling-back', 'rolled-back');
    const summary = await this.#finish(
      run,
      'rolled-back',
      `rolled back to ${run.stable} (${reason}): ${message}`,
      rollback,
    );
    throw new ReleaseRolledBackError(
      reason,
      `rolled back ${this.#spec.service} to ${run.stable}: ${message}`,
      summary,
      {
        cause: details.cause,
      },
    );
  }

  async #rollbackUnverified(
    run: Run,
    rollback: RollbackSummary,
    error: unknown,
    acceptedAt: number | undefined,
    target: SlotWeights,
  ): Promise<never> {
    const stale = error instanceof SyncTimeoutError ? error.unsynced : [];
    rollback.staleProxies = [...rollback.staleProxies, ...stale];
    const ref = describeRef({
      kind: 'VirtualService',
      namespace: this.#spec.namespace,
      name: this.#spec.target.virtualService,
    });
    let routeState: string;
    if (acceptedAt !== undefined && error instanceof SyncTimeoutError) {
      routeState =
        `${ref} routes ${describeWeights(target)} (rollback accepted at ${iso(acceptedAt)}); ` +
        `${error.synced}/${error.total} proxies confirmed it; not confirmed (may still use the previous routes): ` +
        stale.map((p) => `${p.proxy} via ${p.istiod} (${p.state})`).join(', ');
    } else {
      let live = 'unknown (could not read it)';
      try {
        const vs = await this.#deps.kube.virtualServices.get(
          this.#spec.namespace,
          this.#spec.target.virtualService,
          {},
        );
        if (vs) live = describeWeights(readSlotWeights(vs, run.ctx.target));
      } catch {
        // Keep "unknown": the API is what failed.
      }
      routeState = `the rollback write failed (${(error as Error).message}); ${ref} currently routes ${live}`;
    }
    await this.#commit(run, {
      record: (r) => ({ ...r, phase: 'failed', routeState, reason: rollback.message }),
    }).catch(() => undefined);
    run.log.emit({ type: 'rollback-completed', verified: false, timeToRestoreMs: undefined });
    const summary = await this.#finish(
      run,
      'rollback-unverified',
      `rollback could not be verified: ${routeState}`,
      rollback,
    );
    throw new RollbackUnverifiedError(
      `the rollback of ${this.#spec.service} could not be verified; a human must look`,
      routeState,
      summary,
      {
        cause: error,
      },
    );
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
          ? { holder, expiresAt: iso(expiresAt), expired: expiresAt <= this.#deps.clock.now() }
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
    const record = this.#reconcile(ctx, kind);
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

  // ---------------------------------------------------------------------------------------
  // shared machinery

  #newLog(): OperationLog {
    return new OperationLog({
      clock: this.#deps.clock,
      onEvent: this.#deps.onEvent,
      events: this.#deps.kube.events,
    });
  }

  /**
   * The record to work from: the stored one, or a fresh one when there is none. Throws when
   * the live weights contradict it in a way switchyard cannot safely adopt.
   */
  #reconcile(ctx: ServiceContext, operation: string): ReleaseRecord {
    const now = this.#deps.clock.now();
    const live = ctx.liveWeights;
    const single = live.blue === 100 || live.green === 100;
    const ref = {
      kind: 'VirtualService',
      namespace: this.#spec.namespace,
      name: this.#spec.target.virtualService,
    };
    if (!ctx.record) {
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
        const container = ctx.deployments[slot]?.spec.template.spec?.containers?.[0];
        if (container?.image) images[slot] = container.image;
      }
      return {
        ...initialRecord({
          service: this.#spec.service,
          namespace: this.#spec.namespace,
          activeSlot: slotWithTraffic(live),
          holder: this.#deps.holderIdentity,
          now: new Date(now),
          images,
        }),
        weights: live,
      };
    }
    const record = ctx.record;
    if (sameWeights(record.weights, live)) return record;
    // A rollback restores the stable slot from whatever the routes are now, including a
    // split someone made by hand: that is what it is for.
    if (operation === 'rollback') return { ...record, weights: live };
    if (IN_PROGRESS.includes(record.phase)) {
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

  /** Takes the lock, re-reads everything, runs `body`, releases the lock. */
  async #locked(
    kind: OperationKind,
    log: OperationLog,
    signal: AbortSignal | undefined,
    body: (run: Run) => Promise<OperationSummary>,
  ): Promise<OperationSummary> {
    const lock = await new LeaseLock({
      api: this.#deps.kube.leases,
      clock: this.#deps.clock,
      namespace: this.#spec.namespace,
      service: this.#spec.service,
      holderIdentity: this.#spec.lock.holderIdentity ?? this.#deps.holderIdentity,
      leaseDurationMs: this.#spec.lock.leaseDurationMs,
    }).acquire();
    try {
      const runSignal = signal ? AbortSignal.any([signal, lock.signal]) : lock.signal;
      const ctx = await loadServiceContext(this.#deps.kube, this.#spec, runSignal);
      const record = this.#reconcile(ctx, kind);
      log.attachTo({
        apiVersion: ctx.virtualService.apiVersion,
        kind: 'VirtualService',
        metadata: {
          name: ctx.virtualService.metadata.name,
          namespace: ctx.virtualService.metadata.namespace,
          uid: ctx.virtualService.metadata.uid,
        },
      });
      const id =
        kind === 'release' && record.operation?.kind === 'release'
          ? record.operation.id
          : this.#newId();
      const run: Run = {
        kind,
        id,
        log,
        lock,
        signal: runSignal,
        ctx,
        vs: new RecordedVirtualService({
          api: this.#deps.kube.virtualServices,
          target: ctx.target,
          virtualService: ctx.virtualService,
          record,
        }),
        resumed: false,
        checks: [],
        stable: record.activeSlot,
        candidate: record.candidateSlot ?? otherSlot(record.activeSlot),
      };
      const resumed = kind === 'release' && IN_PROGRESS.includes(record.phase);
      log.emit({
        type: 'operation-started',
        operation: kind,
        id,
        service: this.#spec.service,
        namespace: this.#spec.namespace,
        resumed,
      });
      return await body(run);
    } catch (error) {
      throw runSignalReason(error, lock);
    } finally {
      await lock.release();
      await log.flush();
    }
  }

  #newId(): string {
    return this.#deps.newOperationId?.() ?? randomUUID().slice(0, 8);
  }

  /** Commits through the recorded VirtualService, stamping holder and time. */
  #commit(
    run: Run,
    change: {
      routes?: (vs: VirtualService) => VirtualService;
      record: (r: ReleaseRecord) => ReleaseRecord;
    },
  ) {
    return run.vs.commit(
      {
        routes: change.routes,
        record: (r) => ({
          ...change.record(r),
          holder: this.#spec.lock.holderIdentity ?? this.#deps.holderIdentity,
        }),
        now: this.#deps.clock.now(),
      },
      { signal: run.signal },
    );
  }

  #emitApplied(
    run: Run,
    description: string,
    resourceVersion: string | undefined,
    weights: SlotWeights,
  ): void {
    run.log.emit({
      type: 'routes-applied',
      object: run.vs.ref,
      description,
      resourceVersion,
      weights,
    });
  }

  async #gate(run: Run, snapshot: SyncSnapshot, reason: string): Promise<void> {
    run.log.emit({ type: 'sync-started', reason });
    const report = await this.#deps.syncGate.waitForSync(snapshot, {
      timeoutMs: this.#spec.sync.timeoutMs,
      signal: run.signal,
      onProgress: (progress) =>
        run.log.emit({
          type: 'sync-progress',
          synced: progress.synced,
          total: progress.total,
          elapsedMs: progress.elapsedMs,
          slowest: progress.pending.slice(0, 5),
        }),
    });
    if (report.total === 0) {
      run.log.emit({
        type: 'warning',
        message:
          'no proxies in the sync scope: nothing to wait for (check sync.scope and sidecar injection)',
      });
    }
    run.log.emit({
      type: 'sync-completed',
      synced: report.synced,
      total: report.total,
      durationMs: report.completedAt - report.startedAt,
    });
  }

  #phase(run: Run, previous: ReleasePhase | undefined, phase: ReleasePhase): void {
    if (previous !== phase) run.log.emit({ type: 'phase-changed', phase, previous });
  }

  async #finish(
    run: Run,
    outcome: OperationOutcome,
    message: string,
    rollback?: RollbackSummary,
  ): Promise<OperationSummary> {
    run.log.emit({ type: 'operation-finished', outcome });
    await run.log.flush();
    return this.#summary({
      kind: run.kind,
      id: run.id,
      log: run.log,
      record: run.vs.record,
      outcome,
      resumed: run.resumed,
      checks: run.checks,
      rollback,
      message,
    });
  }

  #summary(fields: {
    kind: OperationKind;
    id: string;
    log: OperationLog;
    record: ReleaseRecord;
    outcome: OperationOutcome;
    resumed: boolean;
    checks: readonly CheckResult[];
    rollback: RollbackSummary | undefined;
    message: string;
  }): OperationSummary {
    const now = this.#deps.clock.now();
    return {
      operation: fields.kind,
      id: fields.id,
      service: this.#spec.service,
      namespace: this.#spec.namespace,
      outcome: fields.outcome,
      phase: fields.record.phase,
      activeSlot: fields.record.activeSlot,
      candidateSlot: fields.record.candidateSlot,
      weights: fields.record.weights,
      resumed: fields.resumed,
      startedAt: iso(fields.log.startedAt),
      finishedAt: iso(now),
      durationMs: now - fields.log.startedAt,
      timeline: fields.log.timeline(),
      checks: fields.checks,
      rollback: fields.rollback,
      message: fields.message,
    };
  }
}

/** An abort caused by losing the lock surfaces as the LockLostError itself. */
function runSignalReason(error: unknown, lock: LockHandle): unknown {
  if (lock.signal.aborted && lock.signal.reason instanceof LockLostError) return lock.signal.reason;
  return error;
}
