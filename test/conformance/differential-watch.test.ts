/**
 * Differential fidelity, watches: the same watch opened on the simulator and on the real
 * kube-apiserver, the same writes made on both, and the event streams compared: event
 * types in order and the objects they carry (normalized), including writes that must not
 * produce an event (a no-op patch), a label selector's view of an object leaving and
 * re-entering it, and the initial events and bookmark of a watch list.
 *
 * Periodic BOOKMARKs are left out of the comparison: servers send them on their own
 * schedule (kept, docs/conformance.md); the bookmark that ends a watch list's initial
 * events is compared.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiPair, type ApiPair } from './differential/api-pair.js';
import { normalize } from './differential/normalize.js';
import type { RawApi, RawWatch, WatchEvent } from './differential/raw-api.js';

const NS = 'differential-watch';
const VS = `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`;
const MERGE_PATCH = 'application/merge-patch+json';

let pair: ApiPair;

beforeAll(async () => {
  pair = await startApiPair(inject('realCluster'), NS);
});
afterAll(async () => {
  await pair?.stop();
});

function virtualService(name: string, labels: Record<string, string> = {}): unknown {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, labels: { 'istio.io/rev': 'default', ...labels } },
    spec: { hosts: [name], http: [{ route: [{ destination: { host: name } }] }] },
  };
}

/** Writes on one server; fails on any answer but the expected code. */
async function write(
  api: RawApi,
  method: string,
  path: string,
  body: unknown,
  expected: number,
): Promise<void> {
  const response = await api.request(method, path, {
    body,
    ...(method === 'PATCH' ? { contentType: MERGE_PATCH } : {}),
  });
  expect(response.status, `${api.name} ${method} ${path}: ${response.text}`).toBe(expected);
}

/** Events to compare: periodic bookmarks dropped, objects normalized. */
function comparable(events: readonly WatchEvent[]): unknown[] {
  return events
    .filter(
      (e) =>
        e.type !== 'BOOKMARK' ||
        (e.object.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[
          'k8s.io/initial-events-end'
        ] === 'true',
    )
    .map((e) => normalize(e));
}

/** Waits until `watch` has `count` comparable events (or a generous deadline passes). */
async function settle(watch: RawWatch, count: number): Promise<void> {
  for (let i = 0; i < 200 && comparable(watch.events).length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  // A little longer: an event that should not come has time to arrive.
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Runs `story` on both servers with a watch on `path` opened first; returns both streams. */
async function watchBoth(
  path: (listResourceVersion: string) => string,
  story: (api: RawApi) => Promise<void>,
  expectedEvents: number,
): Promise<{ sim: unknown[]; real: unknown[] }> {
  const run = async (api: RawApi): Promise<unknown[]> => {
    const list = (await api.request('GET', VS)).body as { metadata: { resourceVersion: string } };
    const watch = await api.watch(path(list.metadata.resourceVersion));
    try {
      await story(api);
      await settle(watch, expectedEvents);
      return comparable(watch.events);
    } finally {
      watch.stop();
    }
  };
  return { sim: await run(pair.sim), real: await run(pair.real) };
}

describe('watching VirtualServices', () => {
  it('create, metadata change, spec change, status change, no-op patch and delete', async () => {
    const streams = await watchBoth(
      (rv) => `${VS}?resourceVersion=${rv}&allowWatchBookmarks=true`,
      async (api) => {
        await write(api, 'POST', VS, virtualService('lifecycle'), 201);
        await write(
          api,
          'PATCH',
          `${VS}/lifecycle`,
          { metadata: { annotations: { a: 'b' } } },
          200,
        );
        await write(
          api,
          'PATCH',
          `${VS}/lifecycle`,
          { spec: { http: [{ route: [{ destination: { host: 'lifecycle' } }], timeout: '5s' }] } },
          200,
        );
        await write(
          api,
          'PATCH',
          `${VS}/lifecycle/status`,
          { status: { observedGeneration: 2 } },
          200,
        );
        await write(
          api,
          'PATCH',
          `${VS}/lifecycle`,
          { metadata: { annotations: { a: 'b' } } },
          200,
        );
        await write(api, 'DELETE', `${VS}/lifecycle`, undefined, 200);
      },
      5,
    );
    expect(streams.sim).toEqual(streams.real);
    expect(streams.real.map((e) => (e as WatchEvent).type)).toEqual([
      'ADDED',
      'MODIFIED',
      'MODIFIED',
      'MODIFIED',
      'DELETED',
    ]);
  });

  it('a label selector sees an object leave and come back as DELETED and ADDED', async () => {
    const streams = await watchBoth(
      (rv) => `${VS}?resourceVersion=${rv}&labelSelector=${encodeURIComponent('track=yes')}`,
      async (api) => {
        await write(api, 'POST', VS, virtualService('tracked', { track: 'yes' }), 201);
        await write(api, 'PATCH', `${VS}/tracked`, { metadata: { labels: { track: 'no' } } }, 200);
        await write(api, 'PATCH', `${VS}/tracked`, { spec: { hosts: ['tracked', 'other'] } }, 200);
        await write(api, 'PATCH', `${VS}/tracked`, { metadata: { labels: { track: 'yes' } } }, 200);
        await write(api, 'DELETE', `${VS}/tracked`, undefined, 200);
      },
      4,
    );
    expect(streams.sim).toEqual(streams.real);
    expect(streams.real.map((e) => (e as WatchEvent).type)).toEqual([
      'ADDED',
      'DELETED',
      'ADDED',
      'DELETED',
    ]);
  });

  it('a watch list sends the current objects, then a bookmark ending them, then changes', async () => {
    const streams = await watchBoth(
      () =>
        `${VS}?sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      async (api) => {
        await write(api, 'POST', VS, virtualService('after-list'), 201);
      },
      3,
    );
    expect(streams.sim).toEqual(streams.real);
    expect(streams.real.map((e) => (e as WatchEvent).type)).toEqual(['ADDED', 'BOOKMARK', 'ADDED']);
  });

  it('a watch without a resourceVersion starts with the current objects', async () => {
    const streams = await watchBoth(
      () => VS,
      async (api) => {
        await write(api, 'DELETE', `${VS}/after-list`, undefined, 200);
      },
      2,
    );
    expect(streams.sim).toEqual(streams.real);
  });
});
