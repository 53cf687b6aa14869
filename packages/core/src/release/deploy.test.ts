/** `deploy`: the candidate on the idle slot with no user traffic, and what stops it. */
import { describe, expect, it } from 'vitest';
import {
  ConfigRejectedError,
  LockHeldError,
  PreflightError,
  RolloutFailedError,
  RolloutTimeoutError,
  UsageError,
} from '../errors.js';
import type { Deployment, Lease } from '../kube/kube-types.js';
import { recordIn, world } from './__fixtures__/operations-world.js';
import { microTime } from './lease-lock.js';

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

  it('takes a header route Envoy rejects out again and forgets the candidate', async () => {
    const w = world();
    const before = recordIn(w)?.phase;
    w.gate.rejecting = [
      {
        proxy: 'productpage-7f9.bookinfo',
        istiod: 'istiod-a',
        state: 'ERROR',
        waitingMs: 300,
        lastError: 'route rejected',
      },
    ];
    // Wait 1: the DestinationRule subsets; wait 2: the header route, rejected.
    w.gate.rejectOnWaits = new Set([2]);
    const error = await w
      .engine()
      .deploy({ image: 'reviews:v2' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigRejectedError);
    expect((w.vs().spec.http ?? []).map((r) => r.name)).not.toContain(
      'switchyard-reviews-prerelease',
    );
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    const record = recordIn(w);
    expect(record?.phase).toBe(before ?? 'idle');
    expect(record?.candidateSlot).toBeUndefined();
    expect(record?.headerRoute).toBe(false);
    // The removal was gated too.
    expect(w.gate.waits).toBe(3);
    expect(w.events.some((e) => e.type === 'warning' && e.message.includes('removed again'))).toBe(
      true,
    );
  });
});
