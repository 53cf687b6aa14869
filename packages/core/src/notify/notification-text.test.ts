import { describe, expect, it } from 'vitest';
import type { FinishedNotification, RolledBackNotification } from './notification.js';
import {
  defaultFormat,
  notificationBody,
  notificationText,
  slackText,
} from './notification-text.js';

const base = {
  version: 1,
  at: '2026-11-21T12:00:00.000Z',
  sequence: 7,
  operation: 'release',
  operationId: 'op1',
  service: 'reviews',
  namespace: 'bookinfo',
} as const;

const unverified: Omit<RolledBackNotification, 'text'> = {
  ...base,
  event: 'rolled-back',
  reason: 'sync-timeout',
  message: 'proxies <reviews-1> & <reviews-2> did not ack',
  verified: false,
  timeToRestoreMs: undefined,
};

describe('notification text', () => {
  it('says when a rollback needs a human', () => {
    expect(notificationText(unverified)).toBe(
      'release of bookinfo/reviews: rollback NOT verified (sync-timeout): proxies <reviews-1> & <reviews-2> did not ack; a human must look',
    );
  });

  it('escapes Slack’s control characters and picks the emoji by outcome', () => {
    const text = notificationText(unverified);
    expect(slackText({ ...unverified, text })).toBe(
      ':rotating_light: *switchyard* release of bookinfo/reviews: rollback NOT verified (sync-timeout): proxies &lt;reviews-1&gt; &amp; &lt;reviews-2&gt; did not ack; a human must look',
    );
    const finished: FinishedNotification = {
      ...base,
      event: 'finished',
      outcome: 'released',
      message: 'released reviews:v2',
      weights: { blue: 0, green: 100 },
      activeSlot: 'green',
      durationMs: 1000,
      error: undefined,
      text: 'release of bookinfo/reviews finished: released: released reviews:v2',
    };
    expect(slackText(finished)).toMatch(/^:white_check_mark: /);
    expect(slackText({ ...finished, outcome: 'failed' })).toMatch(/^:x: /);
  });

  it('builds the body of each format', () => {
    const n = { ...unverified, text: 'line' };
    expect(JSON.parse(notificationBody(n, 'json'))).toEqual({
      version: 1,
      event: 'rolled-back',
      at: '2026-11-21T12:00:00.000Z',
      sequence: 7,
      operation: 'release',
      operationId: 'op1',
      service: 'reviews',
      namespace: 'bookinfo',
      reason: 'sync-timeout',
      message: 'proxies <reviews-1> & <reviews-2> did not ack',
      verified: false,
      text: 'line',
    });
    expect(JSON.parse(notificationBody(n, 'slack'))).toEqual({
      text: ':rotating_light: *switchyard* line',
    });
  });

  it('gives Slack’s own webhooks the Slack form by default, anything else JSON', () => {
    expect(defaultFormat(new URL('https://hooks.slack.com/services/T/B/X'))).toBe('slack');
    expect(defaultFormat(new URL('https://hooks.slack.com.evil.example/x'))).toBe('json');
    expect(defaultFormat(new URL('http://127.0.0.1:8080/hook'))).toBe('json');
  });
});
