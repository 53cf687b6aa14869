/**
 * The ambient test bed, which ambient releases are judged on: istiod started as Istio's
 * ambient profile starts it deploys the namespace's waypoint and binds its Services to it;
 * the fleet enrols the pods as istio-cni would and plays the waypoint as pilot-agent's Envoy
 * (delta xDS); syncz lists it as a waypoint whose routes arrive in listener pushes;
 * `config_dump` shows the main_internal listener's chain for the Service's VIP and port with
 * its routes inline and internal-address endpoints; ambient clients' requests go through it
 * and are recorded with the label set Istio's own ambient tests expect; a sidecar caller of
 * the same Service routes by its own sidecar (a mixed namespace); a stuck waypoint stays
 * STALE, a rejecting one shows Envoy's message. Recorded in docs/conformance-mesh.md
 * ("Ambient mode").
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSyncz } from '@switchyard/core/internal-testing';
import { waitFor } from '@switchyard/test-utils';
import { synczEntries, type SynczEntry } from '../mesh-observations.js';
import {
  ambientNamespace,
  MESH_ROUTE,
  SIDECAR_CALLER,
  WAYPOINT,
  type AmbientNamespace,
} from './ambient-bed.js';

const info = inject('realCluster');
let ns: AmbientNamespace;

beforeAll(async () => {
  ns = await ambientNamespace(info, 'conformance-waypoint', {
    greenReplicas: 1,
    sidecarCaller: true,
  });
});
afterEach(async () => {
  await ns.setProxyOverrides([]);
});
afterAll(async () => {
  await ns?.remove();
});

const fqdn = (service: string) => `${service}.${ns.namespace}.svc.cluster.local`;
/** The waypoint's cluster for a Service it serves (istiod: `inbound-vip|<port>|http|<host>`). */
const vipCluster = (service: string) => `inbound-vip|9080|http|${fqdn(service)}`;

interface PodShape {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: { containers: { name: string; args?: string[] }[] };
  status: { phase: string; podIP?: string };
}

async function pods(selector: string): Promise<PodShape[]> {
  const list = await ns.kubectlJson<{ items: PodShape[] }>([
    '-n',
    ns.namespace,
    'get',
    'pods',
    '-l',
    selector,
  ]);
  return list.items
    .filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

async function waypointPod(): Promise<PodShape> {
  const list = await pods(`gateway.networking.k8s.io/gateway-name=${WAYPOINT}`);
  if (list.length !== 1) throw new Error(`expected one waypoint pod, found ${list.length}`);
  return list[0] as PodShape;
}

/** The namespace's raw syncz entries, by proxy id (the first replica listing each). */
function entries(): Promise<Map<string, SynczEntry>> {
  return synczEntries({ namespace: ns.namespace, kubeconfig: info.kubeconfig });
}

interface HcmDump {
  route_config?: {
    name: string;
    virtual_hosts: {
      domains: string[];
      routes: {
        route?: { cluster?: string; weighted_clusters?: { clusters: WeightedCluster[] } };
      }[];
    }[];
  };
  rds?: { route_config_name: string };
}
interface WeightedCluster {
  name: string;
  weight: number;
}
interface ListenerDump {
  name: string;
  internal_listener?: Record<string, unknown>;
  filter_chains: { name: string; filters: { name: string; typed_config: HcmDump }[] }[];
}

/** The waypoint's main_internal listener as its Envoy admin dumps it. */
async function mainInternal(pod: string): Promise<ListenerDump> {
  const dump = (await ns.configDump(
    pod,
    'resource=dynamic_listeners&name_regex=main_internal',
  )) as { configs: { active_state: { listener: ListenerDump } }[] };
  const listener = dump.configs[0]?.active_state.listener;
  if (!listener) throw new Error(`${pod} has no main_internal listener`);
  return listener;
}

/** What the waypoint routes reviews:9080 to: `{blue: 80, green: 20}`, `{blue: 100}`. */
async function waypointRouted(pod: string): Promise<Record<string, number>> {
  const chain = (await mainInternal(pod)).filter_chains.find(
    (c) => c.name === vipCluster('reviews'),
  );
  const route = chain?.filters[0]?.typed_config.route_config?.virtual_hosts[0]?.routes[0]?.route;
  const slot = (name: string) =>
    name === vipCluster('reviews-blue')
      ? 'blue'
      : name === vipCluster('reviews-green')
        ? 'green'
        : name;
  if (!route) return {};
  if (route.cluster) return { [slot(route.cluster)]: 100 };
  return Object.fromEntries(
    (route.weighted_clusters?.clusters ?? []).map((c) => [slot(c.name), c.weight]),
  );
}

async function waitWaypointRouted(expected: Record<string, number>): Promise<void> {
  const pod = (await waypointPod()).metadata.name;
  await waitFor(
    async () => JSON.stringify(await waypointRouted(pod)) === JSON.stringify(expected),
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: `waypoint routing ${JSON.stringify(expected)}`,
    },
  );
}

