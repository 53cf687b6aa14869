import { afterEach, describe, expect, it } from 'vitest';
import { WorkloadControllers } from '../controllers/workload-controllers.js';
import { bookinfoDocuments } from './__fixtures__/bookinfo-configs.js';
import {
  getFromPod,
  newTestCluster,
  waitFor,
  type TestCluster,
} from './__fixtures__/mesh-cluster.js';
import { IstioControlPlane } from './istio-control-plane.js';

interface SyncEntry {
  proxy: string;
  proxy_type: string;
  cluster_sent?: string;
  cluster_acked?: string;
  route_sent?: string;
  route_acked?: string;
}

describe('IstioControlPlane with the workload controllers', () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  it('installs istiod and the ingress gateway whose pods, with injected bookinfo pods, become SYNCED proxies', async () => {
    const cluster: TestCluster = newTestCluster();
    const { store, registry } = cluster;
    store.create(registry.byPlural('', 'namespaces')!, undefined, {
      metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } },
    });
    const controllers = new WorkloadControllers({
      store,
      registry,
      readyDelayMs: 20,
      terminationDelayMs: 20,
      behaviourOf: () => ({ ready: true }),
    });
    controllers.start();
    stops.push(() => controllers.stop());
    const controlPlane = new IstioControlPlane({
      store,
      registry,
      podNetwork: cluster.podNetwork,
      istio: {
        replicas: 2,
        debounceMs: 10,
        applyDelay: { medianMs: 10, p99Ms: 40 },
        version: '1.26.2',
        ingressGateway: { enabled: true, replicas: 1 },
      },
      proxies: [],
    });
    controlPlane.start();
    stops.push(() => controlPlane.stop());
    for (const document of bookinfoDocuments('bookinfo.yaml')) {
      const plural = {
        Service: 'services',
        ServiceAccount: 'serviceaccounts',
        Deployment: 'deployments',
      }[document.kind];
      const type = registry.byPlural(document.kind === 'Deployment' ? 'apps' : '', plural!)!;
      const {
        uid: _u,
        resourceVersion: _r,
        creationTimestamp: _c,
        ...metadata
      } = document.metadata;
      store.create(type, 'bookinfo', { ...document, metadata });
    }

    const entries = await waitFor(
      async () => {
        const istiods = controlPlane.istiodPods();
        if (istiods.length !== 2) return undefined;
        const all: SyncEntry[] = [];
        for (const name of istiods) {
          const response = await getFromPod(
            cluster.podNetwork,
            { namespace: 'istio-system', name },
            15014,
            '/debug/syncz',
          );
          all.push(...(JSON.parse(response.body) as SyncEntry[]));
        }
        // Envoy subscribes step by step: wait for the routes of sidecars too.
        const synced = all.filter(
          (e) =>
            e.cluster_sent !== undefined &&
            e.cluster_sent === e.cluster_acked &&
            (e.proxy_type === 'router' ||
              (e.route_sent !== undefined && e.route_sent === e.route_acked)),
        );
        return synced.length === 7 ? all : undefined;
      },
      15_000,
      'six bookinfo sidecars to ack their routes and the gateway CDS',
    );
    const byType = entries
      .map((e) => `${e.proxy_type} ${e.proxy.replace(/-[a-z0-9]+-[a-z0-9]+\./, '.')}`)
      .sort();
    expect(byType).toEqual([
      'router istio-ingressgateway.istio-system',
      'sidecar details-v1.bookinfo',
      'sidecar productpage-v1.bookinfo',
      'sidecar ratings-v1.bookinfo',
      'sidecar reviews-v1.bookinfo',
      'sidecar reviews-v2.bookinfo',
      'sidecar reviews-v3.bookinfo',
    ]);
    for (const entry of entries) {
      if (entry.proxy_type === 'sidecar') expect(entry.route_acked).toBe(entry.route_sent);
      // No Gateway selects the gateway pod yet: no listeners name routes, RDS is NOT SENT.
      else expect(entry.route_sent).toBeUndefined();
    }
    // Endpoints arrive as EDS pushes of their own as pods turn ready: wait for the last one.
    const endpoints = await waitFor(
      () => {
        const reviews = [...controlPlane.proxies()].find((p) => p.workload === 'reviews-v2');
        const list = reviews?.applied?.clusters.get(
          'outbound|9080||reviews.bookinfo.svc.cluster.local',
        )?.endpoints;
        return Promise.resolve(list?.length === 3 ? list : undefined);
      },
      15_000,
      'reviews-v2 to have applied all three reviews endpoints',
    );
    expect(endpoints.map((e) => e.pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')).sort()).toEqual([
      'reviews-v1',
      'reviews-v2',
      'reviews-v3',
    ]);
  });
});
