import type { KubeObjectInput } from '../store/object-store.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProxyOverride, Scenario } from '../scenario/scenario-schema.js';
import {
  applyIstioObject,
  createIstiodPod,
  createPod,
  createService,
  deletePod,
  getFromPod,
  markTerminating,
  newTestCluster,
  podName,
  waitFor,
  writeEndpoints,
  type TestCluster,
} from './__fixtures__/mesh-cluster.js';
import { IstioControlPlane } from './istio-control-plane.js';

interface SyncEntry {
  cluster_id: string;
  proxy: string;
  proxy_type: string;
  istio_version: string;
  cluster_sent?: string;
  cluster_acked?: string;
  listener_sent?: string;
  listener_acked?: string;
  route_sent?: string;
  route_acked?: string;
  endpoint_sent?: string;
  endpoint_acked?: string;
  resources?: Record<
    string,
    { sent?: string; acked?: string; sentTime: string; lastError?: string }
  >;
}

const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

const NS = 'bookinfo';
const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const ISTIO: Scenario['istio'] = {
  replicas: 2,
  debounceMs: 10,
  applyDelay: { medianMs: 15, p99Ms: 60 },
  version: '1.26.2',
  ingressGateway: { enabled: false, replicas: 0 },
};
const PRODUCTPAGE = ['a', 'b', 'c', 'd'].map((suffix) =>
  podName({ deployment: 'productpage-v1', suffix }),
);
const REVIEWS_BLUE = podName({ deployment: 'reviews-blue', suffix: 'x1' });
const REVIEWS_GREEN = podName({ deployment: 'reviews-green', suffix: 'y1' });
const ALL_PROXIES = [...PRODUCTPAGE, REVIEWS_BLUE, REVIEWS_GREEN].map((p) => `${p}.${NS}`).sort();
/** A nonce is the push version immediately followed by a UUID. */
const NONCE =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\/\d+)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function versionOf(nonce: string | undefined): string {
  const match = NONCE.exec(nonce ?? '');
  if (!match) throw new Error(`not a nonce: ${String(nonce)}`);
  return match[1] as string;
}

function virtualService(blue: number, green: number): Record<string, unknown> {
  return {
    kind: 'VirtualService',
    metadata: { name: 'reviews' },
    spec: {
      hosts: ['reviews'],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: 'reviews', subset: 'blue' }, weight: blue },
            { destination: { host: 'reviews', subset: 'green' }, weight: green },
          ],
        },
      ],
    },
  };
}

function seedBookinfo(cluster: TestCluster): void {
  createIstiodPod(cluster, 'istiod-a', '10.0.0.2');
  createIstiodPod(cluster, 'istiod-b', '10.0.0.3');
  createService(cluster, NS, 'reviews', '10.96.12.34', 9080, { app: 'reviews' });
  createService(cluster, NS, 'productpage', '10.96.0.14', 9080, { app: 'productpage' });
  ['a', 'b', 'c', 'd'].forEach((suffix, i) =>
    createPod(cluster, {
      namespace: NS,
      deployment: 'productpage-v1',
      suffix,
      labels: { app: 'productpage', version: 'v1' },
      ip: `10.1.0.${20 + i}`,
      proxy: 'sidecar',
    }),
  );
  createPod(cluster, {
    namespace: NS,
    deployment: 'reviews-blue',
    suffix: 'x1',
    labels: { app: 'reviews', version: 'blue' },
    ip: '10.1.0.10',
    proxy: 'sidecar',
  });
  createPod(cluster, {
    namespace: NS,
    deployment: 'reviews-green',
    suffix: 'y1',
    labels: { app: 'reviews', version: 'green' },
    ip: '10.1.0.11',
    proxy: 'sidecar',
  });
  writeEndpoints(cluster, NS, 'reviews', 9080, [
    { name: REVIEWS_BLUE, ip: '10.1.0.10' },
    { name: REVIEWS_GREEN, ip: '10.1.0.11' },
  ]);
  applyIstioObject(cluster, 'destinationrules', NS, {
    kind: 'DestinationRule',
    metadata: { name: 'reviews' },
    spec: {
      host: 'reviews',
      subsets: [
        { name: 'blue', labels: { version: 'blue' } },
        { name: 'green', labels: { version: 'green' } },
      ],
    },
  });
  applyIstioObject(cluster, 'virtualservices', NS, virtualService(90, 10));
}

async function syncz(cluster: TestCluster, istiod: string, query = ''): Promise<SyncEntry[]> {
  const response = await getFromPod(
    cluster.podNetwork,
    { namespace: 'istio-system', name: istiod },
    15014,
    `/debug/syncz${query}`,
  );
  if (response.status !== 200) throw new Error(`syncz ${istiod}: ${response.status}`);
  return JSON.parse(response.body) as SyncEntry[];
}

/** Syncz of every replica merged by proxy id (no duplicates expected in these tests). */
async function mergedSyncz(
  cluster: TestCluster,
  istiods: string[],
): Promise<Map<string, SyncEntry>> {
  const merged = new Map<string, SyncEntry>();
  for (const istiod of istiods)
    for (const entry of await syncz(cluster, istiod)) merged.set(entry.proxy, entry);
  return merged;
}

