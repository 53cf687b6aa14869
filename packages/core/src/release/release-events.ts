/**
 * What an operation reports while it runs: a typed event stream (for live progress, JSON
 * Lines output and Kubernetes Events) and, at the end, a summary with a timeline. Every
 * event carries its time in milliseconds since the epoch.
 */
import type { CheckEvidence, ObjectRef, RollbackReason, UnsyncedProxy } from '../errors.js';
import type { DataplaneProxyCheck } from '../gates/dataplane-verifier.js';
import type { CombinedVerdict } from '../analysis/sequential-verdict.js';
import type { CheckResult } from '../gates/metrics-provider.js';
import type { ReleasePhase, ReleaseStep, Slot, SlotWeights } from './state-record.js';

/** The operations the engine runs. */
export type OperationKind = 'deploy' | 'release' | 'promote' | 'rollback';

/** An operation began (or resumed). */
export interface OperationStartedEvent {
  type: 'operation-started';
  at: number;
  /** Which operation. */
  operation: OperationKind;
  /** Operation id (stable across resumes of the same release). */
  id: string;
  /** Service. */
  service: string;
  /** Namespace. */
  namespace: string;
  /** True when it continues an interrupted release. */
  resumed: boolean;
}

/** The recorded phase changed. */
export interface PhaseChangedEvent {
  type: 'phase-changed';
  at: number;
  /** New phase. */
  phase: ReleasePhase;
  /** Phase before. */
  previous: ReleasePhase | undefined;
}

/** A release step began. */
export interface StepStartedEvent {
  type: 'step-started';
  at: number;
  /** Index into `steps`. */
  index: number;
  /** Number of steps. */
  total: number;
  /** The step. */
  step: ReleaseStep;
}

/** The candidate Deployment's rollout progressed. */
export interface RolloutProgressEvent {
  type: 'rollout-progress';
  at: number;
  /** Deployment. */
  deployment: string;
  /** Desired replicas. */
  desired: number;
  /** Replicas on the new template. */
  updated: number;
  /** Available replicas. */
  available: number;
  /** Human summary. */
  summary: string;
}

/** A change to a routing object was accepted by the API server. */
export interface RoutesAppliedEvent {
  type: 'routes-applied';
  at: number;
  /** Object written. */
  object: ObjectRef;
  /** What changed, in one line. */
  description: string;
  /** resourceVersion after the write. */
  resourceVersion: string | undefined;
  /** Slot weights in effect after the write (writes of the routing object). */
  weights?: SlotWeights | undefined;
}

/** A Deployment was changed or created. */
export interface DeploymentChangedEvent {
  type: 'deployment-changed';
  at: number;
  /** Deployment name. */
  deployment: string;
  /** Image set. */
  image: string;
  /** Whether it was created from the active slot's Deployment. */
  created: boolean;
  /** Replicas. */
  replicas: number;
}

/** A proxy sync wait began. */
export interface SyncStartedEvent {
  type: 'sync-started';
  at: number;
  /** What the wait is for. */
  reason: string;
}

/** A poll of the sync gate. */
export interface SyncProgressEvent {
  type: 'sync-progress';
  at: number;
  /** Synced proxies. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** Elapsed time of the wait. */
  elapsedMs: number;
  /** Slowest proxies not synced yet (at most five). */
  slowest: readonly UnsyncedProxy[];
}

/** Every proxy in scope acknowledged the change. */
export interface SyncCompletedEvent {
  type: 'sync-completed';
  at: number;
  /** Synced proxies. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** Time from the start of the wait to the last ack observed. */
  durationMs: number;
}

/** Envoy config dumps matched the expected routes. */
export interface DataplaneVerifiedEvent {
  type: 'dataplane-verified';
  at: number;
  /** Proxies checked. */
  proxies: readonly DataplaneProxyCheck[];
}

/** A bake began. */
export interface BakeStartedEvent {
  type: 'bake-started';
  at: number;
  /** Planned duration. */
  durationMs: number;
  /** Time already baked before a resume. */
  alreadyBakedMs: number;
}

/** One evaluation of every check. */
export interface ChecksEvaluatedEvent {
  type: 'checks-evaluated';
  at: number;
  /** Results, one per check. */
  results: readonly CheckResult[];
  /** `pass` only when every check passed. */
  verdict: 'pass' | 'fail' | 'inconclusive';
  /**
   * What the sequential checks say together (`rollback`, `promote`, `continue`) and why;
   * undefined without sequential checks. Each check's evidence is in its result's `sequential`.
   */
  sequential?: CombinedVerdict | undefined;
  /** Failed evaluations in a row. */
  consecutiveFailures: number;
  /** Inconclusive evaluations in a row. */
  consecutiveInconclusive: number;
}

