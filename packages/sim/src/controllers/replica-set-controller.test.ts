import { afterEach, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createStore,
  listPods,
  podReady,
  startControllers,
  typeOf,
  waitFor,
  type TestCluster,
} from './__fixtures__/sim-cluster.js';
import { viewAs, type ReplicaSet } from './kube-shapes.js';

let cluster: TestCluster | undefined;

afterEach(() => {
  cluster?.controllers.stop();
  cluster = undefined;
});

function replicaSet(replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'cache', namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'cache' } },
      template: {
        metadata: { labels: { app: 'cache', tier: 'db' } },
        spec: { containers: [{ name: 'redis', image: 'redis:7' }] },
      },
    },
  };
}

function getReplicaSet(c: TestCluster): Readonly<ReplicaSet> | undefined {
  return viewAs<ReplicaSet>(c.store.get(typeOf(c.store, 'replicasets'), 'shop', 'cache'));
}

describe('ReplicaSetController', () => {
  it('adopts a matching orphan pod instead of creating one more, and counts labels', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    cluster = startControllers(store);
    // An orphan that matches the selector but lacks the template's `tier` label.
    const orphan = store.create(typeOf(store, 'pods'), 'shop', {
      metadata: { name: 'stray', labels: { app: 'cache' } },
      spec: { containers: [{ name: 'redis', image: 'redis:7' }] },
    });
    const rs = store.create(typeOf(store, 'replicasets'), 'shop', replicaSet(2));

    const done = await waitFor(() => {
      const current = getReplicaSet(cluster!);
      return current?.status?.readyReplicas === 2 && current;
    }, 'two ready replicas');
    const pods = listPods(store, 'shop');
    expect(pods).toHaveLength(2);
    const stray = pods.find((p) => p.metadata.uid === orphan.metadata.uid);
    expect(stray?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'cache',
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(done.status).toEqual({
      replicas: 2,
      fullyLabeledReplicas: 1,
      readyReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 1,
      terminatingReplicas: 0,
    });
  });

  it('deletes not-ready pods first when scaling down, counting them as terminating meanwhile', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    // Pods take a while to terminate, so the terminating count can be seen.
    cluster = startControllers(store, { terminationDelayMs: 1500 });
    store.create(typeOf(store, 'replicasets'), 'shop', replicaSet(3));
    await waitFor(() => getReplicaSet(cluster!)?.status?.readyReplicas === 3, 'three ready');
    // One pod whose readiness probe starts failing.
    const [sick] = listPods(store, 'shop');
    const pods = typeOf(store, 'pods');
    const current = store.get(pods, 'shop', sick!.metadata.name)!;
    const status = structuredClone(current.status) as {
      conditions: { type: string; status: string }[];
    };
    for (const condition of status.conditions)
      if (condition.type === 'Ready') condition.status = 'False';
    store.update(pods, 'shop', { ...current, status }, { subresource: 'status' });

    const rsType = typeOf(store, 'replicasets');
    const latest = store.get(rsType, 'shop', 'cache')!;
    store.update(rsType, 'shop', { ...latest, spec: { ...(latest.spec as object), replicas: 2 } });
    await waitFor(() => getReplicaSet(cluster!)?.status?.replicas === 2, 'scaled to two');
    expect(getReplicaSet(cluster)?.status?.terminatingReplicas).toBe(1);
    await waitFor(
      () => getReplicaSet(cluster!)?.status?.terminatingReplicas === 0,
      'the deleted pod gone',
    );
    const victim = listPods(store, 'shop').find((p) => p.metadata.uid === sick!.metadata.uid);
    expect(victim === undefined || victim.metadata.deletionTimestamp !== undefined).toBe(true);
    expect(
      listPods(store, 'shop')
        .filter((p) => !p.metadata.deletionTimestamp)
        .every(podReady),
    ).toBe(true);
  });

  it('releases a pod whose labels stop matching', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    cluster = startControllers(store);
    store.create(typeOf(store, 'replicasets'), 'shop', replicaSet(1));
    const [pod] = await waitFor(() => {
      const pods = listPods(store, 'shop');
      return pods.length === 1 && pods;
    }, 'one pod');
    const pods = typeOf(store, 'pods');
    const current = store.get(pods, 'shop', pod!.metadata.name)!;
    store.update(pods, 'shop', {
      ...current,
      metadata: { ...current.metadata, labels: { app: 'debug' } },
    });

    const released = await waitFor(() => {
      const p = store.get(pods, 'shop', pod!.metadata.name);
      return p && (p.metadata.ownerReferences ?? []).length === 0 && p;
    }, 'pod released');
    expect(released.metadata.labels).toEqual({ app: 'debug' });
    await waitFor(() => listPods(store, 'shop').length === 2, 'replacement created');
  });
});
