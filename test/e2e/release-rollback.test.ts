/**
 * Automatic rollbacks end to end against the simulator and a real Prometheus: a bad image
 * (20% errors) and a stuck proxy. In both, every proxy must end up acking the stable routes.
 */
import {
  deploy,
  readSlotWeights,
  release,
  type OperationSummary,
  type ReleaseEvent,
} from '@switchyard/core';
import { ReleaseRolledBackError } from '@switchyard/core/errors';
import { BAD_IMAGE, GOOD_IMAGE, startTestbed, type Testbed } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let bed: Testbed;
const target = {
  service: 'reviews',
  namespace: 'bookinfo',
  subsets: { blue: 'blue', green: 'green' },
};

beforeAll(async () => {
  bed = await startTestbed({ prometheus: true });
});
afterAll(() => bed?.stop());

/** Every proxy has applied a config whose reviews route sends everything to `subset`. */
function everyProxyRoutesOnlyTo(subset: string): string[] {
  const wrong: string[] = [];
  for (const proxy of bed.sim.mesh.proxies()) {
    if (proxy.proxyType !== 'sidecar') continue;
    const config = proxy.applied?.routes.find((r) => r.name === '9080');
    const host = config?.virtual_hosts.find((v) =>
      v.domains.includes('reviews.bookinfo.svc.cluster.local'),
    );
    const route = host?.routes.find((r) => r.name === 'primary');
    const clusters = route?.route?.weighted_clusters?.clusters
      .filter((c) => c.weight > 0)
      .map((c) => c.name) ?? [route?.route?.cluster];
    if (clusters.length !== 1 || !clusters[0]?.includes(`|${subset}|`))
      wrong.push(`${proxy.id}: ${JSON.stringify(clusters)}`);
  }
  return wrong;
}

describe('a bad image', () => {
  it('rolls back automatically, verified on every proxy, with the time to restore in the timeline', async () => {
    await deploy({ ...bed.operationOptions('e2e-rollback'), image: BAD_IMAGE });
    const events: ReleaseEvent[] = [];
    const error = await release({
      ...bed.operationOptions('e2e-rollback'),
      strategy: { type: 'canary', bake: '20s' },
      onEvent: (e) => events.push(e),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    const rolledBack = error as ReleaseRolledBackError;
    expect(rolledBack.reason).toBe('checks-failed');
    const summary = rolledBack.summary as OperationSummary;
    expect(summary.rollback?.verified).toBe(true);
    const successRate = summary.rollback?.evidence.find((e) => e.name === 'success-rate');
    expect(successRate?.outcome).toBe('fail');
    // About 80% in the long run; a 5 s window at 10% weight holds only ~20 requests.
    expect(successRate?.value).toBeGreaterThan(50);
    expect(successRate?.value).toBeLessThan(99);
    expect(summary.rollback?.timeToRestoreMs).toBeGreaterThan(0);
    expect(summary.timeline.map((t) => t.event)).toEqual(
      expect.arrayContaining(['rollback-started', 'rollback-completed']),
    );
    // The canary never got past its first step.
    const weights = events
      .filter((e) => e.type === 'routes-applied')
      .map((e) => (e.type === 'routes-applied' ? e.weights?.green : -1));
    expect(weights).toEqual([10, 0]);
    expect(readSlotWeights(await bed.virtualService(), target)).toEqual({ blue: 100, green: 0 });
    expect(everyProxyRoutesOnlyTo('blue')).toEqual([]);
    // kubectl describe shows the history as Events on the VirtualService.
    const describe = await bed.kubectl(['-n', 'bookinfo', 'describe', 'virtualservice', 'reviews']);
    expect(describe).toMatch(/RollbackStarted/);
    expect(describe).toMatch(/RolledBack/);
  });
});

describe('a stuck proxy', () => {
  it('times the step out, names the proxy, and rolls back once the proxy recovers', async () => {
    await deploy({ ...bed.operationOptions('e2e-rollback'), image: GOOD_IMAGE });
    const stuck = [...bed.sim.mesh.proxies()].find((p) => p.workload === 'productpage');
    expect(stuck).toBeDefined();
    bed.sim.controls.setProxyOverrides([{ match: { pod: stuck?.pod }, stuck: true }]);
    const events: ReleaseEvent[] = [];
    const error = await release({
      ...bed.operationOptions('e2e-rollback'),
      sync: { timeout: '4s' },
      strategy: { type: 'canary', bake: '2s' },
      onEvent: (event) => {
        events.push(event);
        // The proxy recovers while the rollback waits: its newest push is the stable routes.
        if (event.type === 'rollback-started') bed.sim.controls.setProxyOverrides([]);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    const rolledBack = error as ReleaseRolledBackError;
    expect(rolledBack.reason).toBe('sync-timeout');
    const summary = rolledBack.summary as OperationSummary;
    expect(summary.rollback?.staleProxies.map((p) => p.proxy)).toContain(stuck?.id);
    expect(summary.rollback?.staleProxies.find((p) => p.proxy === stuck?.id)?.istiod).toBe(
      stuck?.istiod,
    );
    expect(summary.rollback?.verified).toBe(true);
    expect(readSlotWeights(await bed.virtualService(), target)).toEqual({ blue: 100, green: 0 });
    expect(everyProxyRoutesOnlyTo('blue')).toEqual([]);
  });
});
