import { afterEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../store/object-store.js';
import {
  createNamespace,
  createStore,
  deploymentManifest,
  getDeployment,
  listPods,
  listReplicaSets,
  podReady,
  rolloutComplete,
  startControllers,
  typeOf,
  updateDeployment,
  waitFor,
  type TestCluster,
} from './__fixtures__/sim-cluster.js';
import { viewAs, type Endpoints, type Pod } from './kube-shapes.js';

const clusters: TestCluster[] = [];

afterEach(() => {
  for (const c of clusters.splice(0)) c.controllers.stop();
});

function start(
  store: ObjectStore,
  overrides: Parameters<typeof startControllers>[1] = {},
): TestCluster {
  const c = startControllers(store, overrides);
  clusters.push(c);
  return c;
}

describe('WorkloadControllers', () => {
  it('takes a pod from Pending through Running to Ready with kubelet-shaped status', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    const seen: Pod[] = [];
    store.subscribe((event) => {
      if (event.resource.plural === 'pods') seen.push(structuredClone(event.object));
    });
    const c = start(store, { readyDelayMs: 40 });
    store.create(
      typeOf(store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 1 }),
    );
    const [ready] = await waitFor(() => {
      const pods = listPods(store, 'shop');
      return pods.length === 1 && podReady(pods[0]!) && pods;
    }, 'pod ready');

    expect(seen[0]?.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(
      seen.some(
        (p) =>
          p.status?.phase === 'Pending' &&
          p.spec?.nodeName === 'sim-node-1' &&
          p.status.conditions?.[0]?.type === 'PodScheduled',
      ),
    ).toBe(true);
    const running = seen.find((p) => p.status?.phase === 'Running');
    expect(running?.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
    });
    expect(running?.status?.containerStatuses?.[0]).toMatchObject({
      name: 'app',
      ready: false,
      started: true,
      restartCount: 0,
    });

    expect(ready!.spec?.nodeName).toBe('sim-node-1');
    expect(ready!.status).toMatchObject({
      phase: 'Running',
      hostIP: '172.18.0.2',
      qosClass: 'BestEffort',
    });
    expect(ready!.status?.podIPs).toEqual([{ ip: ready!.status?.podIP }]);
    expect(ready!.status?.conditions?.map((x) => [x.type, x.status])).toEqual([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(ready!.status?.containerStatuses?.[0]).toMatchObject({
      name: 'app',
      image: 'example.com/app:v1',
      ready: true,
      started: true,
      state: { running: {} },
    });
    expect(ready!.status?.containerStatuses?.[0]?.containerID).toMatch(
      /^containerd:\/\/[0-9a-f]{64}$/,
    );
    expect(c.errors).toEqual([]);
  });

  it('converges after a restart over an existing store without duplicating pods', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    store.create(typeOf(store, 'services'), 'shop', {
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const first = start(store, { readyDelayMs: 60_000 });
    store.create(
      typeOf(store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 5 }),
    );
    // Stop mid-rollout: pods exist and run but are not ready yet.
    await waitFor(
      () => listPods(store, 'shop').filter((p) => p.status?.phase === 'Running').length === 5,
      'pods running',
    );
    first.controllers.stop();
    const before = listPods(store, 'shop')
      .map((p) => p.metadata.name)
      .sort();

    const second = start(store, { readyDelayMs: 20 });
    const done = await waitFor(() => {
      const d = getDeployment(store, 'shop', 'web');
      return rolloutComplete(d) && d;
    }, 'rolled out after restart');
    expect(
      listPods(store, 'shop')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(before);
    expect(listReplicaSets(store, 'shop')).toHaveLength(1);
    expect(done.status).toMatchObject({ replicas: 5, availableReplicas: 5 });
    const ips = listPods(store, 'shop').map((p) => p.status?.podIP);
    expect(new Set(ips).size).toBe(5);

    // A third incarnation must not clash with the IPs already handed out.
    second.controllers.stop();
    start(store, { readyDelayMs: 20 });
    updateDeployment(store, 'shop', 'web', (d) => {
      d.spec!.replicas = 8;
    });
    await waitFor(() => {
      const d = getDeployment(store, 'shop', 'web');
      return d?.status?.observedGeneration === 2 && rolloutComplete(d);
    }, 'scaled to 8');
    const pods = listPods(store, 'shop');
    expect(pods).toHaveLength(8);
    expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(8);
    const ep = await waitFor(() => {
      const e = viewAs<Endpoints>(store.get(typeOf(store, 'endpoints'), 'shop', 'web'));
      return e?.subsets?.[0]?.addresses?.length === 8 && e;
    }, 'endpoints list 8 pods');
    expect(ep.subsets?.[0]?.notReadyAddresses).toBeUndefined();
  });

  it('finishes terminations that were under way when it stopped', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    const first = start(store, { terminationDelayMs: 60_000 });
    store.create(
      typeOf(store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 2 }),
    );
    await waitFor(() => rolloutComplete(getDeployment(store, 'shop', 'web')), 'rolled out');
    const [victim] = listPods(store, 'shop');
    first.controllers.deletePod('shop', victim!.metadata.name);
    await waitFor(() => listPods(store, 'shop').length === 3, 'replacement created');
    first.controllers.stop();

    start(store, { terminationDelayMs: 20 });
    await waitFor(
      () =>
        listPods(store, 'shop').length === 2 &&
        listPods(store, 'shop').every((p) => p.metadata.uid !== victim!.metadata.uid),
      'victim removed',
    );
  });

  it('applies delay changes at run time', async () => {
    const store = createStore();
    createNamespace(store, 'shop');
    const c = start(store, { readyDelayMs: 60_000 });
    store.create(
      typeOf(store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 2 }),
    );
    await waitFor(
      () => listPods(store, 'shop').filter((p) => p.status?.phase === 'Running').length === 2,
      'running',
    );
    expect(listPods(store, 'shop').some(podReady)).toBe(false);
    c.controllers.setReadyDelayMs(10);
    await waitFor(
      () => rolloutComplete(getDeployment(store, 'shop', 'web')),
      'ready after the delay was shortened',
    );
  });

  it('converges a Deployment of 10,000 replicas', async () => {
    const store = createStore();
    createNamespace(store, 'big');
    const c = start(store, { readyDelayMs: 10 });
    store.create(
      typeOf(store, 'deployments'),
      'big',
      deploymentManifest('huge', 'big', { replicas: 10_000 }),
    );
    const done = await waitFor(
      () => {
        const d = store.peek(typeOf(store, 'deployments'), 'big', 'huge');
        return rolloutComplete(d) && d;
      },
      '10,000 replicas available',
      240_000,
    );
    expect(done?.status).toMatchObject({
      replicas: 10_000,
      updatedReplicas: 10_000,
      readyReplicas: 10_000,
      availableReplicas: 10_000,
    });
    const pods = store.peekAll(typeOf(store, 'pods'), 'big') as Pod[];
    expect(pods).toHaveLength(10_000);
    expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(10_000);
    expect(c.errors).toEqual([]);
  }, 300_000);
});
