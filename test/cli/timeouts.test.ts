/**
 * Timeouts. A deploy whose pods never become ready times out with user traffic untouched
 * (exit 5). Stuck proxies: when productpage's proxy never acks a weight step, the sync
 * gate times out and the release rolls back; the proxy recovers during the rollback, so
 * the rollback is verified (exit 5). When it stays stuck through the rollback too, the
 * rollback cannot be verified and the message gives the exact route state (exit 7); a
 * manual rollback once the proxy recovers clears it (exit 0).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_IMAGE, startTestbed, type Testbed } from '@switchyard/test-utils';
import { liveWeights, routeNames } from './cluster-snapshot.js';
import { jsonLines, runCli } from './run-cli.js';

let bed: Testbed;
let cluster: string[];

const STUCK_PRODUCTPAGE = [{ match: { workload: 'productpage' }, stuck: true }];

beforeAll(async () => {
  bed = await startTestbed();
  cluster = ['--kubeconfig', bed.sim.kubeconfigPath];
});

afterEach(() => {
  bed.sim.controls.setProxyOverrides([]);
});

afterAll(async () => {
  await bed?.stop();
});

async function deploy(image: string): Promise<void> {
  const result = await runCli(['deploy', 'reviews', '--image', image, '-q', ...cluster]);
  expect(result.code, result.stderr).toBe(0);
}

describe('rollout and proxy sync timeouts', () => {
  it('a deploy whose pods never become ready times out (exit 5), user traffic untouched', async () => {
    const image = 'docker.io/istio/examples-bookinfo-reviews-v2:never-ready';
    bed.sim.controls.setBehaviour(image, {
      errorRate: 0,
      errorStatus: 500,
      latency: { medianMs: 15, p99Ms: 60 },
      ready: false,
    });
    const before = routeNames(bed.sim);
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      image,
      '--header',
      'x-release=candidate',
      '--rollout-timeout',
      '3s',
      ...cluster,
    ]);
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toContain('[SWITCHYARD_ROLLOUT_TIMEOUT]');
    expect(result.stderr).toContain(
      'Deployment bookinfo/reviews-green rollout did not complete within 3s',
    );
    expect(liveWeights(bed.sim)).toEqual({ blue: 100, green: 0 });
    // No header route either: testers were never sent to pods that are not ready.
    expect(routeNames(bed.sim)).toEqual(before);
  });

  it('a weight step that never syncs rolls back (exit 5), verified once the proxy recovers', async () => {
    await deploy(GOOD_IMAGE);
    bed.sim.controls.setProxyOverrides(STUCK_PRODUCTPAGE);
    let unstuck = false;
    const result = await runCli(
      ['release', 'reviews', '--steps', '50,100', '--sync-timeout', '5s', ...cluster],
      {
        onLine: (line) => {
          // The step has timed out; let the proxy catch up so the rollback can be confirmed.
          if (!unstuck && line.includes('rolling back (sync-timeout)')) {
            unstuck = true;
            bed.sim.controls.setProxyOverrides([]);
          }
        },
      },
    );
    expect(unstuck).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(5);
    expect(result.stdout).toMatch(/proxies synced \d+\/\d+ .*waiting for productpage-/);
    expect(result.stdout).toContain('rollback verified');
    expect(result.stdout).toMatch(/proxy productpage-\S+ \(istiod istiod-\S+\) STALE/);
    expect(result.stderr).toContain('[SWITCHYARD_ROLLED_BACK]');
    expect(result.stderr).toMatch(/proxies did not ack weights blue 50 \/ green 50 within 5s/);
    expect(liveWeights(bed.sim)).toEqual({ blue: 100, green: 0 });
  });

  it('a rollback that cannot sync either is unverified (exit 7) with the exact route state', async () => {
    await deploy(`${GOOD_IMAGE}-rc2`);
    bed.sim.controls.setProxyOverrides(STUCK_PRODUCTPAGE);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--sync-timeout',
      '4s',
      '-o',
      'json',
      ...cluster,
    ]);
    expect(result.code, result.stderr).toBe(7);
    const final = jsonLines(result).at(-1) as Record<string, any>;
    expect(final).toMatchObject({
      outcome: 'rollback-unverified',
      exitCode: 7,
      error: { code: 'SWITCHYARD_ROLLBACK_UNVERIFIED' },
    });
    const routeState = final.error.routeState as string;
    expect(routeState).toContain('VirtualService bookinfo/reviews routes blue 100 / green 0');
    expect(routeState).toMatch(/not confirmed \(may still use the previous routes\): productpage-/);
    expect(final.rollback).toMatchObject({ verified: false });
    // The write itself went through: the routes say stable, one proxy may not know yet.
    expect(liveWeights(bed.sim)).toEqual({ blue: 100, green: 0 });

    const text = await runCli(['status', 'reviews', ...cluster]);
    expect(text.stdout).toContain('phase failed');
    expect(text.stdout).toContain('route state');
  });

  it('a manual rollback recovers (exit 0); exit 7 in text tells a human what to look at', async () => {
    bed.sim.controls.setProxyOverrides([]);
    // Recovery first: a manual rollback once the proxy is back (exit 0) clears phase failed.
    const recovered = await runCli(['rollback', 'reviews', ...cluster]);
    expect(recovered.code, recovered.stderr).toBe(0);

    await deploy(`${GOOD_IMAGE}-rc3`);
    bed.sim.controls.setProxyOverrides(STUCK_PRODUCTPAGE);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '100',
      '--sync-timeout',
      '3s',
      ...cluster,
    ]);
    expect(result.code, result.stderr).toBe(7);
    expect(result.stdout).toContain('rollback NOT verified: a human must look');
    expect(result.stderr).toContain('[SWITCHYARD_ROLLBACK_UNVERIFIED]');
    expect(result.stderr).toMatch(
      /route state: VirtualService bookinfo\/reviews routes blue 100 \/ green 0/,
    );
    expect(result.stderr).toContain('a human must look: run switchyard status reviews');
  });
});