async function applyWeights(weights: { blue: number; green: number }) {
  const generation = await ns.setWeights(MESH_ROUTE, weights);
  return ns.routeStatusAt(MESH_ROUTE, generation);
}

/** Every proxy of the namespace SYNCED on its routes, as core reads syncz. */
async function waitAllSynced(): Promise<void> {
  await waitFor(
    async () => {
      const statuses = await ns.syncz();
      return statuses.length >= 2 && statuses.every((s) => s.state === 'SYNCED');
    },
    { timeoutMs: 60_000, intervalMs: 500, description: 'every proxy SYNCED' },
  );
}

/**
 * Label sets of a selector's series, of this namespace's clients, that grew over the last
 * `window` (other files' namespaces have clients of the same names).
 */
async function grown(selector: string, window = '15s') {
  return ns.promQuery(
    `sum by (__name__) (increase(istio_requests_total{source_workload_namespace="${ns.namespace}",${selector}}[${window}]))`,
  );
}

describe('ambient mode on real istiod', () => {
  it('deploys the waypoint of the ambient profile and binds the namespace’s Services to it', async () => {
    const classes = await ns.kubectlJson<{
      items: { metadata: { name: string }; spec: { controllerName: string } }[];
    }>(['get', 'gatewayclasses']);
    expect(classes.items.find((c) => c.metadata.name === 'istio-waypoint')?.spec).toMatchObject({
      controllerName: 'istio.io/mesh-controller',
    });
    const gateway = await waitFor(
      async () => {
        const gw = await ns.kubectlJson<{
          status?: {
            addresses?: { type: string; value: string }[];
            conditions?: { type: string; status: string }[];
          };
        }>(['-n', ns.namespace, 'get', 'gateway', WAYPOINT]);
        return gw.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True')
          ? gw
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the waypoint Programmed' },
    );
    expect(gateway.status?.addresses).toContainEqual({
      type: 'Hostname',
      value: fqdn(WAYPOINT),
    });
    const service = await ns.kubectlJson<{ spec: { ports: { name: string; port: number }[] } }>([
      '-n',
      ns.namespace,
      'get',
      'service',
      WAYPOINT,
    ]);
    expect(service.spec.ports.map((p) => p.port).sort()).toEqual([15008, 15021]);
    const pod = await waypointPod();
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['istio-proxy']);
    expect(pod.spec.containers[0]?.args?.slice(0, 2)).toEqual(['proxy', 'waypoint']);
    expect(pod.metadata.labels?.['istio.io/dataplane-mode']).toBe('none');

    const bound = await waitFor(
      async () => {
        const svc = await ns.kubectlJson<{
          status?: { conditions?: { type: string; status: string; message: string }[] };
        }>(['-n', ns.namespace, 'get', 'service', 'reviews']);
        return svc.status?.conditions?.find((c) => c.type === 'istio.io/WaypointBound');
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'reviews WaypointBound' },
    );
    expect(bound).toMatchObject({
      status: 'True',
      message: `Successfully attached to waypoint ${ns.namespace}/${WAYPOINT}`,
    });
  });

  it('enrols the pods as istio-cni would, but not the waypoint or a pod with a sidecar', async () => {
    const redirection = (p: PodShape) => p.metadata.annotations?.['ambient.istio.io/redirection'];
    for (const app of ['productpage', 'release-tester', 'reviews']) {
      const list = await pods(`app=${app}`);
      expect(list.length).toBeGreaterThan(0);
      for (const p of list) expect(redirection(p), p.metadata.name).toBe('enabled');
    }
    expect(redirection(await waypointPod())).toBeUndefined();
    const [caller] = await pods(`app=${SIDECAR_CALLER}`);
    expect(redirection(caller as PodShape)).toBeUndefined();
    expect(caller?.spec.containers.map((c) => c.name)).toContain('istio-proxy');
    // The ambient profile's mesh-wide HBONE metadata reaches the injection template.
    expect(caller?.metadata.labels?.['networking.istio.io/tunnel']).toBe('http');
  });

  it('lists the waypoint in syncz with its routes in listener pushes, never RDS', async () => {
    await waitAllSynced();
    const pod = await waypointPod();
    const id = `${pod.metadata.name}.${ns.namespace}`;
    const entry = (await entries()).get(id);
    expect(Object.keys(entry ?? {})).toEqual([
      'cluster_id',
      'proxy',
      'proxy_type',
      'istio_version',
      'cluster_sent',
      'cluster_acked',
      'listener_sent',
      'listener_acked',
      'endpoint_sent',
      'endpoint_acked',
      'resources',
    ]);
    expect(entry?.proxy_type).toBe('waypoint');
    expect(Object.keys(entry?.resources ?? {}).sort()).toEqual([
      'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
      'type.googleapis.com/envoy.config.listener.v3.Listener',
    ]);
    const [status] = parseSyncz([entry], 'istiod');
    expect(status).toMatchObject({
      routesType: 'LDS',
      state: 'SYNCED',
      sent: entry?.listener_sent,
    });
    const fleet = (await ns.proxies()).find((p) => p.pod === pod.metadata.name);
    expect(fleet?.nodeId).toBe(
      `waypoint~${pod.status.podIP}~${pod.metadata.name}.${ns.namespace}~${ns.namespace}.svc.cluster.local`,
    );
    const [caller] = await pods(`app=${SIDECAR_CALLER}`);
    const callerEntry = (await entries()).get(`${caller?.metadata.name}.${ns.namespace}`);
    expect(callerEntry).toMatchObject({ proxy_type: 'sidecar' });
    expect(callerEntry).toHaveProperty('route_sent');
  });

  it('dumps main_internal with a chain for the VIP and port, its routes inline, endpoints internal', async () => {
    await applyWeights({ blue: 100, green: 0 });
    await waitWaypointRouted({ blue: 100 });
    const pod = (await waypointPod()).metadata.name;
    const listeners = (await ns.configDump(pod, 'resource=dynamic_listeners')) as {
      configs: { name: string }[];
    };
    expect(listeners.configs.map((c) => c.name)).toEqual(
      expect.arrayContaining(['connect_originate', 'connect_terminate', 'main_internal']),
    );
    const main = await mainInternal(pod);
    expect(main.internal_listener).toEqual({});
    const chain = main.filter_chains.find((c) => c.name === vipCluster('reviews'));
    const hcm = chain?.filters.find(
      (f) => f.name === 'envoy.filters.network.http_connection_manager',
    );
    expect(hcm?.typed_config.route_config?.name).toBe(vipCluster('reviews'));
    expect(hcm?.typed_config.rds).toBeUndefined();
    expect(hcm?.typed_config.route_config?.virtual_hosts[0]?.domains).toEqual(['*']);

    const dump = (await ns.configDump(pod, 'include_eds')) as {
      configs: Record<string, unknown>[];
    };
    const clusters = dump.configs.find((c) =>
      String(c['@type']).endsWith('ClustersConfigDump'),
    ) as {
      version_info?: string;
      dynamic_active_clusters: { version_info?: string; cluster: { name: string } }[];
    };
    // Delta xDS: istiod versions the push, not each resource, and Envoy dumps what it got.
    expect(clusters.version_info).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(clusters.dynamic_active_clusters.every((c) => c.version_info === undefined)).toBe(true);
    expect(clusters.dynamic_active_clusters.map((c) => c.cluster.name)).toContain(
      vipCluster('reviews-blue'),
    );
    const endpoints = dump.configs.find((c) =>
      String(c['@type']).endsWith('EndpointsConfigDump'),
    ) as {
      dynamic_endpoint_configs: {
        endpoint_config: {
          cluster_name: string;
          endpoints?: { lb_endpoints: { endpoint: { address: Record<string, unknown> } }[] }[];
        };
      }[];
    };
    const blue = endpoints.dynamic_endpoint_configs.find(
      (e) => e.endpoint_config.cluster_name === vipCluster('reviews-blue'),
    );
    const blueIPs = (await pods('app=reviews,version=blue')).map((p) => `${p.status.podIP}:9080`);
    const addresses = (blue?.endpoint_config.endpoints ?? []).flatMap((l) =>
      l.lb_endpoints.map((e) => e.endpoint.address),
    );
    // Sorted by endpoint id, as the expected list is: `.sort()` leaves objects in Envoy's
    // order, which matched only while no pod IP had fewer digits than another.
    const internal = addresses
      .map((a) => a.envoy_internal_address as { endpoint_id?: unknown } | undefined)
      .sort((a, b) => (String(a?.endpoint_id) < String(b?.endpoint_id) ? -1 : 1));
    expect(internal).toEqual(
      blueIPs.sort().map((id) => ({ server_listener_name: 'connect_originate', endpoint_id: id })),
    );
    const routes = dump.configs.find((c) => String(c['@type']).endsWith('RoutesConfigDump'));
    expect(routes?.dynamic_route_configs).toBeUndefined();
  });

  it('brings a weight change to the waypoint as a listener push and splits ambient traffic', async () => {
    await waitAllSynced();
    const pod = await waypointPod();
    const id = `${pod.metadata.name}.${ns.namespace}`;
    const before = (await entries()).get(id);
    await applyWeights({ blue: 80, green: 20 });
    await waitWaypointRouted({ blue: 80, green: 20 });
    await waitAllSynced();
    const after = (await entries()).get(id);
    expect(after?.listener_sent).not.toBe(before?.listener_sent);
    expect(after).not.toHaveProperty('route_sent');

    const start = await ns.traffic();
    await new Promise((r) => setTimeout(r, 15_000));
    const end = await ns.traffic();
    const count = (client: string, destination: string) =>
      (end.find((c) => c.name === client)?.byDestination[destination] ?? 0) -
      (start.find((c) => c.name === client)?.byDestination[destination] ?? 0);
    const green = count('productpage', 'reviews-green');
    const total = green + count('productpage', 'reviews-blue');
    expect(total).toBeGreaterThan(200);
    expect(Math.abs(green / total - 0.2)).toBeLessThanOrEqual(5 * Math.sqrt((0.2 * 0.8) / total));
    const bySlot = await ns.promQuery(
      `sum by (destination_service_name) (increase(istio_requests_total{reporter="waypoint",destination_service_namespace="${ns.namespace}",source_workload="productpage"}[15s]))`,
    );
    const share = Object.fromEntries(
      bySlot.map((s) => [s.metric.destination_service_name, s.value]),
    );
    const promTotal = (share['reviews-blue'] ?? 0) + (share['reviews-green'] ?? 0);
    expect(promTotal).toBeGreaterThan(200);
    expect(Math.abs((share['reviews-green'] ?? 0) / promTotal - 0.2)).toBeLessThanOrEqual(
      5 * Math.sqrt((0.2 * 0.8) / promTotal),
    );
  });

  it("records ambient requests with the labels Istio's ambient tests expect of a waypoint", async () => {
    const series = await waitFor(
      async () => {
        const found = await ns.promQuery(
          `istio_requests_total{reporter="waypoint",source_workload="productpage",destination_service_namespace="${ns.namespace}",destination_service_name="reviews-blue",response_code="200"}`,
        );
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: 'a waypoint series' },
    );
    // bookinfo's pods run as the namespace's default ServiceAccount.
    const principal = `spiffe://cluster.local/ns/${ns.namespace}/sa/default`;
    // tests/integration/ambient/baseline_test.go buildQuery (istio.io/istio at the pinned
    // commit): the labels a waypoint must record for a captured client's request.
    expect(series[0]?.metric).toMatchObject({
      reporter: 'waypoint',
      request_protocol: 'http',
      response_code: '200',
      response_flags: '-',
      connection_security_policy: 'mutual_tls',
      destination_canonical_service: 'reviews',
      destination_canonical_revision: 'blue',
      destination_service: fqdn('reviews-blue'),
      destination_principal: principal,
      destination_service_name: 'reviews-blue',
      destination_workload: 'reviews-blue',
      destination_workload_namespace: ns.namespace,
      destination_service_namespace: ns.namespace,
      source_canonical_service: 'productpage',
      source_canonical_revision: 'v1',
      source_principal: principal,
      source_workload: 'productpage',
      source_workload_namespace: ns.namespace,
      // From istiod's workload metadata, which carries the canonical names.
      destination_app: 'reviews',
      destination_version: 'blue',
    });
    // The sidecar caller bypasses the waypoint: its own sidecar reports (source), and the
    // ambient backends have no sidecar to report as destination.
    const sidecar = await grown(`source_workload="${SIDECAR_CALLER}"`, '30s');
    expect(sidecar.length).toBeGreaterThan(0);
    const reporters = await ns.promQuery(
      `sum by (reporter) (increase(istio_requests_total{source_workload="${SIDECAR_CALLER}",destination_service_namespace="${ns.namespace}"}[30s]))`,
    );
    expect(reporters.map((r) => r.metric.reporter)).toEqual(['source']);
    const destination = await ns.promQuery(
      `istio_requests_total{reporter="destination",destination_workload_namespace="${ns.namespace}"}`,
    );
    expect(destination).toEqual([]);
  });

  it('keeps a stuck waypoint STALE on LDS; shows a rejecting one ERROR with Envoy’s message', async () => {
    await applyWeights({ blue: 100, green: 0 });
    await waitWaypointRouted({ blue: 100 });
    await waitAllSynced();
    await ns.setProxyOverrides([{ match: { proxyType: 'waypoint' }, stuck: true }]);
    await applyWeights({ blue: 50, green: 50 });
    const stale = await waitFor(
      async () => {
        const statuses = await ns.syncz();
        const waypoint = statuses.find((s) => s.proxyType === 'waypoint');
        const sidecars = statuses.filter((s) => s.proxyType === 'sidecar');
        return waypoint?.state === 'STALE' && sidecars.every((s) => s.state === 'SYNCED')
          ? waypoint
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the waypoint STALE, sidecars SYNCED' },
    );
    expect(stale.routesType).toBe('LDS');
    expect(await waypointRouted((await waypointPod()).metadata.name)).toEqual({ blue: 100 });

    const message =
      'Error adding/updating listener(s) main_internal: Proto constraint validation failed';
    await ns.setProxyOverrides([{ match: { proxyType: 'waypoint' }, reject: message }]);
    await applyWeights({ blue: 40, green: 60 });
    const rejecting = await waitFor(
      async () => {
        const waypoint = (await ns.syncz()).find((s) => s.proxyType === 'waypoint');
        return waypoint?.state === 'ERROR' ? waypoint : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the waypoint ERROR' },
    );
    expect(rejecting.lastError).toBe(message);
    expect(await waypointRouted((await waypointPod()).metadata.name)).toEqual({ blue: 100 });
    const entry = (await entries()).get(rejecting.proxy);
    expect(
      entry?.resources?.['type.googleapis.com/envoy.config.listener.v3.Listener']?.lastError,
    ).toBe(message);
    expect(entry).not.toHaveProperty('route_sent');

    await ns.setProxyOverrides([]);
    await applyWeights({ blue: 100, green: 0 });
    await waitAllSynced();
  });

  it('leaves a Service opted out of the waypoint to ztunnel: served at L4, reported by no proxy', async () => {
    await ns.kubectl([
      '-n',
      ns.namespace,
      'label',
      'service',
      'reviews',
      'istio.io/use-waypoint=none',
    ]);
    try {
      await waitFor(
        async () => {
          const svc = await ns.kubectlJson<{
            status?: { conditions?: { type: string }[] };
          }>(['-n', ns.namespace, 'get', 'service', 'reviews']);
          return !svc.status?.conditions?.some((c) => c.type === 'istio.io/WaypointBound');
        },
        { timeoutMs: 60_000, intervalMs: 500, description: 'reviews no longer WaypointBound' },
      );
      // Let requests already through the waypoint leave the 10 s window.
      await new Promise((r) => setTimeout(r, 12_000));
      const before = (await ns.traffic()).find((c) => c.name === 'productpage');
      await new Promise((r) => setTimeout(r, 5_000));
      const after = (await ns.traffic()).find((c) => c.name === 'productpage');
      expect((after?.byCode['200'] ?? 0) - (before?.byCode['200'] ?? 0)).toBeGreaterThan(100);
      const recorded = await grown('source_workload="productpage",reporter="waypoint"', '10s');
      expect(recorded.every((s) => s.value === 0)).toBe(true);
    } finally {
      await ns.kubectl([
        '-n',
        ns.namespace,
        'label',
        'service',
        'reviews',
        'istio.io/use-waypoint-',
      ]);
    }
  });
});
