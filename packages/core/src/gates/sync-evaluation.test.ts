import { describe, expect, it } from 'vitest';
import { nonce, status, synced } from './__fixtures__/syncz-fixtures.js';
import {
  baselineCriterion,
  evaluateSync,
  hasChange,
  pendingState,
  pushedSince,
  ratioMet,
  LEFTOVER_ERROR_GRACE_MS,
  rejectedChange,
  RejectionWatch,
  SINCE_TOLERANCE_MS,
  sinceCriterion,
} from './sync-evaluation.js';

const T0 = '2026-11-02T10:00:00Z';
const T1 = '2026-11-02T10:00:05Z';
const takenAt = Date.parse('2026-11-02T10:00:03Z');

describe('baseline criterion', () => {
  const before = [
    synced('a.ns', `${T0}/1`, '2026-11-02T10:00:00.200Z', 'i1', 1),
    synced('b.ns', `${T0}/1`, '2026-11-02T10:00:00.200Z', 'i1', 2),
  ];
  const criterion = baselineCriterion(before, takenAt, true);

  it('does not count "all SYNCED" on the old push', () => {
    const result = evaluateSync(before, criterion);
    expect(result).toMatchObject({ synced: 0, total: 2 });
    expect(pendingState(before[0]!)).toBe('NOT SENT');
  });

  it('counts a proxy whose new push is acked', () => {
    const after = synced('a.ns', `${T1}/2`, '2026-11-02T10:00:05.100Z', 'i1', 3);
    expect(hasChange(after, criterion)).toBe(true);
    expect(evaluateSync([after, before[1]!], criterion)).toMatchObject({ synced: 1, total: 2 });
  });

  it('does not count a new push that is not acked yet', () => {
    const sentOnly = status({
      proxy: 'a.ns',
      routeSent: nonce(`${T1}/2`, 3),
      routeAcked: nonce(`${T0}/1`, 1),
      sentTime: '2026-11-02T10:00:05.100Z',
    });
    expect(hasChange(sentOnly, criterion)).toBe(false);
    expect(pendingState(sentOnly)).toBe('STALE');
  });

  it('does not count a rejected push', () => {
    const rejected = status({
      proxy: 'a.ns',
      routeSent: nonce(`${T1}/2`, 3),
      routeAcked: nonce(`${T1}/2`, 3),
      sentTime: '2026-11-02T10:00:05.100Z',
      lastError: 'bad route',
    });
    expect(hasChange(rejected, criterion)).toBe(false);
    expect(pendingState(rejected)).toBe('ERROR');
  });

  it('counts a proxy that appeared after the snapshot once acked == sent', () => {
    const newcomer = synced('c.ns', `${T1}/2`, '2026-11-02T10:00:06Z', 'i2', 4);
    expect(hasChange(newcomer, criterion)).toBe(true);
    const connecting = status({ proxy: 'c.ns', routeSent: nonce(`${T1}/2`, 4) }, 'i2');
    expect(hasChange(connecting, criterion)).toBe(false);
  });

  it('stops counting proxies that disappeared', () => {
    const after = synced('a.ns', `${T1}/2`, '2026-11-02T10:00:05.100Z', 'i1', 3);
    expect(evaluateSync([after], criterion)).toEqual({ synced: 1, total: 1, pending: [] });
  });

  it('counts a proxy that reconnected to another replica and acked its new push', () => {
    const moved = synced('b.ns', `${T1}/9`, '2026-11-02T10:00:05.300Z', 'i2', 5);
    expect(hasChange(moved, criterion)).toBe(true);
  });

  it('counts a later sentTime with the same nonce as a new push', () => {
    const repeat = status({
      proxy: 'a.ns',
      routeSent: before[0]!.sent,
      routeAcked: before[0]!.sent,
      sentTime: '2026-11-02T10:00:04Z',
    });
    expect(hasChange(repeat, criterion)).toBe(true);
  });

  it('holds newcomers to a push time when the snapshot missed a replica', () => {
    const partial = baselineCriterion(before, takenAt, false);
    // Known to the missing replica before the change: acked, but pushed before the snapshot.
    const unseen = synced('z.ns', `${T0}/1`, '2026-11-02T10:00:00.200Z', 'i3', 6);
    expect(hasChange(unseen, partial)).toBe(false);
    expect(hasChange(unseen, criterion)).toBe(true);
    const pushedLater = synced('z.ns', `${T1}/2`, '2026-11-02T10:00:05Z', 'i3', 7);
    expect(hasChange(pushedLater, partial)).toBe(true);
  });
});

