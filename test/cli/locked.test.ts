/**
 * Exit 6: another holder has the release Lease, as another pipeline's run would leave it
 * (the message names the holder and nothing changes), or someone edited the managed
 * weights during a release (switchyard stops without overwriting them).
 */
import { microTime } from '@switchyard/core/internal-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_IMAGE, startTestbed, type Testbed } from '@switchyard/test-utils';
import { clusterSnapshot, liveWeights, routeNames } from './cluster-snapshot.js';
import { jsonLines, runCli } from './run-cli.js';

const HOLDER = 'github:acme/shop/4242';
let bed: Testbed;

beforeAll(async () => {
  bed = await startTestbed();
  const now = microTime(Date.now());
  // Written to the store directly, as another pipeline's switchyard would have left it.
  const leases = bed.sim.registry.byPlural('coordination.k8s.io', 'leases');
  if (!leases) throw new Error('the simulator serves no Leases');
  bed.sim.store.create(leases, 'bookinfo', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'switchyard-reviews', namespace: 'bookinfo' },
    spec: { holderIdentity: HOLDER, leaseDurationSeconds: 600, acquireTime: now, renewTime: now },
  });
});

afterAll(async () => {
  await bed?.stop();
});

describe('a release Lease held by another holder', () => {
  it('deploy exits 6, names the holder and changes nothing', async () => {
    const before = clusterSnapshot(bed.sim);
    expect(before.lease).toBe(true);
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '--kubeconfig',
      bed.sim.kubeconfigPath,
    ]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain('[SWITCHYARD_LOCKED]');
    expect(result.stderr).toContain(`Lease bookinfo/switchyard-reviews is held by "${HOLDER}"`);
    expect(clusterSnapshot(bed.sim)).toEqual(before);
  });

  it('with -o json the holder is in the error details', async () => {
    const before = clusterSnapshot(bed.sim);
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '-o',
      'json',
      '--kubeconfig',
      bed.sim.kubeconfigPath,
    ]);
    expect(result.code).toBe(6);
    const objects = jsonLines(result);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      operation: 'deploy',
      service: 'reviews',
      exitCode: 6,
      error: { code: 'SWITCHYARD_LOCKED', holder: HOLDER },
    });
    expect(clusterSnapshot(bed.sim)).toEqual(before);
  });

  it('status shows who holds the lock', async () => {
    const result = await runCli(['status', 'reviews', '--kubeconfig', bed.sim.kubeconfigPath]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`held by "${HOLDER}"`);
  });
});

describe('a concurrent edit of the managed weights during a release', () => {
  it('promote exits 6 and leaves the edited weights alone', async () => {
    const leases = bed.sim.registry.byPlural('coordination.k8s.io', 'leases');
    if (leases) bed.sim.store.delete(leases, 'bookinfo', 'switchyard-reviews');
    const cluster = ['--kubeconfig', bed.sim.kubeconfigPath];
    expect(
      (await runCli(['deploy', 'reviews', '--image', GOOD_IMAGE, '-q', ...cluster])).code,
    ).toBe(0);
    const paused = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,pause,100',
      '-q',
      ...cluster,
    ]);
    expect(paused.code, paused.stderr).toBe(4);
    expect(liveWeights(bed.sim)).toEqual({ blue: 50, green: 50 });

    // Someone moves the weights by hand while the release waits for promote.
    const primary = routeNames(bed.sim).indexOf('primary');
    await bed.kubectl([
      'patch',
      'virtualservice',
      'reviews',
      '-n',
      'bookinfo',
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: `/spec/http/${primary}/route/0/weight`, value: 70 },
        { op: 'replace', path: `/spec/http/${primary}/route/1/weight`, value: 30 },
      ]),
    ]);
    expect(liveWeights(bed.sim)).toEqual({ blue: 70, green: 30 });

    const result = await runCli(['promote', 'reviews', ...cluster]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain('[SWITCHYARD_CONCURRENT_EDIT]');
    expect(result.stderr).toContain('someone changed them');
    expect(liveWeights(bed.sim)).toEqual({ blue: 70, green: 30 });
  });
});
