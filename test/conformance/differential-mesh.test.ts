/**
 * Differential fidelity of the mesh: the simulator against real istiod and the proxy fleet.
 * The same bookinfo runs on both (one namespace of the same name), the same actions happen
 * on both (a header route and a weight change, a stuck proxy, a rejecting proxy, a proxy
 * that never acks its first push), and what switchyard reads is compared after each:
 * istiod's `/debug/syncz`, Envoy's `config_dump` routes and cluster names, and the label
 * sets Prometheus recorded for `istio_requests_total` and
 * `istio_request_duration_milliseconds`. Only what legitimately differs between two
 * clusters is normalized (mesh-observations.ts); every difference kept on purpose is
 * asserted here and listed in docs/conformance-mesh.md.
 *
 * The judge where the fleet and the simulator agree but real Envoy or Istio would differ is
 * real istiod (syncz is its own output, routes are what it sent, printed as Envoy prints
 * them) and Istio's source (istio_stats for metric labels).
 */
import {
  inspectRoutes,
  parseRouteConfigDump,
  parseSyncz,
  type ProxyRouteStatus,
} from '@switchyard/core/internal-testing';
import {
  createRealNamespace,
  runKubectl,
  startSimulatedCluster,
  waitFor,
  type Cluster,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  activeClusters,
  activeLabelSets,
  configDump,
  GO_TIME,
  NONCE,
  normalizeRouteConfig,
  normalizeSynczEntry,
  ownName,
  routeConfigs,
  synczAnswers,
  synczEntries,
  workloadPods,
  type SynczEntry,
} from './mesh-observations.js';

const info = inject('realCluster');
const NAMESPACE = 'conformance-diff';
const MESSAGE =
  'Proto constraint validation failed (RouteConfigurationValidationError.VirtualHosts[0]: unknown field)';
const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

let real: Cluster;
let simulated: Cluster;
let sides: Cluster[];

/** The VirtualService switchyard leaves after `deploy` and a first canary step. */
function candidateRoutes(blue: number, green: number): string {
  return JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: NAMESPACE },
    spec: {
      hosts: ['reviews'],
      gateways: ['mesh', 'bookinfo-gateway'],
      http: [
        {
          name: 'switchyard-reviews-prerelease',
          match: [{ headers: { 'x-release': { exact: 'candidate' } } }],
          route: [{ destination: { host: 'reviews', subset: 'green' } }],
        },
        {
          name: 'primary',
          route: [
            { destination: { host: 'reviews', subset: 'blue' }, weight: blue },
            { destination: { host: 'reviews', subset: 'green' }, weight: green },
          ],
          retries: {
            attempts: 2,
            perTryTimeout: '2s',
            retryOn: 'connect-failure,refused-stream,unavailable',
          },
          timeout: '10s',
        },
      ],
    },
  });
}

async function apply(side: Cluster, manifest: string): Promise<void> {
  await side.kubectl(['apply', '-f', '-'], manifest);
}

async function setWeights(side: Cluster, blue: number, green: number): Promise<void> {
  await side.kubectl([
    '-n',
    NAMESPACE,
    'patch',
    'virtualservice',
    'reviews',
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: blue },
      { op: 'replace', path: '/spec/http/1/route/1/weight', value: green },
    ]),
  ]);
}

/** The pod of a workload on a side (the first, by name). */
async function podOf(side: Cluster, workload: string): Promise<string> {
  const pods = [...(await workloadPods(side))].filter(([, w]) => w === workload).sort();
  if (!pods[0]) throw new Error(`${side.tier}: no running pod of ${workload}`);
  return pods[0][0];
}

/** Each side's syncz entries of its namespace, normalized, by workload (sorted pods). */
async function normalizedSyncz(
  side: Cluster,
  withEndpoints: boolean,
): Promise<Map<string, Record<string, unknown>[]>> {
  const pods = await workloadPods(side);
  const workloadOf = (pod: string): string => pods.get(pod) ?? pod;
  const out = new Map<string, Record<string, unknown>[]>();
  const entries = [...(await synczEntries(side))].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [id, entry] of entries) {
    const workload = workloadOf(id.slice(0, id.lastIndexOf('.')));
    const list = out.get(workload) ?? [];
    list.push(normalizeSynczEntry(entry, workloadOf, withEndpoints));
    out.set(workload, list);
  }
  return out;
}