function synced(entry: SyncEntry | undefined): boolean {
  return (
    entry !== undefined &&
    entry.route_sent !== undefined &&
    entry.route_sent === entry.route_acked &&
    entry.cluster_sent === entry.cluster_acked &&
    entry.endpoint_sent === entry.endpoint_acked
  );
}

async function waitAllSynced(
  cluster: TestCluster,
  istiods: string[],
  ids = ALL_PROXIES,
): Promise<Map<string, SyncEntry>> {
  return waitFor(
    async () => {
      const merged = await mergedSyncz(cluster, istiods);
      return ids.every((id) => synced(merged.get(id))) ? merged : undefined;
    },
    15_000,
    'every proxy SYNCED',
  );
}

interface RouteDump {
  configs?: {
    '@type': string;
    version_info: string;
    last_updated: string;
    route_config: {
      name: string;
      virtual_hosts: {
        name: string;
        routes: {
          name?: string;
          route?: { weighted_clusters?: { clusters: { name: string; weight: number }[] } };
        }[];
      }[];
    };
  }[];
}

async function routeDump(cluster: TestCluster, pod: string): Promise<RouteDump> {
  const response = await getFromPod(
    cluster.podNetwork,
    { namespace: NS, name: pod },
    15000,
    '/config_dump?resource=dynamic_route_configs',
  );
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as RouteDump;
}

function primaryWeights(dump: RouteDump): number[] | undefined {
  const config = dump.configs?.find((c) => c.route_config.name === '9080');
  const host = config?.route_config.virtual_hosts.find((h) => h.name === `${REVIEWS}:9080`);
  return host?.routes
    .find((r) => r.name === 'primary')
    ?.route?.weighted_clusters?.clusters.map((c) => c.weight);
}

