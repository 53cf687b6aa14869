/**
 * `notify:` webhooks that receive the lifecycle of every deploy, release, promote and
 * rollback. A webhook URL is often a credential itself (a Slack incoming webhook is), so
 * besides `url` it can come from an environment variable or a file, and so can a bearer
 * token; neither is ever inline. Which of `url`, `urlEnv`, `urlFile` is given, and what a
 * `url` may look like, are rules across fields (`notify-rules.ts`), whose messages never
 * repeat a URL: it may be a secret.
 */
import { credentialFrom, type CredentialSource } from '../credential-fields.js';
import {
  choiceKind,
  field,
  group,
  list,
  SECRET_ENV,
  SECRET_FILE,
  TEXT,
} from '../field-declaration.js';

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

// A webhook URL written where a list or a mapping belongs (`notify: https://...`) must not
// be repeated in the message: it may be a secret.
const NOT_SHOWN = 'the value is not shown, as a webhook URL may be a secret';

const notifyTarget = group(
  'A webhook: exactly one of url, urlEnv, urlFile; optionally a bearer token from tokenEnv or tokenFile.',
  {
    url: field({
      kind: TEXT,
      description:
        'Webhook URL (http or https), only when it is not secret; a Slack webhook URL belongs in urlEnv or urlFile. Not with urlEnv, urlFile.',
    }),
    urlEnv: field({
      kind: SECRET_ENV,
      description: 'Environment variable holding the webhook URL.',
    }),
    urlFile: field({ kind: SECRET_FILE, description: 'File holding the webhook URL.' }),
    tokenEnv: field({
      kind: SECRET_ENV,
      description: 'Environment variable holding a bearer token.',
    }),
    tokenFile: field({ kind: SECRET_FILE, description: 'File holding a bearer token.' }),
    format: field({
      kind: choiceKind(['json', 'slack']),
      description: 'json: the notification object; slack: {"text": ...}.',
      defaultText: 'slack for hooks.slack.com, else json',
    }),
    events: list(field({ kind: choiceKind(NOTIFICATION_EVENTS), description: 'A notification.' }), {
      description: 'Only these notifications.',
      defaultText: 'every one',
      nonEmpty: 'must list at least one event; omit the field for every event',
    }),
  },
  { typeError: `must be a mapping of fields, like "urlEnv: SLACK_WEBHOOK_URL"; ${NOT_SHOWN}` },
);

/** The fields of `notify`: a list of webhooks. */
export const NOTIFY_FIELDS = list(notifyTarget, {
  description:
    'Webhooks posted each lifecycle event (started, promoted, step, paused, rolled-back, finished).',
  defaultText: 'none',
  typeError: `must be a list of webhooks, like "- urlEnv: SLACK_WEBHOOK_URL"; ${NOT_SHOWN}`,
  flags: [
    {
      name: 'notify',
      value: 'URL',
      parsed: true,
      help: "post each lifecycle event (started, step, paused, promoted, rolled back, finished) as JSON to this webhook URL (repeatable; adds to the spec's notify; hooks.slack.com gets Slack's form). A URL here shows in ps and CI logs: pass a secret one in SWITCHYARD_NOTIFY or the spec's urlEnv/urlFile",
    },
  ],
});

/** Where a webhook URL is: written in the spec (not secret), or a credential read at run time. */
export type NotifyUrlSource =
  | CredentialSource
  | {
      /** The URL as written (`url`, `--notify`). */
      readonly value: string;
    };

/** One webhook receiving lifecycle notifications. */
export interface ResolvedNotifyTarget {
  /**
   * How messages name it, never by its URL: `notify[0] (urlEnv SLACK_WEBHOOK_URL)`, or for
   * a written URL its host only, `notify[1] (url on hooks.example.com)`.
   */
  readonly label: string;
  /** Where the URL is. */
  readonly url: NotifyUrlSource;
  /** Bearer token; undefined: none. */
  readonly token: CredentialSource | undefined;
  /** Body form; undefined: decided from the URL (`slack` for `hooks.slack.com`, else `json`). */
  readonly format: NotificationFormat | undefined;
  /** The notifications it receives: every one unless the spec chose. */
  readonly events: readonly NotificationEvent[];
}

function resolveTarget(spec: NotifyTargetSpec, index: number): ResolvedNotifyTarget {
  const url: NotifyUrlSource =
    spec.url !== undefined
      ? { value: spec.url }
      : (credentialFrom(spec.urlFile, spec.urlEnv) as CredentialSource);
  const source =
    'value' in url
      ? `url on ${new URL(url.value).host}`
      : 'env' in url
        ? `urlEnv ${url.env}`
        : `urlFile ${url.file}`;
  return {
    label: `notify[${index}] (${source})`,
    url,
    token: credentialFrom(spec.tokenFile, spec.tokenEnv),
    format: spec.format,
    events: spec.events ? [...spec.events] : [...NOTIFICATION_EVENTS],
  };
}

/** `notify` as the notifier takes it: every webhook labelled, never by its URL. */
export function resolveNotify(
  notify: readonly NotifyTargetSpec[] | undefined,
): ResolvedNotifyTarget[] {
  return (notify ?? []).map(resolveTarget);
}
