/**
 * Timeouts. A deploy whose pods never become ready times out with user traffic untouched
 * (exit 5). Stuck proxies: when productpage's proxy never acks a weight step, the sync gate
 * times out naming the proxy and its istiod, and the release rolls back; the proxy recovers
 * during the rollback, so the rollback is verified (exit 5) and every proxy applied the
 * stable routes. When it stays stuck through the rollback too, the rollback cannot be
 * verified and the message gives the exact route state (exit 7); a manual rollback once the
 * proxy recovers clears it (exit 0).
 */
import { GOOD_IMAGE, jsonLines, runCli, type Cluster } from '@switchyard/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deployQuietly } from './deploy-quietly.js';
import { scenarioNeeding, startScenarioCluster } from './scenario-cluster.js';
import { proxiesNotRoutingOnlyTo } from './traffic.js';

let cluster: Cluster;
let ns: string;

const STUCK_PRODUCTPAGE = [{ match: { workload: 'productpage' }, stuck: true }];
/**
 * These scenarios are about a proxy that stops acking during a release. The proxy is stuck
 * before the command starts, so preflight's proxy-sync check would rightly refuse the release
 * (exit 2) once any push (other scenarios' endpoint churn on the shared mesh) has waited on it
 * longer than the sync timeout; that refusal has its own fixture in doctor-checks.
 */
const STUCK_DURING_RELEASE = ['--skip-check', 'proxy-sync'];

beforeAll(async () => {
  cluster = await startScenarioCluster('stuck-proxies');
  ns = cluster.namespace;
});

afterEach(async () => {
  await cluster.setProxyOverrides([]);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('rollout and proxy sync timeouts', () => {
  scenarioNeeding(
    ['podsNeverReady'],
    'a deploy whose pods never become ready times out (exit 5), user traffic untouched',
    async () => {
      const image = 'docker.io/istio/examples-bookinfo-reviews-v2:never-ready';
      await cluster.setImageBehaviour(image, {
        errorRate: 0,
        errorStatus: 500,
        latency: { medianMs: 15, p99Ms: 60 },
        ready: false,
      });
      const before = await cluster.routeNames();
      const result = await runCli([
        'deploy',
        'reviews',
        '--image',
        image,
        '--header',
        'x-release=candidate',
        '--rollout-timeout',
        '3s',
        ...cluster.cliTarget(),
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(5);
      expect(result.stderr).toContain('[SWITCHYARD_ROLLOUT_TIMEOUT]');
      expect(result.stderr).toContain(
        `Deployment ${ns}/reviews-green rollout did not complete within 3s`,
      );
      expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });
      // No header route either: testers were never sent to pods that are not ready.
      expect(await cluster.routeNames()).toEqual(before);
    },
  );

  it('a weight step that never syncs rolls back (exit 5), the proxy and its istiod named, verified once it recovers', async () => {
    await deployQuietly(cluster, GOOD_IMAGE);
    const [stuck] = await cluster.proxiesOf('productpage');
    expect(stuck).toBeDefined();
    await cluster.setProxyOverrides(STUCK_PRODUCTPAGE);
    const istiod = await cluster.istiodOf(stuck!);
    expect(istiod).toMatch(/^istiod-/);
    let unstuck = false;
    const result = await runCli(
      [
        'release',
        'reviews',
        '--steps',
        '50,100',
        '--sync-timeout',
        '5s',
        ...STUCK_DURING_RELEASE,
        ...cluster.cliTarget(),
      ],
      {
        onLine: (line) => {
          // The step has timed out; let the proxy catch up so the rollback can be confirmed.
          if (!unstuck && line.includes('rolling back (sync-timeout)')) {
            unstuck = true;
            void cluster.setProxyOverrides([]);
          }
        },
      },
    );
    expect(unstuck).toBe(true);
    // Each message carries the other stream, so a failure shows the whole run.
    expect(result.code, result.stdout + result.stderr).toBe(5);
    expect(result.stdout, result.stderr).toMatch(
      /proxies synced \d+\/\d+ .*waiting for productpage-/,
    );
    expect(result.stdout, result.stderr).toContain(`proxy ${stuck} (istiod ${istiod}) STALE`);
    expect(result.stdout, result.stderr).toContain('rollback verified');
    expect(result.stderr, result.stdout).toContain('[SWITCHYARD_ROLLED_BACK]');
    expect(result.stderr, result.stdout).toMatch(
      /proxies did not ack weights blue 50 \/ green 50 within 5s/,
    );
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });
    expect(await proxiesNotRoutingOnlyTo(cluster, 'blue')).toEqual([]);
  });

  it('a rollback that cannot sync either is unverified (exit 7) with the exact route state', async () => {
    await deployQuietly(cluster, `${GOOD_IMAGE}-rc2`);
    await cluster.setProxyOverrides(STUCK_PRODUCTPAGE);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--sync-timeout',
      '4s',
      ...STUCK_DURING_RELEASE,
      '-o',
      'json',
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(7);
    const final = jsonLines(result).at(-1) as Record<string, any>;
    expect(final).toMatchObject({
      outcome: 'rollback-unverified',
      exitCode: 7,
      error: { code: 'SWITCHYARD_ROLLBACK_UNVERIFIED' },
    });
    const routeState = final.error.routeState as string;
    expect(routeState).toContain(`VirtualService ${ns}/reviews routes blue 100 / green 0`);
    expect(routeState).toMatch(/not confirmed \(may still use the previous routes\): productpage-/);
    expect(final.rollback).toMatchObject({ verified: false });
    // The write itself went through: the routes say stable, one proxy may not know yet.
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });

    const text = await runCli(['status', 'reviews', ...cluster.cliTarget()]);
    expect(text.stdout).toContain('phase failed');
    expect(text.stdout).toContain('route state');
  });

  it('a manual rollback recovers (exit 0); exit 7 in text tells a human what to look at', async () => {
    await cluster.setProxyOverrides([]);
    // Recovery first: a manual rollback once the proxy is back (exit 0) clears phase failed.
    const recovered = await runCli(['rollback', 'reviews', ...cluster.cliTarget()]);
    expect(recovered.code, recovered.stdout + recovered.stderr).toBe(0);

    await deployQuietly(cluster, `${GOOD_IMAGE}-rc3`);
    await cluster.setProxyOverrides(STUCK_PRODUCTPAGE);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '100',
      '--sync-timeout',
      '3s',
      ...STUCK_DURING_RELEASE,
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(7);
    expect(result.stdout).toContain('rollback NOT verified: a human must look');
    expect(result.stderr).toContain('[SWITCHYARD_ROLLBACK_UNVERIFIED]');
    expect(result.stderr).toMatch(
      new RegExp(`route state: VirtualService ${ns}/reviews routes blue 100 / green 0`),
    );
    expect(result.stderr).toContain('a human must look: run switchyard status reviews');
  });
});
