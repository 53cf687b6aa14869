import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../errors.js';
import type { PodLister } from '../kube/resource-apis.js';
import type { ListOptions, Pod } from '../kube/kube-types.js';
import { status } from './__fixtures__/syncz-fixtures.js';
import type { ProxyScope } from './sync-gate.js';
import { ProxyScopeResolver, SyncScope } from './sync-scope.js';

function pod(name: string, namespace: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } };
}

/** Pods by namespace; `list` honours only the selector `app=productpage`. */
class FakePods implements PodLister {
  readonly calls: { namespace: string; labelSelector: string | undefined }[] = [];
  failing = false;
  constructor(readonly matching: Map<string, string[]>) {}

  list(namespace: string, options?: ListOptions): Promise<Pod[]> {
    this.calls.push({ namespace, labelSelector: options?.labelSelector });
    if (this.failing)
      return Promise.reject(
        new KubeApiError('the API server is down', { reason: 'NetworkError', verb: 'list' }),
      );
    return Promise.resolve((this.matching.get(namespace) ?? []).map((n) => pod(n, namespace)));
  }
}

const proxies = [
  status({ proxy: 'productpage-1.bookinfo' }),
  status({ proxy: 'reviews-1.bookinfo' }),
  status({ proxy: 'web-1.shop' }),
  status({ proxy: 'istio-ingressgateway-1.istio-system', type: 'router' }),
];

describe('SyncScope', () => {
  it('includes every proxy by default, without listing pods', async () => {
    const pods = new FakePods(new Map());
    const scope = new SyncScope({ namespaces: undefined, selector: undefined }, pods);
    const view = await scope.resolve(proxies);
    expect(proxies.filter((p) => view.includes?.(p))).toHaveLength(4);
    expect(pods.calls).toEqual([]);
    expect(scope.describe()).toBe('every proxy');
  });

  it('filters by namespace (the proxy id suffix)', async () => {
    const scope = new SyncScope(
      { namespaces: ['bookinfo', 'istio-system'], selector: undefined },
      new FakePods(new Map()),
    );
    const view = await scope.resolve(proxies);
    expect(proxies.filter((p) => view.includes?.(p)).map((p) => p.proxy)).toEqual([
      'productpage-1.bookinfo',
      'reviews-1.bookinfo',
      'istio-ingressgateway-1.istio-system',
    ]);
  });

  it('filters by pod selector, listing pods of the namespaces in scope', async () => {
    const pods = new FakePods(new Map([['bookinfo', ['productpage-1']]]));
    const scope = new SyncScope({ namespaces: ['bookinfo'], selector: 'app=productpage' }, pods);
    const view = await scope.resolve(proxies);
    expect(proxies.filter((p) => view.includes?.(p)).map((p) => p.proxy)).toEqual([
      'productpage-1.bookinfo',
    ]);
    expect(pods.calls).toEqual([{ namespace: 'bookinfo', labelSelector: 'app=productpage' }]);
  });

  it('lists every namespace syncz shows when no namespaces are given', async () => {
    const pods = new FakePods(new Map([['shop', ['web-1']]]));
    const scope = new SyncScope({ namespaces: undefined, selector: 'app=web' }, pods);
    const view = await scope.resolve(proxies);
    expect(proxies.filter((p) => view.includes?.(p)).map((p) => p.proxy)).toEqual(['web-1.shop']);
    expect(pods.calls.map((c) => c.namespace).sort()).toEqual(['bookinfo', 'istio-system', 'shop']);
  });

  it('lists again only when a proxy it has not classified appears', async () => {
    const matching = new Map([['bookinfo', ['productpage-1']]]);
    const pods = new FakePods(matching);
    const scope = new SyncScope({ namespaces: ['bookinfo'], selector: 'app=productpage' }, pods);
    await scope.resolve(proxies);
    await scope.resolve(proxies);
    expect(pods.calls).toHaveLength(1);
    matching.set('bookinfo', ['productpage-1', 'productpage-2']);
    const grown = [...proxies, status({ proxy: 'productpage-2.bookinfo' })];
    const view = await scope.resolve(grown);
    expect(pods.calls).toHaveLength(2);
    expect(grown.filter((p) => view.includes?.(p))).toHaveLength(2);
  });

  it('reports a problem when the pods of a namespace were never listable', async () => {
    const pods = new FakePods(new Map());
    pods.failing = true;
    const scope = new SyncScope({ namespaces: ['bookinfo'], selector: 'app=x' }, pods);
    const view = await scope.resolve(proxies);
    expect(view.includes).toBeUndefined();
    expect(view.problem).toMatch(
      /cannot list pods matching "app=x" in bookinfo: the API server is down/,
    );
  });

  it('keeps an earlier classification when a later list fails', async () => {
    const pods = new FakePods(new Map([['bookinfo', ['productpage-1']]]));
    const scope = new SyncScope({ namespaces: ['bookinfo'], selector: 'app=productpage' }, pods);
    await scope.resolve(proxies);
    pods.failing = true;
    const grown = [...proxies, status({ proxy: 'productpage-2.bookinfo' })];
    const view = await scope.resolve(grown);
    // The newcomer is left out until its namespace can be listed again.
    expect(grown.filter((p) => view.includes?.(p)).map((p) => p.proxy)).toEqual([
      'productpage-1.bookinfo',
    ]);
  });
});

