/**
 * The spec's webhooks made ready to post to: each URL read (from the spec, an environment
 * variable or a file), checked, its format decided, and every form of it registered as a
 * secret. A webhook that cannot be used is skipped with a warning naming its spec field:
 * a missing Slack secret must not stop a release.
 */
import { readCredential } from '../gates/credential-source.js';
import { redactSecrets } from '../kube/redact-secrets.js';
import type { NotificationEvent } from '../spec/sections/notify.js';
import { notifyUrlProblem } from '../spec/notify-rules.js';
import type { ResolvedNotifyTarget } from '../spec/resolved-release-spec.js';
import type { DeliveryTarget } from './delivery-queue.js';
import { defaultFormat } from './notification-text.js';

/** A webhook ready to post to. */
export interface WebhookTarget extends DeliveryTarget {
  /** The notifications it receives. */
  readonly events: ReadonlySet<NotificationEvent>;
}

/** Secrets every notifier message is cleaned of: URLs (and their paths), tokens. */
export class NotifySecrets {
  readonly #values = new Set<string>();

  /** Registers `value` as a secret. */
  secret(value: string): void {
    this.#values.add(value);
  }

  /** Registers a URL: as written, normalized, and its path with the query (Slack's secret part). */
  url(value: string): void {
    this.secret(value);
    try {
      const url = new URL(value);
      this.secret(url.href);
      if (url.pathname.length > 1) this.secret(`${url.pathname}${url.search}`);
      if (url.search.length > 1) this.secret(url.search);
    } catch {
      // Not a URL: the value itself is registered.
    }
  }

  /** `message` without any registered secret (nor anything that looks like a credential). */
  text(message: string): string {
    return redactSecrets(message, [...this.#values]);
  }
}

/**
 * The usable webhooks of `targets`. URLs are registered with `secrets` before anything is
 * checked, so no warning can contain one.
 */
export function openWebhookTargets(
  targets: readonly ResolvedNotifyTarget[],
  secrets: NotifySecrets,
  warn: (message: string) => void,
): WebhookTarget[] {
  const open: WebhookTarget[] = [];
  for (const target of targets) {
    let url: string;
    try {
      url = 'value' in target.url ? target.url.value : readCredential(target.url).trim();
    } catch (error) {
      warn(`${target.label}: ${(error as Error).message}; its notifications are skipped`);
      continue;
    }
    secrets.url(url);
    const problem = notifyUrlProblem(url);
    if (problem) {
      warn(`${target.label}: the URL ${problem}; its notifications are skipped`);
      continue;
    }
    open.push({
      label: target.label,
      url,
      format: target.format ?? defaultFormat(new URL(url)),
      token: target.token,
      events: new Set(target.events),
    });
  }
  return open;
}
