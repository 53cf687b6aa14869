import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStore } from '../store/object-store.js';
import { apiRequest, openWatch } from './__fixtures__/api-client.js';
import { startTestCluster, type TestCluster } from './__fixtures__/api-test-cluster.js';

let cluster: TestCluster;
const CM_PATH = '/api/v1/namespaces/default/configmaps';

function configMap(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: 'v' } };
}

beforeAll(async () => {
  cluster = await startTestCluster({ watchBookmarkIntervalMs: 100 });
});
afterAll(async () => {
  await cluster.stop();
});

describe('watch', () => {
  it('sends ADDED for existing objects when resourceVersion is unset, then live events', async () => {
    await apiRequest(cluster, 'POST', CM_PATH, { body: configMap('w-existing', { suite: 'a' }) });
    const watch = await openWatch(cluster, `${CM_PATH}?watch=true&labelSelector=suite%3Da`);
    expect(watch.status).toBe(200);
    expect(await watch.next()).toMatchObject({
      type: 'ADDED',
      object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'w-existing' } },
    });
    await apiRequest(cluster, 'PATCH', `${CM_PATH}/w-existing`, {
      body: { data: { k: 'v2' } },
      contentType: 'application/merge-patch+json',
    });
    expect(await watch.next()).toMatchObject({ type: 'MODIFIED', object: { data: { k: 'v2' } } });
    await apiRequest(cluster, 'DELETE', `${CM_PATH}/w-existing`);
    expect(await watch.next()).toMatchObject({
      type: 'DELETED',
      object: { metadata: { name: 'w-existing' } },
    });
    watch.close();
  });

  it('resumes from a resourceVersion and receives only later events', async () => {
    const first = await apiRequest(cluster, 'POST', CM_PATH, {
      body: configMap('w-first', { suite: 'b' }),
    });
    const rv = first.body.metadata.resourceVersion;
    await apiRequest(cluster, 'POST', CM_PATH, { body: configMap('w-second', { suite: 'b' }) });
    const watch = await openWatch(
      cluster,
      `${CM_PATH}?watch=true&labelSelector=suite%3Db&resourceVersion=${rv}`,
    );
    expect(await watch.next()).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'w-second' } },
    });
    await apiRequest(cluster, 'POST', CM_PATH, { body: configMap('w-third', { suite: 'b' }) });
    expect(await watch.next()).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'w-third' } },
    });
    watch.close();
  });

  it('turns selector transitions into ADDED and DELETED events', async () => {
    await apiRequest(cluster, 'POST', CM_PATH, { body: configMap('w-moving', { suite: 'c' }) });
    const watch = await openWatch(
      cluster,
      `${CM_PATH}?watch=true&labelSelector=suite%3Dc&resourceVersion=${cluster.store.currentResourceVersion()}`,
    );
    await apiRequest(cluster, 'PATCH', `${CM_PATH}/w-moving`, {
      body: { metadata: { labels: { suite: 'other' } } },
      contentType: 'application/merge-patch+json',
    });
    const left = await watch.next();
    expect(left).toMatchObject({
      type: 'DELETED',
      object: { metadata: { name: 'w-moving', labels: { suite: 'c' } } },
    });
    await apiRequest(cluster, 'PATCH', `${CM_PATH}/w-moving`, {
      body: { metadata: { labels: { suite: 'c' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(await watch.next()).toMatchObject({
      type: 'ADDED',
      object: { metadata: { labels: { suite: 'c' } } },
    });
    watch.close();
  });

  it('presents custom resources in the watched version', async () => {
    const vsPath = '/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices';
    const watch = await openWatch(
      cluster,
      `${vsPath}?watch=true&resourceVersion=${cluster.store.currentResourceVersion()}`,
    );
    cluster.seed('networking.istio.io', 'virtualservices', 'default', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'w-vs' },
      spec: { hosts: ['r'] },
    });
    expect(await watch.next()).toMatchObject({
      type: 'ADDED',
      object: { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService' },
    });
    watch.close();
  });

  it('ends with timeoutSeconds and sends a BOOKMARK when allowed', async () => {
    const watch = await openWatch(
      cluster,
      `${CM_PATH}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${cluster.store.currentResourceVersion()}`,
    );
    const events = await watch.rest();
    const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThan(0);
    expect(bookmarks[0]?.object).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
    });
  });

  it('sends the initial-events-end bookmark for sendInitialEvents', async () => {
    await apiRequest(cluster, 'POST', CM_PATH, { body: configMap('w-initial', { suite: 'd' }) });
    const watch = await openWatch(
      cluster,
      `${CM_PATH}?watch=true&labelSelector=suite%3Dd&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
    );
    expect(await watch.next()).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'w-initial' } },
    });
    expect(await watch.next()).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
    watch.close();
  });

  it('answers with an ERROR 410 Expired event when the resourceVersion is older than the history', async () => {
    // A store whose bounded history no longer reaches back to resourceVersion 1.
    class CompactedStore extends ObjectStore {
      override eventsSince(resourceVersion: number): ReturnType<ObjectStore['eventsSince']> {
        return resourceVersion < 5 ? undefined : super.eventsSince(resourceVersion);
      }
      override oldestResumableResourceVersion(): number {
        return 4;
      }
    }
    const small = await startTestCluster({}, (registry) => new CompactedStore(registry));
    try {
      const watch = await openWatch(small, `${CM_PATH}?watch=true&resourceVersion=1`);
      expect(watch.status).toBe(200);
      const events = await watch.rest();
      expect(events).toEqual([
        {
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: 'too old resource version: 1 (5)',
            reason: 'Expired',
            code: 410,
          },
        },
      ]);
    } finally {
      await small.stop();
    }
  });

  it('filters watches by field selector for one object', async () => {
    const watch = await openWatch(
      cluster,
      `${CM_PATH}?watch=true&fieldSelector=metadata.name%3Dw-target&resourceVersion=${cluster.store.currentResourceVersion()}`,
    );
    await apiRequest(cluster, 'POST', CM_PATH, { body: configMap('w-other') });
    await apiRequest(cluster, 'POST', CM_PATH, { body: configMap('w-target') });
    expect(await watch.next()).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'w-target' } },
    });
    watch.close();
  });
});
