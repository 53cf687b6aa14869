/**
 * Lifecycle notifications from the built binary, received by HTTP servers on 127.0.0.1: a webhook sees every notification of a deploy, a release that
 * pauses, its promotion and a rollback, in order, as JSON (with its bearer token) and in
 * Slack's form; webhooks that refuse connections, answer 500 or never answer change no
 * exit code, hold up no step, and the CLI gives up on them after the flush bound. No
 * webhook URL or token ever shows in the output. No Prometheus: these releases have no
 * checks.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GOOD_IMAGE,
  jsonLines,
  runCli,
  type CliResult,
  type Cluster,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureWarnings, startScenarioCluster } from './scenario-cluster.js';

/** What a webhook received. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

let cluster: Cluster;
let ns: string;
let target: string[];
let dir: string;
let receiver: Server;
let base: string;
let refusedUrl: string;
const received: Received[] = [];
const held: ServerResponse[] = [];

// Secrets as a real setup has them: the webhook URL's path and the bearer token.
const HOOK_SECRET = `T0/B0/${randomBytes(12).toString('hex')}`;
const SLACK_SECRET = `T1/B1/${randomBytes(12).toString('hex')}`;
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
let secrets: string[];
let specFile: string;

const SPEC = `apiVersion: switchyard.dev/v1alpha1
kind: ReleaseSpec
service: reviews
deploy:
  preRelease:
    headers: [{ name: x-release, exact: candidate }]
checks:
  items: []
strategy:
  steps:
    - weight: 50
    - pause: true
    - weight: 100
`;

/** Bodies a path received, in order. */
function bodiesAt(path: string): Record<string, any>[] {
  return received.filter((r) => r.path === path).map((r) => r.body);
}

