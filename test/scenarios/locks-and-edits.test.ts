/**
 * Exit 6, and a hostile API. Another holder has the release Lease, as another pipeline's
 * run would leave it: the message names the holder and nothing changes. A second pipeline
 * while one releases is refused with the holder named. Someone edits the managed weights
 * during a release or while it waits for promote: switchyard stops without overwriting
 * them. And a release under 10% injected API errors and throttling still succeeds, each
 * step written once.
 */
import { microTime } from '@switchyard/core/internal-testing';
import {
  GOOD_IMAGE,
  jsonLines,
  runCli,
  type ApiRecorder,
  type Cluster,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greenWeightsWritten } from './api-writes.js';
import { deployQuietly } from './deploy-quietly.js';
import { fixtureWarnings, scenarioNeeding, startScenarioCluster } from './scenario-cluster.js';

const HOLDER = 'github:acme/shop/4242';
let cluster: Cluster;
let ns: string;

beforeAll(async () => {
  cluster = await startScenarioCluster('locks-and-edits', { prometheus: true });
  ns = cluster.namespace;
  const now = microTime(Date.now());
  // Created with kubectl, as another pipeline's switchyard would have left it. (The
  // simulator serves no OpenAPI documents for built-in kinds, which kubectl's client-side
  // validation fetches; the API server validates the Lease either way.)
  await cluster.kubectl(
    ['apply', '--validate=false', '-f', '-'],
    JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'switchyard-reviews', namespace: ns },
      spec: {
        holderIdentity: HOLDER,
        leaseDurationSeconds: 600,
        acquireTime: now,
        renewTime: now,
      },
    }),
  );
});

afterAll(async () => {
  await cluster?.stop();
});

/** Moves the managed route's weights by hand, as a person with kubectl would. */
async function editWeights(blue: number, green: number): Promise<void> {
  const primary = (await cluster.routeNames()).indexOf('primary');
  await cluster.kubectl([
    'patch',
    'virtualservice',
    'reviews',
    '-n',
    ns,
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'replace', path: `/spec/http/${primary}/route/0/weight`, value: blue },
      { op: 'replace', path: `/spec/http/${primary}/route/1/weight`, value: green },
    ]),
  ]);
}

describe('a release Lease held by another holder', () => {
  it('deploy exits 6, names the holder and changes nothing', async () => {
    const before = await cluster.snapshot();
    expect(before.lease).toBe(true);
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(6);
    expect(result.stderr).toContain('[SWITCHYARD_LOCKED]');
    expect(result.stderr).toContain(`Lease ${ns}/switchyard-reviews is held by "${HOLDER}"`);
    expect(await cluster.snapshot()).toEqual(before);
  });

  it('with -o json the holder is in the error details', async () => {
    const before = await cluster.snapshot();
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '-o',
      'json',
      ...cluster.cliTarget(),
    ]);
    expect(result.code).toBe(6);
    // Preflight's warnings about the cluster (if any), then the one final object.
    const objects = jsonLines(result);
    const warnings = fixtureWarnings(cluster);
    expect(objects).toHaveLength(warnings.length + 1);
    expect(objects.slice(0, -1).map((o) => o.message as string)).toEqual(warnings);
    expect(objects.at(-1)).toMatchObject({
      operation: 'deploy',
      service: 'reviews',
      exitCode: 6,
      error: { code: 'SWITCHYARD_LOCKED', holder: HOLDER },
    });
    expect(await cluster.snapshot()).toEqual(before);
  });

  it('status shows who holds the lock', async () => {
    const result = await runCli(['status', 'reviews', ...cluster.cliTarget()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`held by "${HOLDER}"`);
  });
});

