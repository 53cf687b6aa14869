/**
 * What a webhook receives: one JSON object per lifecycle notification (the `json` format),
 * or its `text` wrapped for Slack (the `slack` format). The shape is versioned by
 * `version`; fields are only ever added to version 1.
 */
import type { RollbackReason } from '../errors.js';
import type { OperationKind, OperationOutcome } from '../release/release-events.js';
import type { ReleaseStep, Slot, SlotWeights } from '../release/state-record.js';
import type { NotificationEvent } from '../spec/sections/notify.js';

/** The payload version. */
export const NOTIFICATION_VERSION = 1;

/** Fields every notification has. */
export interface NotificationBase {
  /** Payload version: 1. */
  version: typeof NOTIFICATION_VERSION;
  /** Which lifecycle notification. */
  event: NotificationEvent;
  /** When it happened (ISO time). */
  at: string;
  /**
   * Position in the operation's notifications, from 1. Every target sees the same numbers;
   * a target with an `events` filter sees gaps.
   */
  sequence: number;
  /** The operation. */
  operation: OperationKind;
  /** Its id (stable across resumes of the same release). */
  operationId: string;
  /** The service. */
  service: string;
  /** Its namespace. */
  namespace: string;
  /** What happened, in one line for a human (what the `slack` format posts, with an emoji). */
  text: string;
}

/** An operation began, or resumed an interrupted release. */
export interface StartedNotification extends NotificationBase {
  event: 'started';
  /** True when it continues an interrupted release. */
  resumed: boolean;
}

/** `promote` began: a paused release continues (instead of `started`). */
export interface PromotedNotification extends NotificationBase {
  event: 'promoted';
}

/** A release step began. */
export interface StepNotification extends NotificationBase {
  event: 'step';
  /** Index of the step, from 0. */
  index: number;
  /** Number of steps. */
  total: number;
  /** The step: `{weight}`, `{mirror}`, `{bakeMs}` or `{pause: true}`. */
  step: ReleaseStep;
}

/** The release stopped at a pause step and waits for `promote`. */
export interface PausedNotification extends NotificationBase {
  event: 'paused';
  /** Index of the step `promote` continues with. */
  nextStep: number;
  /** Number of steps; undefined when no step ran in this operation. */
  total: number | undefined;
  /** Weights in effect; undefined when this operation changed none. */
  weights: SlotWeights | undefined;
}

/** A rollback ended. */
export interface RolledBackNotification extends NotificationBase {
  event: 'rolled-back';
  /** Why it rolled back. */
  reason: RollbackReason;
  /** What happened. */
  message: string;
  /** True when every proxy acked the stable routes; false: a human must look. */
  verified: boolean;
  /** From the first failure (or the request) to every proxy on the stable routes. */
  timeToRestoreMs: number | undefined;
}

/** How an operation ended, as notified: its outcome, or `interrupted` (aborted, resumable). */
export type NotifiedOutcome = OperationOutcome | 'interrupted';

/** The operation ended, however it ended. */
export interface FinishedNotification extends NotificationBase {
  event: 'finished';
  /** Its outcome; `failed` with `error` when it failed without a summary. */
  outcome: NotifiedOutcome;
  /** One line: the summary's message, or the error's. */
  message: string;
  /** Weights at the end; undefined when unknown (a failure before any was read). */
  weights: SlotWeights | undefined;
  /** Slot serving users at the end; undefined when unknown. */
  activeSlot: Slot | undefined;
  /** Duration of the operation; undefined when unknown. */
  durationMs: number | undefined;
  /** The error it failed with; undefined when it ended with a summary. */
  error: { code: string; message: string } | undefined;
}

/** Every lifecycle notification. */
export type LifecycleNotification =
  | StartedNotification
  | PromotedNotification
  | StepNotification
  | PausedNotification
  | RolledBackNotification
  | FinishedNotification;
