import { FakeClock } from '@switchyard/test-utils';
import { describe, expect, it } from 'vitest';
import {
  ConcurrentEditError,
  InvalidStateError,
  LockHeldError,
  LockLostError,
  PreflightError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  RolloutFailedError,
  RolloutTimeoutError,
  UsageError,
} from '../errors.js';
import { readSlotWeights } from '../istio/slot-weights.js';
import type { VirtualService } from '../istio/types.js';
import type { Deployment, Lease } from '../kube/kube-types.js';
import type { ReleaseSpecOverrides } from '../spec/release-spec.js';
import { resolveReleaseSpec } from '../spec/resolve-release-spec.js';
import {
  bookinfo,
  FakeCluster,
  FakeDataplane,
  FakeMetrics,
  FakeSyncGate,
} from './__fixtures__/fake-cluster.js';
import { microTime } from './lease-lock.js';
import { ReleaseEngine, type EngineDependencies } from './release-engine.js';
import type { OperationSummary, ReleaseEvent } from './release-events.js';
import { recordOf } from './service-context.js';

const target = {
  service: 'reviews',
  namespace: 'bookinfo',
  subsets: { blue: 'blue', green: 'green' },
} as const;

interface World {
  cluster: FakeCluster;
  clock: FakeClock;
  gate: FakeSyncGate;
  metrics: FakeMetrics;
  dataplane: FakeDataplane;
  events: ReleaseEvent[];
  engine: (overrides?: ReleaseSpecOverrides, deps?: Partial<EngineDependencies>) => ReleaseEngine;
  vs: () => VirtualService;
  weights: () => { blue: number; green: number };
}

function world(): World {
  const cluster = new FakeCluster(bookinfo());
  const clock = new FakeClock();
  const gate = new FakeSyncGate(clock);
  const metrics = new FakeMetrics(clock);
  const dataplane = new FakeDataplane();
  const events: ReleaseEvent[] = [];
  const vs = (): VirtualService =>
    cluster.peek<VirtualService>('VirtualService', 'bookinfo', 'reviews');
  return {
    cluster,
    clock,
    gate,
    metrics,
    dataplane,
    events,
    vs,
    weights: () => readSlotWeights(vs(), target),
    engine: (overrides = {}, deps = {}) =>
      new ReleaseEngine(
        resolveReleaseSpec(
          undefined,
          {
            service: 'reviews',
            deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } },
            strategy: { steps: [{ weight: 20 }, { bake: '1m' }, { weight: 100 }, { bake: '1m' }] },
            checks: { interval: '10s', window: '1m', failureLimit: 2, inconclusiveLimit: 2 },
            prometheus: { url: 'http://prometheus.test:9090' },
            ...overrides,
          },
          { defaultNamespace: 'bookinfo' },
        ),
        {
          kube: cluster,
          clock,
          syncGate: gate,
          metrics,
          dataplane,
          holderIdentity: 'test-runner',
          onEvent: (e) => events.push(e),
          ...deps,
        },
      ),
  };
}

function recordIn(w: World) {
  return recordOf(w.vs());
}

async function deployed(w: World, image = 'reviews:v2'): Promise<void> {
  await w.engine().deploy({ image });
}