/** A bake ended and the release moves on (rollbacks end it with `rollback-started`). */
export interface BakeEndedEvent {
  type: 'bake-ended';
  at: number;
  /** How long it baked. */
  bakedMs: number;
  /**
   * `promoted-early`: every sequential check showed the candidate no worse than its margin
   * after the minimum bake; `time-up`: the bake time ended with the latest evaluation
   * passing; `pause`: it ended undecided and `checks.bakeEnd` pauses the release.
   */
  ending: 'promoted-early' | 'time-up' | 'pause';
  /** Why, in a sentence: the deciding checks' evidence, or what was still undecided. */
  reason: string;
}

/** A rollback began. */
export interface RollbackStartedEvent {
  type: 'rollback-started';
  at: number;
  /** Why. */
  reason: RollbackReason;
  /** What happened. */
  message: string;
}

/** A rollback ended. */
export interface RollbackCompletedEvent {
  type: 'rollback-completed';
  at: number;
  /** True when every proxy acked the stable routes. */
  verified: boolean;
  /** From the first failing evaluation (or the trigger) to all proxies synced on stable. */
  timeToRestoreMs: number | undefined;
}

/** The release stopped at a pause step. */
export interface PausedEvent {
  type: 'paused';
  at: number;
  /** Step that resumes on `promote`. */
  nextStep: number;
}

/** Something worth a human's attention that did not stop the operation. */
export interface WarningEvent {
  type: 'warning';
  at: number;
  /** What. */
  message: string;
}

/** The operation ended. */
export interface OperationFinishedEvent {
  type: 'operation-finished';
  at: number;
  /** Outcome. */
  outcome: OperationOutcome;
}

/** Every event an operation emits. */
export type ReleaseEvent =
  | OperationStartedEvent
  | PhaseChangedEvent
  | StepStartedEvent
  | RolloutProgressEvent
  | DeploymentChangedEvent
  | RoutesAppliedEvent
  | SyncStartedEvent
  | SyncProgressEvent
  | SyncCompletedEvent
  | DataplaneVerifiedEvent
  | BakeStartedEvent
  | ChecksEvaluatedEvent
  | BakeEndedEvent
  | RollbackStartedEvent
  | RollbackCompletedEvent
  | PausedEvent
  | WarningEvent
  | OperationFinishedEvent;

/** How an operation ended. */
export type OperationOutcome =
  'deployed' | 'released' | 'paused' | 'rolled-back' | 'rollback-unverified' | 'failed' | 'no-op';

/** One line of the timeline. */
export interface TimelineEntry {
  /** When (ISO time). */
  at: string;
  /** Milliseconds since the operation started. */
  offsetMs: number;
  /** The event type. */
  event: ReleaseEvent['type'];
  /** What happened, in one line. */
  message: string;
}

/** The rollback part of a summary. */
export interface RollbackSummary {
  /** Why. */
  reason: RollbackReason;
  /** What happened. */
  message: string;
  /** When the first failing evaluation (or other trigger) was seen (ISO time). */
  firstFailureAt: string | undefined;
  /** When every proxy acked the stable routes (ISO time); undefined when unverified. */
  restoredAt: string | undefined;
  /** Time from the first failing evaluation to restored routes. */
  timeToRestoreMs: number | undefined;
  /** The failing check values. */
  evidence: readonly CheckEvidence[];
  /** Proxies that had not synced (sync timeouts). */
  staleProxies: readonly UnsyncedProxy[];
  /** True when the rollback itself was sync-verified. */
  verified: boolean;
}

/** What every operation returns (and what failures carry as `summary`). */
export interface OperationSummary {
  /** Operation. */
  operation: OperationKind;
  /** Operation id. */
  id: string;
  /** Service. */
  service: string;
  /** Namespace. */
  namespace: string;
  /** How it ended. */
  outcome: OperationOutcome;
  /** Recorded phase at the end. */
  phase: ReleasePhase;
  /** Slot serving users at the end. */
  activeSlot: Slot;
  /** Slot of the candidate, when there is one. */
  candidateSlot: Slot | undefined;
  /** Weights at the end (as recorded). */
  weights: SlotWeights;
  /** True when it continued an interrupted release. */
  resumed: boolean;
  /** Start (ISO time). */
  startedAt: string;
  /** End (ISO time). */
  finishedAt: string;
  /** Duration. */
  durationMs: number;
  /** What happened, in order: patches accepted, syncs completed, check results, rollbacks. */
  timeline: TimelineEntry[];
  /** The latest check results. */
  checks: readonly CheckResult[];
  /** Present when the operation rolled back. */
  rollback: RollbackSummary | undefined;
  /** Human-readable one-line result. */
  message: string;
}
