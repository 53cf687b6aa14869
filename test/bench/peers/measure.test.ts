// The side-by-side benchmark's arithmetic (test/bench/peers/measure.mjs): every number of
// its table, from request records and route windows shaped as the fleet's GET /requests
// and GET /routes return them.
import { describe, expect, it } from 'vitest';
import { allRoutedAt, summarise, table } from './measure.mjs';

const V1 = 'example.com/reviews:v1';
const NEW = 'example.com/reviews:new';

interface Rec {
  at: number;
  client?: string;
  pod?: string;
  image?: string;
  status?: number;
  flags?: string;
  gone?: number;
}
const rec = (r: Rec) => ({
  client: 'productpage',
  pod: 'productpage-a',
  image: V1,
  status: 200,
  flags: '-',
  ...r, // as on the wire: no `gone` when no attempt reached a gone pod
});

/** One poll of GET /routes: per image, each sender pod's share. */
const poll = (at: number, shares: Record<string, Record<string, number>>, unrouted = 0) => ({
  at,
  windows: Object.entries(shares).map(([image, perProxy]) => {
    const values = Object.values(perProxy);
    const share = values.reduce((a, b) => a + b, 0) / values.length;
    return {
      client: 'productpage',
      image,
      perProxy,
      share,
      unroutedSince: share === 0 ? unrouted : 0,
    };
  }),
});

const base = {
  tool: 't',
  profile: 'normal',
  row: 'shortest',
  users: 'productpage',
  testers: 'release-tester',
  image: NEW,
  t0: 1000,
  end: 9000,
  promFailed: 0,
};

describe('allRoutedAt', () => {
  it('is the first poll from `from` on where every sender pod sends everything to the image', () => {
    const routes = [
      poll(500, { [NEW]: { a: 1, b: 1 } }),
      poll(1500, { [NEW]: { a: 1, b: 0.5 }, [V1]: { a: 0, b: 0.5 } }),
      poll(2500, { [NEW]: { a: 1 }, [V1]: { a: 0, b: 1 } }),
      poll(3500, { [NEW]: { a: 1, b: 1 } }),
    ];
    expect(allRoutedAt(routes, 'productpage', NEW, 1000)).toBe(3500);
    expect(allRoutedAt(routes, 'productpage', NEW, 0)).toBe(500);
    expect(allRoutedAt(routes, 'productpage', V1, 1000)).toBeUndefined();
    expect(allRoutedAt(routes, 'release-tester', NEW, 0)).toBeUndefined();
  });
});

