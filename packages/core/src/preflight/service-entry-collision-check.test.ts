import { describe, expect, it } from 'vitest';
import {
  healthyContext,
  serviceEntry,
  summary,
} from './__fixtures__/preflight-context-fixtures.js';
import { serviceEntryCollisionCheck } from './service-entry-collision-check.js';

describe('service-entry-collision', () => {
  it('passes ServiceEntries for other hosts', () => {
    const entries = [serviceEntry('api', 'payments', { hosts: ['api.example.com'] })];
    expect(
      serviceEntryCollisionCheck.run(
        healthyContext({ serviceEntries: { ok: true, value: entries } }),
      ),
    ).toEqual([]);
  });

  it("catches another namespace's entry for the service host, exported mesh-wide", () => {
    const entries = [
      serviceEntry('legacy-reviews', 'payments', {
        hosts: ['reviews.bookinfo.svc.cluster.local'],
        resolution: 'DNS',
      }),
    ];
    const findings = serviceEntryCollisionCheck.run(
      healthyContext({ serviceEntries: { ok: true, value: entries } }),
    );
    expect(summary(findings)).toEqual(['error service-entry-collision spec.hosts[0]']);
    expect(findings[0]?.object).toEqual({
      kind: 'ServiceEntry',
      namespace: 'payments',
      name: 'legacy-reviews',
    });
  });

  it('catches a wildcard covering the host, and notes an entry not exported here', () => {
    const entries = [
      serviceEntry('wild', 'payments', { hosts: ['*.bookinfo.svc.cluster.local'] }),
      serviceEntry('private', 'payments', {
        hosts: ['reviews.bookinfo.svc.cluster.local'],
        exportTo: ['.'],
      }),
    ];
    expect(
      summary(
        serviceEntryCollisionCheck.run(
          healthyContext({ serviceEntries: { ok: true, value: entries } }),
        ),
      ),
    ).toEqual([
      'error service-entry-collision spec.hosts[0]',
      'info service-entry-collision spec.hosts[0]',
    ]);
  });
});
