/**
 * The main path against the simulator and a real Prometheus: status, plan, deploy and a
 * canary release of a good image (exit 0, text and JSON Lines), then a bad image whose
 * release fails its checks and rolls back (exit 3) with the traffic verified on stable.
 * Every operation's events begin with `operation-started`; its preflight warnings (here a
 * skipped check, which is always reported) come after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_IMAGE,
  GOOD_IMAGE,
  startTestbed,
  waitForServiceRequests,
  type Testbed,
} from '@switchyard/test-utils';
import { peekObject } from '@switchyard/sim';
import { clusterSnapshot, liveWeights, routeNames } from './cluster-snapshot.js';
import { jsonLines, runCli } from './run-cli.js';

let bed: Testbed;
let cluster: string[];
let checks: string[];

const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S/;

function imageOf(deployment: string): string | undefined {
  const object = peekObject(bed.sim, 'apps', 'deployments', 'bookinfo', deployment) as
    { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
  return object?.spec.template.spec.containers[0]?.image;
}

beforeAll(async () => {
  bed = await startTestbed({ prometheus: true });
  cluster = ['--kubeconfig', bed.sim.kubeconfigPath];
  // Short windows: the simulator's Prometheus scrapes every second.
  checks = [
    '--prometheus-url',
    bed.sim.prometheusUrl as string,
    '--scrape-interval',
    '1s',
    '--window',
    '6s',
    '--check-interval',
    '2s',
    '--check',
    'success-rate>=99',
    '--check',
    'latency-p99<=500',
  ];
  // What the release's checks (and its prometheus-data preflight check) read: without this
  // wait a fast machine releases before Prometheus' first scrapes.
  await waitForServiceRequests(bed, 'reviews');
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe('switchyard deploy and release against the simulator', () => {
  it('status shows blue serving everything before switchyard touched the service', async () => {
    const result = await runCli(['status', 'reviews', ...cluster]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('bookinfo/reviews  phase unmanaged');
    expect(result.stdout).toContain('blue 100 / green 0');
    expect(result.stdout).toContain('lock         free');
  });

  it('plan deploy prints the ordered diffs and changes nothing', async () => {
    const before = clusterSnapshot(bed.sim);
    const result = await runCli([
      'plan',
      'reviews',
      'deploy',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
      ...cluster,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('plan: deploy of bookinfo/reviews (dry run, nothing changed)');
    expect(result.stdout).toMatch(
      /1\. update Deployment bookinfo\/reviews-green: image .*reviews-v2/,
    );
    expect(result.stdout).toContain(`+          image: ${GOOD_IMAGE}`);
    expect(result.stdout).toContain('+    - name: switchyard-reviews-prerelease');
    expect(clusterSnapshot(bed.sim)).toEqual(before);
  });

  it('deploys the good image to green with one timestamped line per event (exit 0)', async () => {
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
      '--skip-check',
      'header-size',
      ...cluster,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const progress = result.lines.filter((line) => TIMESTAMPED.test(line));
    expect(progress.length).toBeGreaterThan(4);
    expect(progress[0]).toMatch(/ starting deploy of bookinfo\/reviews \(operation \w+\)$/);
    expect(progress[1]).toMatch(/ preflight: skipped check header-size \(--skip-check\)$/);
    expect(progress.some((line) => line.includes('deployment reviews-green updated'))).toBe(true);
    expect(result.stdout).toContain('✔ deployed:');
    // No redrawing on a pipe: no cursor movement or erase sequences.
    expect(result.stdout).not.toContain('\u001b[');
    expect(imageOf('reviews-green')).toBe(GOOD_IMAGE);
    expect(routeNames(bed.sim)[0]).toBe('switchyard-reviews-prerelease');
    expect(liveWeights(bed.sim)).toEqual({ blue: 100, green: 0 });
  });

  it('releases it with -o json: events as JSON Lines, then the summary with the timeline (exit 0)', async () => {
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--bake',
      '4s',
      ...checks,
      '--skip-check',
      'header-size',
      '-o',
      'json',
      ...cluster,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const objects = jsonLines(result);
    const final = objects.at(-1) as Record<string, any>;
    const events = objects.slice(0, -1);
    expect(
      events.every((event) => typeof event.type === 'string' && typeof event.at === 'number'),
    ).toBe(true);
    expect(events[0]).toMatchObject({ type: 'operation-started', operation: 'release' });
    expect(events[1]).toEqual({
      type: 'warning',
      at: expect.any(Number),
      message: 'preflight: skipped check header-size (--skip-check)',
    });
    // Prometheus had the service's requests before the release (beforeAll waited for them).
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(1);
    const times = events.map((event) => event.at as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.some((e) => e.type === 'checks-evaluated' && e.verdict === 'pass')).toBe(true);
    expect(events.at(-1)?.type).toBe('operation-finished');
    expect(final).toMatchObject({
      operation: 'release',
      service: 'reviews',
      namespace: 'bookinfo',
      outcome: 'released',
      activeSlot: 'green',
      weights: { blue: 0, green: 100 },
      exitCode: 0,
    });
    expect(final.error).toBeUndefined();
    expect(final.timeline.length).toBeGreaterThan(5);
    expect(final.timeline.some((entry: any) => entry.event === 'sync-completed')).toBe(true);
    expect(liveWeights(bed.sim)).toEqual({ blue: 0, green: 100 });
    expect(routeNames(bed.sim)).not.toContain('switchyard-reviews-prerelease');
  });

  it('status -o json reports the released state', async () => {
    const result = await runCli(['status', 'reviews', '-o', 'json', ...cluster]);
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

  it('rolls back a release of the bad image whose checks fail (exit 3), traffic back on green', async () => {
    const deployed = await runCli([
      'deploy',
      'reviews',
      '--image',
      BAD_IMAGE,
      '--header',
      'x-release=candidate',
      '--quiet',
      ...cluster,
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(imageOf('reviews-blue')).toBe(BAD_IMAGE);

    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--bake',
      '10s',
      ...checks,
      ...cluster,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/checks fail: success-rate=\d+(\.\d+)? \(fail min 99/);
    expect(result.stdout).toContain('rolling back (checks-failed)');
    expect(result.stdout).toContain('rollback verified: every proxy acked the stable routes');
    expect(result.stdout).toContain('↩ rolled back:');
    expect(result.stderr).toContain('[SWITCHYARD_ROLLED_BACK]');
    expect(result.stderr).toContain('rolled back reviews to green');
    // The VirtualService itself: all traffic on the stable slot, header route gone.
    expect(liveWeights(bed.sim)).toEqual({ blue: 0, green: 100 });
    expect(routeNames(bed.sim)).not.toContain('switchyard-reviews-prerelease');
  });
});
