import { afterEach, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createStore,
  deploymentManifest,
  getDeployment,
  listPods,
  rolloutComplete,
  startControllers,
  typeOf,
  updateDeployment,
  waitFor,
  type TestCluster,
} from './__fixtures__/sim-cluster.js';
import type { Endpoints } from './kube-shapes.js';

let cluster: TestCluster | undefined;

afterEach(() => {
  cluster?.controllers.stop();
  cluster = undefined;
});

function service(
  name: string,
  selector: Record<string, string> | undefined,
  ports: Record<string, unknown>[],
) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop', labels: { app: name, tier: 'web' } },
    spec: { ...(selector ? { selector } : {}), ports, clusterIP: '10.96.0.10' },
  };
}

async function setup(): Promise<TestCluster> {
  const store = createStore();
  createNamespace(store, 'shop');
  cluster = startControllers(store);
  store.create(
    typeOf(store, 'deployments'),
    'shop',
    deploymentManifest('web', 'shop', {
      replicas: 3,
      ports: [{ containerPort: 8080, name: 'http-web' }],
    }),
  );
  await waitFor(() => rolloutComplete(getDeployment(store, 'shop', 'web')), 'web rolled out');
  return cluster;
}

function endpoints(c: TestCluster, name = 'web'): Endpoints | undefined {
  return c.store.get(typeOf(c.store, 'endpoints'), 'shop', name);
}

