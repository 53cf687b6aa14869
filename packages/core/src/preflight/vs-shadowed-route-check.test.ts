import { describe, expect, it } from 'vitest';
import type { HttpRoute, VirtualService } from '../istio/types.js';
import {
  healthyContext,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { routeShadows, vsShadowedRouteCheck } from './vs-shadowed-route-check.js';
function withVs(edit: (vs: VirtualService) => void) {
  const vs = virtualService();
  edit(vs);
  return healthyContext({ virtualService: vs, virtualServices: { ok: true, value: [vs] } });
}

describe('vs-shadowed-route', () => {
  const route = (match?: HttpRoute['match']): HttpRoute => ({
    match,
    route: [{ destination: { host: 'ratings' } }],
  });

  it('tells which earlier matches cover which later ones', () => {
    expect(routeShadows(route(), route([{ uri: { prefix: '/a' } }]))).toBe(true);
    expect(routeShadows(route([{ uri: { prefix: '/' } }]), route())).toBe(true);
    expect(
      routeShadows(route([{ uri: { prefix: '/a' } }]), route([{ uri: { exact: '/a/b' } }])),
    ).toBe(true);
    expect(routeShadows(route([{ uri: { prefix: '/a' } }]), route())).toBe(false);
    expect(
      routeShadows(
        route([{ headers: { 'x-user': { exact: 'jason' } } }]),
        route([{ headers: { 'x-user': { exact: 'jason' } }, uri: { prefix: '/r' } }]),
      ),
    ).toBe(true);
    expect(
      routeShadows(
        route([{ headers: { 'x-user': { exact: 'jason' } } }]),
        route([{ uri: { prefix: '/r' } }]),
      ),
    ).toBe(false);
    expect(
      routeShadows(route([{ uri: { regex: '/r.*' } }]), route([{ uri: { prefix: '/r' } }])),
    ).toBe(false);
  });

  it('passes a managed route nothing shadows', () => {
    expect(vsShadowedRouteCheck.run(healthyContext())).toEqual([]);
    expect(
      vsShadowedRouteCheck.run(
        withVs((vs) =>
          vs.spec.http!.unshift({
            name: 'jason',
            match: [{ headers: { 'end-user': { exact: 'jason' } } }],
            route: [{ destination: { host: 'ratings' } }],
          }),
        ),
      ),
    ).toEqual([]);
  });

  it('catches a catch-all route above the managed one', () => {
    const findings = vsShadowedRouteCheck.run(
      withVs((vs) =>
        vs.spec.http!.unshift({
          name: 'everything',
          match: [{ uri: { prefix: '/' } }],
          route: [{ destination: { host: 'ratings' } }],
        }),
      ),
    );
    expect(summary(findings)).toEqual(['error vs-shadowed-route spec.http[0].match']);
    expect(findings[0]?.message).toContain('http[1] "primary"');
  });
});
