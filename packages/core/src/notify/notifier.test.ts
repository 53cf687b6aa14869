/**
 * The notifier with a scripted transport on a fake clock: order per webhook, retry and
 * backoff, final answers, the bound on flushing, skipped webhooks, event filters, and no
 * secret in any warning.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../release/fake-clock.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError } from '../errors.js';
import type { ReleaseEvent } from '../release/release-events.js';
import type { NotifyTargetSpec } from '../spec/sections/notify.js';
import { resolveReleaseSpec } from '../spec/resolve-release-spec.js';
import { Notifier, NOTIFY_FLUSH_TIMEOUT_MS } from './notifier.js';
import {
  WebhookTransportError,
  type WebhookAnswer,
  type WebhookRequest,
  type WebhookTransport,
} from './webhook-transport.js';

const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX';
const HOOK_URL = 'https://hooks.example.com/switchyard?key=hush-hush-1234';
const TOKEN = 'tok-9f8e7d6c5b4a';

/** What the transport saw: the request and the fake time it was made at. */
interface Sent {
  at: number;
  url: string;
  headers: Readonly<Record<string, string>>;
  body: Record<string, unknown>;
  signal: AbortSignal;
}

/** A transport answering from a script: an answer, an error, or `hang` (until aborted). */
class ScriptedTransport implements WebhookTransport {
  readonly sent: Sent[] = [];
  script: (request: WebhookRequest, attempt: number) => WebhookAnswer | Error | 'hang' = () => ({
    status: 200,
    retryAfterMs: undefined,
  });

  constructor(readonly clock: FakeClock) {}

