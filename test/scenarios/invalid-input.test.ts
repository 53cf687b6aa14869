/**
 * Exit 2: bad input is refused before anything changes. Every case names the field or
 * object at fault, and the VirtualService, DestinationRule and Deployments keep their
 * resourceVersions; no Lease is created.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenarioCluster } from './scenario-cluster.js';

let cluster: Cluster;
let ns: string;
let dir: string;
let target: string[];

beforeAll(async () => {
  cluster = await startScenarioCluster('invalid-input');
  ns = cluster.namespace;
  dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-invalid-'));
  target = cluster.cliTarget();
});

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI and checks that it exits 2 without changing the cluster. */
async function expectRefused(args: readonly string[]): Promise<string> {
  const before = await cluster.snapshot();
  const result = await runCli([...args, ...target]);
  expect(result.code, result.stderr).toBe(2);
  expect(await cluster.snapshot()).toEqual(before);
  expect(before.lease).toBe(false);
  expect(result.stderr).toContain('nothing was changed');
  return result.stderr;
}

describe('switchyard refuses bad input with exit 2 and changes nothing', () => {
  it('a malformed YAML spec file, naming the file and the position', async () => {
    const file = join(dir, 'malformed.yaml');
    await writeFile(
      file,
      'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\nstrategy: [\n',
    );
    const stderr = await expectRefused(['deploy', '-f', file, '--image', 'reviews:v2']);
    expect(stderr).toContain(file);
    expect(stderr).toMatch(/malformed YAML at line \d+/);
  });

  it('an unknown field in the spec file, with its path and a suggestion', async () => {
    const file = join(dir, 'unknown-field.yaml');
    await writeFile(
      file,
      'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\nstrategy:\n  stepz: [{ weight: 100 }]\n',
    );
    const stderr = await expectRefused(['release', '-f', file]);
    expect(stderr).toContain('strategy.stepz: unknown field "stepz" (did you mean "steps"?)');
  });

  it('--steps 10,150: the weight out of range, by spec path', async () => {
    const stderr = await expectRefused(['release', 'reviews', '--steps', '10,150']);
    expect(stderr).toContain('strategy.steps[1].weight: must be 1..100');
  });

  it('--steps 10,150 with -o json: the issues in the final object', async () => {
    const before = await cluster.snapshot();
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '10,150',
      '-o',
      'json',
      ...target,
    ]);
    expect(result.code).toBe(2);
    const objects = jsonLines(result);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      exitCode: 2,
      error: {
        code: 'SWITCHYARD_INVALID_SPEC',
        issues: [{ path: 'strategy.steps[1].weight', message: 'must be 1..100' }],
      },
    });
    expect(result.stderr).toBe('');
    expect(await cluster.snapshot()).toEqual(before);
  });

  it('an unknown service, naming every missing object', async () => {
    const stderr = await expectRefused(['deploy', 'ratings', '--image', 'ratings:v2']);
    expect(stderr).toContain('[SWITCHYARD_PREFLIGHT]');
    expect(stderr).toContain(`VirtualService ${ns}/ratings: not found`);
    expect(stderr).toContain(`Service ${ns}/ratings: not found`);
  });

  it('malformed header and check flags', async () => {
    const header = await expectRefused([
      'deploy',
      'reviews',
      '--image',
      'reviews:v2',
      '--header',
      'x-release',
    ]);
    expect(header).toContain('--header "x-release": expected NAME=VALUE');
    const check = await expectRefused(['release', 'reviews', '--check', 'success-rate=99']);
    expect(check).toContain('--check "success-rate=99"');
  });

  it('a strategy that does not exist, a service that does not exist, a threshold that is not a number', async () => {
    const before = await cluster.snapshot();
    const cases: [string[], RegExp][] = [
      [['deploy', 'reviews', '--image', 'reviews:v2', '--strategy', 'sideways'], /strategy/],
      [['deploy', 'nosuchservice', '--image', 'reviews:v2'], /nosuchservice/],
      [['release', 'reviews', '--check', 'success-rate>=banana'], /check/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli([...args, ...target]);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(await cluster.snapshot()).toEqual(before);
    }
    expect(before.lease).toBe(false);
  });

  it('a missing DestinationRule (deleted with kubectl), naming it', async () => {
    await cluster.kubectl(['delete', 'destinationrule', 'reviews', '-n', ns]);
    const before = await cluster.snapshot();
    expect(before.destinationRule).toBeUndefined();
    const stderr = await expectRefused([
      'deploy',
      'reviews',
      '--image',
      'reviews:v2',
      '--header',
      'x-release=candidate',
    ]);
    expect(stderr).toContain(`DestinationRule ${ns}/reviews: not found`);
  });
});
