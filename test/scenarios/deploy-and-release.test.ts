/**
 * The main path through the built `switchyard` binary, judged by what the cluster and its
 * traffic show: status of an untouched service, a plan that changes nothing, a deploy behind
 * a header (testers reach only the candidate, users stay on blue), a canary whose every step
 * is gated on every proxy, proven from config_dump and baked under checks, a bad image rolled
 * back automatically (exit 3) with the evidence and every proxy back on the stable routes, and
 * a blue/green switch in one gated step. Every operation's events begin with
 * `operation-started`; its preflight warnings (a skipped check, which is always reported, and
 * what the cluster itself draws) come right after it.
 */
import { BAD_IMAGE, GOOD_IMAGE, jsonLines, runCli, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployQuietly } from './deploy-quietly.js';
import { fixtureWarnings, startScenarioCluster } from './scenario-cluster.js';
import { expectTrafficOnlyTo, proxiesNotRoutingOnlyTo } from './traffic.js';

let cluster: Cluster;
let ns: string;
const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

/** The warnings deploy's and release's preflight give here: the skipped check first. */
const preflightWarnings = (): string[] => [
  'preflight: skipped check header-size (--skip-check)',
  ...fixtureWarnings(cluster),
];

beforeAll(async () => {
  cluster = await startScenarioCluster('deploy-and-release', { prometheus: true });
  ns = cluster.namespace;
  // What the releases' checks (and their prometheus-data preflight check) read: without this
  // wait a fast machine releases before Prometheus' first scrapes.
  await cluster.settle();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('switchyard deploy and release', () => {
  it('status shows blue serving everything before switchyard touched the service', async () => {
    const result = await runCli(['status', 'reviews', ...cluster.cliTarget()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${ns}/reviews  phase unmanaged`);
    expect(result.stdout).toContain('blue 100 / green 0');
    expect(result.stdout).toContain('lock         free');
  });

  it('plan deploy prints the ordered diffs and changes nothing', async () => {
    const before = await cluster.snapshot();
    const result = await runCli([
      'plan',
      'reviews',
      'deploy',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`plan: deploy of ${ns}/reviews (dry run, nothing changed)`);
    expect(result.stdout).toMatch(
      new RegExp(`1\\. update Deployment ${ns}/reviews-green: image .*reviews-v2`),
    );
    expect(result.stdout).toContain(`+          image: ${GOOD_IMAGE}`);
    expect(result.stdout).toContain('+    - name: switchyard-reviews-prerelease');
    expect(await cluster.snapshot()).toEqual(before);
  });

  it('deploys behind a header: testers reach only the candidate, users never do (exit 0)', async () => {
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
      '--skip-check',
      'header-size',
      ...cluster.cliTarget(),
    ]);
    const deployedAt = Date.now();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const progress = result.lines.filter((line) => TIMESTAMPED.test(line));
    expect(progress.length).toBeGreaterThan(4);
    expect(progress[0]).toMatch(
      new RegExp(` starting deploy of ${ns}/reviews \\(operation \\w+\\)$`),
    );
    const warnings = preflightWarnings();
    expect(
      progress.slice(1, 1 + warnings.length).map((line) => line.replace(TIMESTAMP, '')),
    ).toEqual(warnings.map((message) => `warning: ${message}`));
    expect(progress.some((line) => line.includes('deployment reviews-green updated'))).toBe(true);
    // The gate read every proxy from istiod's syncz before it reported success.
    expect(result.stdout).toMatch(/all \d+ proxies in scope acked in/);
    expect(result.stdout).toContain('✔ deployed:');
    // No redrawing on a pipe: no cursor movement or erase sequences.
    expect(result.stdout).not.toContain('\u001b[');
    expect(await cluster.imageOf('reviews-green')).toBe(GOOD_IMAGE);
    expect((await cluster.routeNames())[0]).toBe('switchyard-reviews-prerelease');
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });

    // A window entirely after the header route was acked everywhere.
    await expectTrafficOnlyTo(cluster, 'release-tester', 'green', {
      since: deployedAt,
      minRate: 1,
    });
    await expectTrafficOnlyTo(cluster, 'productpage', 'blue', { since: deployedAt, minRate: 10 });
    // Never, over the whole run: no productpage request ever reached green.
    const never = await cluster.promQuery(
      `sum(istio_requests_total{reporter="destination",source_workload="productpage",` +
        `destination_workload_namespace="${ns}",destination_workload="reviews-green"})`,
    );
    expect(never.reduce((sum, r) => sum + r.value, 0)).toBe(0);
  });

  it('releases it as a canary, each step gated, proven from config_dump and baked under checks (exit 0, JSON Lines)', async () => {
    const result = await runCli([
      'release',
      'reviews',
      '--strategy',
      'canary',
      '--bake',
      '3s',
      ...cluster.checkFlags(),
      '--check',
      'success-rate>=99',
      '--check',
      'latency-p99<=500',
      '--verify-dataplane',
      '2',
      '--skip-check',
      'header-size',
      '-o',
      'json',
      ...cluster.cliTarget(),
    ]);
    const finishedAt = Date.now();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const objects = jsonLines(result);
    const final = objects.at(-1) as Record<string, any>;
    const events = objects.slice(0, -1);
    expect(
      events.every((event) => typeof event.type === 'string' && typeof event.at === 'number'),
    ).toBe(true);
    expect(events[0]).toMatchObject({ type: 'operation-started', operation: 'release' });
    // The preflight's warnings follow it at once; Prometheus had the service's requests
    // before the release (beforeAll waited for them), so there is no other.
    const warnings = preflightWarnings();
    expect(events.slice(1, 1 + warnings.length)).toEqual(
      warnings.map((message) => ({ type: 'warning', at: expect.any(Number), message })),
    );
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(warnings.length);
    const times = events.map((event) => event.at as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.at(-1)?.type).toBe('operation-finished');
    // Every weight change was followed by a completed sync before its bake started.
    const sequence = events
      .filter((e) => ['routes-applied', 'sync-completed', 'bake-started'].includes(e.type))
      .map((e) =>
        e.type === 'routes-applied'
          ? `w${e.weights?.green}`
          : e.type === 'sync-completed'
            ? 'synced'
            : 'bake',
      );
    expect(sequence.join(' ')).toBe(
      'w10 synced bake w25 synced bake w50 synced bake w100 synced bake w100 synced',
    );
    // Each bake ended on a passing evaluation; nothing failed.
    const verdicts = events
      .filter((e) => e.type === 'checks-evaluated')
      .map((e) => e.verdict as string);
    expect(verdicts).toContain('pass');
    expect(verdicts).not.toContain('fail');
    expect(events.filter((e) => e.type === 'dataplane-verified').length).toBeGreaterThanOrEqual(2);
    expect(final).toMatchObject({
      operation: 'release',
      service: 'reviews',
      namespace: ns,
      outcome: 'released',
      activeSlot: 'green',
      weights: { blue: 0, green: 100 },
      exitCode: 0,
    });
    expect(final.error).toBeUndefined();
    expect(final.timeline.length).toBeGreaterThan(5);
    expect(final.timeline.some((entry: any) => entry.event === 'sync-completed')).toBe(true);

    const vs = await cluster.virtualService();
    expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });
    expect(vs.spec.http?.map((r) => r.name)).toEqual(['primary']);
    expect(JSON.parse(vs.metadata.annotations?.['switchyard.dev/release'] ?? '{}')).toMatchObject({
      phase: 'released',
      activeSlot: 'green',
    });
    await expectTrafficOnlyTo(cluster, 'productpage', 'green', {
      since: finishedAt,
      minRate: 10,
    });
  });

  it('status -o json reports the released state', async () => {
    const result = await runCli(['status', 'reviews', '-o', 'json', ...cluster.cliTarget()]);
    expect(result.code, result.stderr).toBe(0);
    const [report] = jsonLines(result);
    expect(report).toMatchObject({
      phase: 'released',
      activeSlot: 'green',
      weights: { blue: 0, green: 100 },
      recordedWeights: { blue: 0, green: 100 },
      weightsDiverged: false,
    });
    expect(report?.slots.green.image).toBe(GOOD_IMAGE);
  });

  it('rolls a bad image back when its checks fail (exit 3), verified on every proxy, with the evidence', async () => {
    await deployQuietly(cluster, BAD_IMAGE, ['--header', 'x-release=candidate']);
    expect(await cluster.imageOf('reviews-blue')).toBe(BAD_IMAGE);

    const result = await runCli([
      'release',
      'reviews',
      '--strategy',
      'canary',
      '--bake',
      '20s',
      ...cluster.checkFlags(),
      '--check',
      'success-rate>=99',
      '-o',
      'json',
      ...cluster.cliTarget(),
    ]);
    const finishedAt = Date.now();
    expect(result.code, result.stdout + result.stderr).toBe(3);
    const objects = jsonLines(result);
    const final = objects.at(-1) as Record<string, any>;
    const events = objects.slice(0, -1);
    expect(events.find((e) => e.type === 'rollback-started')).toMatchObject({
      reason: 'checks-failed',
    });
    expect(final).toMatchObject({
      outcome: 'rolled-back',
      exitCode: 3,
      error: { code: 'SWITCHYARD_ROLLED_BACK', reason: 'checks-failed' },
      rollback: { reason: 'checks-failed', verified: true },
    });
    expect(final.error.message).toContain('rolled back reviews to green');
    const successRate = final.rollback.evidence.find((e: any) => e.name === 'success-rate');
    expect(successRate?.outcome).toBe('fail');
    // About 80% in the long run; a 5 s window at 10% weight holds only ~20 requests.
    expect(successRate?.value).toBeGreaterThan(50);
    expect(successRate?.value).toBeLessThan(99);
    expect(final.rollback.timeToRestoreMs).toBeGreaterThan(0);
    expect(final.timeline.map((t: any) => t.event as string)).toEqual(
      expect.arrayContaining(['rollback-started', 'rollback-completed']),
    );
    // The canary never got past its first step.
    const candidateWeights = events
      .filter((e) => e.type === 'routes-applied')
      .map((e) => e.weights?.blue as number);
    expect(candidateWeights).toEqual([10, 0]);

    // The VirtualService: all traffic on the stable slot, header route gone; every proxy
    // applied exactly that, and users' traffic is there.
    expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });
    expect(await cluster.routeNames()).not.toContain('switchyard-reviews-prerelease');
    expect(await proxiesNotRoutingOnlyTo(cluster, 'green')).toEqual([]);
    await expectTrafficOnlyTo(cluster, 'productpage', 'green', {
      since: finishedAt,
      minRate: 10,
    });
    // kubectl describe shows the history as Events on the VirtualService.
    const described = await cluster.kubectl(['-n', ns, 'describe', 'virtualservice', 'reviews']);
    expect(described).toMatch(/RollbackStarted/);
    expect(described).toMatch(/RolledBack/);
  });

  it('switches blue/green in one gated step after a deploy to the idle slot (exit 0)', async () => {
    const deployed = await runCli([
      'deploy',
      'reviews',
      '--image',
      'docker.io/istio/examples-bookinfo-reviews-v1:1.20.1',
      '-o',
      'json',
      ...cluster.cliTarget(),
    ]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(jsonLines(deployed).at(-1)).toMatchObject({ candidateSlot: 'blue' });
    const result = await runCli([
      'release',
      'reviews',
      '--strategy',
      'bluegreen',
      '--bake',
      '3s',
      ...cluster.checkFlags(),
      '--check',
      'success-rate>=99',
      '-o',
      'json',
      ...cluster.cliTarget(),
    ]);
    const finishedAt = Date.now();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const objects = jsonLines(result);
    expect(objects.at(-1)).toMatchObject({
      outcome: 'released',
      activeSlot: 'blue',
      weights: { blue: 100, green: 0 },
      exitCode: 0,
    });
    // One switch; finalize has nothing to write (no header route or mirror was deployed).
    const weights = objects
      .filter((e) => e.type === 'routes-applied')
      .map((e) => e.weights?.blue as number);
    expect(weights).toEqual([100]);
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });
    await expectTrafficOnlyTo(cluster, 'productpage', 'blue', { since: finishedAt, minRate: 10 });
  });
});
