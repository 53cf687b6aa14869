/**
 * Exit 2: bad input is refused before anything changes. Every case names the field or
 * object at fault, and the VirtualService, DestinationRule and Deployments keep their
 * resourceVersions; no Lease is created.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '@switchyard/test-utils';
import { clusterSnapshot } from './cluster-snapshot.js';
import { jsonLines, runCli } from './run-cli.js';

let bed: Testbed;
let dir: string;
let kubeconfig: string[];

beforeAll(async () => {
  bed = await startTestbed();
  dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-invalid-'));
  kubeconfig = ['--kubeconfig', bed.sim.kubeconfigPath];
});

afterAll(async () => {
  await bed?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI and checks that it exits 2 without changing the cluster. */
async function expectRefused(args: readonly string[]): Promise<string> {
  const before = clusterSnapshot(bed.sim);
  const result = await runCli([...args, ...kubeconfig]);
  expect(result.code, result.stderr).toBe(2);
  expect(clusterSnapshot(bed.sim)).toEqual(before);
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
    const before = clusterSnapshot(bed.sim);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '10,150',
      '-o',
      'json',
      ...kubeconfig,
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
    expect(clusterSnapshot(bed.sim)).toEqual(before);
  });

  it('an unknown service, naming every missing object', async () => {
    const stderr = await expectRefused(['deploy', 'ratings', '--image', 'ratings:v2']);
    expect(stderr).toContain('[SWITCHYARD_PREFLIGHT]');
    expect(stderr).toContain('VirtualService bookinfo/ratings: not found');
    expect(stderr).toContain('Service bookinfo/ratings: not found');
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

  it('a missing DestinationRule (deleted with kubectl), naming it', async () => {
    await bed.kubectl(['delete', 'destinationrule', 'reviews', '-n', 'bookinfo']);
    const before = clusterSnapshot(bed.sim);
    expect(before.destinationRule).toBeUndefined();
    const stderr = await expectRefused([
      'deploy',
      'reviews',
      '--image',
      'reviews:v2',
      '--header',
      'x-release=candidate',
    ]);
    expect(stderr).toContain('DestinationRule bookinfo/reviews: not found');
  });
});
