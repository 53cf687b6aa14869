/**
 * Releases through the CLI with the sync gate reading real istiod's /debug/syncz over
 * port-forward, proxies on real xDS (the proxy fleet) and a real Prometheus: header-route
 * traffic reaching only the candidate, a canary judged by checks, a bad image rolled back
 * and verified, blue/green with pause and promote, and --verify-dataplane proving the
 * routes from each proxy's config_dump.
 */
import {
  BAD_IMAGE,
  GOOD_IMAGE,
  realNamespace,
  waitFor,
  type RealNamespace,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonLines, runCli } from '../cli/run-cli.js';

const info = inject('realTestbed');
let ns: RealNamespace;

beforeAll(async () => {
  ns = await realNamespace(info, 'conformance-release');
});
afterAll(async () => {
  await ns?.remove();
});

/** Requests per second reaching each reviews version from one client workload, as the server side reports them. */
async function trafficFrom(source: string): Promise<Record<string, number>> {
  const rows = await ns.promQuery(
    `sum by (destination_version) (rate(istio_requests_total{reporter="destination",` +
      `source_workload="${source}",destination_workload_namespace="${ns.namespace}",` +
      `destination_service_name="reviews"}[5s]))`,
  );
  return Object.fromEntries(rows.map((r) => [r.metric.destination_version ?? '', r.value]));
}

/** Waits until `source`'s traffic goes only to `version` (the rest under 2% of it). */
async function waitForTrafficOnlyTo(
  source: string,
  version: string,
): Promise<Record<string, number>> {
  return waitFor(
    async () => {
      const rates = await trafficFrom(source);
      const to = rates[version] ?? 0;
      const elsewhere = Object.entries(rates)
        .filter(([v]) => v !== version)
        .reduce((sum, [, r]) => sum + r, 0);
      return to > 1 && elsewhere <= to * 0.02 ? rates : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000, description: `${source} traffic only to ${version}` },
  );
}

describe('switchyard against real istiod, the proxy fleet and Prometheus', () => {
  it('deploys with a header route: testers reach only the candidate, users stay on blue', async () => {
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
      ...ns.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // The gate read every proxy from real istiod's syncz before it reported success.
    expect(result.stdout).toMatch(/all \d+ proxies in scope acked in/);
    expect(await ns.weights()).toEqual({ blue: 100, green: 0 });
    await waitForTrafficOnlyTo('release-tester', 'green');
    await waitForTrafficOnlyTo('productpage', 'blue');
  });

  it('releases it as a canary judged by Prometheus, proving routes from config_dump (exit 0)', async () => {
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--bake',
      '6s',
      ...ns.checkFlags(),
      '--check',
      'success-rate>=99',
      '--check',
      'latency-p99<=500',
      '--verify-dataplane',
      '2',
      '-o',
      'json',
      ...ns.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = jsonLines(result);
    expect(events.some((e) => e.type === 'checks-evaluated' && e.verdict === 'pass')).toBe(true);
    const verified = events.filter((e) => e.type === 'dataplane-verified');
    expect(verified.length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toMatchObject({
      outcome: 'released',
      activeSlot: 'green',
      weights: { blue: 0, green: 100 },
      exitCode: 0,
    });
    expect(await ns.weights()).toEqual({ blue: 0, green: 100 });
    await waitForTrafficOnlyTo('productpage', 'green');
  });

  it('rolls a bad image back when its checks fail (exit 3), verified on every proxy', async () => {
    const deployed = await runCli([
      'deploy',
      'reviews',
      '--image',
      BAD_IMAGE,
      '--header',
      'x-release=candidate',
      '-q',
      ...ns.cliTarget(),
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--bake',
      '20s',
      ...ns.checkFlags(),
      '--check',
      'success-rate>=99',
      ...ns.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/checks fail: success-rate=\d+(\.\d+)? \(fail min 99/);
    expect(result.stdout).toContain('rollback verified: every proxy acked the stable routes');
    expect(result.stderr).toContain('[SWITCHYARD_ROLLED_BACK]');
    expect(await ns.weights()).toEqual({ blue: 0, green: 100 });
    await waitForTrafficOnlyTo('productpage', 'green');
  });

  it('switches blue/green at once after a deploy to the idle slot (exit 0)', async () => {
    const deployed = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '-q',
      ...ns.cliTarget(),
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const result = await runCli([
      'release',
      'reviews',
      '--strategy',
      'bluegreen',
      '--bake',
      '4s',
      ...ns.checkFlags(),
      '--check',
      'success-rate>=99',
      ...ns.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await ns.weights()).toEqual({ blue: 100, green: 0 });
    await waitForTrafficOnlyTo('productpage', 'blue');
  });

  it('stops at a pause step (exit 4) and promote finishes the release (exit 0)', async () => {
    const image = `${GOOD_IMAGE}-rc2`;
    const deployed = await runCli(['deploy', 'reviews', '--image', image, '-q', ...ns.cliTarget()]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const paused = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,pause,100',
      '--bake',
      '3s',
      ...ns.checkFlags(),
      '--check',
      'success-rate>=99',
      ...ns.cliTarget(),
    ]);
    expect(paused.code, paused.stdout + paused.stderr).toBe(4);
    expect(paused.stdout).toContain('switchyard promote reviews');
    expect(await ns.weights()).toEqual({ blue: 50, green: 50 });
    const promoted = await runCli(['promote', 'reviews', ...ns.checkFlags(), ...ns.cliTarget()]);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(await ns.weights()).toEqual({ blue: 0, green: 100 });
    await waitForTrafficOnlyTo('productpage', 'green');
  });
});