describe('summarise', () => {
  it('counts failed user requests (no answer or 5xx) in the run window, and requests to gone pods', () => {
    const records = [
      rec({ at: 500, status: 503 }), // before the release
      rec({ at: 1100 }),
      rec({ at: 1200, status: 0, flags: 'UH' }),
      rec({ at: 1300, status: 503, flags: 'UF,URX', gone: 1 }),
      rec({ at: 1350, status: 503, flags: 'UF,URX' }), // refused by a pod with no sidecar config yet
      rec({ at: 1400, status: 200, gone: 1 }), // retried elsewhere: reached a gone pod, did not fail
      rec({ at: 1500, status: 404 }),
      rec({ at: 1600, client: 'release-tester', status: 500 }),
      rec({ at: 9500, status: 500 }), // after the end
    ];
    const r = summarise({
      ...base,
      scenario: 'healthy',
      records,
      routes: [poll(4000, { [NEW]: { a: 1 } })],
      verdict: { at: 6000, text: 'released' },
      promFailed: 3,
    });
    expect(r).toMatchObject({
      failed: 3,
      users: 6,
      gone: 2,
      promFailed: 3,
      flags: { '0 UH': 1, '503 UF,URX': 2 },
      refused: 1,
      duration: 3000,
      claimed: 5000,
      verdict: 'released',
    });
  });

  it('times a bad version from its first request to the moment no proxy routes to it', () => {
    const records = [
      rec({ at: 1100 }),
      rec({ at: 2000, image: NEW, status: 500 }),
      rec({ at: 2500, image: NEW }),
      rec({ at: 2600, status: 503, flags: 'UF' }),
      rec({ at: 4500, status: 500 }), // after the restore: counted in failed, not before it
    ];
    const routes = [poll(2000, { [NEW]: { a: 0.5 } }), poll(4000, { [NEW]: { a: 0 } }, 3900)];
    const r = summarise({
      ...base,
      scenario: 'bad-50',
      records,
      routes,
      verdict: { at: 5000, text: 'rolled back' },
    });
    expect(r).toMatchObject({
      failed: 3,
      failedBetween: 2,
      restore: 1900,
      restoreNever: false,
      claimed: 4000,
    });
    expect(r.duration).toBeUndefined();

    const stillRouted = summarise({
      ...base,
      scenario: 'bad-5',
      records,
      routes: [poll(4000, { [NEW]: { a: 0.05 } })],
      verdict: { at: 8000, text: 'promoted' },
    });
    expect(stillRouted).toMatchObject({ restoreNever: true, failedBetween: 3 });
    expect(stillRouted.restore).toBeUndefined();
  });

  it('counts what went through the stuck proxy', () => {
    const records = [
      rec({ at: 1100, pod: 'stuck', status: 503, flags: 'UF' }),
      rec({ at: 1200, pod: 'stuck' }),
      rec({ at: 1300, pod: 'other', status: 500 }),
    ];
    const r = summarise({
      ...base,
      scenario: 'stuck',
      records,
      routes: [poll(2000, { [NEW]: { stuck: 0, other: 1 }, [V1]: { stuck: 1, other: 0 } })],
      verdict: { at: 3000, text: 'rolled back' },
      stuckPod: 'stuck',
    });
    expect(r).toMatchObject({ stuckFailed: 1, stuckTotal: 2, failed: 2 });
    expect(r.duration).toBeUndefined(); // the stuck proxy never sent everything to the new version
  });

  it("reports a header test by the testers' share on the candidate and the users' count on it", () => {
    const records = [
      rec({ at: 1500, client: 'release-tester', image: NEW }),
      rec({ at: 2500, client: 'release-tester', image: NEW }),
      rec({ at: 2600, client: 'release-tester', image: NEW }),
      rec({ at: 2700, client: 'release-tester' }),
      rec({ at: 2800, client: 'release-tester', image: NEW }),
      rec({ at: 2900, image: NEW }),
      rec({ at: 3000 }),
    ];
    const r = summarise({
      ...base,
      scenario: 'header',
      records,
      routes: [],
      verdict: { at: 2000, text: 'header route watched', window: [2000, 5000] },
    });
    expect(r).toMatchObject({
      duration: 1000,
      verdict: 'header route watched; testers 75% on candidate, users 1 on candidate',
      users: 2,
    });
  });
});

describe('table', () => {
  it('prints one Markdown row per run with its counts, flags and verdict', () => {
    const lines = table([
      {
        tool: 'flagger',
        scenario: 'bad-50',
        profile: 'slow',
        row: 'defaults',
        failed: 3,
        users: 100,
        promFailed: 3,
        gone: 1,
        flags: { '500 -': 2, '503 UF,URX': 1 },
        refused: 1,
        failedBetween: 2,
        restore: 61_000,
        restoreNever: false,
        claimed: 70_000,
        verdict: 'Canary Failed',
      },
      {
        tool: 'argo-rollouts',
        scenario: 'bad-5',
        profile: 'normal',
        row: 'defaults',
        failed: 9,
        users: 100,
        promFailed: 9,
        gone: 0,
        flags: {},
        restoreNever: true,
        claimed: 600_000,
        verdict: 'promoted (Healthy)',
      },
      {
        tool: 'switchyard',
        scenario: 'stuck',
        profile: 'normal',
        row: 'shortest',
        failed: 0,
        users: 10,
        promFailed: 0,
        gone: 0,
        flags: {},
        claimed: 20_000,
        verdict: 'deploy: timed out:\n  proxy-a STALE',
      },
    ]).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe(
      '| switchyard | stuck | normal | shortest | - | 0 of 10 / 0 | 0 | - | deploy: timed out: proxy-a STALE at 20.0 s |',
    );
    expect(lines[2]).toBe(
      "| flagger | bad-50 | slow | defaults | - | 3 of 100 / 3 [2x 500 -, 1x 503 UF,URX] (1 refused by a new pod's unconfigured sidecar) (2 before restore) | 1 | 61.0 s | Canary Failed at 70.0 s |",
    );
    expect(lines[3]).toBe(
      '| argo-rollouts | bad-5 | normal | defaults | - | 9 of 100 / 9 | 0 | never | promoted (Healthy) at 600.0 s |',
    );
  });
});