describe('EndpointsController', () => {
  it('lists ready pods with resolved ports and the Service labels', async () => {
    const c = await setup();
    c.store.create(
      typeOf(c.store, 'services'),
      'shop',
      service('web', { app: 'web' }, [
        { name: 'http', port: 80, targetPort: 'http-web', protocol: 'TCP' },
        { name: 'metrics', port: 9090 },
      ]),
    );
    const ep = await waitFor(() => {
      const e = endpoints(c);
      return e?.subsets?.[0]?.addresses?.length === 3 && e;
    }, 'three ready addresses');

    const pods = listPods(c.store, 'shop');
    const expected = pods
      .map((p) => ({
        ip: p.status?.podIP as string,
        nodeName: 'sim-node-1',
        targetRef: { kind: 'Pod', namespace: 'shop', name: p.metadata.name, uid: p.metadata.uid },
      }))
      .sort((a, b) => (a.ip < b.ip ? -1 : 1));
    expect(ep.subsets).toEqual([
      {
        addresses: expected,
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
    ]);
    expect(ep.metadata.labels).toEqual({ app: 'web', tier: 'web' });
    expect(new Set(expected.map((a) => a.ip)).size).toBe(3);
    for (const a of expected) expect(a.ip).toMatch(/^10\.244\.\d{1,3}\.\d{1,3}$/);
    expect(c.errors).toEqual([]);
  });

  it('moves a pod that stops passing readiness to notReadyAddresses, and back', async () => {
    const c = await setup();
    c.store.create(
      typeOf(c.store, 'services'),
      'shop',
      service('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 8080 }]),
    );
    await waitFor(() => endpoints(c)?.subsets?.[0]?.addresses?.length === 3, 'three ready');

    c.behaviours.setReady('example.com/app:v1', false);
    c.controllers.reprobeReadiness();
    const notReady = await waitFor(() => {
      const e = endpoints(c);
      return e?.subsets?.[0]?.notReadyAddresses?.length === 3 && e;
    }, 'all not ready');
    expect(notReady.subsets?.[0]?.addresses).toBeUndefined();
    const d = await waitFor(() => {
      const x = getDeployment(c.store, 'shop', 'web');
      return x?.status?.availableReplicas === undefined && x;
    }, 'deployment sees no available pods');
    expect(d.status?.conditions?.find((cond) => cond.type === 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
    });

    c.behaviours.setReady('example.com/app:v1', true);
    c.controllers.reprobeReadiness();
    await waitFor(() => endpoints(c)?.subsets?.[0]?.addresses?.length === 3, 'ready again');
  });

  it('drops a deleted pod while it is still terminating', async () => {
    const c = await setup();
    c.controllers.setTerminationDelayMs(60_000);
    c.store.create(
      typeOf(c.store, 'services'),
      'shop',
      service('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]),
    );
    await waitFor(() => endpoints(c)?.subsets?.[0]?.addresses?.length === 3, 'three ready');
    const [victim] = listPods(c.store, 'shop');
    const result = c.controllers.deletePod('shop', victim!.metadata.name);
    expect(result.outcome).toBe('terminating');

    const ep = await waitFor(() => {
      const e = endpoints(c);
      const ips = [
        ...(e?.subsets?.[0]?.addresses ?? []),
        ...(e?.subsets?.[0]?.notReadyAddresses ?? []),
      ].map((a) => a.ip);
      return !ips.includes(victim!.status!.podIP!) && e;
    }, 'victim dropped');
    const still = listPods(c.store, 'shop').find((p) => p.metadata.uid === victim!.metadata.uid);
    expect(still?.metadata.deletionTimestamp).toBeDefined();
    expect(still?.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(still?.status?.conditions?.find((cond) => cond.type === 'Ready')?.status).toBe('False');
    // The ReplicaSet replaced it; the replacement shows up once ready.
    expect(ep.subsets?.[0]?.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    await waitFor(() => endpoints(c)?.subsets?.[0]?.addresses?.length === 3, 'replacement ready');
  });

  it('follows Service changes and goes away with the Service', async () => {
    const c = await setup();
    const services = typeOf(c.store, 'services');
    c.store.create(
      services,
      'shop',
      service('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]),
    );
    await waitFor(() => endpoints(c)?.subsets?.[0]?.addresses?.length === 3, 'three ready');

    const current = c.store.get(services, 'shop', 'web')!;
    c.store.update(services, 'shop', {
      ...current,
      spec: { ...(current.spec as object), selector: { app: 'nothing' } },
    });
    const empty = await waitFor(() => {
      const e = endpoints(c);
      return e && e.subsets === undefined && e;
    }, 'no subsets');
    expect(empty.metadata.labels).toEqual({ app: 'web', tier: 'web' });

    c.store.delete(services, 'shop', 'web');
    await waitFor(() => endpoints(c) === undefined, 'endpoints deleted');
  });

  it('leaves Services without a selector alone', async () => {
    const c = await setup();
    c.store.create(
      typeOf(c.store, 'services'),
      'shop',
      service('external', undefined, [{ port: 443 }]),
    );
    c.store.create(
      typeOf(c.store, 'services'),
      'shop',
      service('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]),
    );
    await waitFor(() => endpoints(c)?.subsets?.[0]?.addresses?.length === 3, 'web endpoints');
    expect(endpoints(c, 'external')).toBeUndefined();
  });

  it('updates addresses through a rollout', async () => {
    const c = await setup();
    c.store.create(
      typeOf(c.store, 'services'),
      'shop',
      service('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]),
    );
    await waitFor(() => endpoints(c)?.subsets?.[0]?.addresses?.length === 3, 'three ready');
    updateDeployment(c.store, 'shop', 'web', (d) => {
      (d.spec!.template!.spec!.containers![0] as { image: string }).image = 'example.com/app:v2';
    });
    await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d?.status?.observedGeneration === 2 && rolloutComplete(d);
    }, 'v2 rolled out');
    const v2 = await waitFor(() => {
      const uids = new Set(
        listPods(c.store, 'shop')
          .filter((p) => p.spec?.containers?.[0]?.image === 'example.com/app:v2')
          .map((p) => p.metadata.uid),
      );
      const addresses = endpoints(c)?.subsets?.[0]?.addresses ?? [];
      return (
        addresses.length === 3 &&
        addresses.every((a) => uids.has(a.targetRef?.uid ?? '')) &&
        addresses
      );
    }, 'endpoints list only v2 pods');
    expect(v2).toHaveLength(3);
  });
});