describe('ProxyScopeResolver', () => {
  it("admits a proxy in any of the scope's sets: a gateway's routers and the callers' sidecars", async () => {
    const pods = new FakePods(new Map([['bookinfo', ['productpage-1']]]));
    const resolver = new ProxyScopeResolver(pods);
    const scope: ProxyScope = {
      sets: [
        { proxyTypes: ['router'], namespaces: ['istio-system'], selector: undefined },
        { proxyTypes: ['sidecar'], namespaces: ['bookinfo'], selector: 'app=productpage' },
      ],
    };
    const view = await resolver.resolve(scope, proxies);
    expect(proxies.filter((p) => view.includes?.(p)).map((p) => p.proxy)).toEqual([
      'productpage-1.bookinfo',
      'istio-ingressgateway-1.istio-system',
    ]);
    expect(resolver.describe(scope)).toBe(
      'router proxies and namespaces istio-system or sidecar proxies and namespaces bookinfo and pods matching "app=productpage"',
    );
  });

  it('keeps each set’s pod classification across calls, and reports a set it cannot resolve', async () => {
    const pods = new FakePods(new Map([['bookinfo', ['productpage-1']]]));
    const resolver = new ProxyScopeResolver(pods);
    const scope: ProxyScope = { sets: [{ namespaces: ['bookinfo'], selector: 'app=productpage' }] };
    await resolver.resolve(scope, proxies);
    await resolver.resolve({ sets: [{ ...scope.sets[0]! }] }, proxies);
    expect(pods.calls).toHaveLength(1);
    pods.failing = true;
    const view = await resolver.resolve(
      { sets: [{ namespaces: ['shop'], selector: 'app=productpage' }] },
      proxies,
    );
    expect(view.problem).toMatch(/cannot list pods matching "app=productpage" in shop/);
  });

  it("admits a mixed mesh's waypoint and its callers' sidecars, never ztunnel", async () => {
    const pods = new FakePods(new Map([['bookinfo', ['waypoint-1']]]));
    const resolver = new ProxyScopeResolver(pods);
    const mesh = [
      ...proxies,
      status({ proxy: 'waypoint-1.bookinfo', type: 'waypoint' }),
      status({ proxy: 'other-waypoint-1.bookinfo', type: 'waypoint' }),
      status({ proxy: 'ztunnel-x.istio-system', type: 'ztunnel' }),
      status({ proxy: 'ztunnel-y.bookinfo', type: 'ztunnel' }),
    ];
    const scope: ProxyScope = {
      sets: [
        { proxyTypes: ['sidecar'], namespaces: ['bookinfo'], selector: undefined },
        {
          proxyTypes: ['waypoint'],
          namespaces: ['bookinfo'],
          selector: 'gateway.networking.k8s.io/gateway-name=waypoint',
        },
      ],
    };
    const view = await resolver.resolve(scope, mesh);
    expect(mesh.filter((p) => view.includes?.(p)).map((p) => p.proxy)).toEqual([
      'productpage-1.bookinfo',
      'reviews-1.bookinfo',
      'waypoint-1.bookinfo',
    ]);
    // Even a scope of every proxy, or of ztunnel by name, leaves ztunnel out.
    for (const sets of [
      [{ namespaces: undefined, selector: undefined }],
      [{ proxyTypes: ['ztunnel'], namespaces: undefined, selector: undefined }],
    ]) {
      const all = await resolver.resolve({ sets }, mesh);
      expect(mesh.filter((p) => all.includes?.(p)).map((p) => p.proxyType)).not.toContain(
        'ztunnel',
      );
    }
  });
});
