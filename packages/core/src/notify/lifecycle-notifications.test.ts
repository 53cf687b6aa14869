/**
 * Payload mapping: the engine's real event streams (operations run against the fake
 * cluster) turned into lifecycle notifications.
 */
import { describe, expect, it } from 'vitest';
import { AbortedError } from '../errors.js';
import type { Lease } from '../kube/kube-types.js';
import { deployed, world, type World } from '../release/__fixtures__/operations-world.js';
import type { OperationSummary, ReleaseEvent } from '../release/release-events.js';
import { LifecycleNotifications, type OperationEnding } from './lifecycle-notifications.js';
import type { LifecycleNotification } from './notification.js';

/** Runs `operation`, returning the notifications of the events it emitted and its ending. */
async function notified(
  w: World,
  operation: () => Promise<OperationSummary>,
): Promise<LifecycleNotification[]> {
  const from = w.events.length;
  const ending: OperationEnding = await operation().then(
    (summary) => ({ summary }),
    (error: unknown) => ({ error }),
  );
  const lifecycle = new LifecycleNotifications();
  const out: LifecycleNotification[] = [];
  for (const event of w.events.slice(from)) {
    const notification = lifecycle.fromEvent(event);
    if (notification) out.push(notification);
  }
  const finished = lifecycle.finish(ending, w.clock.now());
  if (finished) out.push(finished);
  return out;
}

const PAUSED_STEPS = {
  strategy: { steps: [{ weight: 50 }, { pause: true as const }, { weight: 100 }] },
};

