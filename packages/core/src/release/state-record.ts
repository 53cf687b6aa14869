/**
 * The release state record: a versioned JSON document kept in one annotation on the
 * routing object (the VirtualService). It is what lets a crashed pipeline resume at the
 * recorded step, and what `status` prints. It is written in the same JSON Patch as the route change it describes
 * where possible, so routes and record cannot disagree.
 */
import { isJsonObject } from '../json-diff/json-value.js';
import { StateRecordError, type CheckEvidence, type ObjectRef } from '../errors.js';
import type { Slot } from '../istio/route-target.js';
import type { SlotWeights } from '../istio/slot-weights.js';
import type { RecordedSequentialChecks } from './sequential-checks.js';

export type { Slot, SlotWeights };

/** Annotation key holding the record. */
export const STATE_ANNOTATION = 'switchyard.dev/release';

/** Version of the record format this build writes and reads. */
export const STATE_RECORD_VERSION = 1;

/** Most entries kept in `history`. */
export const HISTORY_LIMIT = 10;

/**
 * Upper bound for the serialized record. Kubernetes allows 256 KiB for all annotations of
 * an object together; the record stays far below so users' own annotations keep room.
 */
export const RECORD_SIZE_LIMIT = 32 * 1024;

/** Lifecycle phase of the service's release. */
export type ReleasePhase =
  | 'idle'
  | 'deployed'
  | 'releasing'
  | 'paused'
  | 'released'
  | 'rolling-back'
  | 'rolled-back'
  | 'failed';

/** One step of a release plan. */
export type ReleaseStep =
  | { /** Percent of traffic to the candidate, 1..100. */ weight: number }
  | { /** Percent of traffic mirrored to the candidate, 1..100. */ mirror: number }
  | { /** Bake duration in milliseconds, checks evaluated throughout. */ bakeMs: number }
  | { /** Stop until `promote`. */ pause: true };

/** Where inside its current step an operation was when the record was written. */
export type StepStage = 'pending' | 'applying' | 'syncing' | 'baking' | 'done';

/** One summarised check evaluation kept in the record. */
export interface CheckSummary extends CheckEvidence {
  /** When it was evaluated (ISO time). */
  at: string;
}

/** The operation currently in progress (or last run), for resume. */
export interface OperationRecord {
  /** `deploy`, `release`, `rollback`. */
  kind: 'deploy' | 'release' | 'rollback';
  /** Unique id of the operation; stable across resumes. */
  id: string;
  /** When it started (ISO time). */
  startedAt: string;
  /** Resolved steps of a release; undefined for deploy and rollback. */
  steps?: ReleaseStep[] | undefined;
  /** Index of the current step into `steps`. */
  stepIndex: number;
  /** Stage within the current step. */
  stage: StepStage;
  /** Weights the current step targets, once decided (used to detect a step already applied). */
  targetWeights?: SlotWeights | undefined;
  /** When the current bake started (ISO time); a resumed bake continues from here. */
  bakeStartedAt?: string | undefined;
  /**
   * When the operation's last route change was written (ISO time). A run resumed after a
   * crash re-runs the sync gate for it: no new push will come, so it waits for proxies whose
   * acked routes were pushed at or after this time.
   */
  changeAt?: string | undefined;
  /**
   * The sequential checks' test states, by check name (a release with sequential checks):
   * the evidence so far, carried across weight steps and resumed by a later run.
   */
  sequential?: RecordedSequentialChecks | undefined;
}

/** One finished release kept for `status` and manual rollback. */
export interface HistoryEntry {
  /** Operation id. */
  id: string;
  /** Slot that was active before. */
  fromSlot: Slot;
  /** Slot that was the candidate. */
  toSlot: Slot;
  /** Image of the candidate. */
  image?: string | undefined;
  /** How it ended. */
  outcome: 'released' | 'rolled-back' | 'failed';
  /** Why, for rollbacks and failures. */
  reason?: string | undefined;
  /** Start (ISO time). */
  startedAt: string;
  /** End (ISO time). */
  endedAt: string;
}

