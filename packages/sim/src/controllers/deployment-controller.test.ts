import { afterEach, describe, expect, it } from 'vitest';
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
import type { Deployment, ReplicaSet } from './kube-shapes.js';

let cluster: TestCluster | undefined;

afterEach(() => {
  cluster?.controllers.stop();
  cluster = undefined;
});

function setup(): TestCluster {
  const store = createStore();
  createNamespace(store, 'shop');
  cluster = startControllers(store);
  return cluster;
}

function activePods(c: TestCluster, hash?: string) {
  return listPods(c.store, 'shop').filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      (hash === undefined || p.metadata.labels?.['pod-template-hash'] === hash),
  );
}

describe('DeploymentController', () => {
  it('creates an owned ReplicaSet named after the template hash and completes the rollout', async () => {
    const c = setup();
    const versions: { revision?: string; progressing?: string }[] = [];
    c.store.subscribe((event) => {
      if (event.resource.plural !== 'deployments') return;
      const d = event.object as unknown as Deployment;
      versions.push({
        revision: d.metadata.annotations?.['deployment.kubernetes.io/revision'],
        progressing: d.status?.conditions?.find((cond) => cond.type === 'Progressing')?.reason,
      });
    });
    const created = c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop'),
    );

    const done = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return rolloutComplete(d) && d;
    }, 'web rolled out');

    const [rs] = listReplicaSets(c.store, 'shop') as [ReplicaSet];
    const hash = rs.metadata.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec?.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs.metadata.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(rs.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });

    const pods = activePods(c);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(
        new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`),
      );
      expect(pod.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        name: rs.metadata.name,
        uid: rs.metadata.uid,
        controller: true,
      });
      expect(pod.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
      expect(podReady(pod)).toBe(true);
    }

    expect(done.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    // The revision annotation and NewReplicaSetCreated arrive in one status write, as the
    // real controller writes them: no version has the one without the other.
    const firstWithRevision = versions.find((v) => v.revision === '1');
    expect(firstWithRevision?.progressing).toBe('NewReplicaSetCreated');
    expect(done.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(done.status?.unavailableReplicas).toBeUndefined();
    expect(
      done.status?.conditions?.map((cond) => [cond.type, cond.status, cond.reason, cond.message]),
    ).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      [
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "web-${hash}" has successfully progressed.`,
      ],
    ]);
    const events = c.store.list(typeOf(c.store, 'events'), 'shop').items as unknown as {
      involvedObject: { kind: string; name: string; uid: string };
      reason: string;
      message: string;
      source: { component: string };
      count: number;
    }[];
    expect(
      events.map((e) => [e.involvedObject.kind, e.involvedObject.name, e.reason, e.message]),
    ).toEqual([
      ['Deployment', 'web', 'ScalingReplicaSet', `Scaled up replica set web-${hash} from 0 to 3`],
    ]);
    expect(events[0]?.source.component).toBe('deployment-controller');
    expect(events[0]?.involvedObject.uid).toBe(created.metadata.uid);
    expect(c.errors).toEqual([]);
  });

  it('rolls a new template out within maxSurge/maxUnavailable and reports progress mid-way', async () => {
    const c = setup();
    c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', {
        replicas: 4,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'first rollout');
    const [oldRs] = listReplicaSets(c.store, 'shop') as [ReplicaSet];

    // Observe every committed state during the second rollout.
    const statuses: Deployment[] = [];
    const violations: string[] = [];
    const unsubscribe = c.store.subscribe((event) => {
      if (event.resource.plural === 'deployments') statuses.push(structuredClone(event.object));
      if (event.resource.plural === 'replicasets') {
        const all = c.store.peekAll(event.resource, 'shop') as ReplicaSet[];
        const desired = all.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
        if (desired > 5) violations.push(`surge: ${desired} replicas`);
        if (available < 4 && all.some((rs) => rs.status?.availableReplicas !== undefined)) {
          violations.push(`unavailable: ${available} available`);
        }
      }
    });
    const updated = updateDeployment(c.store, 'shop', 'web', (d) => {
      (d.spec!.template!.spec!.containers![0] as { image: string }).image = 'example.com/app:v2';
    });
    expect(updated.metadata.generation).toBe(2);
    expect(rolloutComplete(getDeployment(c.store, 'shop', 'web'))).toBe(false);

    const done = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d && (d.status?.observedGeneration ?? 0) >= 2 && rolloutComplete(d) && d;
    }, 'second rollout');
    unsubscribe();

    const newRs = listReplicaSets(c.store, 'shop').find(
      (rs) => rs.metadata.uid !== oldRs.metadata.uid,
    ) as ReplicaSet;
    const newHash = newRs.metadata.labels?.['pod-template-hash'] ?? '';
    expect(violations).toEqual([]);
    // Mid-way the Deployment reported fewer updated than desired replicas.
    expect(
      statuses.some(
        (d) => (d.status?.observedGeneration ?? 0) >= 2 && (d.status?.updatedReplicas ?? 0) < 4,
      ),
    ).toBe(true);
    // Not complete before every new pod was available.
    const firstComplete = statuses.find(
      (d) => (d.metadata.generation ?? 0) >= 2 && rolloutComplete(d),
    );
    expect(firstComplete?.status?.availableReplicas).toBe(4);
    expect(firstComplete?.status?.updatedReplicas).toBe(4);

    expect(newRs.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(done.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(done.status).toMatchObject({
      observedGeneration: 2,
      replicas: 4,
      updatedReplicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
    });
    const progressing = done.status?.conditions?.find((cond) => cond.type === 'Progressing');
    expect(progressing).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "web-${newHash}" has successfully progressed.`,
    });

    const oldNow = listReplicaSets(c.store, 'shop').find(
      (rs) => rs.metadata.uid === oldRs.metadata.uid,
    );
    expect(oldNow?.spec?.replicas).toBe(0);
    await waitFor(
      () => activePods(c).length === 4 && listPods(c.store, 'shop').length === 4,
      'old pods removed',
    );
    expect(
      activePods(c, newHash).every(
        (p) => podReady(p) && p.spec?.containers?.[0]?.image === 'example.com/app:v2',
      ),
    ).toBe(true);
    expect(c.errors).toEqual([]);
  });

  it('reuses the old ReplicaSet when the template returns to a previous one', async () => {
    const c = setup();
    c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 2 }),
    );
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'v1');
    const [first] = listReplicaSets(c.store, 'shop') as [ReplicaSet];
    const setImage = (image: string) =>
      updateDeployment(c.store, 'shop', 'web', (d) => {
        (d.spec!.template!.spec!.containers![0] as { image: string }).image = image;
      });
    setImage('example.com/app:v2');
    await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d?.status?.observedGeneration === 2 && rolloutComplete(d);
    }, 'v2');
    setImage('example.com/app:v1');
    const done = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d?.status?.observedGeneration === 3 && rolloutComplete(d) && d;
    }, 'back to v1');

    const replicaSets = listReplicaSets(c.store, 'shop');
    expect(replicaSets).toHaveLength(2);
    const reused = replicaSets.find((rs) => rs.metadata.uid === first.metadata.uid) as ReplicaSet;
    expect(reused.spec?.replicas).toBe(2);
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(done.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(done.status?.conditions?.find((cond) => cond.type === 'Progressing')?.message).toBe(
      `ReplicaSet "${first.metadata.name}" has successfully progressed.`,
    );
  });

  it('scales to zero and back', async () => {
    const c = setup();
    c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 3 }),
    );
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'rolled out');
    const scale = (replicas: number) =>
      updateDeployment(c.store, 'shop', 'web', (d) => {
        d.spec!.replicas = replicas;
      });

    scale(0);
    const empty = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return (
        d?.status?.observedGeneration === 2 &&
        listPods(c.store, 'shop').length === 0 &&
        rolloutComplete(d) &&
        d.status.terminatingReplicas === 0 &&
        d
      );
    }, 'scaled to zero');
    // Zero counts are omitted, as the API omits them.
    expect(empty.status).not.toHaveProperty('replicas');
    expect(empty.status).not.toHaveProperty('availableReplicas');
    expect(empty.status?.conditions?.find((cond) => cond.type === 'Available')?.status).toBe(
      'True',
    );
    const [rs] = listReplicaSets(c.store, 'shop') as [ReplicaSet];
    expect(rs.spec?.replicas).toBe(0);
    // terminatingReplicas is a pointer: reported even at zero, as a 1.36 controller does.
    expect(rs.status).toEqual({
      replicas: 0,
      observedGeneration: rs.metadata.generation,
      terminatingReplicas: 0,
    });
    expect(empty.status?.terminatingReplicas).toBe(0);
    const messages = (
      c.store.list(typeOf(c.store, 'events'), 'shop').items as unknown as { message: string }[]
    ).map((e) => e.message);
    // The deployment controller's wording (sync.go): "from <old> to <new>".
    expect(messages).toEqual([
      `Scaled up replica set ${rs.metadata.name} from 0 to 3`,
      `Scaled down replica set ${rs.metadata.name} from 3 to 0`,
    ]);

    scale(2);
    const back = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d?.status?.observedGeneration === 3 && rolloutComplete(d) && d;
    }, 'scaled back');
    expect(back.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    expect(listReplicaSets(c.store, 'shop')).toHaveLength(1);
    expect(activePods(c)).toHaveLength(2);
    expect(c.errors).toEqual([]);
  });

  it('Recreate removes every old pod before creating new ones', async () => {
    const c = setup();
    c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 3, strategy: { type: 'Recreate' } }),
    );
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'rolled out');
    const overlaps: string[] = [];
    const unsubscribe = c.store.subscribe((event) => {
      if (event.resource.plural !== 'pods') return;
      const images = new Set(
        (
          c.store.peekAll(event.resource, 'shop') as {
            spec?: { containers?: { image?: string }[] };
          }[]
        ).map((p) => p.spec?.containers?.[0]?.image),
      );
      if (images.size > 1) overlaps.push([...images].join(','));
    });
    updateDeployment(c.store, 'shop', 'web', (d) => {
      (d.spec!.template!.spec!.containers![0] as { image: string }).image = 'example.com/app:v2';
    });
    await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d?.status?.observedGeneration === 2 && rolloutComplete(d);
    }, 'recreated');
    unsubscribe();
    expect(overlaps).toEqual([]);
    expect(activePods(c).map((p) => p.spec?.containers?.[0]?.image)).toEqual(
      Array(3).fill('example.com/app:v2'),
    );
  });

  it('never completes a rollout of a never-ready image and reports ProgressDeadlineExceeded', async () => {
    const c = setup();
    c.behaviours.setReady('example.com/app:broken', false);
    c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', {
        replicas: 2,
        progressDeadlineSeconds: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'good rollout');
    const completions: Deployment[] = [];
    const unsubscribe = c.store.subscribe((event) => {
      const d = event.object as Deployment;
      if (
        event.resource.plural === 'deployments' &&
        (d.metadata.generation ?? 0) >= 2 &&
        rolloutComplete(d)
      ) {
        completions.push(d);
      }
    });
    updateDeployment(c.store, 'shop', 'web', (d) => {
      (d.spec!.template!.spec!.containers![0] as { image: string }).image =
        'example.com/app:broken';
    });

    const failed = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      const cond = d?.status?.conditions?.find((x) => x.type === 'Progressing');
      return cond?.reason === 'ProgressDeadlineExceeded' && d;
    }, 'progress deadline exceeded');
    unsubscribe();

    const newRs = listReplicaSets(c.store, 'shop').find(
      (rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2',
    ) as ReplicaSet;
    expect(failed.status?.conditions?.find((x) => x.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.`,
    });
    // The old pods kept serving: maxUnavailable 0 never lets them go for unready ones.
    expect(failed.status?.conditions?.find((x) => x.type === 'Available')?.status).toBe('True');
    expect(failed.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 1,
      availableReplicas: 2,
      unavailableReplicas: 1,
    });
    expect(rolloutComplete(failed)).toBe(false);
    expect(completions).toEqual([]);

    const broken = activePods(c, newRs.metadata.labels?.['pod-template-hash']);
    expect(broken).toHaveLength(1);
    expect(broken[0]?.status?.phase).toBe('Running');
    expect(broken[0]?.status?.conditions?.find((x) => x.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
  });

  it('scales but does not roll out while paused, and rolls out once resumed', async () => {
    const c = setup();
    c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 2 }),
    );
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'rolled out');
    updateDeployment(c.store, 'shop', 'web', (d) => {
      d.spec!.paused = true;
      d.spec!.replicas = 3;
      (d.spec!.template!.spec!.containers![0] as { image: string }).image = 'example.com/app:v2';
    });
    const paused = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d?.status?.observedGeneration === 2 && d.status.availableReplicas === 3 && d;
    }, 'scaled while paused');
    expect(paused.status?.conditions?.find((x) => x.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused',
    });
    expect(listReplicaSets(c.store, 'shop')).toHaveLength(1);
    expect(activePods(c).map((p) => p.spec?.containers?.[0]?.image)).toEqual(
      Array(3).fill('example.com/app:v1'),
    );

    updateDeployment(c.store, 'shop', 'web', (d) => {
      d.spec!.paused = false;
    });
    const resumed = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return d?.status?.observedGeneration === 3 && rolloutComplete(d) && d;
    }, 'rolled out after resume');
    expect(listReplicaSets(c.store, 'shop')).toHaveLength(2);
    expect(resumed.status?.conditions?.find((x) => x.type === 'Progressing')?.reason).toBe(
      'NewReplicaSetAvailable',
    );
    await waitFor(
      () =>
        activePods(c).length === 3 &&
        activePods(c).every((p) => p.spec?.containers?.[0]?.image === 'example.com/app:v2'),
      'v2 pods only',
    );
  });

  it('counts pods as available only after minReadySeconds', async () => {
    const c = setup();
    const observed: { ready: number; available: number }[] = [];
    c.store.subscribe((event) => {
      const rs = event.object as ReplicaSet;
      if (event.resource.plural === 'replicasets' && rs.status) {
        observed.push({
          ready: rs.status.readyReplicas ?? 0,
          available: rs.status.availableReplicas ?? 0,
        });
      }
    });
    const manifest = deploymentManifest('web', 'shop', { replicas: 2 });
    (manifest.spec as { minReadySeconds?: number }).minReadySeconds = 1;
    c.store.create(typeOf(c.store, 'deployments'), 'shop', manifest);
    const done = await waitFor(() => {
      const d = getDeployment(c.store, 'shop', 'web');
      return rolloutComplete(d) && d;
    }, 'available after minReadySeconds');
    expect(observed.some((o) => o.ready === 2 && o.available < 2)).toBe(true);
    expect(done.status).toMatchObject({ readyReplicas: 2, availableReplicas: 2 });
    const [rs] = listReplicaSets(c.store, 'shop') as [ReplicaSet];
    expect(rs.spec?.minReadySeconds).toBe(1);
  });

  it('adopts an orphan ReplicaSet its selector matches and scales it down', async () => {
    const c = setup();
    const orphan = c.store.create(typeOf(c.store, 'replicasets'), 'shop', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-handmade', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'example.com/app:old' }] },
        },
      },
    });
    await waitFor(() => activePods(c).length === 1, 'handmade pod');
    const d = c.store.create(
      typeOf(c.store, 'deployments'),
      'shop',
      deploymentManifest('web', 'shop', { replicas: 2 }),
    );
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'rolled out');
    const adopted = listReplicaSets(c.store, 'shop').find(
      (rs) => rs.metadata.uid === orphan.metadata.uid,
    );
    expect(adopted?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: d.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(adopted?.spec?.replicas).toBe(0);
    await waitFor(
      () => activePods(c).every((p) => p.spec?.containers?.[0]?.image === 'example.com/app:v1'),
      'old pod gone',
    );
  });

  it('keeps no more old ReplicaSets than revisionHistoryLimit', async () => {
    const c = setup();
    const manifest = deploymentManifest('web', 'shop', { replicas: 1 });
    (manifest.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit = 1;
    c.store.create(typeOf(c.store, 'deployments'), 'shop', manifest);
    await waitFor(() => rolloutComplete(getDeployment(c.store, 'shop', 'web')), 'v1');
    for (const [generation, image] of [
      [2, 'example.com/app:v2'],
      [3, 'example.com/app:v3'],
    ] as const) {
      updateDeployment(c.store, 'shop', 'web', (d) => {
        (d.spec!.template!.spec!.containers![0] as { image: string }).image = image;
      });
      await waitFor(() => {
        const d = getDeployment(c.store, 'shop', 'web');
        return d?.status?.observedGeneration === generation && rolloutComplete(d);
      }, image);
    }
    const remaining = await waitFor(() => {
      const all = listReplicaSets(c.store, 'shop');
      return all.length === 2 && all;
    }, 'revision 1 pruned');
    expect(
      remaining.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort(),
    ).toEqual(['2', '3']);
  });
});
