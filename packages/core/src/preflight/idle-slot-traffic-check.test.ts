import { describe, expect, it } from 'vitest';
import type { VirtualService } from '../istio/types.js';
import { encodeRecord, initialRecord, STATE_ANNOTATION } from '../release/state-record.js';
import {
  healthyContext,
  NOW,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { idleSlotTrafficCheck } from './idle-slot-traffic-check.js';
import type { PreflightContext } from './preflight-context.js';

function withManaged(edit: (vs: VirtualService) => void): PreflightContext {
  const vs = virtualService();
  edit(vs);
  return healthyContext({ virtualService: vs, virtualServices: { ok: true, value: [vs] } });
}

function withOther(other: VirtualService, overrides: Partial<PreflightContext> = {}) {
  return healthyContext({
    virtualServices: { ok: true, value: [virtualService(), other] },
    ...overrides,
  });
}

function otherVs(name: string, spec: VirtualService['spec']): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'bookinfo', creationTimestamp: '2026-02-01T00:00:00Z' },
    spec,
  };
}

const JASON = {
  name: 'jason',
  match: [{ headers: { 'end-user': { exact: 'jason' } } }],
  route: [{ destination: { host: 'reviews', subset: 'green' } }],
};

describe('idle-slot-traffic', () => {
  it('passes the healthy service: only the managed weights reach the slots', () => {
    expect(idleSlotTrafficCheck.run(healthyContext())).toEqual([]);
  });

  it("catches a header route of the user's to the idle slot's subset", () => {
    const found = idleSlotTrafficCheck.run(withManaged((vs) => vs.spec.http?.unshift(JASON)));
    expect(summary(found)).toEqual(['error idle-slot-traffic spec.http[0].route[0].destination']);
    expect(found[0]?.object).toEqual({
      kind: 'VirtualService',
      namespace: 'bookinfo',
      name: 'reviews',
    });
    expect(found[0]?.message).toMatch(
      /^http\[0\] "jason" sends requests \(through sidecars, Gateway bookinfo\/bookinfo-gateway\) to reviews subset "green", which reaches the pods of the idle green slot/,
    );
    expect(found[0]?.fix).toContain('--allow-idle-slot-traffic');
  });

  it('catches a mirror to the idle slot, unless a release mirrors on purpose', () => {
    const mirrored = (vs: VirtualService): void => {
      vs.spec.http![0]!.mirror = { host: 'reviews', subset: 'green' };
    };
    expect(summary(idleSlotTrafficCheck.run(withManaged(mirrored)))).toEqual([
      'error idle-slot-traffic spec.http[0].mirror',
    ]);
    const releasing = withManaged((vs) => {
      mirrored(vs);
      const record = initialRecord({
        service: 'reviews',
        namespace: 'bookinfo',
        activeSlot: 'blue',
        holder: 'ci',
        now: new Date(NOW),
      });
      vs.metadata.annotations = {
        [STATE_ANNOTATION]: encodeRecord({
          ...record,
          phase: 'releasing',
          candidateSlot: 'green',
          mirrorPercent: 10,
        }),
      };
    });
    expect(idleSlotTrafficCheck.run(releasing)).toEqual([]);
  });

  it('catches a second VirtualService for the host and a gateway-bound one without a subset', () => {
    const second = otherVs('reviews-canary', {
      hosts: ['reviews'],
      http: [
        {
          route: [
            { destination: { host: 'reviews', subset: 'green' }, weight: 10 },
            { destination: { host: 'reviews', subset: 'blue' }, weight: 90 },
          ],
        },
      ],
    });
    expect(summary(idleSlotTrafficCheck.run(withOther(second)))).toEqual([
      'error idle-slot-traffic spec.http[0].route[0].destination',
    ]);
    const ingress = otherVs('reviews-ingress', {
      hosts: ['reviews.example.com'],
      gateways: ['bookinfo-gateway'],
      http: [{ route: [{ destination: { host: 'reviews.bookinfo.svc.cluster.local' } }] }],
    });
    const found = idleSlotTrafficCheck.run(withOther(ingress));
    expect(found.map((f) => `${f.object.name} ${f.field}`)).toEqual([
      'reviews-ingress spec.http[0].route[0].destination',
    ]);
    expect(found[0]?.message).toContain(
      'through Gateway bookinfo/bookinfo-gateway) to reviews.bookinfo.svc.cluster.local (no subset: every pod)',
    );
  });

  it('leaves routes to other hosts, weight-0 entries and undefined subsets alone', () => {
    const other = otherVs('others', {
      hosts: ['ratings'],
      http: [
        { route: [{ destination: { host: 'ratings' } }] },
        {
          route: [
            { destination: { host: 'reviews', subset: 'green' }, weight: 0 },
            { destination: { host: 'reviews', subset: 'blue' }, weight: 100 },
          ],
        },
        { route: [{ destination: { host: 'reviews', subset: 'nosuch' } }] },
        // A short name resolves in the VirtualService's own namespace: another service.
      ],
    });
    const elsewhere = {
      ...otherVs('elsewhere', {
        hosts: ['x'],
        http: [{ route: [{ destination: { host: 'reviews' } }] }],
      }),
    };
    elsewhere.metadata.namespace = 'shop';
    expect(idleSlotTrafficCheck.run(withOther(other))).toEqual([]);
    expect(idleSlotTrafficCheck.run(withOther(elsewhere))).toEqual([]);
  });

  it('warns instead when the spec allows idle-slot traffic, and release does not run it', () => {
    const context = withManaged((vs) => vs.spec.http?.unshift(JASON));
    const allowed = healthyContext(
      { virtualService: context.virtualService, virtualServices: context.virtualServices },
      { deploy: { allowIdleSlotTraffic: true } },
    );
    const found = idleSlotTrafficCheck.run(allowed);
    expect(summary(found)).toEqual(['warning idle-slot-traffic spec.http[0].route[0].destination']);
    expect(found[0]?.message).toContain('deploy.allowIdleSlotTraffic is set: deploying anyway');
    expect(idleSlotTrafficCheck.run({ ...context, operation: 'release' })).toEqual([]);
    expect(summary(idleSlotTrafficCheck.run({ ...context, operation: 'deploy' }))).toHaveLength(1);
  });

  it('says when it could not list the VirtualServices', () => {
    const found = idleSlotTrafficCheck.run(
      healthyContext({ virtualServices: { ok: false, error: 'forbidden' } }),
    );
    expect(summary(found)).toEqual(['info idle-slot-traffic ']);
    expect(found[0]?.message).toContain(
      'not checked: which other routes reach the idle slot: virtualservices: forbidden',
    );
  });
});
