/**
 * The sequential checks end to end through the CLI, written once for both tiers (the
 * simulator: `test/cli/sequential-release.test.ts`; the real test bed:
 * `test/conformance/sequential-release-real-istiod.test.ts`): a bad canary rolled back by
 * the sequential test, an identical canary promoted early, a canary without traffic never
 * passing. When the cluster harness (`test/scenarios`) lands, these become one scenario
 * file there; the bed interface below is the part of its `Cluster` they use.
 *
 * Each scenario gets its own images (unique tags), so the behaviours set on the tier's
 * control API touch nothing else. The stable slot fails 2 % of requests and the bad canary
 * 20 % (ten times as often); the identical canary fails 2 % too, which gives the comparison
 * failures to weigh in both slots. 100 requests per second keep each scenario within tens
 * of seconds.
 */
import { expect } from 'vitest';
import { jsonLines, runCli, type CliResult } from './run-cli.js';

/** What the scenarios need of a cluster holding bookinfo. */
export interface SequentialBed {
  /** Namespace of reviews. */
  readonly namespace: string;
  /** `--kubeconfig` and `-n` for the CLI. */
  cliTarget(): string[];
  /** The tier's Prometheus, with its 1 s scrapes. */
  readonly prometheusUrl: string;
  /** The control API (simulator or proxy fleet): `/images/...`, `/clients`. */
  readonly controlUrl: string;
  /** The weights on reviews' VirtualService now. */
  weights(): Promise<{ blue: number; green: number }>;
}

const TAG = 'docker.io/istio/examples-bookinfo-reviews-v2';
/** What the stable slot runs during the scenarios: 2 % of requests fail. */
export const STABLE_IMAGE = `${TAG}:sequential-stable`;
/** A canary failing ten times as often as the stable slot. */
export const BAD_CANARY_IMAGE = `${TAG}:sequential-bad`;
/** A canary failing exactly as often as the stable slot. */
export const TWIN_IMAGE = `${TAG}:sequential-twin`;
/** A canary no request will reach. */
export const QUIET_IMAGE = `${TAG}:sequential-quiet`;

const LATENCY = { medianMs: 15, p99Ms: 60 };