describe('concurrent edits of the managed weights', () => {
  it('while paused: promote exits 6 and leaves the edited weights alone', async () => {
    await cluster.kubectl(['-n', ns, 'delete', 'lease', 'switchyard-reviews']);
    const target = cluster.cliTarget();
    await deployQuietly(cluster, GOOD_IMAGE);
    const paused = await runCli(['release', 'reviews', '--steps', '50,pause,100', '-q', ...target]);
    expect(paused.code, paused.stdout + paused.stderr).toBe(4);
    expect(await cluster.weights()).toEqual({ blue: 50, green: 50 });

    // Someone moves the weights by hand while the release waits for promote.
    await editWeights(70, 30);
    expect(await cluster.weights()).toEqual({ blue: 70, green: 30 });

    const result = await runCli(['promote', 'reviews', ...target]);
    expect(result.code, result.stdout + result.stderr).toBe(6);
    expect(result.stderr).toContain('[SWITCHYARD_CONCURRENT_EDIT]');
    expect(result.stderr).toContain('someone changed them');
    expect(await cluster.weights()).toEqual({ blue: 70, green: 30 });
  });

  it('during a bake: a second pipeline is refused naming the holder; the edit is detected and kept', async () => {
    const target = cluster.cliTarget();
    // Start from a clean state: back to blue with a verified rollback, then deploy again.
    const rolledBack = await runCli(['rollback', 'reviews', ...target]);
    expect(rolledBack.code, rolledBack.stdout + rolledBack.stderr).toBe(0);
    await deployQuietly(cluster, `${GOOD_IMAGE}-rc2`);

    let baking: () => void = () => undefined;
    const bakeStarted = new Promise<void>((resolve) => (baking = resolve));
    const running = runCli(
      ['release', 'reviews', '--holder', 'pipeline-a', '--steps', '20,100', '--bake', '30s'].concat(
        ['-o', 'json'],
        target,
      ),
      { onLine: (line) => line.includes('"type":"bake-started"') && baking() },
    );
    await bakeStarted;

    const second = await runCli([
      'release',
      'reviews',
      '--holder',
      'pipeline-b',
      '-o',
      'json',
      ...target,
    ]);
    expect(second.code, second.stdout + second.stderr).toBe(6);
    expect(jsonLines(second).at(-1)).toMatchObject({
      error: { code: 'SWITCHYARD_LOCKED', holder: 'pipeline-a' },
    });
    expect(jsonLines(second).at(-1)?.error.message).toMatch(/held by "pipeline-a" until/);

    // Someone moves the weights by hand in the middle of the bake.
    await editWeights(50, 50);
    const outcome = await running;
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(6);
    const final = jsonLines(outcome).at(-1) as Record<string, any>;
    expect(final.error.code).toBe('SWITCHYARD_CONCURRENT_EDIT');
    expect(final.error.message).toMatch(/changed by someone else to blue 50 \/ green 50/);
    // Their edit stands; switchyard recorded that a human must decide.
    const vs = await cluster.virtualService();
    expect(await cluster.weights()).toEqual({ blue: 50, green: 50 });
    expect(JSON.parse(vs.metadata.annotations?.['switchyard.dev/release'] ?? '{}')).toMatchObject({
      phase: 'failed',
    });
  });

  scenarioNeeding(
    ['apiFaults'],
    'none under an API server failing 10% of requests: a full release, each step written once',
    async () => {
      const target = cluster.cliTarget();
      const rolledBack = await runCli(['rollback', 'reviews', ...target]);
      expect(rolledBack.code, rolledBack.stdout + rolledBack.stderr).toBe(0);
      await deployQuietly(cluster, `${GOOD_IMAGE}-rc3`);

      const recorder: ApiRecorder = await cluster.recordApiCalls();
      await cluster.setApiFaults([
        { verbs: [], resources: [], rate: 0.05, kind: 'error', retryAfterSeconds: 1 },
        { verbs: [], resources: [], rate: 0.05, kind: 'throttle', retryAfterSeconds: 1 },
      ]);
      try {
        const result = await runCli([
          'release',
          'reviews',
          '--strategy',
          'canary',
          '--bake',
          '2s',
          ...cluster.checkFlags(),
          '-o',
          'json',
          '-n',
          ns,
          '--kubeconfig',
          recorder.kubeconfig,
        ]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        expect(jsonLines(result).at(-1)).toMatchObject({ outcome: 'released' });
        // Some requests met a fault and were retried; each weight was written once.
        expect(recorder.requests.some((r) => r.status === 500 || r.status === 429)).toBe(true);
        expect(greenWeightsWritten(recorder.requests, ns)).toEqual([10, 25, 50, 100]);
      } finally {
        await cluster.setApiFaults([]);
        await recorder.close();
      }
      expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });
    },
  );
});
