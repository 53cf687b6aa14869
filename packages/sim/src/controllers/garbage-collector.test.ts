import { afterEach, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createStore,
  deploymentManifest,
  getDeployment,
  listPods,
  listReplicaSets,
  rolloutComplete,
  startControllers,
  typeOf,
  waitFor,
  type TestCluster,
} from './__fixtures__/sim-cluster.js';

let cluster: TestCluster | undefined;

afterEach(() => {
  cluster?.controllers.stop();
  cluster = undefined;
});

describe('GarbageCollector', () => {
  it('removes the ReplicaSets and pods of a deleted Deployment, pods through termination', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    cluster = startControllers(store, { terminationDelayMs: 50 });
    store.create(
      typeOf(store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 3 }),
    );
    await waitFor(() => rolloutComplete(getDeployment(store, 'shop', 'web')), 'rolled out');
    const terminating = new Set<string>();
    const unsubscribe = store.subscribe((event) => {
      if (event.resource.plural === 'pods' && event.object.metadata.deletionTimestamp)
        terminating.add(event.object.metadata.name);
    });

    store.delete(typeOf(store, 'deployments'), 'shop', 'web');
    await waitFor(
      () => listReplicaSets(store, 'shop').length === 0 && listPods(store, 'shop').length === 0,
      'all gone',
    );
    unsubscribe();
    expect(terminating.size).toBe(3);
    expect(cluster.errors).toEqual([]);
  });

  it('drops only the dangling reference when another owner is alive', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    cluster = startControllers(store);
    const configMaps = typeOf(store, 'configmaps');
    const a = store.create(configMaps, 'shop', { metadata: { name: 'owner-a' } });
    const b = store.create(configMaps, 'shop', { metadata: { name: 'owner-b' } });
    const ref = (o: typeof a) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: o.metadata.name,
      uid: o.metadata.uid,
    });
    store.create(configMaps, 'shop', {
      metadata: { name: 'shared', ownerReferences: [ref(a), ref(b)] },
    });
    store.create(configMaps, 'shop', { metadata: { name: 'only-a', ownerReferences: [ref(a)] } });

    store.delete(configMaps, 'shop', 'owner-a');
    await waitFor(() => store.get(configMaps, 'shop', 'only-a') === undefined, 'only-a collected');
    const shared = await waitFor(() => {
      const s = store.get(configMaps, 'shop', 'shared');
      return s?.metadata.ownerReferences?.length === 1 && s;
    }, 'shared loses the dangling reference');
    expect(shared.metadata.ownerReferences).toEqual([ref(b)]);
  });

  it('collects objects created with an owner that does not exist, also across a restart', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    const configMaps = typeOf(store, 'configmaps');
    const ghost = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: 'no-such-uid' };
    store.create(configMaps, 'shop', {
      metadata: { name: 'before-start', ownerReferences: [ghost] },
    });
    cluster = startControllers(store);
    store.create(configMaps, 'shop', {
      metadata: { name: 'after-start', ownerReferences: [ghost] },
    });
    // An owner of a kind the cluster does not serve is not judged.
    store.create(configMaps, 'shop', {
      metadata: {
        name: 'foreign',
        ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'x' }],
      },
    });
    await waitFor(
      () =>
        store.get(configMaps, 'shop', 'before-start') === undefined &&
        store.get(configMaps, 'shop', 'after-start') === undefined,
      'both collected',
    );
    expect(store.get(configMaps, 'shop', 'foreign')).toBeDefined();
  });
});