/** The record as stored in the annotation. */
export interface ReleaseRecord {
  /** Format version; a newer one is refused, never overwritten. */
  version: number;
  /** Service name. */
  service: string;
  /** Namespace. */
  namespace: string;
  /** Slot serving users. */
  activeSlot: Slot;
  /** Slot holding the deployed candidate, when there is one. */
  candidateSlot?: Slot | undefined;
  /** Image last deployed to each slot, when known. */
  images: Partial<Record<Slot, string>>;
  /** Lifecycle phase. */
  phase: ReleasePhase;
  /** Weights switchyard last applied (the expected live weights). */
  weights: SlotWeights;
  /** Whether switchyard's pre-release header route is in place. */
  headerRoute: boolean;
  /** Percent mirrored to the candidate, 0 when no mirror is set. */
  mirrorPercent: number;
  /** Current or last operation. */
  operation?: OperationRecord | undefined;
  /** Identity that last wrote the record. */
  holder: string;
  /** When the record was last written (ISO time). */
  updatedAt: string;
  /** Why the last rollback or failure happened. */
  reason?: string | undefined;
  /** Latest check evaluations (bounded). */
  lastChecks: CheckSummary[];
  /** For a `failed` phase: the exact route state a human must look at. */
  routeState?: string | undefined;
  /** Recent finished releases, newest first (bounded by HISTORY_LIMIT). */
  history: HistoryEntry[];
}

/** A fresh record for a service whose active slot has all the traffic. */
export function initialRecord(fields: {
  service: string;
  namespace: string;
  activeSlot: Slot;
  holder: string;
  now: Date;
  images?: Partial<Record<Slot, string>>;
}): ReleaseRecord {
  return {
    version: STATE_RECORD_VERSION,
    service: fields.service,
    namespace: fields.namespace,
    activeSlot: fields.activeSlot,
    images: fields.images ?? {},
    phase: 'idle',
    weights: fields.activeSlot === 'blue' ? { blue: 100, green: 0 } : { blue: 0, green: 100 },
    headerRoute: false,
    mirrorPercent: 0,
    holder: fields.holder,
    updatedAt: fields.now.toISOString(),
    lastChecks: [],
    history: [],
  };
}

/** True when both splits are the same. */
export function sameWeights(a: SlotWeights, b: SlotWeights): boolean {
  return a.blue === b.blue && a.green === b.green;
}

/** The other slot. */
export function otherSlot(slot: Slot): Slot {
  return slot === 'blue' ? 'green' : 'blue';
}

/** Weights giving `slot` `percent` of the traffic and the other slot the rest. */
export function weightsFor(slot: Slot, percent: number): SlotWeights {
  return slot === 'blue'
    ? { blue: percent, green: 100 - percent }
    : { blue: 100 - percent, green: percent };
}

/** Phases of a release that has started and not ended: it holds the routes mid-change. */
export const IN_PROGRESS_PHASES: readonly ReleasePhase[] = ['releasing', 'paused', 'rolling-back'];

/** True while a release is in progress (releasing, paused or rolling back). */
export function isInProgress(phase: ReleasePhase): boolean {
  return IN_PROGRESS_PHASES.includes(phase);
}

const PHASES: readonly ReleasePhase[] = [
  'idle',
  'deployed',
  'releasing',
  'paused',
  'released',
  'rolling-back',
  'rolled-back',
  'failed',
];

function isSlot(value: unknown): value is Slot {
  return value === 'blue' || value === 'green';
}

function isWeights(value: unknown): value is SlotWeights {
  return isJsonObject(value) && typeof value.blue === 'number' && typeof value.green === 'number';
}

/**
 * Parses the annotation value. Returns undefined when there is no annotation. Throws
 * StateRecordError when it is not a record this build can read; it must then be left as is.
 */
