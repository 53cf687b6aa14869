import { describe, expect, it } from 'vitest';
import type { VirtualService } from '../istio/types.js';
import {
  healthyContext,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { vsHostsCheck } from './vs-hosts-check.js';
function withVs(edit: (vs: VirtualService) => void) {
  const vs = virtualService();
  edit(vs);
  return healthyContext({ virtualService: vs, virtualServices: { ok: true, value: [vs] } });
}

describe('vs-hosts', () => {
  it('passes hosts that resolve to the Service', () => {
    expect(vsHostsCheck.run(healthyContext())).toEqual([]);
    expect(
      vsHostsCheck.run(withVs((vs) => (vs.spec.hosts = ['reviews.bookinfo.svc.cluster.local']))),
    ).toEqual([]);
  });

  it('catches hosts that name another service', () => {
    const findings = vsHostsCheck.run(withVs((vs) => (vs.spec.hosts = ['reviews.other'])));
    expect(summary(findings)).toEqual(['error vs-hosts spec.hosts']);
    expect(findings[0]?.message).toContain('reviews.other.svc.cluster.local');
  });

  it('catches an older VirtualService claiming the same host for the mesh', () => {
    const other = virtualService();
    other.metadata = {
      name: 'reviews-legacy',
      namespace: 'bookinfo',
      creationTimestamp: '2025-01-01T00:00:00Z',
    };
    other.spec.hosts = ['reviews.bookinfo.svc.cluster.local'];
    delete other.spec.gateways;
    const findings = vsHostsCheck.run(
      healthyContext({ virtualServices: { ok: true, value: [virtualService(), other] } }),
    );
    expect(summary(findings)).toEqual(['error vs-hosts spec.hosts']);
    expect(findings[0]?.object.name).toBe('reviews-legacy');
    other.metadata.creationTimestamp = '2027-01-01T00:00:00Z';
    expect(
      summary(
        vsHostsCheck.run(
          healthyContext({ virtualServices: { ok: true, value: [virtualService(), other] } }),
        ),
      ),
    ).toEqual(['warning vs-hosts spec.hosts']);
  });
});
