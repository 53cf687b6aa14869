/**
 * Envoy rejects (NACKs) the routes: istiod's syncz shows the proxy's route status as ERROR
 * with Envoy's message, the acked nonce stays on the previous push, and the proxy keeps its
 * old routes. Waiting cannot help, so the sync gate fails at once naming the proxy, its
 * istiod and the message, and a release rolls back (exit 5), the rollback itself
 * sync-gated. The sync timeout is set far beyond the test's own limit: a run that waited
 * for it would be killed.
 *
 * When the proxy rejects the rollback as well, the rollback cannot be verified (exit 7) and
 * the route state names it; a deploy whose header route is rejected fails with
 * SWITCHYARD_CONFIG_REJECTED (exit 5). A proxy still showing an earlier rejection is given
 * a grace of 10 s for its new push before a same-message error counts as a new rejection.
 */
import {
  GOOD_IMAGE,
  jsonLines,
  runCli,
  type Cluster,
  type ProxyOverride,
} from '@switchyard/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deployQuietly } from './deploy-quietly.js';
import { startScenarioCluster } from './scenario-cluster.js';

const MESSAGE =
  'Proto constraint validation failed (RouteConfigurationValidationError.VirtualHosts[0]: unknown field)';
const REJECTING_PRODUCTPAGE: ProxyOverride[] = [
  { match: { workload: 'productpage' }, stuck: false, reject: MESSAGE },
];
/** Far longer than runCli lets a command live (150 s): only failing fast can pass. */
const LONG_SYNC_TIMEOUT = ['--sync-timeout', '10m'];

let cluster: Cluster;
let ns: string;

beforeAll(async () => {
  cluster = await startScenarioCluster('rejected-routes');
  ns = cluster.namespace;
});

afterEach(async () => {
  await cluster.setProxyOverrides([]);
});

afterAll(async () => {
  await cluster?.stop();
});

/** The proxy id of productpage's (one) pod. */
async function productpageProxy(): Promise<string> {
  const [proxy] = await cluster.proxiesOf('productpage');
  if (!proxy) throw new Error('no productpage proxy');
  return proxy;
}

describe('routes Envoy rejects', () => {
  it('a rejected weight step rolls back at once (exit 5), the rollback verified', async () => {
    await deployQuietly(cluster, GOOD_IMAGE);
    const proxy = await productpageProxy();
    const istiod = await cluster.istiodOf(proxy);
    expect(istiod).toMatch(/^istiod-/);
    await cluster.setProxyOverrides(REJECTING_PRODUCTPAGE);
    let lifted = false;
    const result = await runCli(
      [
        'release',
        'reviews',
        '--steps',
        '50,100',
        ...LONG_SYNC_TIMEOUT,
        '-o',
        'json',
        ...cluster.cliTarget(),
      ],
      {
        onLine: (line) => {
          // The proxy is fixed (say, upgraded) once switchyard rolls back: the rollback's push
          // is accepted and the gate can confirm it.
          if (!lifted && line.includes('"type":"rollback-started"')) {
            lifted = true;
            void cluster.setProxyOverrides([]);
          }
        },
      },
    );
    expect(lifted).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(5);
    const objects = jsonLines(result);
    const started = objects.find((o) => o.type === 'rollback-started');
    expect(started).toMatchObject({ reason: 'config-rejected' });
    expect(started?.message).toContain(
      `proxy ${proxy} (istiod ${istiod}) rejected the new routes: ${MESSAGE}`,
    );
    expect(started?.message).toMatch(/^proxy \S+ \(istiod istiod-\S+\) rejected the new routes: /);
    const final = objects.at(-1) as Record<string, any>;
    expect(final).toMatchObject({
      outcome: 'rolled-back',
      exitCode: 5,
      error: { code: 'SWITCHYARD_ROLLED_BACK', reason: 'config-rejected' },
      rollback: { reason: 'config-rejected', verified: true },
    });
    expect(final.rollback.staleProxies).toContainEqual(
      expect.objectContaining({ proxy, state: 'ERROR', lastError: MESSAGE }),
    );
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });
    // The once-rejecting proxy acked the rollback's push: no error left in syncz. Other
    // scenarios share the mesh, so a proxy may be STALE for the instant a push of theirs is in
    // flight (seen on the real bed: STALE for 50-60 ms); an ERROR is what must not be left.
    const status = await runCli(['status', 'reviews', '-o', 'json', ...cluster.cliTarget()]);
    const [report] = jsonLines(status);
    expect(report).toMatchObject({ phase: 'rolled-back' });
    const notSynced = (report?.sync as { notSynced: { proxy: string; state: string }[] }).notSynced;
    expect(notSynced.filter((entry) => entry.state !== 'STALE')).toEqual([]);
    expect(report!.sync.synced).toBe(report!.sync.total);
  });

  it('a rollback rejected too is unverified (exit 7), the route state naming the proxy', async () => {
    await deployQuietly(cluster, `${GOOD_IMAGE}-rc2`);
    const proxy = await productpageProxy();
    await cluster.setProxyOverrides(REJECTING_PRODUCTPAGE);
    // The rollback's push is rejected with the message the proxy already showed: syncz cannot
    // tell that from a push not answered yet, so the gate gives it the grace (10 s), not the
    // sync timeout.
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      ...LONG_SYNC_TIMEOUT,
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(7);
    expect(result.stdout).toContain('rolling back (config-rejected)');
    expect(result.stdout).toContain('rollback NOT verified: a human must look');
    expect(result.stderr).toContain('[SWITCHYARD_ROLLBACK_UNVERIFIED]');
    expect(result.stderr).toMatch(
      new RegExp(
        `route state: VirtualService ${ns}/reviews routes blue 100 / green 0 \\(rollback accepted at `,
      ),
    );
    expect(result.stderr).toContain(
      `not confirmed (may still use the previous routes): ${proxy} via istiod-`,
    );
    expect(result.stderr).toMatch(/ \(ERROR\)/);

    await cluster.setProxyOverrides([]);
    const recovered = await runCli(['rollback', 'reviews', ...cluster.cliTarget()]);
    expect(recovered.code, recovered.stdout + recovered.stderr).toBe(0);
  });

  it('a deploy whose header route is rejected fails with SWITCHYARD_CONFIG_REJECTED (exit 5)', async () => {
    const proxy = await productpageProxy();
    await cluster.setProxyOverrides(REJECTING_PRODUCTPAGE);
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      `${GOOD_IMAGE}-rc3`,
      '--header',
      'x-release=candidate',
      ...LONG_SYNC_TIMEOUT,
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(5);
    expect(result.stderr).toContain('[SWITCHYARD_CONFIG_REJECTED]');
    expect(result.stderr).toContain(`proxy ${proxy} (istiod istiod-`);
    expect(result.stderr).toContain(MESSAGE);
    // User traffic never moved, and the refused route did not stay behind to poison every
    // later push to that proxy.
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });
    expect(await cluster.routeNames()).not.toContain('switchyard-reviews-prerelease');
    expect(result.stdout).toContain('pre-release header route rejected by Envoy;');
    const status = await runCli(['status', 'reviews', '-o', 'json', ...cluster.cliTarget()]);
    expect(jsonLines(status)[0]).not.toMatchObject({ phase: 'deployed' });
  });
});
