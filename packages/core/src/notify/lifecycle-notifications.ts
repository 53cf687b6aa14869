/**
 * From an operation's event stream to its lifecycle notifications. Most events are too
 * fine for a webhook (proxy sync polls, check evaluations); the ones that change what a
 * person should know become notifications, and a few others are remembered for them (the
 * weights last applied, the number of steps, why a rollback began). `finished` is built
 * from how the operation ended (its summary, or the error it threw), so every operation
 * that notified `started` also notifies `finished`, even one that failed without
 * reaching its end.
 */
import { summaryCarriedBy } from '../errors.js';
import { isoTime } from '../release/clock.js';
import type {
  OperationStartedEvent,
  OperationSummary,
  ReleaseEvent,
  RollbackStartedEvent,
} from '../release/release-events.js';
import type { SlotWeights } from '../release/state-record.js';
import {
  NOTIFICATION_VERSION,
  type FinishedNotification,
  type LifecycleNotification,
  type NotifiedOutcome,
} from './notification.js';
import { notificationText, type UntextedNotification } from './notification-text.js';

/** How an operation ended: with its summary, or by throwing. */
export type OperationEnding =
  | {
      /** The summary it returned. */
      summary: OperationSummary;
    }
  | {
      /** What it threw (switchyard errors may carry a summary). */
      error: unknown;
    };

/** The operation-specific fields of a notification (the common ones are filled in). */
type NotificationFields = UntextedNotification extends infer N
  ? N extends UntextedNotification
    ? Omit<
        N,
        | 'version'
        | 'at'
        | 'sequence'
        | 'operation'
        | 'operationId'
        | 'service'
        | 'namespace'
        | 'text'
      >
    : never
  : never;

function errorFields(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return {
    code: typeof code === 'string' ? code : 'UNEXPECTED',
    message: error instanceof Error ? error.message : String(error),
  };
}

/** The lifecycle notifications of one operation, built as its events arrive. */
export class LifecycleNotifications {
  #started: OperationStartedEvent | undefined;
  #sequence = 0;
  #total: number | undefined;
  #weights: SlotWeights | undefined;
  #rollback: Pick<RollbackStartedEvent, 'reason' | 'message'> | undefined;
  #finished = false;

  /** The notification `event` makes, if it makes one. */
  fromEvent(event: ReleaseEvent): LifecycleNotification | undefined {
    switch (event.type) {
      case 'operation-started':
        this.#started = event;
        return this.#build(
          event.at,
          event.operation === 'promote'
            ? { event: 'promoted' }
            : { event: 'started', resumed: event.resumed },
        );
      case 'step-started':
        this.#total = event.total;
        return this.#build(event.at, {
          event: 'step',
          index: event.index,
          total: event.total,
          step: event.step,
        });
      case 'routes-applied':
        if (event.weights) this.#weights = event.weights;
        return undefined;
      case 'paused':
        return this.#build(event.at, {
          event: 'paused',
          nextStep: event.nextStep,
          total: this.#total,
          weights: this.#weights,
        });
      case 'rollback-started':
        this.#rollback = { reason: event.reason, message: event.message };
        return undefined;
      case 'rollback-completed':
        return this.#build(event.at, {
          event: 'rolled-back',
          reason: this.#rollback?.reason ?? 'manual',
          message: this.#rollback?.message ?? 'rolled back',
          verified: event.verified,
          timeToRestoreMs: event.timeToRestoreMs,
        });
      default:
        return undefined;
    }
  }

  /**
   * The `finished` notification for how the operation ended, at `at` (ms since the epoch);
   * undefined when it never started (nothing was notified) or `finished` was built already.
   */
  finish(ending: OperationEnding, at: number): FinishedNotification | undefined {
    if (!this.#started || this.#finished) return undefined;
    this.#finished = true;
    const error = 'error' in ending ? ending.error : undefined;
    const summary = 'summary' in ending ? ending.summary : summaryCarriedBy(error);
    const failure = error === undefined ? undefined : errorFields(error);
    const outcome: NotifiedOutcome =
      summary?.outcome ?? (failure?.code === 'SWITCHYARD_ABORTED' ? 'interrupted' : 'failed');
    const built = this.#build(at, {
      event: 'finished',
      outcome,
      message: summary?.message ?? failure?.message ?? outcome,
      weights: summary?.weights ?? this.#weights,
      activeSlot: summary?.activeSlot,
      durationMs: summary?.durationMs ?? at - this.#started.at,
      error: failure,
    });
    return built as FinishedNotification;
  }

  #build(at: number, fields: NotificationFields): LifecycleNotification | undefined {
    const started = this.#started;
    if (!started) return undefined;
    const { event, ...rest } = fields;
    const untexted = {
      version: NOTIFICATION_VERSION,
      event,
      at: isoTime(at),
      sequence: ++this.#sequence,
      operation: started.operation,
      operationId: started.id,
      service: started.service,
      namespace: started.namespace,
      ...rest,
    } as UntextedNotification;
    return { ...untexted, text: notificationText(untexted) };
  }
}
