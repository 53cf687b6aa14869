import { describe, expect, it } from 'vitest';
import { BOOKINFO, bookinfoDestinationRules } from './__fixtures__/bookinfo-configs.js';
import {
  destinationRuleFor,
  gatewaysSelecting,
  isExportedTo,
  virtualServicesVisibleTo,
} from './config-visibility.js';
import type { DestinationRuleSpec, IstioConfig, VirtualServiceSpec } from './istio-config.js';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';

function vs(name: string, namespace: string, exportTo?: string[]): IstioConfig<VirtualServiceSpec> {
  return {
    name,
    namespace,
    createdAt: 0,
    spec: { hosts: ['reviews'], ...(exportTo ? { exportTo } : {}) },
  };
}

function dr(
  name: string,
  namespace: string,
  spec: DestinationRuleSpec,
  createdAt = 0,
): IstioConfig<DestinationRuleSpec> {
  return { name, namespace, createdAt, spec };
}

describe('config visibility', () => {
  it('reads exportTo as Istio does: absent = all, "." = own namespace, "~" = none, names', () => {
    expect(isExportedTo(undefined, 'a', 'b')).toBe(true);
    expect(isExportedTo(['.'], 'a', 'a')).toBe(true);
    expect(isExportedTo(['.'], 'a', 'b')).toBe(false);
    expect(isExportedTo(['~'], 'a', 'a')).toBe(false);
    expect(isExportedTo(['b', 'c'], 'a', 'c')).toBe(true);
    expect(isExportedTo(['b'], 'a', 'a')).toBe(false);
  });

  it('orders VirtualServices private, then exported by name, then public', () => {
    const all = [
      vs('public', 'x'),
      vs('named', 'y', ['shop']),
      vs('private', 'shop', ['.']),
      vs('hidden', 'z', ['.']),
    ];
    expect(virtualServicesVisibleTo(all, 'shop').map((v) => v.name)).toEqual([
      'private',
      'named',
      'public',
    ]);
  });

  it('selects Gateways whose selector labels the pod carries', () => {
    const gateway = (name: string, selector: Record<string, string>) => ({
      name,
      namespace: 'istio-system',
      createdAt: 0,
      spec: { selector },
    });
    const selected = gatewaysSelecting(
      [
        gateway('ingress', { istio: 'ingressgateway' }),
        gateway('egress', { istio: 'egressgateway' }),
      ],
      { istio: 'ingressgateway', app: 'istio-ingressgateway' },
    );
    expect(selected.map((g) => g.name)).toEqual(['ingress']);
  });

  it('takes the DestinationRule from the proxy namespace before the Service namespace', () => {
    const rules = [
      ...bookinfoDestinationRules('destination-rule-all.yaml'),
      dr('reviews-local', 'shop', {
        host: REVIEWS,
        subsets: [{ name: 'canary', labels: { track: 'canary' } }],
      }),
    ];
    expect(
      destinationRuleFor(REVIEWS, BOOKINFO, 'shop', rules)?.subsets.map((s) => s.name),
    ).toEqual(['canary']);
    expect(
      destinationRuleFor(REVIEWS, BOOKINFO, 'other', rules)?.subsets.map((s) => s.name),
    ).toEqual(['v1', 'v2', 'v3']);
  });

  it('ignores a Service-namespace rule not exported to the proxy and falls back to the root namespace', () => {
    const rules = [
      dr('private', BOOKINFO, { host: 'reviews', exportTo: ['.'], subsets: [{ name: 'v1' }] }),
      dr('mesh-wide', 'istio-system', {
        host: '*.bookinfo.svc.cluster.local',
        subsets: [{ name: 'all' }],
      }),
    ];
    expect(
      destinationRuleFor(REVIEWS, BOOKINFO, BOOKINFO, rules)?.subsets.map((s) => s.name),
    ).toEqual(['v1']);
    expect(
      destinationRuleFor(REVIEWS, BOOKINFO, 'shop', rules)?.subsets.map((s) => s.name),
    ).toEqual(['all']);
  });

  it('merges rules for the same host in one namespace, oldest subset winning', () => {
    const rules = [
      dr(
        'first',
        BOOKINFO,
        { host: 'reviews', subsets: [{ name: 'blue', labels: { version: 'blue' } }] },
        1,
      ),
      dr(
        'second',
        BOOKINFO,
        {
          host: 'reviews',
          subsets: [
            { name: 'blue', labels: { version: 'other' } },
            { name: 'green', labels: { version: 'green' } },
          ],
        },
        2,
      ),
    ];
    const resolved = destinationRuleFor(REVIEWS, BOOKINFO, BOOKINFO, rules);
    expect(resolved?.subsets.map((s) => [s.name, s.labels.version])).toEqual([
      ['blue', 'blue'],
      ['green', 'green'],
    ]);
  });
});
