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

/** An older mesh VirtualService `reviews-legacy` with one host. */
function legacyVirtualService(host: string): VirtualService {
  const other = virtualService();
  other.metadata = {
    name: 'reviews-legacy',
    namespace: 'bookinfo',
    creationTimestamp: '2025-01-01T00:00:00Z',
  };
  other.spec.hosts = [host];
  delete other.spec.gateways;
  return other;
}

describe('vs-hosts', () => {
  it('passes hosts that resolve to the Service', () => {
    expect(vsHostsCheck.run(healthyContext())).toEqual([]);
    expect(
      vsHostsCheck.run(withVs((vs) => (vs.spec.hosts = ['reviews.bookinfo.svc.cluster.local']))),
    ).toEqual([]);
  });

  it('passes a short name written in another case, as istiod lower-cases hosts to match', () => {
    expect(vsHostsCheck.run(withVs((vs) => (vs.spec.hosts = ['Reviews'])))).toEqual([]);
  });

  it('catches hosts that name another service', () => {
    const findings = vsHostsCheck.run(
      withVs((vs) => (vs.spec.hosts = ['reviews.other.svc.cluster.local'])),
    );
    expect(summary(findings)).toEqual(['error vs-hosts spec.hosts']);
    expect(findings[0]?.message).toBe(
      'hosts reviews.other.svc.cluster.local do not include reviews.bookinfo.svc.cluster.local: sidecars route requests for the Service without this VirtualService, so its weights and header route apply to none of them',
    );
    expect(findings[0]?.fix).toBe('add "reviews" to spec.hosts');
  });

  it.each(['reviews.bookinfo', 'reviews.bookinfo.svc'])(
    'catches %j, which cluster DNS resolves but istiod reads as fully qualified',
    (host) => {
      const findings = vsHostsCheck.run(withVs((vs) => (vs.spec.hosts = [host])));
      expect(summary(findings)).toEqual(['error vs-hosts spec.hosts']);
      expect(findings[0]?.message).toBe(
        `hosts ${host} do not include reviews.bookinfo.svc.cluster.local: sidecars route requests for the Service without this VirtualService, so its weights and header route apply to none of them (${host} resolves in cluster DNS, but istiod reads a host with a dot as fully qualified; only a name without a dot resolves in the VirtualService's namespace)`,
      );
      expect(findings[0]?.fix).toBe(
        `write "reviews" or "reviews.bookinfo.svc.cluster.local" in spec.hosts instead of "${host}"`,
      );
    },
  );

  it('does not count another VirtualService whose host only cluster DNS would resolve', () => {
    const other = legacyVirtualService('reviews.bookinfo');
    expect(
      vsHostsCheck.run(
        healthyContext({ virtualServices: { ok: true, value: [virtualService(), other] } }),
      ),
    ).toEqual([]);
  });

  it('catches an older VirtualService claiming the same host for the mesh', () => {
    const other = legacyVirtualService('reviews.bookinfo.svc.cluster.local');
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
