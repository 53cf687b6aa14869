import { describe, expect, it } from 'vitest';
import type { VirtualService } from '../istio/types.js';
import {
  destinationRule,
  healthyContext,
  service,
  serviceEntry,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import type { PreflightContext } from './preflight-context.js';
import { vsDestinationsCheck } from './vs-destinations-check.js';

function withVs(edit: (vs: VirtualService) => void, overrides: Partial<PreflightContext> = {}) {
  const vs = virtualService();
  edit(vs);
  return healthyContext({ virtualService: vs, ...overrides });
}

describe('vs-destinations', () => {
  it('passes destinations whose host and subset exist', () => {
    expect(vsDestinationsCheck.run(healthyContext())).toEqual([]);
  });

  it('catches a route to a subset no DestinationRule defines (503 NC), as IST0101 does', () => {
    const found = vsDestinationsCheck.run(
      withVs((vs) =>
        vs.spec.http?.unshift({
          name: 'v3',
          match: [{ headers: { 'x-v3': { exact: '1' } } }],
          route: [{ destination: { host: 'reviews', subset: 'v3' } }],
        }),
      ),
    );
    expect(summary(found)).toEqual(['error vs-destinations spec.http[0].route[0].destination']);
    expect(found[0]?.message).toBe(
      'http[0] "v3" routes to subset "v3", which DestinationRule bookinfo/reviews does not define: those requests fail with 503 (NC: no cluster for the subset)',
    );
  });

  it('notes a missing idle slot subset (deploy adds it), errs when it carries traffic', () => {
    const noGreen = destinationRule();
    noGreen.spec.subsets = noGreen.spec.subsets?.slice(0, 1);
    const context = healthyContext({
      destinationRule: noGreen,
      destinationRules: { ok: true, value: [noGreen] },
    });
    const idle = vsDestinationsCheck.run(context);
    expect(summary(idle)).toEqual(['info vs-destinations spec.http[0].route[1].destination']);
    expect(idle[0]?.message).toContain("switchyard's deploy adds it before any route sends to it");
    const carrying = vsDestinationsCheck.run({
      ...context,
      virtualService: withVs((vs) => {
        vs.spec.http![0]!.route![0]!.weight = 50;
        vs.spec.http![0]!.route![1]!.weight = 50;
      }).virtualService,
    });
    expect(summary(carrying)).toEqual(['error vs-destinations spec.http[0].route[1].destination']);
    expect(carrying[0]?.message).toContain("deploy adds the green slot's subset, but until then");
  });

  it('catches a mirror to a missing subset and a host that is no Service (warning, error)', () => {
    const found = vsDestinationsCheck.run(
      withVs(
        (vs) => {
          vs.spec.http![0]!.mirror = { host: 'reviews', subset: 'shadow' };
          vs.spec.http!.unshift({
            name: 'typo',
            match: [{ uri: { prefix: '/v2' } }],
            route: [{ destination: { host: 'reveiws' } }],
          });
        },
        {
          routeServices: {
            ok: true,
            value: new Map([
              ['bookinfo/reviews', service()],
              ['bookinfo/reveiws', undefined],
            ]),
          },
        },
      ),
    );
    expect(summary(found)).toEqual([
      'error vs-destinations spec.http[0].route[0].destination',
      'warning vs-destinations spec.http[1].mirror',
    ]);
    expect(found[0]?.message).toContain(
      'host reveiws (reveiws.bookinfo.svc.cluster.local), which is neither a Service nor declared by a ServiceEntry',
    );
    expect(found[1]?.message).toContain('the copies go nowhere');
  });

  it('accepts a host a ServiceEntry declares, and a subset of another namespace’s rule', () => {
    const external = withVs(
      (vs) =>
        vs.spec.http?.unshift({
          name: 'legacy',
          match: [{ uri: { prefix: '/legacy' } }],
          route: [{ destination: { host: 'legacy.example.com', subset: 'v1' } }],
        }),
      {
        serviceEntries: {
          ok: true,
          value: [serviceEntry('legacy', 'shop', { hosts: ['*.example.com'] })],
        },
        destinationRules: {
          ok: true,
          value: [
            destinationRule(),
            {
              ...destinationRule(),
              metadata: { name: 'legacy', namespace: 'shop' },
              spec: { host: 'legacy.example.com', subsets: [{ name: 'v1', labels: {} }] },
            },
          ],
        },
      },
    );
    expect(vsDestinationsCheck.run(external)).toEqual([]);
  });

  it('says what it could not check', () => {
    const found = vsDestinationsCheck.run(
      healthyContext({
        routeServices: { ok: false, error: 'forbidden: get services' },
        destinationRules: { ok: false, error: 'forbidden: list destinationrules' },
      }),
    );
    expect(summary(found)).toEqual(['info vs-destinations ']);
    expect(found[0]?.message).toMatch(
      /^not checked: host reviews\.bookinfo\.svc\.cluster\.local: forbidden: get services; forbidden: list destinationrules$/,
    );
  });
});
