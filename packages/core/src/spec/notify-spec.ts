/**
 * The `notify:` part of the release spec as written: webhooks that receive the lifecycle
 * of every deploy, release, promote and rollback. A webhook URL is often a credential
 * itself (a Slack incoming webhook is), so besides `url` it can come from an environment
 * variable or a file, and so can a bearer token; neither is ever inline.
 */

/** The lifecycle notifications, in the order an operation can send them. */
export const NOTIFICATION_EVENTS = [
  'started',
  'promoted',
  'step',
  'paused',
  'rolled-back',
  'finished',
] as const;

/**
 * A lifecycle notification: `started` (an operation began or resumed), `promoted` (a
 * paused release was promoted), `step` (a release step began), `paused` (the release
 * stopped at a pause step), `rolled-back` (a rollback ended, verified or not), `finished`
 * (the operation ended, with its outcome).
 */
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** `json`: the notification object; `slack`: `{"text": ...}` for Slack-compatible webhooks. */
export type NotificationFormat = 'json' | 'slack';

/**
 * One webhook. Exactly one of `url`, `urlEnv` and `urlFile`; at most one of `tokenEnv`
 * and `tokenFile`.
 */
export interface NotifyTargetSpec {
  /**
   * The webhook URL, http or https. Only for URLs that are not secret: a URL that is a
   * credential (Slack's) belongs in `urlEnv` or `urlFile`. Not with `urlEnv`, `urlFile`.
   */
  url?: string | undefined;
  /** Environment variable holding the webhook URL. Not with `url`, `urlFile`. */
  urlEnv?: string | undefined;
  /** File holding the webhook URL (trailing newline trimmed). Not with `url`, `urlEnv`. */
  urlFile?: string | undefined;
  /** Environment variable holding a bearer token (`Authorization: Bearer`). Undefined: none. Not with `tokenFile`. */
  tokenEnv?: string | undefined;
  /** File holding a bearer token. Undefined: none. Not with `tokenEnv`. */
  tokenFile?: string | undefined;
  /** Body form. Undefined: `slack` when the URL's host is `hooks.slack.com`, else `json`. */
  format?: NotificationFormat | undefined;
  /** Only these notifications. Undefined: every one. */
  events?: NotificationEvent[] | undefined;
}