describe('deploy', () => {
  it('puts the image on the idle slot with no user traffic and a header route to it', async () => {
    const w = world();
    const summary = await w.engine().deploy({ image: 'reviews:v2' });
    expect(summary.outcome).toBe('deployed');
    const green = w.cluster.peek<Deployment>('Deployment', 'bookinfo', 'reviews-green');
    expect(green.spec.template.spec?.containers[0]?.image).toBe('reviews:v2');
    expect(green.spec.replicas).toBe(3);
    expect(green.spec.selector.matchLabels).toEqual({ app: 'reviews', version: 'green' });
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    const http = w.vs().spec.http ?? [];
    expect(http[0]?.name).toBe('switchyard-reviews-prerelease');
    expect(http[0]?.route?.[0]?.destination.subset).toBe('green');
    expect(http[1]?.retries).toEqual({ attempts: 2 });
    const dr = w.cluster.peek<{
      spec: { subsets: { name: string; labels: Record<string, string> }[] };
    }>('DestinationRule', 'bookinfo', 'reviews');
    expect(dr.spec.subsets.map((s) => s.name)).toEqual(['blue', 'green']);
    expect(dr.spec.subsets[1]?.labels).toEqual({ app: 'reviews', version: 'green' });
    const record = recordIn(w);
    expect(record?.phase).toBe('deployed');
    expect(record?.candidateSlot).toBe('green');
    expect(record?.headerRoute).toBe(true);
    // DestinationRule subsets, then the header route: both gated on proxy sync.
    expect(w.gate.waits).toBe(2);
    expect(w.cluster.recordedEvents.map((e) => e.reason)).toContain('RoutesApplied');
    expect(
      w.cluster.peek<Lease>('Lease', 'bookinfo', 'switchyard-reviews').spec?.holderIdentity,
    ).toBe('');
  });

  it('fails on a rollout that never completes, with user traffic untouched', async () => {
    const w = world();
    w.cluster.rolloutBehaviour = 'never-ready';
    const attempt = w
      .engine({ deploy: { rolloutTimeout: '2m' } })
      .deploy({ image: 'reviews:broken' });
    await expect(attempt).rejects.toBeInstanceOf(RolloutTimeoutError);
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(w.vs().spec.http).toHaveLength(1);
    expect(recordIn(w)?.candidateSlot).toBeUndefined();
    expect(recordIn(w)?.reason).toMatch(/rollout did not complete within 120s/);
  });

  it('fails fast on ProgressDeadlineExceeded', async () => {
    const w = world();
    w.cluster.rolloutBehaviour = 'deadline-exceeded';
    await expect(w.engine().deploy({ image: 'reviews:broken' })).rejects.toBeInstanceOf(
      RolloutFailedError,
    );
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('changes nothing, not even the Lease, on bad input', async () => {
    const w = world();
    await expect(w.engine().deploy({ image: '' })).rejects.toBeInstanceOf(UsageError);
    await expect(
      w.engine({ target: { container: 'nope' } }).deploy({ image: 'reviews:v2' }),
    ).rejects.toThrow(/has no container "nope"/);
    w.cluster.objects.delete(w.cluster.key('DestinationRule', 'bookinfo', 'reviews'));
    await expect(w.engine().deploy({ image: 'reviews:v2' })).rejects.toBeInstanceOf(PreflightError);
    await expect(w.engine().deploy({ image: 'reviews:v2' })).rejects.toThrow(
      /DestinationRule bookinfo\/reviews: not found/,
    );
    expect(w.cluster.writes).toEqual([]);
  });

  it('refuses while another holder has the lock', async () => {
    const w = world();
    w.cluster.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'switchyard-reviews', namespace: 'bookinfo' },
      spec: {
        holderIdentity: 'pipeline-42',
        leaseDurationSeconds: 30,
        renewTime: microTime(w.clock.now()),
      },
    });
    await expect(w.engine().deploy({ image: 'reviews:v2' })).rejects.toBeInstanceOf(LockHeldError);
    await expect(w.engine().deploy({ image: 'reviews:v2' })).rejects.toThrow(
      /held by "pipeline-42"/,
    );
    expect(w.cluster.routeWrites()).toEqual([]);
  });
});

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
    });
  });

  it('refuses to release when nothing is deployed', async () => {
    const w = world();
    await expect(w.engine().release()).rejects.toThrow(/nothing is deployed to release/);
    expect(w.cluster.writes).toEqual([]);
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
});

