import { describe, expect, it } from 'vitest';
import {
  BOOKINFO,
  bookinfoDestinationRules,
  bookinfoServices,
} from './__fixtures__/bookinfo-configs.js';
import { attachEndpoints, buildClusterSkeletons, type EndpointAddress } from './cluster-config.js';
import { destinationRuleFor } from './config-visibility.js';
import type { MeshService } from './mesh-service.js';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';

function address(pod: string, ip: string, version: string): EndpointAddress {
  return {
    endpoint: { namespace: BOOKINFO, pod, ip, port: 9080 },
    labels: { app: 'reviews', version },
  };
}

const reviewsEndpoints = [
  address('reviews-v1-a', '10.1.0.1', 'v1'),
  address('reviews-v2-a', '10.1.0.2', 'v2'),
  address('reviews-v2-b', '10.1.0.3', 'v2'),
];

function clustersFor(
  proxyNamespace: string,
  rules = bookinfoDestinationRules('destination-rule-reviews.yaml'),
) {
  const skeletons = buildClusterSkeletons(bookinfoServices(), (service) =>
    destinationRuleFor(service.hostname, service.namespace, proxyNamespace, rules),
  );
  return {
    skeletons,
    lookup: (service: MeshService) => (service.name === 'reviews' ? reviewsEndpoints : []),
  };
}

describe('clusters', () => {
  it('builds outbound|port||fqdn per Service port and one cluster per DestinationRule subset', () => {
    const { skeletons } = clustersFor(BOOKINFO);
    expect(skeletons.map((s) => s.name)).toEqual([
      'outbound|9080||details.bookinfo.svc.cluster.local',
      'outbound|9080||ratings.bookinfo.svc.cluster.local',
      `outbound|9080||${REVIEWS}`,
      `outbound|9080|v1|${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v3|${REVIEWS}`,
      'outbound|9080||productpage.bookinfo.svc.cluster.local',
    ]);
  });

  it('selects subset endpoints by pod labels; a subset without pods has none', () => {
    const { skeletons, lookup } = clustersFor(BOOKINFO);
    const clusters = attachEndpoints(skeletons, lookup);
    expect(clusters.get(`outbound|9080||${REVIEWS}`)?.endpoints.map((e) => e.pod)).toEqual([
      'reviews-v1-a',
      'reviews-v2-a',
      'reviews-v2-b',
    ]);
    expect(clusters.get(`outbound|9080|v2|${REVIEWS}`)?.endpoints.map((e) => e.ip)).toEqual([
      '10.1.0.2',
      '10.1.0.3',
    ]);
    expect(clusters.get(`outbound|9080|v3|${REVIEWS}`)?.endpoints).toEqual([]);
    expect(clusters.get(`outbound|9080|v1|${REVIEWS}`)).toMatchObject({
      host: REVIEWS,
      port: 9080,
      subset: 'v1',
    });
  });

  it('maps the DestinationRule load balancer onto Envoy lb_policy, LEAST_REQUEST by default', () => {
    const { skeletons, lookup } = clustersFor(BOOKINFO);
    const clusters = attachEndpoints(skeletons, lookup);
    expect(clusters.get(`outbound|9080|v1|${REVIEWS}`)?.lbPolicy).toBe('RANDOM');
    expect(clusters.get('outbound|9080||details.bookinfo.svc.cluster.local')?.lbPolicy).toBe(
      'LEAST_REQUEST',
    );
  });

  it('shares identical cluster objects between proxies of different namespaces', () => {
    const memo = new Map();
    const a = clustersFor(BOOKINFO);
    const b = clustersFor('shop');
    const first = attachEndpoints(a.skeletons, a.lookup, memo);
    const second = attachEndpoints(b.skeletons, b.lookup, memo);
    expect(second.get(`outbound|9080|v2|${REVIEWS}`)).toBe(
      first.get(`outbound|9080|v2|${REVIEWS}`),
    );
  });
});