/**
 * The label sets of the 90/10 traffic once settled: productpage to blue (both reporters)
 * and productpage's and release-tester's 503 UH to the empty green subset. A new series
 * grows in `increase` only from its second scrape, and release-tester's series to blue
 * from before the header route leave the window last.
 */
function steady(sets: readonly string[]): boolean {
  const flags = sets.map((s) => (JSON.parse(s) as Record<string, string>).response_flags);
  return sets.length === 4 && flags.filter((f) => f === 'UH').length === 2;
}

/** A bucket bound as a number (`+Inf` included). */
function bound(le: string): number {
  return le === '+Inf' ? Infinity : Number(le);
}

/** Label sets without `le`, deduplicated and sorted. */
function withoutLe(sets: readonly string[]): string[] {
  const rest = sets.map((s) => {
    const { le: _le, ...labels } = JSON.parse(s) as Record<string, string>;
    return JSON.stringify(labels);
  });
  return [...new Set(rest)].sort();
}

/** Normalized syncz with nonces labelled by identity only (`V2#3` -> `#3`). */
function withoutVersionRanks(
  syncz: Map<string, Record<string, unknown>[]> | undefined,
): Map<string, Record<string, unknown>[]> {
  return new Map(
    [...(syncz ?? [])].map(([workload, entries]) => [
      workload,
      entries.map(
        (entry) =>
          JSON.parse(
            JSON.stringify(entry, (_key, value: unknown) =>
              typeof value === 'string' ? value.replace(/^V\d+#/, '#') : value,
            ),
          ) as Record<string, unknown>,
      ),
    ]),
  );
}

/** Waits on both sides for `ready(side)`, resolving each side's value. */
async function onBoth<T>(
  description: string,
  ready: (side: Cluster) => Promise<T | undefined>,
): Promise<T[]> {
  return Promise.all(
    sides.map((side) =>
      waitFor(() => ready(side), {
        timeoutMs: 120_000,
        intervalMs: 500,
        description: `${side.tier}: ${description}`,
      }),
    ),
  );
}

/** Every proxy of the namespace has acked the last push of every type it was sent. */
function allSynced(entries: Map<string, SynczEntry>, expected: number): boolean {
  if (entries.size !== expected) return false;
  for (const entry of entries.values()) {
    for (const type of ['cluster', 'listener', 'route', 'endpoint']) {
      const sent = entry[`${type}_sent`];
      if (sent === undefined || sent !== entry[`${type}_acked`]) return false;
    }
  }
  return true;
}

/** A proxy's route status as switchyard's core reads it from every replica's syncz. */
async function coreStatus(side: Cluster, workload: string): Promise<ProxyRouteStatus> {
  const pod = await podOf(side, workload);
  const answers = await synczAnswers(side);
  const statuses = answers.flatMap((a) => parseSyncz(a.body, a.istiod));
  const status = statuses.find((s) => s.proxy === `${pod}.${NAMESPACE}`);
  if (!status) throw new Error(`${side.tier}: ${pod} not in syncz`);
  return status;
}

beforeAll(async () => {
  // Other conformance and scenario files' namespaces are deleted without waiting: their pods going
  // away would push EDS to every proxy here. Start once they are gone.
  await waitFor(
    async () => {
      const list = JSON.parse(
        await runKubectl(info.kubeconfig, ['get', 'namespaces', '-o', 'json']),
      ) as { items: { metadata: { name: string }; status?: { phase?: string } }[] };
      const earlier = list.items.filter(
        (n) =>
          n.status?.phase === 'Terminating' ||
          n.metadata.name.startsWith('conformance-') ||
          n.metadata.name.startsWith('scenario-') ||
          n.metadata.name.startsWith('differential-'),
      );
      return earlier.length === 0 ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000, description: 'earlier conformance namespaces gone' },
  );
  real = await createRealNamespace(info, NAMESPACE);
  // The simulator plays the same Istio the fleet reports, with the fleet's scenario.
  const version = await waitFor(
    async () => {
      const entries = await synczEntries(real);
      return [...entries.values()][0]?.istio_version as string | undefined;
    },
    { timeoutMs: 60_000, description: 'the fleet in syncz' },
  );
  simulated = await startSimulatedCluster({
    prometheus: true,
    namespace: NAMESPACE,
    scenario: {
      name: 'differential-mesh',
      istio: {
        replicas: 2,
        version,
        applyDelay: { medianMs: 300, p99Ms: 3000 },
        ingressGateway: { enabled: false, replicas: 0 },
      },
      images: { default: { errorRate: 0, latency: { medianMs: 20, p99Ms: 80 } } },
    },
  });
  sides = [simulated, real];
  // productpage, release-tester and three reviews-blue pods.
  await onBoth('every proxy synced', async (side) =>
    allSynced(await synczEntries(side), 5) ? true : undefined,
  );
});

afterAll(async () => {
  await real?.stop();
  await simulated?.stop();
});

describe('the simulator against real istiod and the proxy fleet', () => {
  it('lists the same proxies in syncz with the same fields, values and nonce formats', async () => {
    const [simSyncz, realSyncz] = (
      await Promise.all(sides.map((s) => normalizedSyncz(s, true)))
    ).map(withoutVersionRanks);
    expect([...(simSyncz?.keys() ?? [])]).toEqual([...(realSyncz?.keys() ?? [])]);
    // Keys in istiod's order (JSON.stringify keeps it), omitted empties, every type acked
    // with the nonce it was sent, `resources` repeating the top-level nonces: the same entry
    // once pod names, nonces and times are normalized. Which push version each type got
    // while the proxy initialized depends on which pods turned ready meanwhile (timing):
    // compared after the route change below, where the order of pushes is set by the test.
    expect(simSyncz).toEqual(realSyncz);
    expect(JSON.stringify([...simSyncz!])).toBe(JSON.stringify([...realSyncz!]));
    for (const side of sides) {
      for (const entry of (await synczEntries(side)).values()) {
        expect(entry).toMatchObject({ cluster_id: 'Kubernetes', proxy_type: 'sidecar' });
        expect(entry.route_sent).toMatch(NONCE);
        for (const resource of Object.values(entry.resources ?? {}))
          expect(resource.sentTime).toMatch(GO_TIME);
      }
    }
  });

  it('routes and names clusters the same after a header route and a weight change', async () => {
    await Promise.all(sides.map((side) => apply(side, candidateRoutes(90, 10))));
    const dumps = await onBoth('90/10 with the header route applied', async (side) => {
      const pod = await podOf(side, 'productpage');
      const dump = await configDump(side, pod, 'resource=dynamic_route_configs');
      const text = JSON.stringify(routeConfigs(dump).get('9080'));
      return text.includes('"weight":10') && text.includes('switchyard-reviews-prerelease')
        ? dump
        : undefined;
    });
    const [simRoutes, realRoutes] = dumps.map((d) => routeConfigs(d));
    // Route configurations: one per HTTP service port. The fleet's cluster also has the
    // test bed's own Prometheus Service (istio-system/prometheus:9090), which is no part of
    // an Istio install. Their order is not compared: Envoy dumps them from a hash map
    // (RouteConfigProviderManagerImpl's node_hash_map), so no order is Envoy's; the fleet
    // prints them by name, the simulator as istiod built them. core looks them up by name.
    expect([...realRoutes!.keys()].sort()).toEqual(['15010', '15014', '9080', '9090']);
    expect([...simRoutes!.keys()].sort()).toEqual(['15010', '15014', '9080']);
    for (const name of ['15010', '15014', '9080']) {
      const [a, b] = [simRoutes!, realRoutes!].map((r) =>
        normalizeRouteConfig(r.get(name)!, NAMESPACE),
      );
      // Virtual host names and domains, route names and matches, weighted_clusters with the
      // zero weight dropped, retries, timeouts, metadata, decorators, in Envoy's key order.
      expect(a).toEqual(b);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }

    // Cluster names, in Envoy's order; what the simulator prints of a cluster is what
    // istiod sent (it prints less of it).
    const clusters = await Promise.all(
      sides.map(async (side) =>
        activeClusters(
          await configDump(
            side,
            await podOf(side, 'productpage'),
            'resource=dynamic_active_clusters',
          ),
        ),
      ),
    );
    const [simClusters, realClusters] = clusters as [
      Record<string, unknown>[],
      Record<string, unknown>[],
    ];
    const names = (list: Record<string, unknown>[]): string[] =>
      list.map((c) => c.name as string).filter((n) => ownName(n, NAMESPACE));
    // The API server's own `default/kubernetes` Service is no part of the simulator's
    // cluster (a Kubernetes API difference); the test bed's Prometheus is no part of an
    // Istio install.
    const realOnly = [
      'outbound|443||kubernetes.default.svc.cluster.local',
      'outbound|9090||prometheus.istio-system.svc.cluster.local',
    ];
    expect(realClusters.map((c) => c.name)).toEqual(expect.arrayContaining(realOnly));
    expect(names(simClusters)).toEqual(names(realClusters).filter((n) => !realOnly.includes(n)));
    expect(names(simClusters)).toEqual(
      expect.arrayContaining([
        'BlackHoleCluster',
        'InboundPassthroughCluster',
        'PassthroughCluster',
        'inbound|9080||',
        `outbound|9080|blue|reviews.${NAMESPACE}.svc.cluster.local`,
        `outbound|9080|green|reviews.${NAMESPACE}.svc.cluster.local`,
      ]),
    );
    for (const cluster of simClusters) {
      const match = realClusters.find((c) => c.name === cluster.name);
      expect(match, String(cluster.name)).toMatchObject(cluster);
    }

    // switchyard's core reads both dumps alike, and finds the change it made.
    const expectation = {
      host: `reviews.${NAMESPACE}.svc.cluster.local`,
      port: 9080,
      routeName: 'primary',
      weights: { blue: 90, green: 10 },
      headerRoute: { present: true, name: 'switchyard-reviews-prerelease', destination: 'green' },
    };
    const inspections = dumps.map((d) =>
      inspectRoutes(parseRouteConfigDump(d), expectation, 'sidecar'),
    );
    expect(inspections[0]).toMatchObject({ relevant: true, mismatch: undefined });
    const withoutVersions = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'version' ? '' : v)));
    expect(withoutVersions(inspections[0])).toEqual(withoutVersions(inspections[1]));

    // syncz after the change: CDS, LDS and RDS pushed again, EDS not (no endpoint changed).
    const synced = await onBoth('every proxy synced to the change', async (side) => {
      const entries = await synczEntries(side);
      return allSynced(entries, 5) &&
        [...entries.values()].every((e) => e.route_sent !== e.endpoint_sent)
        ? entries
        : undefined;
    });
    expect(synced).toHaveLength(2);
    const [simSyncz, realSyncz] = await Promise.all(sides.map((s) => normalizedSyncz(s, true)));
    expect(simSyncz).toEqual(realSyncz);
  });

  it('records the same Istio label sets for both reporters, a 503 UH to an empty subset included', async () => {
    // 10% of productpage's requests and all of release-tester's go to green, which has no
    // pod: 503 UH at the source. The rest reach blue: both reporters.
    const window = '8s';
    const labelSets = await onBoth('a few scrapes of the 90/10 traffic', async (side) => {
      const sets = await activeLabelSets(side, 'istio_requests_total', window);
      return steady(sets) ? sets : undefined;
    });
    expect(labelSets[0]).toEqual(labelSets[1]);
    const uh = labelSets[0]!
      .map((s) => JSON.parse(s) as Record<string, string>)
      .filter((l) => l.response_flags === 'UH');
    expect(uh).toHaveLength(2);
    for (const labels of uh) {
      expect(labels).toMatchObject({
        reporter: 'source',
        response_code: '503',
        destination_service: `reviews.${NAMESPACE}.svc.cluster.local`,
        destination_service_name: 'reviews',
        // istio_stats takes it from the cluster's service metadata, with no host reached.
        destination_service_namespace: NAMESPACE,
        destination_workload: 'unknown',
      });
    }
    const histograms = await onBoth('the duration histogram', async (side) => {
      const sets = withoutLe(
        await activeLabelSets(side, 'istio_request_duration_milliseconds_bucket', window),
      );
      return steady(sets) ? sets : undefined;
    });
    expect(histograms[0]).toEqual(histograms[1]);
    expect(histograms[0]).toEqual(labelSets[0]);
    // The bucket boundaries, every series of the namespace (not only those that grew):
    // Istio's default buckets, and +Inf.
    const boundaries = await Promise.all(
      sides.map(async (side) =>
        (
          await side.promQuery(
            `count by (le) (istio_request_duration_milliseconds_bucket{source_workload_namespace="${NAMESPACE}"})`,
          )
        )
          .map((row) => row.metric.le!)
          .sort((a, b) => bound(a) - bound(b)),
      ),
    );
    expect(boundaries[0]).toEqual(boundaries[1]);
    expect(boundaries[1]).toEqual([
      ...['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000'],
      ...['10000', '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf'],
    ]);
  });

  it('shows a stuck proxy and a rejecting one the same way, and core judges them alike', async () => {
    await Promise.all(
      sides.map((side) =>
        side.setProxyOverrides([
          { match: { workload: 'productpage' }, stuck: true },
          { match: { workload: 'release-tester' }, reject: MESSAGE },
        ]),
      ),
    );
    await Promise.all(sides.map((side) => setWeights(side, 75, 25)));
    await onBoth('the stuck proxy STALE, the rejecting one ERROR', async (side) => {
      const stuck = await coreStatus(side, 'productpage');
      const rejecting = await coreStatus(side, 'release-tester');
      return stuck.state === 'STALE' && rejecting.state === 'ERROR' ? true : undefined;
    });
    for (const workload of ['productpage', 'release-tester']) {
      const [a, b] = await Promise.all(
        sides.map(async (side) => {
          const pods = await workloadPods(side);
          const pod = await podOf(side, workload);
          const entry = (await synczEntries(side)).get(`${pod}.${NAMESPACE}`)!;
          return normalizeSynczEntry(entry, (p) => pods.get(p) ?? p, false);
        }),
      );
      expect(a, workload).toEqual(b);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
    const [simRejecting, realRejecting] = await Promise.all(
      sides.map((side) => coreStatus(side, 'release-tester')),
    );
    expect(simRejecting?.lastError).toBe(MESSAGE);
    expect(realRejecting?.lastError).toBe(MESSAGE);
    for (const status of [simRejecting!, realRejecting!]) {
      // The acked nonce stays on the push before the rejected one.
      expect(status.acked).not.toBe(status.sent);
      expect(status.acked).toMatch(NONCE);
    }
    await Promise.all(sides.map((side) => side.setProxyOverrides([])));
  });

  it('shows a proxy that never answered its first push with cluster_sent alone', async () => {
    await Promise.all(
      sides.map((side) =>
        side.setProxyOverrides([{ match: { workload: 'reviews-green' }, stuck: true }]),
      ),
    );
    await Promise.all(
      sides.map((side) =>
        side.kubectl(['-n', NAMESPACE, 'scale', 'deployment', 'reviews-green', '--replicas=1']),
      ),
    );
    const entries = await onBoth('the new green proxy in syncz', async (side) => {
      const pod = (await workloadPods(side).then((p) => [...p])).find(
        ([, w]) => w === 'reviews-green',
      );
      return pod ? (await synczEntries(side)).get(`${pod[0]}.${NAMESPACE}`) : undefined;
    });
    // Whatever follows would come within a few apply delays; nothing does.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const normalized = await Promise.all(
      sides.map(async (side, i) => {
        const id = entries[i]!.proxy;
        const entry = (await synczEntries(side)).get(id)!;
        return normalizeSynczEntry(entry, () => 'reviews-green');
      }),
    );
    expect(normalized[0]).toEqual(normalized[1]);
    expect(normalized[1]).toEqual({
      cluster_id: 'Kubernetes',
      proxy: `reviews-green.${NAMESPACE}`,
      proxy_type: 'sidecar',
      istio_version: expect.any(String) as string,
      cluster_sent: 'V1#1',
      resources: { [CLUSTER_TYPE]: { sent: 'V1#1', sentTime: '<time>' } },
    });
    for (const side of sides) {
      const pod = entries[sides.indexOf(side)]!.proxy.split('.')[0]!;
      const status = await coreStatus(side, 'reviews-green');
      expect(status.proxy).toBe(`${pod}.${NAMESPACE}`);
      // No route pushed at all: NOT SENT, as istioctl prints it.
      expect(status.state).toBe('NOT SENT');
      expect(status.sent).toBe('');
    }
    expect(ROUTE_TYPE in (entries[1]!.resources ?? {})).toBe(false);
  });
});