describe('since criterion', () => {
  const changeAt = Date.parse('2026-11-02T10:00:05.400Z');
  const criterion = sinceCriterion(changeAt);

  it('counts an acked push sent after the change', () => {
    expect(hasChange(synced('a.ns', `${T1}/2`, '2026-11-02T10:00:05.600Z'), criterion)).toBe(true);
  });

  it('does not count an acked push sent before the change (beyond the tolerance)', () => {
    const early = synced('a.ns', `${T0}/1`, '2026-11-02T10:00:04.300Z');
    expect(hasChange(early, criterion)).toBe(false);
    expect(pendingState(early)).toBe('NOT SENT');
  });

  it('tolerates clock skew up to SINCE_TOLERANCE_MS', () => {
    const skewed = Date.parse('2026-11-02T10:00:05.400Z') - SINCE_TOLERANCE_MS + 1;
    const status = synced('a.ns', `${T1}/2`, new Date(skewed).toISOString());
    expect(hasChange(status, criterion)).toBe(true);
  });

  it('compares the nonce time at second granularity without sentTime', () => {
    // Push context created at 10:00:05 (whole second) for a change at 10:00:05.400.
    expect(hasChange(synced('a.ns', `${T1}/2`, undefined), criterion)).toBe(true);
    expect(hasChange(synced('a.ns', '2026-11-02T10:00:03Z/2', undefined), criterion)).toBe(false);
    // 10:00:04 is within the tolerance of 10:00:05.400 at second granularity.
    expect(pushedSince(synced('a.ns', '2026-11-02T10:00:04Z/2', undefined), changeAt)).toBe(true);
  });

  it('never counts a push it cannot date, nor an unacked one', () => {
    const uuid = '7c0a3f1e-1b2c-4d3e-8f40-000000000009';
    expect(
      hasChange(
        status({ proxy: 'a.ns', routeSent: uuid, routeAcked: uuid, noResources: true }),
        criterion,
      ),
    ).toBe(false);
    const unacked = status({
      proxy: 'a.ns',
      routeSent: nonce(`${T1}/2`),
      sentTime: '2026-11-02T10:00:06Z',
    });
    expect(hasChange(unacked, criterion)).toBe(false);
  });
});

