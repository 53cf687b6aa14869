/** `release`: the step loop, its rollbacks, and resuming after a crash. */
import { describe, expect, it } from 'vitest';
import {
  ConcurrentEditError,
  InvalidStateError,
  LockLostError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
} from '../errors.js';
import type { Lease } from '../kube/kube-types.js';
import { deployed, recordIn, world } from './__fixtures__/operations-world.js';
import type { OperationSummary } from './release-events.js';

describe('release', () => {
  it('shifts traffic step by step, gated and baked, then finalizes', async () => {
    const w = world();
    await deployed(w);
    w.events.length = 0;
    const summary = await w.engine().release();
    expect(summary.outcome).toBe('released');
    expect(w.weights()).toEqual({ blue: 0, green: 100 });
    expect(w.vs().spec.http?.map((r) => r.name)).toEqual(['primary']);
    const record = recordIn(w);
    expect(record?.phase).toBe('released');
    expect(record?.activeSlot).toBe('green');
    expect(record?.history[0]).toMatchObject({
      fromSlot: 'blue',
      toSlot: 'green',
      outcome: 'released',
      image: 'reviews:v2',
    });
    // Weights applied in order, each followed by a completed sync before anything else.
    const order = w.events
      .filter(
        (e) =>
          e.type === 'routes-applied' || e.type === 'sync-completed' || e.type === 'bake-started',
      )
      .map((e) => (e.type === 'routes-applied' ? `applied ${e.weights?.green}` : e.type));
    expect(order).toEqual([
      'applied 20',
      'sync-completed',
      'bake-started',
      'applied 100',
      'sync-completed',
      'bake-started',
      'applied 100',
      'sync-completed',
    ]);
    expect(summary.timeline.some((t) => t.event === 'checks-evaluated')).toBe(true);
    // Checks were about the candidate workload.
    expect(w.metrics.calls[0]).toMatchObject({
      workload: 'reviews-green',
      stableWorkload: 'reviews-blue',
      slot: 'green',
      candidateSelector:
        'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"',
    });
  });

  it('refuses to release when nothing is deployed', async () => {
    const w = world();
    await expect(w.engine().release()).rejects.toThrow(/nothing is deployed to release/);
    expect(w.cluster.writes).toEqual([]);
  });

  it('run again by the pipeline that released, reports it and changes nothing (a crash after its last write)', async () => {
    const w = world();
    await deployed(w);
    expect((await w.engine().release()).outcome).toBe('released');
    const record = recordIn(w);
    const routes = w.vs().spec;
    const again = await w.engine().release();
    expect(again.outcome).toBe('no-op');
    expect(again.message).toBe('reviews was already released by test-runner: green serves 100%');
    expect(w.vs().spec).toEqual(routes);
    expect(recordIn(w)).toEqual(record);
    // Another pipeline has nothing deployed to release.
    await expect(w.engine({}, { holderIdentity: 'other-pipeline' }).release()).rejects.toThrow(
      /nothing is deployed to release \(phase released\)/,
    );
  });

  it('rolls back on failing checks and reports the time to restore', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = (n) => (n >= 2 ? 'fail' : 'pass');
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    const rolled = error as ReleaseRolledBackError;
    expect(rolled.reason).toBe('checks-failed');
    const summary = rolled.summary as OperationSummary;
    expect(summary.outcome).toBe('rolled-back');
    expect(summary.rollback?.verified).toBe(true);
    expect(summary.rollback?.evidence[0]).toMatchObject({ outcome: 'fail', value: 80 });
    // Two failures 10 s apart, then the rollback's own 1 s sync.
    expect(summary.rollback?.timeToRestoreMs).toBe(11_000);
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(w.vs().spec.http?.map((r) => r.name)).toEqual(['primary']);
    expect(recordIn(w)?.phase).toBe('rolled-back');
    expect(recordIn(w)?.activeSlot).toBe('blue');
    expect(w.cluster.recordedEvents.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['ChecksFailed', 'RollbackStarted', 'RolledBack']),
    );
  });

  it('rolls back when Prometheus goes away mid-bake (inconclusive is never a pass)', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = (n) => (n >= 3 ? 'error' : 'pass');
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    expect((error as Error).message).toMatch(/inconclusive 3 times in a row/);
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('rolls back on a sync timeout and names the stuck proxy', async () => {
    const w = world();
    await deployed(w);
    const waitsBefore = w.gate.waits;
    w.gate.stuck = [
      { proxy: 'productpage-7f9.bookinfo', istiod: 'istiod-a', state: 'STALE', waitingMs: 120_000 },
    ];
    w.gate.stuckOnWaits = new Set([waitsBefore + 1]);
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    expect((error as ReleaseRolledBackError).reason).toBe('sync-timeout');
    const summary = (error as ReleaseRolledBackError).summary as OperationSummary;
    expect(summary.rollback?.staleProxies[0]?.proxy).toBe('productpage-7f9.bookinfo');
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('rolls back at once when Envoy rejects a step, naming the proxy and its message', async () => {
    const w = world();
    await deployed(w);
    const waitsBefore = w.gate.waits;
    w.gate.rejecting = [
      {
        proxy: 'productpage-7f9.bookinfo',
        istiod: 'istiod-a',
        state: 'ERROR',
        waitingMs: 300,
        lastError: 'route rejected',
      },
    ];
    w.gate.rejectOnWaits = new Set([waitsBefore + 1]);
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    const rolledBack = error as ReleaseRolledBackError;
    expect(rolledBack.reason).toBe('config-rejected');
    expect(rolledBack.message).toContain(
      'proxy productpage-7f9.bookinfo (istiod istiod-a) rejected the new routes: route rejected',
    );
    const summary = rolledBack.summary as OperationSummary;
    expect(summary.rollback).toMatchObject({ reason: 'config-rejected', verified: true });
    expect(summary.rollback?.staleProxies[0]).toMatchObject({ state: 'ERROR' });
    // The step's wait, then the rollback's: no third wait, no timeout slept through.
    expect(w.gate.waits).toBe(waitsBefore + 2);
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('records failed with the exact route state when the rollback cannot be verified', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = () => 'fail';
    w.gate.stuck = [
      { proxy: 'reviews-blue-1.bookinfo', istiod: 'istiod-b', state: 'STALE', waitingMs: 120_000 },
    ];
    // The first step's sync succeeds; every later sync (the rollback's) is stuck.
    w.gate.stuckOnWaits = new Set([w.gate.waits + 2, w.gate.waits + 3]);
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackUnverifiedError);
    const routeState = (error as RollbackUnverifiedError).routeState;
    expect(routeState).toMatch(/VirtualService bookinfo\/reviews routes blue 100 \/ green 0/);
    expect(routeState).toMatch(/reviews-blue-1\.bookinfo via istiod-b \(STALE\)/);
    expect(recordIn(w)?.phase).toBe('failed');
    expect(recordIn(w)?.routeState).toBe(routeState);
    await expect(w.engine().deploy({ image: 'reviews:v3' })).rejects.toBeInstanceOf(
      InvalidStateError,
    );
  });

  it('states the routes and the proxies that rejected them when the rollback is rejected too', async () => {
    const w = world();
    await deployed(w);
    w.gate.rejecting = [
      {
        proxy: 'productpage-7f9.bookinfo',
        istiod: 'istiod-a',
        state: 'ERROR',
        waitingMs: 300,
        lastError: 'route rejected',
      },
    ];
    w.gate.rejectOnWaits = new Set([w.gate.waits + 1, w.gate.waits + 2]);
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackUnverifiedError);
    const routeState = (error as RollbackUnverifiedError).routeState;
    expect(routeState).toMatch(/VirtualService bookinfo\/reviews routes blue 100 \/ green 0/);
    expect(routeState).toMatch(/productpage-7f9\.bookinfo via istiod-a \(ERROR\)/);
    expect(recordIn(w)?.phase).toBe('failed');
  });

  it('never routes weight to a slot without ready pods', async () => {
    const w = world();
    await deployed(w);
    w.cluster.notReady.add('reviews-green');
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    expect((error as Error).message).toMatch(/reviews-green \(slot green\): has no ready pods/);
    // No weight was ever replaced: the candidate never got a share of user traffic.
    const weightChanges = w.cluster.writes.filter(
      (x) =>
        x.kind === 'VirtualService' &&
        x.ops?.some((op) => op.op === 'replace' && op.path.endsWith('/weight')),
    );
    expect(weightChanges).toEqual([]);
  });

  it('stops without rolling back when the lease is lost mid-release', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = (n) => {
      if (n === 1) {
        const lease = w.cluster.peek<Lease>('Lease', 'bookinfo', 'switchyard-reviews');
        w.cluster.put({ ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } });
      }
      return 'pass';
    };
    const error = await w
      .engine({ lock: { leaseDuration: '15s' } })
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(w.weights()).toEqual({ blue: 80, green: 20 });
    expect(recordIn(w)?.phase).toBe('releasing');
  });

  it('detects a concurrent manual edit of the weights and does not overwrite it', async () => {
    const w = world();
    await deployed(w);
    w.metrics.script = (n) => {
      if (n === 1) {
        const vs = w.vs();
        const route = vs.spec.http?.find((r) => r.name === 'primary');
        if (route?.route) {
          route.route[0]!.weight = 50;
          route.route[1]!.weight = 50;
        }
        w.cluster.put(vs);
      }
      return 'pass';
    };
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect((error as Error).message).toMatch(/changed by someone else to blue 50 \/ green 50/);
    expect(w.weights()).toEqual({ blue: 50, green: 50 });
    expect(recordIn(w)?.phase).toBe('failed');
    // A human decides to go back: rollback restores the stable slot from the hand-made split.
    w.metrics.script = () => 'pass';
    const rolled = await w.engine().rollback();
    expect(rolled.outcome).toBe('rolled-back');
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(recordIn(w)?.phase).toBe('rolled-back');
  });
  it('does not adopt weights edited between its writes when no check re-reads them', async () => {
    const w = world();
    await deployed(w);
    const firstStepWait = w.gate.waits + 1;
    // Someone splits 50/50 right after switchyard wrote 80/20, before its next write (the
    // bake's record); with no checks, nothing re-reads the VirtualService in between.
    w.gate.onWait = (n) => {
      if (n !== firstStepWait) return;
      const vs = w.vs();
      const route = vs.spec.http?.find((r) => r.name === 'primary');
      if (route?.route) {
        route.route[0]!.weight = 50;
        route.route[1]!.weight = 50;
      }
      w.cluster.put(vs);
    };
    const error = await w
      .engine({ checks: { items: [] } })
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect((error as Error).message).toMatch(/changed by someone else to blue 50 \/ green 50/);
    expect(w.weights()).toEqual({ blue: 50, green: 50 });
    expect(recordIn(w)?.phase).toBe('failed');
  });
});