async function control(bed: SequentialBed, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${bed.controlUrl}${path}`, {
    method: 'PUT',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
}

/** Users at `rps` through productpage, and a tester on the pre-release header route. */
export async function setTraffic(bed: SequentialBed, rps: number): Promise<void> {
  const target = { host: 'reviews', port: 9080, path: '/reviews/0' };
  await control(bed, '/clients', {
    clients:
      rps === 0
        ? []
        : [
            { name: 'productpage', namespace: bed.namespace, rps, target },
            {
              name: 'release-tester',
              namespace: bed.namespace,
              rps: 5,
              target,
              headers: { 'x-release': 'candidate' },
            },
          ],
  });
}

/** The images' behaviours, and the stable image released to users (blue/green, one step). */
export async function prepare(bed: SequentialBed): Promise<void> {
  const behaviours: [string, number][] = [
    [STABLE_IMAGE, 0.02],
    [BAD_CANARY_IMAGE, 0.2],
    [TWIN_IMAGE, 0.02],
    [QUIET_IMAGE, 0],
  ];
  for (const [image, errorRate] of behaviours)
    await control(bed, `/images/${encodeURIComponent(image)}`, { errorRate, latency: LATENCY });
  await setTraffic(bed, 100);
  await deployCandidate(bed, STABLE_IMAGE);
  const released = await runCli([
    'release',
    'reviews',
    '--steps',
    '100',
    '--bake',
    '2s',
    ...checkFlags(bed),
    '--check',
    'success-rate>=90',
    '-q',
    ...bed.cliTarget(),
  ]);
  expect(released.code, released.stdout + released.stderr).toBe(0);
}

/** The check settings of every scenario: the tier's Prometheus, 1 s scrapes, short windows. */
export function checkFlags(bed: SequentialBed): string[] {
  return [
    '--prometheus-url',
    bed.prometheusUrl,
    '--scrape-interval',
    '1s',
    '--window',
    '6s',
    '--check-interval',
    '2s',
  ];
}

/** Deploys `image` to the idle slot behind the pre-release header. */
export async function deployCandidate(bed: SequentialBed, image: string): Promise<void> {
  const deployed = await runCli([
    'deploy',
    'reviews',
    '--image',
    image,
    '--header',
    'x-release=candidate',
    '-q',
    ...bed.cliTarget(),
  ]);
  expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
}

/** Releases the deployed candidate with sequential checks; `extra` adds flags. */
export function releaseSequential(
  bed: SequentialBed,
  extra: readonly string[],
): Promise<CliResult> {
  return runCli([
    'release',
    'reviews',
    '--analysis',
    'sequential',
    '--check',
    'success-rate-vs-stable',
    ...checkFlags(bed),
    ...extra,
    ...bed.cliTarget(),
  ]);
}

/** The active slot's weight, whichever slot that is. */
async function activeWeight(bed: SequentialBed): Promise<number> {
  const weights = await bed.weights();
  return Math.max(weights.blue, weights.green);
}

/** A canary failing ten times as often as stable: rolled back by the test, long before its bake ends. */
export async function badCanaryRolledBack(bed: SequentialBed): Promise<void> {
  await deployCandidate(bed, BAD_CANARY_IMAGE);
  const before = await bed.weights();
  const result = await releaseSequential(bed, ['--steps', '25,100', '--bake', '10m']);
  expect(result.code, result.stdout + result.stderr).toBe(3);
  expect(result.stdout).toMatch(
    /rolling back \(checks-failed\): sequential checks ask for a rollback: success-rate-vs-stable: canary's rate above 1x the stable's: likelihood ratio \S+ >= 100 \(1\/alpha\); canary \d+ of \d+ requests failed/,
  );
  expect(result.stdout).toContain('rollback verified: every proxy acked the stable routes');
  expect(result.stderr).toContain('[SWITCHYARD_ROLLED_BACK]');
  // Decided on evidence, not at the end of the 10 minute bake.
  const evaluated = result.lines.filter((line) =>
    line.includes(' checks fail (sequential: rollback)'),
  );
  expect(evaluated).toHaveLength(1);
  expect(await bed.weights()).toEqual(before);
}

/** A canary failing as often as stable: each bake ends early, once shown no worse. */
export async function twinPromotedEarly(bed: SequentialBed): Promise<void> {
  await deployCandidate(bed, TWIN_IMAGE);
  const result = await releaseSequential(bed, [
    '--steps',
    '50,100',
    '--bake',
    '10m',
    '--early-promotion',
    '--min-bake',
    '4s',
    '-o',
    'json',
  ]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const events = jsonLines(result);
  // One bake after each weight step; the evidence gathered at 50 % carries into the bake at 100 %.
  const bakes = events.filter((e) => e.type === 'bake-ended');
  expect(bakes).toHaveLength(2);
  for (const ended of bakes) {
    expect(ended).toMatchObject({ ending: 'promoted-early' });
    expect(ended.bakedMs as number).toBeGreaterThanOrEqual(4_000);
    expect(ended.bakedMs as number).toBeLessThan(600_000);
    expect(ended.reason as string).toMatch(
      /^success-rate-vs-stable: canary's rate below 2x the stable's: likelihood ratio \S+ >= 20 \(1\/beta\)/,
    );
  }
  expect(events.at(-1)).toMatchObject({ outcome: 'released', exitCode: 0 });
  expect(await activeWeight(bed)).toBe(100);
}

/** No request reaches the candidate: every evaluation inconclusive, then a rollback. */
export async function quietCanaryNeverPasses(bed: SequentialBed): Promise<void> {
  await deployCandidate(bed, QUIET_IMAGE);
  await setTraffic(bed, 0);
  try {
    const result = await releaseSequential(bed, [
      '--steps',
      '25,100',
      '--bake',
      '10s',
      '--inconclusive-limit',
      '2',
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(
      /checks inconclusive \(sequential: continue\): success-rate-vs-stable: continue \(inconclusive: too little traffic: 0 requests to the candidate counted in the last 6s, fewer than minRequests 20/,
    );
    expect(result.stdout).toMatch(
      /rolling back \(checks-failed\): checks inconclusive 3 times in a row \(limit 2\)/,
    );
    expect(result.stdout).not.toContain('checks pass');
  } finally {
    await setTraffic(bed, 100);
  }
}