describe('pause and promote', () => {
  it('stops at a pause step and completes on promote', async () => {
    const w = world();
    await deployed(w);
    const overrides: ReleaseSpecOverrides = {
      strategy: {
        steps: [{ weight: 10 }, { bake: '30s' }, { pause: true }, { weight: 100 }, { bake: '30s' }],
      },
    };
    const paused = await w.engine(overrides).release();
    expect(paused.outcome).toBe('paused');
    expect(w.weights()).toEqual({ blue: 90, green: 10 });
    expect(recordIn(w)?.phase).toBe('paused');
    // Running release again while paused says so, without changing anything.
    const writes = w.cluster.writes.length;
    expect((await w.engine(overrides).release()).outcome).toBe('paused');
    expect(w.cluster.writes.length).toBe(writes);
    const done = await w.engine(overrides).promote();
    expect(done.outcome).toBe('released');
    expect(w.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('promote --full goes straight to 100%, still gated and baked', async () => {
    const w = world();
    await deployed(w);
    const overrides: ReleaseSpecOverrides = {
      strategy: {
        steps: [
          { weight: 10 },
          { pause: true },
          { weight: 50 },
          { bake: '30s' },
          { weight: 100 },
          { bake: '30s' },
        ],
      },
    };
    await w.engine(overrides).release();
    w.events.length = 0;
    await w.engine(overrides).promote({ full: true });
    const applied = w.events
      .filter((e) => e.type === 'routes-applied')
      .map((e) => (e.type === 'routes-applied' ? e.weights?.green : 0));
    expect(applied).toEqual([100, 100]); // the 100% step, then finalize
    expect(w.events.some((e) => e.type === 'bake-started')).toBe(true);
  });

  it('refuses to promote when nothing is paused', async () => {
    const w = world();
    await deployed(w);
    await expect(w.engine().promote()).rejects.toBeInstanceOf(InvalidStateError);
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

describe('manual rollback', () => {
  it('flips a finished release back to the warm previous slot', async () => {
    const w = world();
    await deployed(w);
    await w.engine().release();
    const summary = await w.engine().rollback();
    expect(summary.outcome).toBe('rolled-back');
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(recordIn(w)?.activeSlot).toBe('blue');
    expect(summary.rollback?.verified).toBe(true);
    // A second rollback is a no-op.
    expect((await w.engine().rollback()).outcome).toBe('no-op');
  });

  it('has nothing to roll back on a fresh service', async () => {
    const w = world();
    await expect(w.engine().rollback()).rejects.toBeInstanceOf(InvalidStateError);
    expect(w.cluster.writes).toEqual([]);
  });
});

describe('plan', () => {
  it('shows the ordered changes of a deploy, validated, and changes nothing', async () => {
    const w = world();
    const report = await w.engine().plan({ operation: 'deploy', image: 'reviews:v2' });
    expect(report.changes.map((c) => `${c.object.kind}/${c.object.name}`)).toEqual([
      'Deployment/reviews-green',
      'DestinationRule/reviews',
      'VirtualService/reviews',
    ]);
    expect(report.changes.every((c) => c.validated)).toBe(true);
    expect(report.changes[0]?.diff).toContain('+        - name: reviews');
    expect(report.changes[2]?.diff).toContain('+    - name: switchyard-reviews-prerelease');
    expect(w.cluster.writes).toEqual([]);
  });

  it('shows the first step and the final routes of a release', async () => {
    const w = world();
    await deployed(w);
    const writes = w.cluster.writes.length;
    const report = await w.engine().plan({ operation: 'release' });
    expect(report.steps?.[0]).toEqual({ weight: 20 });
    expect(report.changes).toHaveLength(2);
    expect(report.changes[1]?.description).toMatch(/^after the last step/);
    expect(w.cluster.writes.length).toBe(writes);
  });
});

describe('status', () => {
  it('reports phase, slots, weights, step, lock and checks without writing', async () => {
    const w = world();
    const fresh = await w.engine().status();
    expect(fresh.phase).toBe('unmanaged');
    expect(fresh.slots.green.exists).toBe(false);
    await deployed(w);
    const overrides: ReleaseSpecOverrides = {
      strategy: { steps: [{ weight: 10 }, { bake: '30s' }, { pause: true }, { weight: 100 }] },
    };
    await w.engine(overrides).release();
    const writes = w.cluster.writes.length;
    const report = await w.engine(overrides).status();
    expect(w.cluster.writes.length).toBe(writes);
    expect(report).toMatchObject({
      phase: 'paused',
      activeSlot: 'blue',
      candidateSlot: 'green',
      weights: { blue: 90, green: 10 },
      weightsDiverged: false,
      headerRoute: true,
      step: { index: 3, total: 4, stage: 'pending', step: { weight: 100 } },
      sync: { synced: 6, total: 6 },
    });
    expect(report.slots.green).toMatchObject({ image: 'reviews:v2', replicas: 3, ready: 3 });
    expect(report.lastChecks[0]?.outcome).toBe('pass');
    expect(report.lock).toBeUndefined();
  });
});

describe('data-plane verification', () => {
  it('verifies after every gated change when enabled', async () => {
    const w = world();
    await w.engine({ sync: { verifyDataplane: 2 } }).deploy({ image: 'reviews:v2' });
    const last = w.dataplane.expectations.at(-1);
    expect(last).toMatchObject({
      host: 'reviews.bookinfo.svc.cluster.local',
      port: 9080,
      weights: { blue: 100, green: 0 },
      headerRoute: { name: 'switchyard-reviews-prerelease', present: true, subset: 'green' },
    });
  });
});