export function decodeRecord(
  annotation: string | undefined,
  object: ObjectRef,
): ReleaseRecord | undefined {
  if (annotation === undefined || annotation === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch (error) {
    throw new StateRecordError(
      'unreadable',
      object,
      `annotation ${STATE_ANNOTATION} is not valid JSON; fix or remove it by hand (switchyard will not overwrite it)`,
      { cause: error },
    );
  }
  if (!isJsonObject(parsed) || typeof parsed.version !== 'number') {
    throw new StateRecordError(
      'unreadable',
      object,
      `annotation ${STATE_ANNOTATION} is not a switchyard release record (no "version"); fix or remove it by hand`,
    );
  }
  if (parsed.version > STATE_RECORD_VERSION) {
    throw new StateRecordError(
      'newer-version',
      object,
      `annotation ${STATE_ANNOTATION} was written by a newer switchyard (record version ${parsed.version}, ` +
        `this build reads up to ${STATE_RECORD_VERSION}); upgrade switchyard`,
    );
  }
  const problems: string[] = [];
  if (typeof parsed.service !== 'string') problems.push('service');
  if (typeof parsed.namespace !== 'string') problems.push('namespace');
  if (!isSlot(parsed.activeSlot)) problems.push('activeSlot');
  if (parsed.candidateSlot !== undefined && !isSlot(parsed.candidateSlot))
    problems.push('candidateSlot');
  if (typeof parsed.phase !== 'string' || !PHASES.includes(parsed.phase as ReleasePhase))
    problems.push('phase');
  if (!isWeights(parsed.weights)) problems.push('weights');
  if (!isJsonObject(parsed.images)) problems.push('images');
  if (!Array.isArray(parsed.history)) problems.push('history');
  if (!Array.isArray(parsed.lastChecks)) problems.push('lastChecks');
  if (parsed.operation !== undefined) {
    const op = parsed.operation;
    if (
      !isJsonObject(op) ||
      !['deploy', 'release', 'rollback'].includes(op.kind as string) ||
      typeof op.id !== 'string' ||
      typeof op.stepIndex !== 'number'
    ) {
      problems.push('operation');
    }
  }
  if (problems.length > 0) {
    throw new StateRecordError(
      'unreadable',
      object,
      `annotation ${STATE_ANNOTATION} has invalid fields: ${problems.join(', ')}; fix or remove it by hand`,
    );
  }
  // Fields added after version 1 shipped would get defaults here; version 1 has them all.
  const record = parsed as unknown as ReleaseRecord;
  return {
    ...record,
    headerRoute: record.headerRoute ?? false,
    mirrorPercent: record.mirrorPercent ?? 0,
    holder: record.holder ?? '',
    updatedAt: record.updatedAt ?? '',
  };
}

/**
 * Serializes a record for the annotation, trimming history and check summaries (oldest
 * first) until it fits RECORD_SIZE_LIMIT.
 */
export function encodeRecord(record: ReleaseRecord): string {
  let current: ReleaseRecord = {
    ...record,
    version: STATE_RECORD_VERSION,
    history: record.history.slice(0, HISTORY_LIMIT),
    lastChecks: record.lastChecks.slice(-20),
  };
  let text = JSON.stringify(current);
  while (Buffer.byteLength(text) > RECORD_SIZE_LIMIT) {
    if (current.history.length > 0) current = { ...current, history: current.history.slice(0, -1) };
    else if (current.lastChecks.length > 0)
      current = { ...current, lastChecks: current.lastChecks.slice(1) };
    else if (current.operation?.steps && current.operation.steps.length > 0) {
      // A plan this large is not a real release plan; refusing beats writing a truncated one.
      throw new Error(`release record exceeds ${RECORD_SIZE_LIMIT} bytes even without history`);
    } else break;
    text = JSON.stringify(current);
  }
  return text;
}

/** Adds a finished release to the front of history, bounded. */
export function withHistory(record: ReleaseRecord, entry: HistoryEntry): ReleaseRecord {
  return { ...record, history: [entry, ...record.history].slice(0, HISTORY_LIMIT) };
}
