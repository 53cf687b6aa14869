/**
 * The running record of one operation: forwards every event to the caller's listener,
 * keeps the timeline for the summary, and mirrors the significant events as Kubernetes
 * Events on the routing object (best effort: an Event that cannot be written never fails
 * a release).
 */
import type { EventRecord } from '../kube/kube-events.js';
import type { EventRecorder } from '../kube/resource-apis.js';
import type { Clock } from './clock.js';
import { describeEvent } from './describe-event.js';
import type { ReleaseEvent, TimelineEntry } from './release-events.js';

/** Distributes `Omit` over the event union so each variant keeps its own fields. */
export type EventInput = ReleaseEvent extends infer E
  ? E extends ReleaseEvent
    ? Omit<E, 'at'>
    : never
  : never;

/** The object Kubernetes Events are attached to. */
export type InvolvedObject = EventRecord['involvedObject'];

// Events noisy enough to stay out of the timeline and out of Kubernetes.
const NOT_IN_TIMELINE = new Set<ReleaseEvent['type']>(['sync-progress', 'rollout-progress']);

function kubernetesEventOf(event: ReleaseEvent): Pick<EventRecord, 'type' | 'reason'> | undefined {
  switch (event.type) {
    case 'operation-started':
      return { type: 'Normal', reason: event.resumed ? 'OperationResumed' : 'OperationStarted' };
    case 'deployment-changed':
      return { type: 'Normal', reason: 'CandidateDeployed' };
    case 'routes-applied':
      return { type: 'Normal', reason: 'RoutesApplied' };
    case 'sync-completed':
      return { type: 'Normal', reason: 'ProxiesSynced' };
    case 'dataplane-verified':
      return { type: 'Normal', reason: 'DataplaneVerified' };
    case 'checks-evaluated':
      return event.verdict === 'fail' ? { type: 'Warning', reason: 'ChecksFailed' } : undefined;
    case 'rollback-started':
      return { type: 'Warning', reason: 'RollbackStarted' };
    case 'rollback-completed':
      return event.verified
        ? { type: 'Normal', reason: 'RolledBack' }
        : { type: 'Warning', reason: 'RollbackUnverified' };
    case 'paused':
      return { type: 'Normal', reason: 'Paused' };
    case 'warning':
      return { type: 'Warning', reason: 'Warning' };
    case 'operation-finished':
      return {
        type:
          event.outcome === 'failed' || event.outcome === 'rollback-unverified'
            ? 'Warning'
            : 'Normal',
        reason: `Operation${event.outcome
          .split('-')
          .map((w) => w[0]?.toUpperCase() + w.slice(1))
          .join('')}`,
      };
    default:
      return undefined;
  }
}

/** Options of an operation log. */
export interface OperationLogOptions {
  /** Clock stamping events. */
  clock: Clock;
  /** Caller's listener; exceptions it throws are swallowed (a renderer must not stop a release). */
  onEvent?: ((event: ReleaseEvent) => void) | undefined;
  /** Where Kubernetes Events go; undefined: none. */
  events?: EventRecorder | undefined;
}

/** Events and timeline of one operation. */
export class OperationLog {
  readonly startedAt: number;
  readonly #options: OperationLogOptions;
  readonly #timeline: TimelineEntry[] = [];
  readonly #pending: Promise<unknown>[] = [];
  #involved: InvolvedObject | undefined;
  #eventFailures = 0;

  constructor(options: OperationLogOptions) {
    this.#options = options;
    this.startedAt = options.clock.now();
  }

  /** Sets the object Kubernetes Events attach to (the routing object, once read). */
  attachTo(object: InvolvedObject): void {
    this.#involved = object;
  }

  /** Stamps, records and forwards an event; returns it. */
  emit(input: EventInput): ReleaseEvent {
    const event = { ...input, at: this.#options.clock.now() };
    const message = describeEvent(event);
    if (!NOT_IN_TIMELINE.has(event.type)) {
      this.#timeline.push({
        at: new Date(event.at).toISOString(),
        offsetMs: event.at - this.startedAt,
        event: event.type,
        message,
      });
    }
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A failing renderer must not stop a release.
    }
    const kube = kubernetesEventOf(event);
    const recorder = this.#options.events;
    if (kube && recorder && this.#involved) {
      this.#pending.push(
        recorder.create({ involvedObject: this.#involved, ...kube, message }).catch(() => {
          this.#eventFailures++;
        }),
      );
    }
    return event;
  }

  /** The timeline so far. */
  timeline(): TimelineEntry[] {
    return [...this.#timeline];
  }

  /** Waits for Kubernetes Events in flight; returns how many could not be written. */
  async flush(): Promise<number> {
    await Promise.allSettled(this.#pending.splice(0));
    return this.#eventFailures;
  }
}
