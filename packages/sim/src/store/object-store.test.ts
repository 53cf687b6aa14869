import { describe, expect, it } from 'vitest';
import { ObjectStore, StoreError, type StoreEvent } from './object-store.js';
import { builtinResourceTypes, ResourceRegistry, type ResourceType } from './resource-types.js';

function setup() {
  const registry = new ResourceRegistry(builtinResourceTypes());
  const store = new ObjectStore(registry);
  const type = (plural: string, group = ''): ResourceType =>
    registry.byPlural(group, plural) as ResourceType;
  store.create(type('namespaces'), undefined, { metadata: { name: 'bookinfo' } });
  return { store, type, deployments: type('deployments', 'apps'), pods: type('pods') };
}

function deployment(replicas: number, image = 'reviews:v1') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'reviews', labels: { app: 'reviews' } },
    spec: { replicas, template: { spec: { containers: [{ name: 'reviews', image }] } } },
  };
}

function expectStoreError(fn: () => unknown, reason: string, status: number): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe(reason);
    expect((error as StoreError).statusCode).toBe(status);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}

describe('ObjectStore', () => {
  it('assigns identity, a global resourceVersion and generation 1 on create', () => {
    const { store, deployments } = setup();
    const before = store.currentResourceVersion();
    const created = store.create(deployments, 'bookinfo', deployment(3));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata.resourceVersion)).toBe(before + 1);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('bumps generation only when the spec changes, resourceVersion on every write', () => {
    const { store, deployments } = setup();
    const created = store.create(deployments, 'bookinfo', deployment(3));
    const relabelled = store.update(deployments, 'bookinfo', {
      ...created,
      metadata: { ...created.metadata, labels: { app: 'reviews', team: 'books' } },
    });
    expect(relabelled.metadata.generation).toBe(1);
    expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    const scaled = store.update(deployments, 'bookinfo', {
      ...relabelled,
      spec: deployment(5).spec,
    });
    expect(scaled.metadata.generation).toBe(2);
  });

  it('keeps status on main-resource writes and changes only status through the subresource', () => {
    const { store, deployments } = setup();
    const created = store.create(deployments, 'bookinfo', deployment(3));
    const withStatus = store.update(
      deployments,
      'bookinfo',
      { ...created, status: { replicas: 3 } },
      { subresource: 'status' },
    );
    expect(withStatus.status).toEqual({ replicas: 3 });
    expect(withStatus.metadata.generation).toBe(1);
    const mainWrite = store.update(deployments, 'bookinfo', {
      ...withStatus,
      status: { replicas: 99 },
      spec: deployment(4).spec,
    });
    expect(mainWrite.status).toEqual({ replicas: 3 });
    const statusWrite = store.update(
      deployments,
      'bookinfo',
      { ...mainWrite, spec: deployment(9).spec, status: { replicas: 4 } },
      { subresource: 'status' },
    );
    expect((statusWrite.spec as { replicas: number }).replicas).toBe(4);
    expect(statusWrite.status).toEqual({ replicas: 4 });
  });

  it('keeps metadata changes of a built-in status write, as the real status strategies do', () => {
    const { store, deployments, pods } = setup();
    const created = store.create(deployments, 'bookinfo', deployment(3));
    const written = store.update(
      deployments,
      'bookinfo',
      {
        ...created,
        metadata: {
          ...created.metadata,
          generation: 42,
          labels: { app: 'changed' },
          annotations: { 'deployment.kubernetes.io/revision': '2' },
        },
        status: { observedGeneration: 1 },
      },
      { subresource: 'status' },
    );
    // Annotations go through; Deployments keep their labels; server-owned fields stay.
    expect(written.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '2' });
    expect(written.metadata.labels).toEqual({ app: 'reviews' });
    expect(written.metadata.generation).toBe(1);

    const pod = store.create(pods, 'bookinfo', {
      metadata: {
        name: 'p',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u' }],
      },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    const podWritten = store.update(
      pods,
      'bookinfo',
      {
        ...pod,
        metadata: { ...pod.metadata, labels: { ready: 'yes' }, ownerReferences: [] },
        status: { phase: 'Running' },
      },
      { subresource: 'status' },
    );
    // Pods keep their owner references (old kubelets corrupted them); labels go through.
    expect(podWritten.metadata.labels).toEqual({ ready: 'yes' });
    expect(podWritten.metadata.ownerReferences).toEqual(pod.metadata.ownerReferences);
  });

  it('rejects a stale resourceVersion with 409 Conflict and leaves the object as it was', () => {
    const { store, deployments } = setup();
    const created = store.create(deployments, 'bookinfo', deployment(3));
    store.update(deployments, 'bookinfo', { ...created, spec: deployment(4).spec });
    const error = expectStoreError(
      () =>
        store.update(
          deployments,
          'bookinfo',
          { ...created, spec: deployment(7).spec },
          { expectedResourceVersion: created.metadata.resourceVersion },
        ),
      'Conflict',
      409,
    );
    expect(error.message).toBe(
      'Operation cannot be fulfilled on deployments.apps "reviews": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(
      (store.get(deployments, 'bookinfo', 'reviews')?.spec as { replicas: number }).replicas,
    ).toBe(4);
  });

  it('does not change resourceVersion or emit an event for a no-op write', () => {
    const { store, deployments } = setup();
    const created = store.create(deployments, 'bookinfo', deployment(3));
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    const same = store.update(deployments, 'bookinfo', created);
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(events).toEqual([]);
  });

  it('reports 404, 409 AlreadyExists, an unknown namespace and an invalid name like the API server', () => {
    const { store, deployments, pods } = setup();
    expectStoreError(() => store.update(deployments, 'bookinfo', deployment(1)), 'NotFound', 404);
    store.create(deployments, 'bookinfo', deployment(1));
    const exists = expectStoreError(
      () => store.create(deployments, 'bookinfo', deployment(1)),
      'AlreadyExists',
      409,
    );
    expect(exists.message).toBe('deployments.apps "reviews" already exists');
    expect(
      expectStoreError(
        () => store.create(pods, 'nowhere', { metadata: { name: 'p' } }),
        'NotFound',
        404,
      ).message,
    ).toBe('namespaces "nowhere" not found');
    expectStoreError(
      () => store.create(pods, 'bookinfo', { metadata: { name: 'Bad_Name' } }),
      'Invalid',
      422,
    );
  });

  it('generates names from generateName', () => {
    const { store, pods } = setup();
    const pod = store.create(pods, 'bookinfo', { metadata: { generateName: 'reviews-blue-' } });
    expect(pod.metadata.name).toMatch(/^reviews-blue-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('stores nothing and emits nothing on dry run', () => {
    const { store, deployments } = setup();
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    const rv = store.currentResourceVersion();
    store.create(deployments, 'bookinfo', deployment(3), { dryRun: true });
    expect(store.get(deployments, 'bookinfo', 'reviews')).toBeUndefined();
    expect(store.currentResourceVersion()).toBe(rv);
    expect(events).toEqual([]);
  });

  it('replays events after a resourceVersion for watches, in order', () => {
    const { store, deployments } = setup();
    const created = store.create(deployments, 'bookinfo', deployment(1));
    const updated = store.update(deployments, 'bookinfo', { ...created, spec: deployment(2).spec });
    store.delete(deployments, 'bookinfo', 'reviews');
    const events = store.eventsSince(Number(created.metadata.resourceVersion)) ?? [];
    expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(events[0]?.object.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
    expect(store.eventsSince(store.currentResourceVersion())).toEqual([]);
  });

  it('answers "too old" once history no longer reaches back', () => {
    const { store, type } = setup();
    const configmaps = type('configmaps');
    const first = store.create(configmaps, 'bookinfo', { metadata: { name: 'c0' } });
    for (let i = 1; i < 23_000; i++)
      store.create(configmaps, 'bookinfo', { metadata: { name: `c${i}` } });
    expect(store.eventsSince(Number(first.metadata.resourceVersion) - 1)).toBeUndefined();
    const recent = store.currentResourceVersion() - 10;
    expect(store.eventsSince(recent)).toHaveLength(10);
  });

  it('honours delete preconditions', () => {
    const { store, deployments } = setup();
    const created = store.create(deployments, 'bookinfo', deployment(1));
    expectStoreError(
      () => store.delete(deployments, 'bookinfo', 'reviews', { preconditions: { uid: 'other' } }),
      'Conflict',
      409,
    );
    const deleted = store.delete(deployments, 'bookinfo', 'reviews', {
      preconditions: { uid: created.metadata.uid },
    });
    expect(Number(deleted.metadata.resourceVersion)).toBe(store.currentResourceVersion());
    expect(store.get(deployments, 'bookinfo', 'reviews')).toBeUndefined();
  });
});