describe('resume after a crash', () => {
  it('continues at the recorded step without applying a step twice', async () => {
    const w = world();
    await deployed(w);
    const controller = new AbortController();
    w.metrics.script = (n) => {
      if (n === 2) controller.abort(new Error('process killed'));
      return 'pass';
    };
    await expect(w.engine().release({ signal: controller.signal })).rejects.toThrow();
    expect(recordIn(w)?.phase).toBe('releasing');
    expect(recordIn(w)?.operation?.stage).toBe('baking');
    expect(w.weights()).toEqual({ blue: 80, green: 20 });
    const weightWrites = () =>
      w.cluster.writes.filter(
        (x) =>
          x.kind === 'VirtualService' &&
          x.ops?.some((op) => op.path.endsWith('/weight') && op.op === 'replace'),
      ).length;
    const before = weightWrites();
    w.metrics.script = () => 'pass';
    w.events.length = 0;
    const summary = await w.engine().release();
    expect(summary.resumed).toBe(true);
    expect(summary.outcome).toBe('released');
    // The 20% step was not written again: only the 100% step changed weights.
    expect(weightWrites() - before).toBe(1);
    // The resumed run re-ran the sync gate for the change made before the crash.
    expect(w.gate.sinceCalls).toHaveLength(1);
    expect(w.events.find((e) => e.type === 'operation-started')).toMatchObject({ resumed: true });
  });

  it('re-runs the sync gate for a change that landed just before the crash', async () => {
    const w = world();
    await deployed(w);
    const controller = new AbortController();
    const first = w.gate.waits + 1;
    w.gate.onWait = (n) => {
      if (n === first) controller.abort(new Error('process killed'));
    };
    await expect(w.engine().release({ signal: controller.signal })).rejects.toThrow();
    // Killed while waiting for proxies: the weights and the record were written together.
    expect(w.weights()).toEqual({ blue: 80, green: 20 });
    expect(recordIn(w)?.operation).toMatchObject({ stepIndex: 0, stage: 'syncing' });
    w.gate.onWait = undefined;
    const writes = w.cluster.writes.length;
    const summary = await w.engine().release();
    expect(summary.outcome).toBe('released');
    expect(w.gate.sinceCalls).toHaveLength(1);
    // After resuming, the 20% step changed nothing; the next VirtualService write is the 100% step.
    const next = w.cluster.writes
      .slice(writes)
      .find(
        (x) =>
          x.kind === 'VirtualService' &&
          x.ops?.some((op) => op.path.endsWith('/weight') && op.op === 'replace'),
      );
    expect(
      next?.ops?.find((op) => op.op === 'replace' && op.path.endsWith('/weight')),
    ).toMatchObject({ value: 0 });
  });

  it('rolls back instead when onResume is rollback', async () => {
    const w = world();
    await deployed(w);
    const controller = new AbortController();
    w.metrics.script = () => {
      controller.abort(new Error('process killed'));
      return 'pass';
    };
    await expect(w.engine().release({ signal: controller.signal })).rejects.toThrow();
    const error = await w
      .engine({ onResume: 'rollback' })
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    expect((error as ReleaseRolledBackError).reason).toBe('resume-rollback');
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
  });
});
