/**
 * Delivery to one webhook: notifications leave in the order they were queued, one at a
 * time, each retried with exponential backoff while the webhook is unreachable, times
 * out, answers 408, 429 (honouring `Retry-After`) or 5xx; other answers are final. A
 * webhook that just exhausted its retries gets one attempt per later notification until
 * it answers again, so a dead receiver does not build a backlog of minutes. Nothing here
 * throws to the caller: what went wrong becomes one warning (the first failure) and the
 * counts in `report()`. Every message is redacted: the URL and the token never show.
 */
import { readCredential } from '../gates/credential-source.js';
import type { Clock } from '../release/clock.js';
import type { NotificationFormat } from '../spec/sections/notify.js';
import type { CredentialSource } from '../spec/resolved-release-spec.js';
import type { LifecycleNotification } from './notification.js';
import { notificationBody } from './notification-text.js';
import type { WebhookTransport } from './webhook-transport.js';

/** How hard a notification is tried. */
export interface DeliveryPolicy {
  /** Attempts per notification (while the webhook has not failed one for good). */
  readonly maxAttempts: number;
  /** Wait before the second attempt; doubled for each further one. */
  readonly initialBackoffMs: number;
  /** Longest wait between attempts, also for a `Retry-After`. */
  readonly maxBackoffMs: number;
  /** Time one attempt may take. */
  readonly attemptTimeoutMs: number;
}

/** 4 attempts, 0.5 s, 1 s, 2 s apart (at most 8 s), 5 s per attempt. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = Object.freeze({
  maxAttempts: 4,
  initialBackoffMs: 500,
  maxBackoffMs: 8_000,
  attemptTimeoutMs: 5_000,
});

/** Where a queue delivers. */
export interface DeliveryTarget {
  /** How messages name it (never by its URL). */
  readonly label: string;
  /** The webhook URL. */
  readonly url: string;
  /** Body form. */
  readonly format: NotificationFormat;
  /** Bearer token, read before each notification (a rotated file is read fresh). */
  readonly token: CredentialSource | undefined;
}

/** What a queue's dependencies are. */
export interface DeliveryQueueOptions {
  /** Where to deliver. */
  target: DeliveryTarget;
  /** Sends requests. */
  transport: WebhookTransport;
  /** Waits between attempts. */
  clock: Clock;
  /** Attempts, backoff, timeout. */
  policy: DeliveryPolicy;
  /** Aborted when the notifier gives up: queued notifications are dropped, requests cancelled. */
  signal: AbortSignal;
  /** Removes secrets from a message; `secret` registers one more (a token once read). */
  redact: { text(message: string): string; secret(value: string): void };
  /** Receives the warning about the first notification that could not be delivered. */
  onWarning: (message: string) => void;
}

/** How a queue did. */
export interface DeliveryReport {
  /** The target's label. */
  label: string;
  /** Notifications queued. */
  queued: number;
  /** Accepted by the webhook (2xx). */
  delivered: number;
  /** Given up on after their attempts, or refused for good. */
  failed: number;
  /** Not settled (queued, or in flight): abandoned when the notifier gave up. */
  pending: number;
  /** What went wrong last, redacted; undefined when nothing did. */
  lastProblem: string | undefined;
}

const isRetryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** The ordered delivery queue of one webhook. */
export class DeliveryQueue {
  readonly #options: DeliveryQueueOptions;
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;
  #delivered = 0;
  #failed = 0;
  #degraded = false;
  #warned = false;
  #lastProblem: string | undefined;

  constructor(options: DeliveryQueueOptions) {
    this.#options = options;
  }

  /** Queues `notification` behind the ones queued before it. */
  enqueue(notification: LifecycleNotification): void {
    this.#queued++;
    this.#tail = this.#tail.then(() => this.#deliver(notification));
  }

  /** Resolves once everything queued so far is settled (delivered, failed or dropped). */
  idle(): Promise<void> {
    return this.#tail;
  }

  /** The counts so far. */
  report(): DeliveryReport {
    return {
      label: this.#options.target.label,
      queued: this.#queued,
      delivered: this.#delivered,
      failed: this.#failed,
      pending: this.#queued - this.#delivered - this.#failed,
      lastProblem: this.#lastProblem,
    };
  }

  async #deliver(notification: LifecycleNotification): Promise<void> {
    const { target, transport, clock, policy, signal, redact } = this.#options;
    if (signal.aborted) return;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'switchyard',
    };
    if (target.token) {
      try {
        const token = readCredential(target.token);
        redact.secret(token);
        headers.authorization = `Bearer ${token}`;
      } catch (error) {
        this.#fail(notification, redact.text((error as Error).message), 0, false);
        return;
      }
    }
    const body = notificationBody(notification, target.format);
    const attempts = this.#degraded ? 1 : policy.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      let retryAfterMs: number | undefined;
      try {
        const answer = await transport.post({
          url: target.url,
          headers,
          body,
          timeoutMs: policy.attemptTimeoutMs,
          signal,
        });
        if (answer.status >= 200 && answer.status < 300) {
          this.#delivered++;
          this.#degraded = false;
          return;
        }
        problem = `HTTP ${answer.status}`;
        if (!isRetryable(answer.status)) {
          this.#fail(notification, `${problem}, not retried`, attempt, false);
          return;
        }
        retryAfterMs = answer.retryAfterMs;
      } catch (error) {
        if (signal.aborted) return;
        problem = redact.text(error instanceof Error ? error.message : String(error));
      }
      if (attempt >= attempts) {
        this.#fail(notification, problem, attempt, true);
        return;
      }
      const backoff = policy.initialBackoffMs * 2 ** (attempt - 1);
      try {
        await clock.sleep(Math.min(retryAfterMs ?? backoff, policy.maxBackoffMs), signal);
      } catch {
        return;
      }
    }
  }

  #fail(
    notification: LifecycleNotification,
    problem: string,
    attempts: number,
    transient: boolean,
  ): void {
    this.#failed++;
    this.#lastProblem = problem;
    if (transient) this.#degraded = true;
    if (this.#warned) return;
    this.#warned = true;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    this.#options.onWarning(
      `${this.#options.target.label}: the "${notification.event}" notification was not delivered (${problem}${tries}); ` +
        (transient
          ? 'later ones get one attempt each until the webhook answers'
          : 'later ones are still sent'),
    );
  }
}
