/**
 * A release that stops at a pause step (exit 4) with the split in place, and `promote`
 * finishing it (exit 0) with users' traffic on the new version; a manual rollback after the
 * release (exit 0); Ctrl-C during a bake (exit 130, resumable) and the re-run that resumes
 * it, followed by `status --watch`. The releases have no checks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOOD_IMAGE, jsonLines, runCli, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenarioCluster } from './scenario-cluster.js';
import { expectTrafficOnlyTo } from './traffic.js';

let cluster: Cluster;
let ns: string;
let dir: string;
let pausedSpec: string;
let bakeSpec: string;

const SPEC_HEAD = `apiVersion: switchyard.dev/v1alpha1
kind: ReleaseSpec
service: reviews
deploy:
  preRelease:
    headers: [{ name: x-release, exact: candidate }]
checks:
  items: []
`;

beforeAll(async () => {
  cluster = await startScenarioCluster('pause-and-promote', { prometheus: true });
  ns = cluster.namespace;
  dir = await mkdtemp(join(tmpdir(), 'switchyard-pause-'));
  pausedSpec = join(dir, 'paused.yaml');
  await writeFile(
    pausedSpec,
    `${SPEC_HEAD}strategy:\n  steps:\n    - weight: 50\n    - pause: true\n    - weight: 100\n`,
  );
  bakeSpec = join(dir, 'bake.yaml');
  await writeFile(
    bakeSpec,
    `${SPEC_HEAD}strategy:\n  steps:\n    - weight: 30\n    - bake: 8s\n    - weight: 100\n`,
  );
});

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('pause, promote, rollback and Ctrl-C', () => {
  it('stops at the pause step with exit 4 and the weights of the step before', async () => {
    const target = cluster.cliTarget();
    const deployed = await runCli(['deploy', '-f', pausedSpec, '--image', GOOD_IMAGE, ...target]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);

    const result = await runCli(['release', '-f', pausedSpec, ...target]);
    expect(result.code, result.stdout + result.stderr).toBe(4);
    expect(result.stdout).toContain('paused before step 3');
    expect(result.stdout).toContain('⏸ paused:');
    expect(result.stdout).toContain('switchyard promote reviews');
    expect(result.stderr).toBe('');
    expect(await cluster.weights()).toEqual({ blue: 50, green: 50 });

    const status = await runCli(['status', 'reviews', '-o', 'json', ...target]);
    expect(jsonLines(status)[0]).toMatchObject({
      phase: 'paused',
      weights: { blue: 50, green: 50 },
      step: { index: 2, total: 3 },
    });
  });

  it('a second release while paused reports the pause again (exit 4, no change)', async () => {
    const result = await runCli([
      'release',
      '-f',
      pausedSpec,
      '-o',
      'json',
      ...cluster.cliTarget(),
    ]);
    expect(result.code).toBe(4);
    const final = jsonLines(result).at(-1);
    expect(final).toMatchObject({ outcome: 'paused', exitCode: 4 });
    expect(await cluster.weights()).toEqual({ blue: 50, green: 50 });
  });

  it('promote continues to 100% (exit 0) and users reach the new version only', async () => {
    const result = await runCli(['promote', '-f', pausedSpec, ...cluster.cliTarget()]);
    const promotedAt = Date.now();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('step 3/3: weight 100%');
    expect(result.stdout).toContain('✔ released:');
    expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });
    await expectTrafficOnlyTo(cluster, 'productpage', 'green', { since: promotedAt, minRate: 10 });
  });

  it('promote with nothing paused is refused (exit 2)', async () => {
    const result = await runCli(['promote', 'reviews', ...cluster.cliTarget()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[SWITCHYARD_INVALID_STATE]');
    expect(result.stderr).toContain('nothing to promote');
  });

  it('a manual rollback after the release returns traffic to the warm previous slot (exit 0)', async () => {
    const result = await runCli(['rollback', 'reviews', ...cluster.cliTarget()]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('rollback verified');
    expect(result.stdout).toContain('↩ rolled back:');
    expect(result.stderr).toBe('');
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('Ctrl-C during a bake stops with exit 130, resumable; the re-run resumes and finishes', async () => {
    const target = cluster.cliTarget();
    const deployed = await runCli([
      'deploy',
      '-f',
      bakeSpec,
      '--image',
      `${GOOD_IMAGE}-rc2`,
      '-q',
      ...target,
    ]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);

    let interrupted = false;
    const result = await runCli(['release', '-f', bakeSpec, ...target], {
      onLine: (line, child) => {
        if (!interrupted && line.includes(' baking ')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(130);
    expect(result.stderr).toContain('interrupted by SIGINT');
    expect(result.stderr).toContain('switchyard release reviews');

    const status = jsonLines(await runCli(['status', 'reviews', '-o', 'json', ...target]))[0];
    expect(status).toMatchObject({ phase: 'releasing', weights: { blue: 70, green: 30 } });
    // The lock was released, so the next run does not wait for it to expire.
    expect(status?.lock).toBeUndefined();

    // `status --watch` follows the interrupted release through its resumption to the end.
    // The re-run starts only once the watch has printed its first block: the resumed bake
    // continues from its recorded start and may be short, and a watch whose first read
    // came after the release ended would print only `released` and exit.
    let watching!: () => void;
    const firstBlock = new Promise<void>((resolve) => (watching = resolve));
    const watch = runCli(['status', 'reviews', '--watch', '--interval', '500ms', ...target], {
      onLine: (line) => {
        if (line.startsWith(`${ns}/reviews  phase `)) watching();
      },
    });
    await Promise.race([firstBlock, watch]);
    const resumed = await runCli(['release', '-f', bakeSpec, ...target]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming release of ${ns}/reviews`);
    expect(resumed.stdout).toContain('✔ released:');
    expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });

    const watched = await watch;
    expect(watched.code, watched.stderr).toBe(0);
    const phases = watched.lines.filter((line) => line.startsWith(`${ns}/reviews  phase `));
    // One block per change, not one per poll: the bake, then the end of the release.
    expect(phases[0]).toBe(`${ns}/reviews  phase releasing`);
    expect(phases.at(-1)).toBe(`${ns}/reviews  phase released`);
    expect(watched.stdout).not.toContain('\u001b[');
  });
});
