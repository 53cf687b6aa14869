/**
 * The words of a notification: one plain line (`text` in every payload) and the Slack
 * form (`{"text": ...}` with an emoji, escaped as Slack requires), and the request body of
 * each format.
 */
import { describeStep, describeWeights } from '../release/describe-event.js';
import type { NotificationFormat } from '../spec/sections/notify.js';
import type { LifecycleNotification } from './notification.js';

/** The notification without its `text`, which is derived from the rest. */
export type UntextedNotification = LifecycleNotification extends infer N
  ? N extends LifecycleNotification
    ? Omit<N, 'text'>
    : never
  : never;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `release of bookinfo/reviews`. */
function subject(n: UntextedNotification): string {
  return `${n.operation} of ${n.namespace}/${n.service}`;
}

/** The one plain line for a notification. */
export function notificationText(n: UntextedNotification): string {
  switch (n.event) {
    case 'started':
      return `${subject(n)} ${n.resumed ? 'resumed' : 'started'} (operation ${n.operationId})`;
    case 'promoted':
      return `${subject(n)} started: the paused release continues (operation ${n.operationId})`;
    case 'step':
      return `${subject(n)}: step ${n.index + 1}/${n.total}: ${describeStep(n.step)}`;
    case 'paused':
      return (
        `${subject(n)} paused before step ${n.nextStep + 1}${n.total !== undefined ? `/${n.total}` : ''}` +
        `${n.weights ? ` at ${describeWeights(n.weights)}` : ''}; ` +
        `run "switchyard promote ${n.service} -n ${n.namespace}" to continue`
      );
    case 'rolled-back':
      return n.verified
        ? `${subject(n)} rolled back (${n.reason}): ${n.message}; every proxy acked the stable routes` +
            (n.timeToRestoreMs !== undefined
              ? ` ${seconds(n.timeToRestoreMs)} after the first failure`
              : '')
        : `${subject(n)}: rollback NOT verified (${n.reason}): ${n.message}; a human must look`;
    case 'finished':
      return `${subject(n)} finished: ${n.outcome}: ${n.message}`;
  }
}

function emoji(n: LifecycleNotification): string {
  switch (n.event) {
    case 'started':
      return ':rocket:';
    case 'promoted':
      return ':arrow_forward:';
    case 'step':
      return ':arrow_right:';
    case 'paused':
      return ':double_vertical_bar:';
    case 'rolled-back':
      return n.verified ? ':rewind:' : ':rotating_light:';
    case 'finished':
      switch (n.outcome) {
        case 'deployed':
        case 'released':
        case 'no-op':
          return ':white_check_mark:';
        case 'paused':
          return ':double_vertical_bar:';
        case 'rolled-back':
          return ':rewind:';
        case 'interrupted':
          return ':warning:';
        case 'failed':
          return ':x:';
        case 'rollback-unverified':
          return ':rotating_light:';
      }
  }
}

/** Slack's three control characters in message text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Slack message text: emoji, `switchyard`, the plain line escaped. */
export function slackText(n: LifecycleNotification): string {
  return `${emoji(n)} *switchyard* ${escapeSlack(n.text)}`;
}

/** The request body of `n` in `format`. */
export function notificationBody(n: LifecycleNotification, format: NotificationFormat): string {
  return JSON.stringify(format === 'slack' ? { text: slackText(n) } : n);
}

/** The format a webhook gets when the spec does not say: Slack's own host gets `slack`. */
export function defaultFormat(url: URL): NotificationFormat {
  return url.hostname === 'hooks.slack.com' ? 'slack' : 'json';
}
