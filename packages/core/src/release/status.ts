/**
 * `status`: what is going on with a service, read-only. Reading the cluster is
 * `status-facts.ts`; this module describes those facts as the report the library returns
 * and the CLI prints: phase, slots with their images and readiness, live and recorded
 * weights, the current step, the lock holder, the proxies' sync state, the last checks.
 */
import { describeDataplanePath, SIDECAR_PATH } from '../dataplane/dataplane-path.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { isoTime } from './clock.js';
import type { OperationDependencies } from './operation-dependencies.js';
import type { SyncStatusSummary } from '../gates/sync-gate.js';
import { plannedChecks, type PlannedCheck } from './check-plan.js';
import { slotWithTraffic } from './release-objects.js';
import {
  isInProgress,
  sameWeights,
  type CheckSummary,
  type OperationRecord,
  type ReleasePhase,
  type ReleaseRecord,
  type ReleaseStep,
  type Slot,
  type SlotWeights,
} from './state-record.js';
import {
  readStatusFacts,
  type SlotStatus,
  type StatusFacts,
  type StatusOptions,
} from './status-facts.js';

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
  /**
   * Every check: how it decides, and for a sequential check of a release in progress, its
   * evidence so far (likelihood ratios, bounds, counts) and what it says.
   */
  checks: readonly PlannedCheck[];
  /** Who holds the release lock, if anyone. */
  lock: { holder: string; expiresAt: string; expired: boolean } | undefined;
  /**
   * The data-plane path the service's traffic takes (`sidecars: ...`, or `ambient through
   * waypoint <ns>/<name> ...` with whatever would stop the waypoint serving it).
   */
  dataplane: string;
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

/** Reads and describes the release state of `spec`'s service. Takes no lock, writes nothing. */
export async function releaseStatus(
  spec: ResolvedReleaseSpec,
  deps: Pick<OperationDependencies, 'kube' | 'syncGate' | 'clock'>,
  options: StatusOptions = {},
): Promise<StatusReport> {
  const facts = await readStatusFacts(spec, deps, options);
  return describeStatus(spec, facts, deps.clock.now());
}

/** The report on `facts`, judged at `now` (ms since epoch; decides whether the lock expired). */
export function describeStatus(
  spec: ResolvedReleaseSpec,
  facts: StatusFacts,
  now: number,
): StatusReport {
  const { objects, lease } = facts;
  const record = objects.record;
  const holder = lease?.spec?.holderIdentity;
  const renewed = Date.parse(lease?.spec?.renewTime ?? lease?.spec?.acquireTime ?? '');
  const expiresAt =
    holder && !Number.isNaN(renewed)
      ? renewed + (lease?.spec?.leaseDurationSeconds ?? 0) * 1000
      : undefined;
  const op = record?.operation;
  const steps = op?.steps ?? [];
  return {
    service: spec.service,
    namespace: spec.namespace,
    phase: record?.phase ?? 'unmanaged',
    activeSlot: record?.activeSlot ?? slotWithTraffic(objects.liveWeights),
    candidateSlot: record?.candidateSlot,
    slots: facts.slots,
    weights: objects.liveWeights,
    recordedWeights: record?.weights,
    weightsDiverged: record !== undefined && !sameWeights(record.weights, objects.liveWeights),
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
    checks: plannedChecks(
      spec.checks,
      op?.kind === 'release' && record !== undefined && isInProgress(record.phase)
        ? op.sequential
        : undefined,
    ),
    lock:
      holder && expiresAt !== undefined
        ? { holder, expiresAt: isoTime(expiresAt), expired: expiresAt <= now }
        : undefined,
    dataplane: describeDataplanePath(objects.routing.dataplane ?? SIDECAR_PATH),
    sync: facts.sync,
    reason: record?.reason,
    routeState: record?.routeState,
    history: record?.history ?? [],
    updatedAt: record?.updatedAt,
  };
}