  post(request: WebhookRequest): Promise<WebhookAnswer> {
    this.sent.push({
      at: this.clock.now(),
      url: request.url,
      headers: request.headers,
      body: JSON.parse(request.body) as Record<string, unknown>,
      signal: request.signal,
    });
    const answer = this.script(request, this.sent.length);
    if (answer === 'hang') {
      return new Promise((_, reject) => {
        request.signal.addEventListener('abort', () =>
          reject(new WebhookTransportError('aborted', 'aborted')),
        );
      });
    }
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  /** Events of the JSON bodies, in the order they were sent. */
  events(): unknown[] {
    return this.sent.map((s) => s.body.event);
  }
}

const START = Date.parse('2026-11-21T12:00:00Z');
const ok = (): WebhookAnswer => ({ status: 200, retryAfterMs: undefined });
const status = (code: number, retryAfterMs?: number): WebhookAnswer => ({
  status: code,
  retryAfterMs,
});
const refused = (): Error =>
  new WebhookTransportError('network', 'connection failed (ECONNREFUSED)');

function targets(...notify: NotifyTargetSpec[]) {
  return resolveReleaseSpec(undefined, { service: 'reviews', notify }, { defaultNamespace: 'b' })
    .notify;
}

/** A release's events: started, two steps. */
function releaseEvents(clock: FakeClock): ReleaseEvent[] {
  return [
    {
      type: 'operation-started',
      at: clock.now(),
      operation: 'release',
      id: 'op1',
      service: 'reviews',
      namespace: 'bookinfo',
      resumed: false,
    },
    { type: 'step-started', at: clock.now(), index: 0, total: 2, step: { weight: 50 } },
    { type: 'sync-started', at: clock.now(), reason: 'weights' },
    { type: 'step-started', at: clock.now(), index: 1, total: 2, step: { weight: 100 } },
  ];
}

let clock: FakeClock;
let transport: ScriptedTransport;
let warnings: string[];
let dir: string;

function notifier(notify: NotifyTargetSpec[]): Notifier {
  return new Notifier({
    targets: targets(...notify),
    clock,
    transport,
    onWarning: (message) => warnings.push(message),
  });
}

/**
 * Feeds a release's events, lets the operation take `operationMs` (of fake time), then its
 * (interrupted) end, then flushes.
 */
async function run(n: Notifier, operationMs = 0): Promise<void> {
  for (const event of releaseEvents(clock)) n.onEvent(event);
  if (operationMs > 0) await clock.sleep(operationMs);
  n.end({ error: new AbortedError('release aborted') });
  await n.flush();
}

beforeEach(async () => {
  clock = new FakeClock({ start: START });
  transport = new ScriptedTransport(clock);
  warnings = [];
  dir = await mkdtemp(join(tmpdir(), 'switchyard-notify-'));
  process.env.SWITCHYARD_TEST_SLACK_URL = SLACK_URL;
  process.env.SWITCHYARD_TEST_HOOK_TOKEN = TOKEN;
});

afterEach(async () => {
  delete process.env.SWITCHYARD_TEST_SLACK_URL;
  delete process.env.SWITCHYARD_TEST_HOOK_TOKEN;
  await rm(dir, { recursive: true, force: true });
});

describe('Notifier', () => {
  it('posts every notification in order: the object as JSON, Slack’s {text} to hooks.slack.com', async () => {
    await run(
      notifier([
        { url: HOOK_URL, tokenEnv: 'SWITCHYARD_TEST_HOOK_TOKEN' },
        { urlEnv: 'SWITCHYARD_TEST_SLACK_URL' },
      ]),
    );
    const json = transport.sent.filter((s) => s.url === HOOK_URL);
    const slack = transport.sent.filter((s) => s.url === SLACK_URL);
    expect(json.map((s) => s.body.event)).toEqual(['started', 'step', 'step', 'finished']);
    expect(json.map((s) => s.body.sequence)).toEqual([1, 2, 3, 4]);
    expect(json[1]?.body).toMatchObject({
      version: 1,
      operation: 'release',
      operationId: 'op1',
      service: 'reviews',
      namespace: 'bookinfo',
      index: 0,
      total: 2,
      step: { weight: 50 },
      text: 'release of bookinfo/reviews: step 1/2: weight 50%',
    });
    expect(json[3]?.body).toMatchObject({
      outcome: 'interrupted',
      error: { code: 'SWITCHYARD_ABORTED' },
    });
    expect(json[0]?.headers).toEqual({
      'content-type': 'application/json',
      'user-agent': 'switchyard',
      authorization: `Bearer ${TOKEN}`,
    });
    expect(slack.map((s) => s.body)).toEqual([
      { text: ':rocket: *switchyard* release of bookinfo/reviews started (operation op1)' },
      { text: ':arrow_right: *switchyard* release of bookinfo/reviews: step 1/2: weight 50%' },
      { text: ':arrow_right: *switchyard* release of bookinfo/reviews: step 2/2: weight 100%' },
      {
        text: ':warning: *switchyard* release of bookinfo/reviews finished: interrupted: release aborted',
      },
    ]);
    expect(slack[0]?.headers.authorization).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('retries an unreachable webhook with exponential backoff, then delivers, in order', async () => {
    transport.script = (_request, attempt) => (attempt <= 3 ? refused() : ok());
    await run(notifier([{ url: HOOK_URL }]));
    expect(transport.sent.map((s) => s.at - START)).toEqual([0, 500, 1500, 3500, 3500, 3500, 3500]);
    expect(transport.events()).toEqual([
      'started',
      'started',
      'started',
      'started',
      'step',
      'step',
      'finished',
    ]);
    expect(warnings).toEqual([]);
  });

  it('waits as long as Retry-After says on 429 (at most the longest backoff)', async () => {
    transport.script = (_request, attempt) =>
      attempt === 1 ? status(429, 3_000) : attempt === 2 ? status(503, 60_000) : ok();
    await run(notifier([{ url: HOOK_URL }]), 20_000);
    expect(transport.sent.slice(0, 3).map((s) => s.at - START)).toEqual([0, 3_000, 11_000]);
    expect(transport.events().slice(0, 4)).toEqual(['started', 'started', 'started', 'step']);
  });

  it('gives up after 4 attempts, warns once, then tries once per notification until it answers', async () => {
    transport.script = (_request, attempt) => (attempt <= 5 ? status(500) : ok());
    await run(notifier([{ url: HOOK_URL }]));
    // started: 4 attempts; step 1: one (failed); step 2: one (delivered); finished: one.
    expect(transport.events()).toEqual([
      'started',
      'started',
      'started',
      'started',
      'step',
      'step',
      'finished',
    ]);
    expect(warnings).toEqual([
      'notify[0] (url on hooks.example.com): the "started" notification was not delivered (HTTP 500 after 4 attempts); later ones get one attempt each until the webhook answers',
      'notify[0] (url on hooks.example.com): 2 of 4 notifications not delivered (last problem: HTTP 500)',
    ]);
  });

  it('does not retry an answer that will not change (4xx), and keeps sending the next ones', async () => {
    transport.script = (_request, attempt) => (attempt === 1 ? status(404) : ok());
    await run(notifier([{ url: HOOK_URL }]));
    expect(transport.events()).toEqual(['started', 'step', 'step', 'finished']);
    expect(warnings[0]).toBe(
      'notify[0] (url on hooks.example.com): the "started" notification was not delivered (HTTP 404, not retried); later ones are still sent',
    );
  });

  it('flushes for at most the flush bound, then cancels the request in flight and says so', async () => {
    transport.script = () => 'hang';
    const n = notifier([{ url: HOOK_URL }]);
    for (const event of releaseEvents(clock)) n.onEvent(event);
    n.end({ error: new AbortedError('release aborted') });
    const reports = await n.flush();
    expect(clock.now() - START).toBe(NOTIFY_FLUSH_TIMEOUT_MS);
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]?.signal.aborted).toBe(true);
    expect(reports).toEqual([
      {
        label: 'notify[0] (url on hooks.example.com)',
        queued: 4,
        delivered: 0,
        failed: 0,
        pending: 4,
        lastProblem: undefined,
      },
    ]);
    expect(warnings).toEqual([
      'notify[0] (url on hooks.example.com): 4 of 4 notifications not delivered; gave up on 4 still pending after the 5s flush bound',
    ]);
    // Nothing is sent after giving up, and a second flush changes nothing.
    n.onEvent(releaseEvents(clock)[1] as ReleaseEvent);
    await n.flush();
    expect(transport.sent).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('a dead webhook does not hold up another one', async () => {
    transport.script = (request) => (request.url === HOOK_URL ? 'hang' : ok());
    await run(notifier([{ url: HOOK_URL }, { url: 'http://127.0.0.1:9/hook' }]));
    expect(transport.sent.filter((s) => s.url !== HOOK_URL).map((s) => s.body.event)).toEqual([
      'started',
      'step',
      'step',
      'finished',
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^notify\[0\] \(url on hooks\.example\.com\): 4 of 4/);
  });

  it('sends a webhook only the events it lists', async () => {
    await run(notifier([{ url: HOOK_URL, events: ['started', 'finished'] }]));
    expect(transport.events()).toEqual(['started', 'finished']);
    expect(transport.sent.map((s) => s.body.sequence)).toEqual([1, 4]);
  });

  it('skips a webhook whose URL or token cannot be read, naming the field, and serves the others', async () => {
    const badUrlFile = join(dir, 'bad-url');
    await writeFile(badUrlFile, 'ftp://files.example.com/very-secret-path\n');
    const urlFile = join(dir, 'url');
    await writeFile(urlFile, `${HOOK_URL}\n`);
    await run(
      notifier([
        { urlEnv: 'SWITCHYARD_TEST_UNSET_URL' },
        { urlFile: badUrlFile },
        { urlFile, tokenFile: join(dir, 'missing-token') },
        { urlEnv: 'SWITCHYARD_TEST_SLACK_URL', format: 'json', events: ['started'] },
      ]),
    );
    expect(warnings).toEqual([
      'notify[0] (urlEnv SWITCHYARD_TEST_UNSET_URL): environment variable SWITCHYARD_TEST_UNSET_URL is not set; its notifications are skipped',
      `notify[1] (urlFile ${badUrlFile}): the URL must be an http or https URL, got ftp; its notifications are skipped`,
      `notify[2] (urlFile ${urlFile}): the "started" notification was not delivered (cannot read credential file ${join(dir, 'missing-token')} (ENOENT)); later ones are still sent`,
      `notify[2] (urlFile ${urlFile}): 4 of 4 notifications not delivered (last problem: cannot read credential file ${join(dir, 'missing-token')} (ENOENT))`,
    ]);
    // format: json overrides the Slack default.
    expect(transport.sent.map((s) => [s.url, s.body.event])).toEqual([[SLACK_URL, 'started']]);
  });

  it('never lets a URL, its secret path or a token into a warning', async () => {
    transport.script = () =>
      new WebhookTransportError(
        'network',
        `connection failed: ${SLACK_URL} ${HOOK_URL} /services/T0001/B0002/XXXXsecretXXXX Bearer ${TOKEN} ${TOKEN}`,
      );
    await run(
      notifier([
        { urlEnv: 'SWITCHYARD_TEST_SLACK_URL' },
        { url: HOOK_URL, tokenEnv: 'SWITCHYARD_TEST_HOOK_TOKEN' },
      ]),
    );
    expect(warnings).toHaveLength(4);
    const all = warnings.join('\n');
    for (const secret of [SLACK_URL, HOOK_URL, 'XXXXsecretXXXX', 'hush-hush-1234', TOKEN]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain('connection failed: [REDACTED]');
  });

  it('does nothing without webhooks', async () => {
    const n = notifier([]);
    await run(n);
    expect(transport.sent).toEqual([]);
    expect(await n.flush()).toEqual([]);
  });
});