function expectNoSecret(...results: CliResult[]): void {
  for (const result of results) {
    for (const secret of secrets) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
  }
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      received.push({
        path,
        headers: request.headers,
        body: JSON.parse(body) as Record<string, any>,
      });
      if (path.startsWith('/failing/')) response.writeHead(500).end('{"error":"boom"}');
      else if (path.startsWith('/hanging/')) held.push(response);
      else response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/refused/${HOOK_SECRET}`;
  await new Promise((resolve) => closed.close(resolve));

  cluster = await startScenarioCluster('notifications');
  ns = cluster.namespace;
  target = cluster.cliTarget();
  dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-notify-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, `${TOKEN}\n`);
  specFile = join(dir, 'release.yaml');
  await writeFile(
    specFile,
    `${SPEC}notify:
  - urlEnv: TEST_HOOK_URL
    tokenFile: ${tokenFile}
  - urlEnv: TEST_CHAT_URL
    format: slack
    events: [paused, rolled-back, finished]
`,
  );
  secrets = [HOOK_SECRET, SLACK_SECRET, TOKEN];
});

afterAll(async () => {
  for (const response of held) response.destroy();
  await new Promise((resolve) => receiver?.close(resolve));
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('notifications', () => {
  it('a webhook sees every notification of a deploy, a paused release, its promotion and a rollback, in order', async () => {
    const env = {
      TEST_HOOK_URL: `${base}/hook/${HOOK_SECRET}`,
      TEST_CHAT_URL: `${base}/chat/${SLACK_SECRET}`,
    };
    const hook = `/hook/${HOOK_SECRET}`;
    const chat = `/chat/${SLACK_SECRET}`;

    const deploy = await runCli(['deploy', '-f', specFile, '--image', GOOD_IMAGE, ...target], {
      env,
    });
    expect(deploy.code, deploy.stderr).toBe(0);
    const release = await runCli(['release', '-f', specFile, '-o', 'json', ...target], { env });
    expect(release.code, release.stderr).toBe(4);
    const promote = await runCli(['promote', '-f', specFile, ...target], { env });
    expect(promote.code, promote.stderr).toBe(0);
    const rollback = await runCli(['rollback', '-f', specFile, ...target], { env });
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });

    // Every webhook got everything before each command ended: nothing was left to warn about.
    for (const result of [deploy, promote, rollback])
      expect(result.stdout).not.toContain('notify[');
    expect(
      jsonLines(release)
        .filter((line) => line.type === 'warning')
        .map((line) => line.message as string),
    ).toEqual(fixtureWarnings(cluster));

    const hooked = bodiesAt(hook);
    expect(hooked.map((n) => `${n.operation}:${n.event}`)).toEqual([
      'deploy:started',
      'deploy:finished',
      'release:started',
      'release:step',
      'release:step',
      'release:paused',
      'release:finished',
      'promote:promoted',
      'promote:step',
      'promote:finished',
      'rollback:started',
      'rollback:rolled-back',
      'rollback:finished',
    ]);
    // Per operation: one id, sequence 1, 2, 3, ...
    for (const operation of ['deploy', 'release', 'promote', 'rollback']) {
      const own = hooked.filter((n) => n.operation === operation);
      expect(new Set(own.map((n) => n.operationId as string)).size).toBe(1);
      expect(own.map((n) => n.sequence as number)).toEqual(own.map((_, index) => index + 1));
    }
    expect(hooked.map((n) => n.outcome as string | undefined).filter(Boolean)).toEqual([
      'deployed',
      'paused',
      'released',
      'rolled-back',
    ]);
    expect(hooked[5]).toMatchObject({
      version: 1,
      service: 'reviews',
      namespace: ns,
      nextStep: 2,
      total: 3,
      weights: { blue: 50, green: 50 },
      text: `release of ${ns}/reviews paused before step 3/3 at blue 50 / green 50; run "switchyard promote reviews -n ${ns}" to continue`,
    });
    expect(hooked[9]).toMatchObject({ activeSlot: 'green', weights: { blue: 0, green: 100 } });
    expect(hooked[11]).toMatchObject({ reason: 'manual', verified: true });
    // The release's JSON Lines and its notifications tell the same story.
    const releaseEvents = jsonLines(release).filter((line) => typeof line.type === 'string');
    const releaseStart = releaseEvents.find((event) => event.type === 'operation-started');
    expect(hooked[2]?.operationId).toBe(releaseStart?.id);
    expect(
      received
        .filter((r) => r.path === hook)
        .every((r) => r.headers.authorization === `Bearer ${TOKEN}`),
    ).toBe(true);

    // The chat webhook: Slack's form, only the events it asked for.
    expect(
      received.filter((r) => r.path === chat).every((r) => r.headers.authorization === undefined),
    ).toBe(true);
    expect(bodiesAt(chat)).toEqual([
      { text: `:white_check_mark: *switchyard* ${hooked[1]?.text as string}` },
      { text: `:double_vertical_bar: *switchyard* ${hooked[5]?.text as string}` },
      { text: `:double_vertical_bar: *switchyard* ${hooked[6]?.text as string}` },
      { text: `:white_check_mark: *switchyard* ${hooked[9]?.text as string}` },
      { text: `:rewind: *switchyard* ${hooked[11]?.text as string}` },
      { text: `:rewind: *switchyard* ${hooked[12]?.text as string}` },
    ]);
    expectNoSecret(deploy, release, promote, rollback);
  });

  it('webhooks that refuse, fail or hang change no exit code, hold up no step, and are given up after the flush bound', async () => {
    const refused = refusedUrl;
    const failing = `${base}/failing/${HOOK_SECRET}`;
    const hanging = `${base}/hanging/${SLACK_SECRET}`;
    // Secret URLs come from the environment, not the command line.
    const env = { SWITCHYARD_NOTIFY: `${refused} ${failing} ${hanging}` };
    const before = received.length;

    const deploy = await runCli(
      [
        'deploy',
        'reviews',
        '--image',
        `${GOOD_IMAGE}-rc2`,
        '--header',
        'x-release=candidate',
        ...target,
      ],
      { env, timeoutMs: 90_000 },
    );
    expect(deploy.code, deploy.stderr).toBe(0);
    const release = await runCli(
      [
        'release',
        'reviews',
        '--steps',
        '30,100',
        '--check-interval',
        '1s',
        '-o',
        'json',
        ...target,
      ],
      { env, timeoutMs: 90_000 },
    );
    expect(release.code, release.stderr).toBe(0);
    expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });

    const events = jsonLines(release).slice(0, -1);
    const summary = jsonLines(release).at(-1);
    expect(summary).toMatchObject({ operation: 'release', outcome: 'released', exitCode: 0 });
    expect(events.filter((e) => e.type === 'step-started')).toHaveLength(2);
    const finishedAt = events.findIndex((e) => e.type === 'operation-finished');
    expect(finishedAt).toBeGreaterThan(0);

    // The hanging webhook only ever got each operation's first notification (again, after
    // an attempt timed out), never answered: every step and the end of the release happened
    // while it was unanswered.
    const hangingSeen = received.slice(before).filter((r) => r.path.startsWith('/hanging/'));
    expect(new Set(hangingSeen.map((r) => `${r.body.operation}:${r.body.event}`))).toEqual(
      new Set(['deploy:started', 'release:started']),
    );
    // The failing webhook: four attempts for the first notification, then one for each of
    // the others (it had just failed one for good), in order.
    const failingSeen = received
      .slice(before)
      .filter((r) => r.path.startsWith('/failing/') && r.body.operation === 'release')
      .map((r) => r.body.event as string);
    expect(failingSeen).toEqual([
      'started',
      'started',
      'started',
      'started',
      'step',
      'step',
      'finished',
    ]);

    // The CLI said, after the release, which webhooks missed what, naming them by host only.
    const warnings = events.slice(finishedAt + 1).map((e) => e.message as string);
    expect(events.slice(finishedAt + 1).every((e) => e.type === 'warning')).toBe(true);
    const port = new URL(base).port;
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^notify\\[0\\] \\(url on 127\\.0\\.0\\.1:\\d+\\): 4 of 4 notifications not delivered \\(last problem: connection failed \\(ECONNREFUSED\\)\\)$`,
          ),
        ),
        `notify[1] (url on 127.0.0.1:${port}): 4 of 4 notifications not delivered (last problem: HTTP 500)`,
        expect.stringMatching(
          new RegExp(
            `^notify\\[2\\] \\(url on 127\\.0\\.0\\.1:${port}\\): 4 of 4 notifications not delivered; gave up on \\d still pending after the 5s flush bound`,
          ),
        ),
      ]),
    );
    expect(deploy.stdout).toContain('gave up on');
    expectNoSecret(deploy, release);
    // Figures, not assertions: how long the flush held the CLI after the release ended.
    const finished = events[finishedAt]?.at as number;
    const lastWarning = events.at(-1)?.at as number;
    console.log(`notify flush after the release: ${lastWarning - finished} ms (bound 5000 ms)`);
  });

  it('refuses a --notify that is not a URL (exit 2) without repeating it', async () => {
    const secretish = `hooks.example.com/${HOOK_SECRET}`;
    const result = await runCli(['release', 'reviews', '--notify', secretish, ...target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('notify[0].url: is not a URL');
    expect(result.stderr).toContain('nothing was changed');
    expectNoSecret(result);
  });
});
