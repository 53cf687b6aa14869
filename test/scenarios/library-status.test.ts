/**
 * The library's `status` and its options: `sync: false` leaves the proxies' sync state
 * out (no istiod is asked), while `sync` as an object is the spec's sync section, as for
 * every operation. Options that are not the spec's never reach the spec.
 */
import { status } from '@switchyard/core';
import { SpecError } from '@switchyard/core/errors';
import type { Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenarioCluster } from './scenario-cluster.js';

let bed: Cluster;
let cluster: { kubeconfig: string; service: string; namespace: string };

beforeAll(async () => {
  bed = await startScenarioCluster('library-status');
  cluster = { kubeconfig: bed.kubeconfig, service: 'reviews', namespace: bed.namespace };
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe('status through the library', () => {
  it('reads the proxies sync state by default', async () => {
    const report = await status(cluster);
    expect(report.phase).toBe('unmanaged');
    expect(report.sync).toMatchObject({ istiodReplicas: 2 });
    expect((report.sync as { total: number }).total).toBeGreaterThan(0);
  });

  it('leaves the sync state out with sync: false', async () => {
    const report = await status({ ...cluster, sync: false });
    expect(report.phase).toBe('unmanaged');
    expect(report.weights).toEqual({ blue: 100, green: 0 });
    expect(report.sync).toBeUndefined();
  });

  it('reads sync as the spec section when it is an object', async () => {
    const report = await status({ ...cluster, sync: { istiod: { namespace: 'nowhere' } } });
    // No istiod runs in that namespace: the read was made where the section said.
    expect(report.sync).toEqual({ error: expect.stringContaining('nowhere') });
  });

  it('refuses an option that is neither the spec nor the runtime options, naming it', async () => {
    const input = { ...cluster, readSync: false } as Parameters<typeof status>[0];
    await expect(status(input)).rejects.toThrow(SpecError);
    await expect(status(input)).rejects.toThrow(/readSync/);
  });
});