describe('lifecycle notifications from the engine’s events', () => {
  it('a release: started, every step, finished with the summary’s result', async () => {
    const w = world();
    await deployed(w);
    const notifications = await notified(w, () => w.engine().release());
    expect(notifications.map((n) => n.event)).toEqual([
      'started',
      'step',
      'step',
      'step',
      'step',
      'finished',
    ]);
    expect(notifications.map((n) => n.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    const [started, firstStep, , , , finished] = notifications;
    expect(started).toMatchObject({
      version: 1,
      event: 'started',
      operation: 'release',
      service: 'reviews',
      namespace: 'bookinfo',
      resumed: false,
    });
    expect(started?.text).toBe(
      `release of bookinfo/reviews started (operation ${started?.operationId})`,
    );
    expect(firstStep).toMatchObject({ index: 0, total: 4, step: { weight: 20 } });
    expect(firstStep?.text).toBe('release of bookinfo/reviews: step 1/4: weight 20%');
    expect(notifications[2]?.text).toBe('release of bookinfo/reviews: step 2/4: bake 60.0s');
    expect(finished).toMatchObject({
      event: 'finished',
      outcome: 'released',
      weights: { blue: 0, green: 100 },
      activeSlot: 'green',
      error: undefined,
    });
    expect(finished?.text).toMatch(
      /^release of bookinfo\/reviews finished: released: released reviews:v2: green serves 100%/,
    );
    // One operation, one id, times in order.
    expect(new Set(notifications.map((n) => n.operationId)).size).toBe(1);
    const times = notifications.map((n) => Date.parse(n.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('a pause, then promote: paused with where it stopped, promoted, the rest, finished', async () => {
    const w = world();
    await deployed(w);
    const release = await notified(w, () => w.engine(PAUSED_STEPS).release());
    expect(release.map((n) => n.event)).toEqual(['started', 'step', 'step', 'paused', 'finished']);
    expect(release[3]).toMatchObject({
      event: 'paused',
      nextStep: 2,
      total: 3,
      weights: { blue: 50, green: 50 },
    });
    expect(release[3]?.text).toBe(
      'release of bookinfo/reviews paused before step 3/3 at blue 50 / green 50; run "switchyard promote reviews -n bookinfo" to continue',
    );
    expect(release[4]).toMatchObject({ outcome: 'paused', weights: { blue: 50, green: 50 } });

    const promote = await notified(w, () => w.engine(PAUSED_STEPS).promote());
    expect(promote.map((n) => n.event)).toEqual(['promoted', 'step', 'finished']);
    expect(promote[0]).toMatchObject({ operation: 'promote', sequence: 1 });
    expect(promote[1]).toMatchObject({ index: 2, total: 3, step: { weight: 100 } });
    expect(promote[2]).toMatchObject({ outcome: 'released', activeSlot: 'green' });
  });

  it('failing checks: rolled-back with the reason and message, finished rolled-back with the error', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = (n) => (n >= 2 ? 'fail' : 'pass');
    const notifications = await notified(w, () => w.engine().release());
    expect(notifications.map((n) => n.event)).toEqual([
      'started',
      'step',
      'step',
      'rolled-back',
      'finished',
    ]);
    const rolledBack = notifications[3];
    expect(rolledBack).toMatchObject({
      event: 'rolled-back',
      reason: 'checks-failed',
      verified: true,
      timeToRestoreMs: 11_000,
    });
    expect(rolledBack?.text).toMatch(
      /^release of bookinfo\/reviews rolled back \(checks-failed\): .+; every proxy acked the stable routes 11\.0s after the first failure$/,
    );
    expect(notifications[4]).toMatchObject({
      outcome: 'rolled-back',
      weights: { blue: 100, green: 0 },
      activeSlot: 'blue',
      error: { code: 'SWITCHYARD_ROLLED_BACK' },
    });
  });

  it('a manual rollback: started, rolled-back (manual), finished without an error', async () => {
    const w = world();
    await deployed(w);
    await w.engine().release();
    const notifications = await notified(w, () => w.engine().rollback());
    expect(notifications.map((n) => n.event)).toEqual(['started', 'rolled-back', 'finished']);
    expect(notifications[0]).toMatchObject({ operation: 'rollback' });
    expect(notifications[1]).toMatchObject({
      reason: 'manual',
      message: 'rollback requested',
      verified: true,
    });
    expect(notifications[2]).toMatchObject({ outcome: 'rolled-back', error: undefined });
  });

  it('a deploy: started and finished', async () => {
    const w = world();
    const notifications = await notified(w, () => w.engine().deploy({ image: 'reviews:v2' }));
    expect(notifications.map((n) => n.event)).toEqual(['started', 'finished']);
    expect(notifications[1]).toMatchObject({ operation: 'deploy', outcome: 'deployed' });
  });

  it('a failure without a summary still ends with finished: failed and the error', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = (n) => {
      if (n === 1) {
        const lease = w.cluster.peek<Lease>('Lease', 'bookinfo', 'switchyard-reviews');
        w.cluster.put({ ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } });
      }
      return 'pass';
    };
    const notifications = await notified(w, () =>
      w.engine({ lock: { leaseDuration: '15s' } }).release(),
    );
    const finished = notifications.at(-1);
    expect(finished).toMatchObject({
      event: 'finished',
      outcome: 'failed',
      weights: { blue: 80, green: 20 },
      activeSlot: undefined,
      error: { code: 'SWITCHYARD_LOCK_LOST' },
    });
    expect(finished?.text).toMatch(/^release of bookinfo\/reviews finished: failed: /);
  });

  it('an operation that never started notifies nothing, not even finished', async () => {
    const w = world();
    const notifications = await notified(w, () => w.engine().release());
    expect(notifications).toEqual([]);
  });

  it('an abort is finished: interrupted, once', () => {
    const lifecycle = new LifecycleNotifications();
    const started: ReleaseEvent = {
      type: 'operation-started',
      at: Date.parse('2026-11-21T12:00:00Z'),
      operation: 'release',
      id: 'abc123',
      service: 'reviews',
      namespace: 'bookinfo',
      resumed: true,
    };
    expect(lifecycle.fromEvent(started)?.text).toBe(
      'release of bookinfo/reviews resumed (operation abc123)',
    );
    const ending = { error: new AbortedError('release aborted') };
    const finished = lifecycle.finish(ending, started.at + 2_500);
    expect(finished).toMatchObject({
      outcome: 'interrupted',
      message: 'release aborted',
      durationMs: 2_500,
      at: '2026-11-21T12:00:02.500Z',
      sequence: 2,
      error: { code: 'SWITCHYARD_ABORTED', message: 'release aborted' },
    });
    expect(lifecycle.finish(ending, started.at + 3_000)).toBeUndefined();
  });
});