describe('IstioControlPlane', () => {
  let cluster: TestCluster;
  let controlPlane: IstioControlPlane;

  const start = (
    proxies: ProxyOverride[] = [],
    reconnectGraceMs?: number,
    istio: Scenario['istio'] = ISTIO,
  ): void => {
    controlPlane = new IstioControlPlane({
      store: cluster.store,
      registry: cluster.registry,
      podNetwork: cluster.podNetwork,
      istio,
      proxies,
      ...(reconnectGraceMs !== undefined ? { reconnectGraceMs } : {}),
    });
    controlPlane.start();
  };

  beforeEach(() => {
    cluster = newTestCluster();
    seedBookinfo(cluster);
  });

  afterEach(() => {
    controlPlane.stop();
    cluster.podNetwork.close();
  });

  it('installs istiod and lists every proxy once across the two replicas, balanced', async () => {
    start();
    const deployments = cluster.registry.byPlural('apps', 'deployments');
    const istiod = cluster.store.peek(deployments!, 'istio-system', 'istiod');
    expect(istiod?.metadata.labels).toEqual({ app: 'istiod', istio: 'pilot' });
    expect((istiod?.spec as { replicas: number }).replicas).toBe(2);

    await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    const a = (await syncz(cluster, 'istiod-a')).map((e) => e.proxy);
    const b = (await syncz(cluster, 'istiod-b')).map((e) => e.proxy);
    expect([...a, ...b].sort()).toEqual(ALL_PROXIES);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect(Math.abs(a.length - b.length)).toBeLessThanOrEqual(1);
    expect(controlPlane.proxyOfPod(NS, REVIEWS_BLUE)?.istiod).toMatch(/^istiod-[ab]$/);
  });

  it('serves syncz in istiod shape: nonces, resources by type URL, namespace filter, 8080 too', async () => {
    createPod(cluster, {
      namespace: 'shop',
      deployment: 'cart',
      suffix: 'q1',
      labels: { app: 'cart' },
      ip: '10.2.0.5',
      proxy: 'sidecar',
    });
    start();
    await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    const entries = [...(await syncz(cluster, 'istiod-a')), ...(await syncz(cluster, 'istiod-b'))];
    const entry = entries.find((e) => e.proxy === `${REVIEWS_BLUE}.${NS}`) as SyncEntry;
    expect(Object.keys(entry)).toEqual([
      'cluster_id',
      'proxy',
      'proxy_type',
      'istio_version',
      'cluster_sent',
      'cluster_acked',
      'listener_sent',
      'listener_acked',
      'route_sent',
      'route_acked',
      'endpoint_sent',
      'endpoint_acked',
      'resources',
    ]);
    expect(entry).toMatchObject({
      cluster_id: 'Kubernetes',
      proxy_type: 'sidecar',
      istio_version: '1.26.2',
    });
    const version = versionOf(entry.route_sent);
    for (const nonce of [entry.cluster_sent, entry.listener_sent, entry.endpoint_sent])
      expect(versionOf(nonce)).toBe(version);
    expect(
      new Set([entry.cluster_sent, entry.listener_sent, entry.route_sent, entry.endpoint_sent])
        .size,
    ).toBe(4);
    expect(Object.keys(entry.resources ?? {})).toEqual([
      'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
      'type.googleapis.com/envoy.config.listener.v3.Listener',
      'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    ]);
    const route = entry.resources?.['type.googleapis.com/envoy.config.route.v3.RouteConfiguration'];
    expect(route?.sent).toBe(entry.route_sent);
    expect(route?.acked).toBe(entry.route_acked);
    expect(route?.sentTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

    const shopOnly = [
      ...(await syncz(cluster, 'istiod-a', '?namespace=shop')),
      ...(await syncz(cluster, 'istiod-b', '?namespace=shop')),
    ];
    expect(shopOnly.map((e) => e.proxy)).toEqual([
      `${podName({ deployment: 'cart', suffix: 'q1' })}.shop`,
    ]);

    const viaDebugPort = await getFromPod(
      cluster.podNetwork,
      { namespace: 'istio-system', name: 'istiod-a' },
      8080,
      '/debug/syncz',
    );
    expect(viaDebugPort.status).toBe(200);
    expect(viaDebugPort.headers['content-type']).toBe('application/json');
  });

  it('answers 401 with an empty body to requests that came through the API server pod proxy', async () => {
    start();
    const proxied = await getFromPod(
      cluster.podNetwork,
      { namespace: 'istio-system', name: 'istiod-a' },
      15014,
      '/debug/syncz',
      { 'x-forwarded-for': '127.0.0.1' },
    );
    expect(proxied.status).toBe(401);
    expect(proxied.body).toBe('');
    const unknown = await getFromPod(
      cluster.podNetwork,
      { namespace: 'istio-system', name: 'istiod-a' },
      15014,
      '/debug/nothing',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBe('404 page not found\n');
  });

  it('propagates a weight change: route_sent changes everywhere, acks catch up, a stuck proxy stays STALE until unstuck', async () => {
    start();
    const istiods = ['istiod-a', 'istiod-b'];
    const before = await waitAllSynced(cluster, istiods);
    const stuckPod = PRODUCTPAGE[0] as string;
    const stuckId = `${stuckPod}.${NS}`;
    controlPlane.setProxyOverrides([{ match: { pod: stuckPod }, stuck: true }]);
    expect(primaryWeights(await routeDump(cluster, stuckPod))).toEqual([90, 10]);

    applyIstioObject(cluster, 'virtualservices', NS, virtualService(50, 50));

    const after = await waitFor(
      async () => {
        const merged = await mergedSyncz(cluster, istiods);
        const allResent = ALL_PROXIES.every(
          (id) => merged.get(id)?.route_sent !== before.get(id)?.route_sent,
        );
        const othersAcked = ALL_PROXIES.filter((id) => id !== stuckId).every((id) =>
          synced(merged.get(id)),
        );
        return allResent && othersAcked ? merged : undefined;
      },
      15_000,
      'new routes sent to all and acked by all but the stuck proxy',
    );
    const stuck = after.get(stuckId) as SyncEntry;
    expect(stuck.route_acked).toBe(before.get(stuckId)?.route_sent);
    expect(stuck.route_sent).not.toBe(stuck.route_acked);
    // A VirtualService change does not push EDS.
    for (const id of ALL_PROXIES)
      expect(after.get(id)?.endpoint_sent).toBe(before.get(id)?.endpoint_sent);

    const synchronized = PRODUCTPAGE[1] as string;
    const syncedDump = await routeDump(cluster, synchronized);
    expect(primaryWeights(syncedDump)).toEqual([50, 50]);
    expect(syncedDump.configs?.[0]?.['@type']).toBe(
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig',
    );
    expect(syncedDump.configs?.[0]?.version_info).toBe(
      versionOf(after.get(`${synchronized}.${NS}`)?.route_sent),
    );
    const stuckDump = await routeDump(cluster, stuckPod);
    expect(primaryWeights(stuckDump)).toEqual([90, 10]);
    expect(stuckDump.configs?.[0]?.version_info).toBe(versionOf(before.get(stuckId)?.route_sent));

    controlPlane.setProxyOverrides([]);
    const converged = await waitAllSynced(cluster, istiods);
    expect(converged.get(stuckId)?.route_acked).toBe(after.get(stuckId)?.route_sent);
    expect(primaryWeights(await routeDump(cluster, stuckPod))).toEqual([50, 50]);
    expect(controlPlane.proxyOfPod(NS, stuckPod)?.applied?.version).toBe(
      versionOf(after.get(stuckId)?.route_sent),
    );
  });

  it('records a rejected route push as istiod does: lastError set, acked nonce kept, old routes served, cleared by the next ack', async () => {
    start();
    const istiods = ['istiod-a', 'istiod-b'];
    const before = await waitAllSynced(cluster, istiods);
    const rejecting = PRODUCTPAGE[0] as string;
    const rejectingId = `${rejecting}.${NS}`;
    const message = 'Proto constraint validation failed (simulated): too new for this Envoy';
    controlPlane.setProxyOverrides([{ match: { pod: rejecting }, stuck: false, reject: message }]);

    applyIstioObject(cluster, 'virtualservices', NS, virtualService(50, 50));
    const after = await waitFor(
      async () => {
        const merged = await mergedSyncz(cluster, istiods);
        const others = ALL_PROXIES.filter((id) => id !== rejectingId);
        const rejected = merged.get(rejectingId)?.resources?.[ROUTE_TYPE]?.lastError;
        return rejected !== undefined &&
          others.every(
            (id) =>
              synced(merged.get(id)) && merged.get(id)?.route_sent !== before.get(id)?.route_sent,
          )
          ? merged
          : undefined;
      },
      15_000,
      'the rejecting proxy NACKed the route push and every other proxy acked it',
    );
    const entry = after.get(rejectingId) as SyncEntry;
    expect(entry.resources?.[ROUTE_TYPE]).toEqual({
      sent: entry.route_sent,
      acked: before.get(rejectingId)?.route_sent,
      sentTime: expect.any(String) as string,
      lastError: message,
    });
    expect(entry.route_sent).not.toBe(before.get(rejectingId)?.route_sent);
    expect(entry.route_acked).toBe(before.get(rejectingId)?.route_sent);
    // The other types of the same push were acked, without an error.
    expect(entry.cluster_acked).toBe(entry.cluster_sent);
    expect(
      Object.keys(entry.resources ?? {}).filter((t) => entry.resources?.[t]?.lastError),
    ).toEqual([ROUTE_TYPE]);
    // Envoy keeps serving (and dumping) the routes it had.
    const dump = await routeDump(cluster, rejecting);
    expect(primaryWeights(dump)).toEqual([90, 10]);
    expect(dump.configs?.[0]?.version_info).toBe(versionOf(before.get(rejectingId)?.route_sent));

    // Lifted: istiod does not resend the rejected push; the next one is acked.
    controlPlane.setProxyOverrides([]);
    const stillRejected = await mergedSyncz(cluster, istiods);
    expect(stillRejected.get(rejectingId)?.resources?.[ROUTE_TYPE]?.lastError).toBe(message);
    applyIstioObject(cluster, 'virtualservices', NS, virtualService(90, 10));
    const converged = await waitAllSynced(cluster, istiods);
    expect(converged.get(rejectingId)?.resources?.[ROUTE_TYPE]?.lastError).toBeUndefined();
    expect(primaryWeights(await routeDump(cluster, rejecting))).toEqual([90, 10]);
  });

  it('NACKs on every proxy a route Envoy refuses (weights past 2^32 - 1), serving the old routes until fixed', async () => {
    start();
    const istiods = ['istiod-a', 'istiod-b'];
    const before = await waitAllSynced(cluster, istiods);
    const overflowing = virtualService(2_147_483_647, 2_147_483_647);
    const http = (overflowing.spec as { http: { route: unknown[] }[] }).http[0]!;
    http.route.push({ destination: { host: 'reviews' }, weight: 3 });
    applyIstioObject(cluster, 'virtualservices', NS, overflowing);
    const expected =
      'The sum of weights of all weighted clusters of route primary exceeds 4294967295';
    const after = await waitFor(
      async () => {
        const merged = await mergedSyncz(cluster, istiods);
        return ALL_PROXIES.every(
          (id) => merged.get(id)?.resources?.[ROUTE_TYPE]?.lastError === expected,
        )
          ? merged
          : undefined;
      },
      15_000,
      'every proxy NACKed the overflowing weights',
    );
    for (const id of ALL_PROXIES) {
      expect(after.get(id)?.route_acked).toBe(before.get(id)?.route_sent);
      expect(after.get(id)?.route_sent).not.toBe(before.get(id)?.route_sent);
    }
    expect(primaryWeights(await routeDump(cluster, PRODUCTPAGE[1] as string))).toEqual([90, 10]);

    applyIstioObject(cluster, 'virtualservices', NS, virtualService(70, 30));
    const fixed = await waitAllSynced(cluster, istiods);
    for (const id of ALL_PROXIES)
      expect(fixed.get(id)?.resources?.[ROUTE_TYPE]?.lastError).toBeUndefined();
    expect(primaryWeights(await routeDump(cluster, PRODUCTPAGE[1] as string))).toEqual([70, 30]);
  });

  it('does not push for a metadata-only VirtualService change, as istiod needsPush decides', async () => {
    start();
    const istiods = ['istiod-a', 'istiod-b'];
    const before = await waitAllSynced(cluster, istiods);
    const pod = PRODUCTPAGE[1] as string;
    const id = `${pod}.${NS}`;
    const counter = (nonce: string | undefined): number => Number(versionOf(nonce).split('/')[1]);
    const withAnnotations = (
      vs: Record<string, unknown>,
      annotations: Record<string, string>,
    ): KubeObjectInput => ({
      ...vs,
      metadata: { ...(vs.metadata as object), annotations },
    });
    // switchyard's record annotation alone: no push.
    applyIstioObject(
      cluster,
      'virtualservices',
      NS,
      withAnnotations(virtualService(90, 10), { 'switchyard.dev/release': '1' }),
    );
    // Well past the debounce (10 ms), so a push for it would be a push of its own.
    await new Promise((resolve) => setTimeout(resolve, 300));
    applyIstioObject(
      cluster,
      'virtualservices',
      NS,
      withAnnotations(virtualService(80, 20), { 'switchyard.dev/release': '2' }),
    );
    await waitFor(
      async () =>
        primaryWeights(await routeDump(cluster, pod))?.join() === '80,20' ? true : undefined,
      15_000,
      'the weight change applied',
    );
    const afterSpec = await waitAllSynced(cluster, istiods);
    expect(counter(afterSpec.get(id)?.route_sent) - counter(before.get(id)?.route_sent)).toBe(1);

    // A label or annotation key containing istio.io makes istiod push even without a spec change.
    applyIstioObject(
      cluster,
      'virtualservices',
      NS,
      withAnnotations(virtualService(80, 20), { 'sidecar.istio.io/x': 'y' }),
    );
    const afterIstio = await waitFor(
      async () => {
        const merged = await mergedSyncz(cluster, istiods);
        return merged.get(id)?.route_sent !== afterSpec.get(id)?.route_sent ? merged : undefined;
      },
      15_000,
      'a push for the istio.io annotation',
    );
    expect(counter(afterIstio.get(id)?.route_sent)).toBeGreaterThan(
      counter(afterSpec.get(id)?.route_sent),
    );
  });

  it.each([
    { version: '1.26.2', newVersion: false },
    { version: '1.31.0', newVersion: true },
  ])(
    'pushes an Endpoints change as EDS only, with a new push version from 1.31 ($version)',
    async ({ version, newVersion }) => {
      start([], undefined, { ...ISTIO, version });
      const istiods = ['istiod-a', 'istiod-b'];
      const before = await waitAllSynced(cluster, istiods);
      writeEndpoints(cluster, NS, 'reviews', 9080, [{ name: REVIEWS_BLUE, ip: '10.1.0.10' }]);
      const after = await waitFor(
        async () => {
          const merged = await mergedSyncz(cluster, istiods);
          const resent = ALL_PROXIES.every(
            (id) => merged.get(id)?.endpoint_sent !== before.get(id)?.endpoint_sent,
          );
          return resent && ALL_PROXIES.every((id) => synced(merged.get(id))) ? merged : undefined;
        },
        15_000,
        'EDS pushed and acked',
      );
      const counter = (nonce: string | undefined): number => Number(versionOf(nonce).split('/')[1]);
      for (const id of ALL_PROXIES) {
        const was = before.get(id) as SyncEntry;
        const now = after.get(id) as SyncEntry;
        expect(now.route_sent).toBe(was.route_sent);
        expect(now.cluster_sent).toBe(was.cluster_sent);
        // Before 1.31 an incremental push reuses the push context: same version, fresh UUID.
        if (newVersion) expect(counter(now.endpoint_sent)).toBeGreaterThan(counter(was.route_sent));
        else expect(versionOf(now.endpoint_sent)).toBe(versionOf(was.route_sent));
      }
    },
  );

  it('pushes an Endpoints change as EDS only: endpoint nonces change, route nonces do not', async () => {
    start();
    const istiods = ['istiod-a', 'istiod-b'];
    const before = await waitAllSynced(cluster, istiods);
    writeEndpoints(cluster, NS, 'reviews', 9080, [{ name: REVIEWS_BLUE, ip: '10.1.0.10' }]);
    const after = await waitFor(
      async () => {
        const merged = await mergedSyncz(cluster, istiods);
        const resent = ALL_PROXIES.every(
          (id) => merged.get(id)?.endpoint_sent !== before.get(id)?.endpoint_sent,
        );
        return resent && ALL_PROXIES.every((id) => synced(merged.get(id))) ? merged : undefined;
      },
      15_000,
      'EDS pushed and acked',
    );
    for (const id of ALL_PROXIES) {
      const was = before.get(id) as SyncEntry;
      const now = after.get(id) as SyncEntry;
      expect(now.route_sent).toBe(was.route_sent);
      expect(now.cluster_sent).toBe(was.cluster_sent);
      expect(now.listener_sent).toBe(was.listener_sent);
      // Incremental EDS reuses the push context: same version, fresh UUID.
      expect(versionOf(now.endpoint_sent)).toBe(versionOf(was.endpoint_sent));
    }
    const clusters = controlPlane.proxyOfPod(NS, PRODUCTPAGE[2] as string)?.applied?.clusters;
    const endpointsOf = (name: string): string[] =>
      (clusters?.get(name)?.endpoints ?? []).map((e) => e.pod);
    expect(endpointsOf(`outbound|9080||${REVIEWS}`)).toEqual([REVIEWS_BLUE]);
    expect(endpointsOf(`outbound|9080|blue|${REVIEWS}`)).toEqual([REVIEWS_BLUE]);
    expect(endpointsOf(`outbound|9080|green|${REVIEWS}`)).toEqual([]);
  });

  it('reconnects proxies whose istiod pod is deleted to the remaining replica with a full push', async () => {
    start();
    await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    const onA = (await syncz(cluster, 'istiod-a')).map((e) => e.proxy);
    expect(onA.length).toBeGreaterThan(0);
    deletePod(cluster, 'istio-system', 'istiod-a');
    const merged = await waitAllSynced(cluster, ['istiod-b']);
    expect([...merged.keys()].sort()).toEqual(ALL_PROXIES);
    for (const id of onA) expect(merged.get(id)?.listener_sent).toBeDefined();
    await expect(
      getFromPod(
        cluster.podNetwork,
        { namespace: 'istio-system', name: 'istiod-a' },
        15014,
        '/debug/syncz',
      ),
    ).rejects.toThrow(/connection refused/);
  });

  it('lists a proxy on both replicas for a while when its istiod is terminating', async () => {
    // A grace period far longer than the reconnect, so a loaded machine cannot outrun it.
    start([], 8000);
    await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    const onA = (await syncz(cluster, 'istiod-a')).map((e) => e.proxy).sort();
    markTerminating(cluster, 'istio-system', 'istiod-a');
    await waitAllSynced(cluster, ['istiod-b']);
    const stillOnA = (await syncz(cluster, 'istiod-a')).map((e) => e.proxy).sort();
    expect(stillOnA).toEqual(onA);
    await waitFor(
      async () => (await syncz(cluster, 'istiod-a')).length === 0,
      25_000,
      'terminating istiod to forget its proxies',
    );
  }, 40_000);

  it('connects a new proxy as Envoy subscribes, CDS then EDS, LDS, RDS, and drops a proxy whose pod is gone', async () => {
    start();
    await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    const late = createPod(cluster, {
      namespace: NS,
      deployment: 'ratings-v1',
      suffix: 'z9',
      labels: { app: 'ratings' },
      ip: '10.1.0.30',
      proxy: 'sidecar',
    });
    const lateId = `${late.metadata.name}.${NS}`;
    // istiod lists a connection before its first push is sent (the replica's queue sends
    // it), so the first listing may have nothing sent yet: wait for the CDS response.
    const entry = await waitFor(
      async () => {
        const listed = (await mergedSyncz(cluster, ['istiod-a', 'istiod-b'])).get(lateId);
        return listed?.cluster_sent ? listed : undefined;
      },
      15_000,
      'the new proxy in syncz with its CDS response sent',
    );
    expect(entry.cluster_sent).toMatch(NONCE);
    const synced = await waitAllSynced(cluster, ['istiod-a', 'istiod-b'], [...ALL_PROXIES, lateId]);
    const lateEntry = synced.get(lateId) as SyncEntry;
    for (const nonce of [
      lateEntry.cluster_sent,
      lateEntry.listener_sent,
      lateEntry.route_sent,
      lateEntry.endpoint_sent,
    ])
      expect(nonce).toMatch(NONCE);
    // Each type was sent once the one before it was answered.
    const sentAt = (type: string): number =>
      Date.parse(lateEntry.resources?.[`type.googleapis.com/envoy.config.${type}`]?.sentTime ?? '');
    expect(sentAt('cluster.v3.Cluster')).toBeLessThanOrEqual(
      sentAt('endpoint.v3.ClusterLoadAssignment'),
    );
    expect(sentAt('endpoint.v3.ClusterLoadAssignment')).toBeLessThanOrEqual(
      sentAt('listener.v3.Listener'),
    );
    expect(sentAt('listener.v3.Listener')).toBeLessThanOrEqual(
      sentAt('route.v3.RouteConfiguration'),
    );

    deletePod(cluster, NS, late.metadata.name);
    await waitFor(
      async () => !(await mergedSyncz(cluster, ['istiod-a', 'istiod-b'])).has(lateId),
      15_000,
      'the deleted pod to leave syncz',
    );
    expect(controlPlane.proxyOfPod(NS, late.metadata.name)).toBeUndefined();
    expect(cluster.podNetwork.isListening({ namespace: NS, name: late.metadata.name }, 15000)).toBe(
      false,
    );
  });

  it('shows nothing applied for a proxy stuck from the start: no routes, not ready, never acked', async () => {
    const stuckPod = PRODUCTPAGE[3] as string;
    start([{ match: { workload: 'productpage-v1', pod: `${stuckPod}*` }, stuck: true }]);
    const others = ALL_PROXIES.filter((id) => id !== `${stuckPod}.${NS}`);
    const merged = await waitAllSynced(cluster, ['istiod-a', 'istiod-b'], others);
    const stuck = merged.get(`${stuckPod}.${NS}`);
    // Envoy never answered CDS, so it never subscribed to anything else.
    expect(stuck?.cluster_sent).toMatch(NONCE);
    expect(Object.keys(stuck ?? {}).filter((k) => /_(sent|acked)$/.test(k))).toEqual([
      'cluster_sent',
    ]);
    expect(Object.keys(stuck?.resources ?? {})).toEqual([
      'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    ]);
    expect(await routeDump(cluster, stuckPod)).toEqual({});
    const ready = await getFromPod(
      cluster.podNetwork,
      { namespace: NS, name: stuckPod },
      15000,
      '/ready',
    );
    expect(ready.status).toBe(503);
    expect(ready.body).toBe('INITIALIZING\n');
    const live = await getFromPod(
      cluster.podNetwork,
      { namespace: NS, name: PRODUCTPAGE[0] as string },
      15000,
      '/ready',
    );
    expect(live.body).toBe('LIVE\n');
    const missing = await getFromPod(
      cluster.podNetwork,
      { namespace: NS, name: stuckPod },
      15000,
      '/stats/nothing',
    );
    expect(missing.status).toBe(404);

    // Released, it answers CDS and subscribes to the rest, one step after the other.
    controlPlane.setProxyOverrides([]);
    const all = await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    expect(all.get(`${stuckPod}.${NS}`)?.listener_acked).toMatch(NONCE);
    expect(primaryWeights(await routeDump(cluster, stuckPod))).toEqual([90, 10]);
  });

  it('serves a full config_dump with clusters, listeners and routes, and rejects non-repeated or unknown resources', async () => {
    start();
    await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    const pod = { namespace: NS, name: PRODUCTPAGE[1] as string };
    const full = await getFromPod(cluster.podNetwork, pod, 15000, '/config_dump?include_eds');
    const dump = JSON.parse(full.body) as {
      configs: { '@type': string; dynamic_active_clusters?: { cluster: { name: string } }[] }[];
    };
    expect(dump.configs.map((c) => c['@type'])).toEqual([
      'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
    ]);
    const clusterNames = dump.configs[1]?.dynamic_active_clusters?.map((c) => c.cluster.name) ?? [];
    // By name, as Envoy's cluster map orders them; the sidecar's inbound cluster for the
    // productpage Service's target port, and istiod's Service like any other.
    expect(clusterNames).toEqual([
      'BlackHoleCluster',
      'InboundPassthroughCluster',
      'PassthroughCluster',
      'inbound|9080||',
      'outbound|15010||istiod.istio-system.svc.cluster.local',
      'outbound|15012||istiod.istio-system.svc.cluster.local',
      'outbound|15014||istiod.istio-system.svc.cluster.local',
      'outbound|443||istiod.istio-system.svc.cluster.local',
      `outbound|9080|blue|${REVIEWS}`,
      `outbound|9080|green|${REVIEWS}`,
      `outbound|9080||productpage.bookinfo.svc.cluster.local`,
      `outbound|9080||${REVIEWS}`,
    ]);
    const notRepeated = await getFromPod(
      cluster.podNetwork,
      pod,
      15000,
      '/config_dump?resource=version_info',
    );
    expect(notRepeated.status).toBe(400);
    expect(notRepeated.body).toBe(
      'version_info is not a repeated field. Use ?mask=version_info to get only this field',
    );
    const unknown = await getFromPod(
      cluster.podNetwork,
      pod,
      15000,
      '/config_dump?resource=dynamic_widgets',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBe('dynamic_widgets not found in config dump');
  });

  it('dumps the HTTP listeners with their connection manager and the header limit an override sets', async () => {
    start();
    await waitAllSynced(cluster, ['istiod-a', 'istiod-b']);
    const pod = { namespace: NS, name: PRODUCTPAGE[1] as string };
    type ListenerDump = {
      configs?: {
        '@type': string;
        name: string;
        active_state: {
          listener: {
            traffic_direction: string;
            filter_chains: { filters: { name: string; typed_config: Record<string, unknown> }[] }[];
          };
        };
      }[];
    };
    const read = async (): Promise<ListenerDump> =>
      JSON.parse(
        (
          await getFromPod(
            cluster.podNetwork,
            pod,
            15000,
            '/config_dump?resource=dynamic_listeners',
          )
        ).body,
      ) as ListenerDump;
    const before = await read();
    const outbound = before.configs?.find((c) => c.name === '0.0.0.0_9080');
    expect(outbound?.['@type']).toBe(
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
    );
    const hcm = outbound?.active_state.listener.filter_chains[0]?.filters[0];
    expect(hcm?.name).toBe('envoy.filters.network.http_connection_manager');
    expect(hcm?.typed_config).toMatchObject({ rds: { route_config_name: '9080' } });
    expect(hcm?.typed_config).not.toHaveProperty('max_request_headers_kb');
    expect(before.configs?.map((c) => c.name)).toContain('virtualInbound');
    controlPlane.setProxyOverrides([
      { match: { pod: PRODUCTPAGE[1] }, stuck: false, maxRequestHeadersKb: 4 },
    ]);
    const after = await read();
    for (const listener of after.configs ?? [])
      expect(
        listener.active_state.listener.filter_chains[0]?.filters[0]?.typed_config,
      ).toMatchObject({ max_request_headers_kb: 4 });
  });

  it('treats ingress gateway pods as router proxies with http.<port> routes from bound VirtualServices', async () => {
    createPod(cluster, {
      namespace: 'istio-system',
      deployment: 'istio-ingressgateway',
      suffix: 'gw1',
      labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      ip: '10.0.0.9',
      proxy: 'router',
    });
    applyIstioObject(cluster, 'gateways', NS, {
      kind: 'Gateway',
      metadata: { name: 'bookinfo-gateway' },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
      },
    });
    applyIstioObject(cluster, 'virtualservices', NS, {
      kind: 'VirtualService',
      metadata: { name: 'bookinfo' },
      spec: {
        hosts: ['*'],
        gateways: ['bookinfo-gateway'],
        http: [
          {
            match: [{ uri: { exact: '/productpage' } }],
            route: [{ destination: { host: 'productpage', port: { number: 9080 } } }],
          },
        ],
      },
    });
    start();
    const gatewayPod = podName({ deployment: 'istio-ingressgateway', suffix: 'gw1' });
    const gatewayId = `${gatewayPod}.istio-system`;
    const merged = await waitAllSynced(
      cluster,
      ['istiod-a', 'istiod-b'],
      [...ALL_PROXIES, gatewayId],
    );
    expect(merged.get(gatewayId)?.proxy_type).toBe('router');
    const response = await getFromPod(
      cluster.podNetwork,
      { namespace: 'istio-system', name: gatewayPod },
      15000,
      '/config_dump?resource=dynamic_route_configs',
    );
    const dump = JSON.parse(response.body) as RouteDump;
    expect(dump.configs?.map((c) => c.route_config.name)).toEqual(['http.8080']);
    expect(dump.configs?.[0]?.route_config.virtual_hosts.map((h) => h.name)).toEqual(['*:8080']);
  });

  it('keeps sidecars out of a push for a VirtualService exported only to another namespace', async () => {
    createPod(cluster, {
      namespace: 'shop',
      deployment: 'cart',
      suffix: 'q1',
      labels: { app: 'cart' },
      ip: '10.2.0.5',
      proxy: 'sidecar',
    });
    start();
    const cartId = `${podName({ deployment: 'cart', suffix: 'q1' })}.shop`;
    const istiods = ['istiod-a', 'istiod-b'];
    const before = await waitAllSynced(cluster, istiods, [...ALL_PROXIES, cartId]);
    applyIstioObject(cluster, 'virtualservices', 'shop', {
      kind: 'VirtualService',
      metadata: { name: 'reviews-for-shop' },
      spec: {
        hosts: ['reviews.bookinfo.svc.cluster.local'],
        exportTo: ['.'],
        http: [
          {
            route: [
              { destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'green' } },
            ],
          },
        ],
      },
    });
    const after = await waitFor(
      async () => {
        const merged = await mergedSyncz(cluster, istiods);
        return merged.get(cartId)?.route_sent !== before.get(cartId)?.route_sent &&
          synced(merged.get(cartId))
          ? merged
          : undefined;
      },
      15_000,
      'the shop sidecar to get the new routes',
    );
    for (const id of ALL_PROXIES)
      expect(after.get(id)?.route_sent).toBe(before.get(id)?.route_sent);
  });
});

describe('IstioControlPlane with thousands of proxies', () => {
  it('connects, pushes to and partitions 2,500 proxies over three replicas in batches', async () => {
    const cluster = newTestCluster();
    for (const name of ['istiod-a', 'istiod-b', 'istiod-c'])
      createIstiodPod(cluster, name, '10.0.0.2');
    for (let ns = 0; ns < 5; ns++)
      createService(cluster, `team${ns}`, 'api', `10.96.1.${ns}`, 8080, { app: 'api' });
    const ids: string[] = [];
    for (let i = 0; i < 2500; i++) {
      const pod = createPod(cluster, {
        namespace: `team${i % 5}`,
        deployment: 'api',
        suffix: `p${i}`,
        labels: { app: 'api' },
        ip: `10.3.${i >> 8}.${i & 255}`,
        proxy: 'sidecar',
      });
      ids.push(`${pod.metadata.name}.${pod.metadata.namespace ?? ''}`);
    }
    const controlPlane = new IstioControlPlane({
      store: cluster.store,
      registry: cluster.registry,
      podNetwork: cluster.podNetwork,
      istio: { ...ISTIO, replicas: 3, applyDelay: { medianMs: 5, p99Ms: 20 } },
      proxies: [],
    });
    try {
      controlPlane.start();
      const istiods = ['istiod-a', 'istiod-b', 'istiod-c'];
      const before = await waitAllSynced(cluster, istiods, ids);
      applyIstioObject(cluster, 'virtualservices', 'team0', {
        kind: 'VirtualService',
        metadata: { name: 'api' },
        spec: {
          hosts: ['api'],
          http: [{ name: 'primary', route: [{ destination: { host: 'api' } }] }],
        },
      });
      const after = await waitFor(
        async () => {
          const merged = await mergedSyncz(cluster, istiods);
          return ids.every(
            (id) =>
              merged.get(id)?.route_sent !== before.get(id)?.route_sent && synced(merged.get(id)),
          )
            ? merged
            : undefined;
        },
        30_000,
        'every proxy to get and ack the new routes',
      );
      expect(after.size).toBe(2500);
      const counts = await Promise.all(
        istiods.map(async (name) => (await syncz(cluster, name)).length),
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(2500);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    } finally {
      controlPlane.stop();
      cluster.podNetwork.close();
    }
  }, 60_000);
});
