/**
 * The zod schema of `notify:` (see `notify-spec.ts`). Which of `url`, `urlEnv`, `urlFile`
 * is given, and what a `url` may look like, are rules across fields (`notify-rules.ts`),
 * whose messages never repeat a URL: it may be a secret.
 */
import { z } from 'zod';
import { NOTIFICATION_EVENTS } from './notify-spec.js';
import { nonEmpty, secretEnv, secretFile, unlessMissing } from './schema-fields.js';

// A webhook URL written where a list or a mapping belongs (`notify: https://...`) must not
// be repeated in the message either.
const NOT_SHOWN = 'the value is not shown, as a webhook URL may be a secret';

const notifyTargetSchema = z
  .strictObject(
    {
      url: nonEmpty(
        'Webhook URL (http or https), only when it is not secret; a Slack webhook URL belongs in urlEnv or urlFile. Not with urlEnv, urlFile.',
      ).optional(),
      urlEnv: secretEnv('Environment variable holding the webhook URL.').optional(),
      urlFile: secretFile('File holding the webhook URL.').optional(),
      tokenEnv: secretEnv('Environment variable holding a bearer token.').optional(),
      tokenFile: secretFile('File holding a bearer token.').optional(),
      format: z
        .enum(['json', 'slack'])
        .meta({
          description:
            'json: the notification object; slack: {"text": ...}. Default: slack for hooks.slack.com, else json.',
        })
        .optional(),
      events: z
        .array(z.enum(NOTIFICATION_EVENTS))
        .min(1, { error: 'must list at least one event; omit the field for every event' })
        .meta({ description: 'Only these notifications. Default: every one.' })
        .optional(),
    },
    {
      error: unlessMissing(
        () => `must be a mapping of fields, like "urlEnv: SLACK_WEBHOOK_URL"; ${NOT_SHOWN}`,
      ),
    },
  )
  .meta({
    description:
      'A webhook: exactly one of url, urlEnv, urlFile; optionally a bearer token from tokenEnv or tokenFile.',
  });

/** `notify:`: the webhooks that receive lifecycle notifications. */
export const notifySchema = z
  .array(notifyTargetSchema, {
    error: unlessMissing(
      () => `must be a list of webhooks, like "- urlEnv: SLACK_WEBHOOK_URL"; ${NOT_SHOWN}`,
    ),
  })
  .meta({
    description:
      'Webhooks posted each lifecycle event (started, promoted, step, paused, rolled-back, finished). Default: none.',
  });
