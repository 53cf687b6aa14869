/**
 * Lifecycle notifications of one operation, end to end: subscribed to the operation's
 * event stream, it maps events to notifications and hands each to the delivery queue of
 * every webhook that wants it. Delivery runs beside the operation and never holds it up:
 * `onEvent` only queues. When the operation has ended, `flush` waits at most
 * `NOTIFY_FLUSH_TIMEOUT_MS` for the queues, then cancels what is left and says so in a
 * warning, so a slow or dead receiver can neither fail the operation, change its outcome,
 * nor keep the process alive.
 */
import type { Clock } from '../release/clock.js';
import type { ReleaseEvent } from '../release/release-events.js';
import type { ResolvedNotifyTarget } from '../spec/resolved-release-spec.js';
import {
  DEFAULT_DELIVERY_POLICY,
  DeliveryQueue,
  type DeliveryPolicy,
  type DeliveryReport,
} from './delivery-queue.js';
import { LifecycleNotifications, type OperationEnding } from './lifecycle-notifications.js';
import type { LifecycleNotification } from './notification.js';
import { NotifySecrets, openWebhookTargets, type WebhookTarget } from './webhook-targets.js';
import { fetchWebhookTransport, type WebhookTransport } from './webhook-transport.js';

/** How long `flush` waits for undelivered notifications once the operation has ended. */
export const NOTIFY_FLUSH_TIMEOUT_MS = 5_000;

/** What a notifier needs. */
export interface NotifierOptions {
  /** The spec's webhooks (`spec.notify`). */
  targets: readonly ResolvedNotifyTarget[];
  /** Time: backoff between attempts and the flush bound. */
  clock: Clock;
  /** Receives every warning, redacted (unusable webhook, failed delivery, gave up). */
  onWarning: (message: string) => void;
  /** Sends requests; default `fetch`. */
  transport?: WebhookTransport | undefined;
  /** Attempts, backoff and timeout per notification; default `DEFAULT_DELIVERY_POLICY`. */
  policy?: Partial<DeliveryPolicy> | undefined;
  /** How long `flush` waits; default `NOTIFY_FLUSH_TIMEOUT_MS`. */
  flushTimeoutMs?: number | undefined;
}

interface Subscription {
  target: WebhookTarget;
  queue: DeliveryQueue;
}

/** Posts one operation's lifecycle notifications to the spec's webhooks. */
export class Notifier {
  readonly #options: NotifierOptions;
  readonly #secrets = new NotifySecrets();
  readonly #lifecycle = new LifecycleNotifications();
  readonly #giveUp = new AbortController();
  readonly #subscriptions: Subscription[];
  #flushed: Promise<readonly DeliveryReport[]> | undefined;

  /** Opens the webhooks; those that cannot be used are reported with `onWarning` and skipped. */
  constructor(options: NotifierOptions) {
    this.#options = options;
    const warn = (message: string): void => this.#warn(message);
    const policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
    this.#subscriptions = openWebhookTargets(options.targets, this.#secrets, warn).map(
      (target) => ({
        target,
        queue: new DeliveryQueue({
          target,
          transport: options.transport ?? fetchWebhookTransport,
          clock: options.clock,
          policy,
          signal: this.#giveUp.signal,
          redact: this.#secrets,
          onWarning: warn,
        }),
      }),
    );
  }

  /** Queues the notification `event` makes, if any. Returns at once; never throws. */
  onEvent(event: ReleaseEvent): void {
    if (this.#subscriptions.length === 0) return;
    this.#guarded(() => this.#dispatch(this.#lifecycle.fromEvent(event)));
  }

  /** Queues `finished` for how the operation ended (once, and only after `started`). Never throws. */
  end(ending: OperationEnding): void {
    if (this.#subscriptions.length === 0) return;
    this.#guarded(() => this.#dispatch(this.#lifecycle.finish(ending, this.#options.clock.now())));
  }

  /**
   * Waits for every queue, at most the flush timeout, then cancels what is left. Resolves
   * with each webhook's counts; warns about every webhook that missed notifications.
   * Never rejects; a second call returns the first one's result.
   */
  flush(): Promise<readonly DeliveryReport[]> {
    this.#flushed ??= this.#flush();
    return this.#flushed;
  }

  async #flush(): Promise<readonly DeliveryReport[]> {
    const timeoutMs = this.#options.flushTimeoutMs ?? NOTIFY_FLUSH_TIMEOUT_MS;
    const drained = Promise.all(this.#subscriptions.map(({ queue }) => queue.idle()));
    const stopWaiting = new AbortController();
    const expired = this.#options.clock.sleep(timeoutMs, stopWaiting.signal).then(
      () => true,
      () => false,
    );
    const timedOut = await Promise.race([drained.then(() => false), expired]);
    stopWaiting.abort();
    // Cancels requests in flight and backoff waits; queued notifications are dropped.
    this.#giveUp.abort();
    const reports = this.#subscriptions.map(({ queue }) => queue.report());
    for (const report of reports) {
      const missed = report.failed + report.pending;
      if (missed === 0) continue;
      const pending =
        timedOut && report.pending > 0
          ? `; gave up on ${report.pending} still pending after the ${timeoutMs / 1000}s flush bound`
          : '';
      const last = report.lastProblem ? ` (last problem: ${report.lastProblem})` : '';
      this.#warn(
        `${report.label}: ${missed} of ${report.queued} notifications not delivered${pending}${last}`,
      );
    }
    return reports;
  }

  #dispatch(notification: LifecycleNotification | undefined): void {
    if (!notification || this.#giveUp.signal.aborted) return;
    for (const { target, queue } of this.#subscriptions) {
      if (target.events.has(notification.event)) queue.enqueue(notification);
    }
  }

  /** Runs `action`; a failure becomes a warning, never the operation's failure. */
  #guarded(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#warn(`notifications: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #warn(message: string): void {
    try {
      this.#options.onWarning(this.#secrets.text(message));
    } catch {
      // A failing listener must not stop a release.
    }
  }
}