describe('rejections', () => {
  const rejectedPush = (proxy: string, lastError: string, seed = 10) =>
    status({
      proxy,
      routeSent: nonce(`${T1}/2`, seed),
      routeAcked: nonce(`${T0}/1`, 1),
      sentTime: '2026-11-02T10:00:05.100Z',
      lastError,
    });

  it('counts a NACK of a push after the change as rejecting it', () => {
    const before = [synced('a.ns', `${T0}/1`, '2026-11-02T10:00:00.200Z', 'i1', 1)];
    const criterion = baselineCriterion(before, takenAt, true);
    const nacked = rejectedPush('a.ns', 'bad route');
    expect(nacked.state).toBe('ERROR');
    expect(rejectedChange(nacked, criterion, undefined, 0)).toBe(true);
    const watch = new RejectionWatch(criterion);
    watch.observe([nacked], 0);
    expect(watch.rejecting([nacked], 0)).toEqual(new Set(['a.ns']));
  });

  it('counts an error the baseline already showed only once the new push stays unanswered', () => {
    const leftover = rejectedPush('a.ns', 'older rejection');
    const before = [
      status({
        proxy: 'a.ns',
        routeSent: nonce(`${T0}/1`, 5),
        routeAcked: nonce(`${T0}/1`, 1),
        sentTime: '2026-11-02T10:00:00.200Z',
        lastError: 'older rejection',
      }),
    ];
    const criterion = baselineCriterion(before, takenAt, true);
    expect(criterion.kind === 'baseline' && criterion.proxies.get('a.ns')?.lastError).toBe(
      'older rejection',
    );
    const watch = new RejectionWatch(criterion);
    watch.observe([leftover], 1_000);
    // Maybe left over, the new push not answered yet: not a rejection for now...
    expect(watch.rejecting([leftover], 1_000)).toEqual(new Set());
    watch.observe([leftover], 1_000 + LEFTOVER_ERROR_GRACE_MS - 1);
    expect(watch.rejecting([leftover], 1_000 + LEFTOVER_ERROR_GRACE_MS - 1)).toEqual(new Set());
    // ...but Envoy answers a push in well under the grace: rejected again, same message.
    expect(watch.rejecting([leftover], 1_000 + LEFTOVER_ERROR_GRACE_MS)).toEqual(new Set(['a.ns']));
    // A different message is a new rejection at once.
    expect(rejectedChange(rejectedPush('a.ns', 'new'), criterion, 'older rejection', 0)).toBe(true);
  });

  it('does not count a rejection of a push from before the change', () => {
    const before = [
      status({
        proxy: 'a.ns',
        routeSent: nonce(`${T1}/2`, 10),
        routeAcked: nonce(`${T0}/1`, 1),
        sentTime: '2026-11-02T10:00:05.100Z',
      }),
    ];
    const criterion = baselineCriterion(before, takenAt, true);
    // Same push as the baseline: not after the change, however long it waits.
    expect(rejectedChange(rejectedPush('a.ns', 'bad'), criterion, undefined, 60_000)).toBe(false);
  });

  it('takes the errors shown at the first poll as the "before" of a time criterion', () => {
    const criterion = sinceCriterion(Date.parse('2026-11-02T10:00:05Z'));
    const clean = status({
      proxy: 'b.ns',
      routeSent: nonce(`${T1}/2`, 11),
      routeAcked: nonce(`${T0}/1`, 1),
      sentTime: '2026-11-02T10:00:05.100Z',
    });
    const watch = new RejectionWatch(criterion);
    watch.observe([rejectedPush('a.ns', 'bad'), clean], 0);
    expect(watch.rejecting([rejectedPush('a.ns', 'bad'), clean], 0)).toEqual(new Set());
    const nackedLater = rejectedPush('b.ns', 'bad', 11);
    watch.observe([rejectedPush('a.ns', 'bad'), nackedLater], 500);
    expect(watch.rejecting([rejectedPush('a.ns', 'bad'), nackedLater], 500)).toEqual(
      new Set(['b.ns']),
    );
  });
});

describe('scope and ratio', () => {
  const criterion = baselineCriterion([], takenAt, true);
  const statuses = [
    synced('a.bookinfo', `${T1}/2`, '2026-11-02T10:00:06Z', 'i1', 1),
    status({ proxy: 'b.bookinfo', routeSent: nonce(`${T1}/2`, 2) }),
    synced('c.other', `${T1}/2`, '2026-11-02T10:00:06Z', 'i1', 3),
  ];

  it('counts only proxies in scope', () => {
    const result = evaluateSync(statuses, criterion, (s) => s.namespace === 'bookinfo');
    expect(result.synced).toBe(1);
    expect(result.total).toBe(2);
    expect(result.pending.map((s) => s.proxy)).toEqual(['b.bookinfo']);
  });

  it('meets a ratio with the smallest whole number of proxies', () => {
    expect(ratioMet(9, 10, 0.9)).toBe(true);
    expect(ratioMet(8, 10, 0.9)).toBe(false);
    expect(ratioMet(2, 3, 0.6)).toBe(true);
    expect(ratioMet(9, 10, 1)).toBe(false);
    expect(ratioMet(10, 10, 1)).toBe(true);
    expect(ratioMet(0, 0, 1)).toBe(true);
  });
});
