/**
 * The real test bed's Gateway API side, which the HTTPRoute backend is judged on: istiod
 * accepts the flavour's HTTPRoutes (mesh: the `reviews` Service as parent; ingress: the
 * `bookinfo-ingress` Gateway) and programs the Gateway whose proxy it deployed; syncz lists
 * the sidecars and the Gateway's router; a weight change reaches the sidecars' and the
 * router's `config_dump`; mesh and ingress traffic split by the applied weights, in the
 * fleet's counts and in Prometheus (the right reporter, `destination_service_name` the slot
 * Service); a stuck router stays STALE, a rejecting one shows ERROR with Envoy's message; and
 * how istiod translates weights (0, a lone backend, all zero) and a missing backend.
 * Recorded in docs/conformance-mesh.md ("Gateway API").
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils';
import {
  GATEWAY,
  GATEWAY_WORKLOAD,
  gatewayApiNamespace,
  INGRESS_HOST,
  INGRESS_ROUTE,
  MESH_ROUTE,
  type ClientCounters,
  type GatewayApiNamespace,
  type RouteParentStatus,
} from './gateway-api-bed.js';

const info = inject('realCluster');
let ns: GatewayApiNamespace;
const MESSAGE =
  'Proto constraint validation failed (RouteConfigurationValidationError.VirtualHosts[0]: unknown field)';

beforeAll(async () => {
  ns = await gatewayApiNamespace(info, 'conformance-gateway-api', { greenReplicas: 1 });
});
afterEach(async () => {
  await ns.setProxyOverrides([]);
});
afterAll(async () => {
  await ns?.remove();
});

const fqdn = (service: string) => `${service}.${ns.namespace}.svc.cluster.local`;
const cluster = (service: string) => `outbound|9080||${fqdn(service)}`;

function condition(parent: RouteParentStatus | undefined, type: string) {
  return parent?.conditions.find((c) => c.type === type);
}

/** Running pods of a label selector in the namespace. */
async function podsOf(selector: string): Promise<string[]> {
  const list = await ns.kubectlJson<{
    items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string } }[];
  }>(['-n', ns.namespace, 'get', 'pods', '-l', selector]);
  return list.items
    .filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name)
    .sort();
}

const gatewayPods = () => podsOf(`gateway.networking.k8s.io/gateway-name=${GATEWAY}`);

/** The Gateway's one router pod (istiod deploys one replica). */
async function routerPod(): Promise<string> {
  const pods = await gatewayPods();
  if (pods.length !== 1) throw new Error(`expected one router pod, found ${pods.join(', ')}`);
  return pods[0] as string;
}
const productpagePods = () => podsOf('app=productpage');

interface RouteDump {
  name: string;
  virtual_hosts?: {
    name: string;
    domains: string[];
    routes: {
      match: Record<string, unknown>;
      route?: RouteAction;
      direct_response?: { status: number };
    }[];
  }[];
}
interface RouteAction {
  cluster?: string;
  weighted_clusters?: { clusters: { name: string; weight: number }[] };
}

/** One route configuration of a proxy, as its Envoy admin dumps it. */
async function routeConfig(pod: string, name: string): Promise<RouteDump | undefined> {
  const dump = (await ns.configDump(
    pod,
    `resource=dynamic_route_configs&name_regex=${encodeURIComponent(name.replaceAll('.', '\\.'))}`,
  )) as { configs: { route_config: RouteDump }[] };
  return dump.configs.find((c) => c.route_config.name === name)?.route_config;
}

/**
 * What the first route of the virtual host serving `domain` does: `{blue: 80, green: 20}` for
 * weighted clusters, `{blue: 100}` for a plain cluster, `{direct: 500}` for a direct response.
 */
async function routedTo(pod: string, routeName: string, domain: string) {
  const rc = await routeConfig(pod, routeName);
  const vh = rc?.virtual_hosts?.find((v) => v.domains.includes(domain));
  const route = vh?.routes[0];
  if (!route) return undefined;
  if (route.direct_response) return { direct: route.direct_response.status };
  const slot = (name: string) =>
    name === cluster('reviews-blue') ? 'blue' : name === cluster('reviews-green') ? 'green' : name;
  const action = route.route ?? {};
  if (action.cluster) return { [slot(action.cluster)]: 100 };
  return Object.fromEntries(
    (action.weighted_clusters?.clusters ?? []).map((c) => [slot(c.name), c.weight]),
  );
}

/** Waits until every pod routes as expected (the sidecars' mesh route or the router's). */
async function waitRouted(
  pods: readonly string[],
  routeName: string,
  domain: string,
  expected: Record<string, number>,
): Promise<void> {
  for (const pod of pods) {
    await waitFor(
      async () =>
        JSON.stringify(await routedTo(pod, routeName, domain)) === JSON.stringify(expected),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: `${pod} routing ${domain} as ${JSON.stringify(expected)}`,
      },
    );
  }
}

const meshRouted = async (expected: Record<string, number>) =>
  waitRouted(await productpagePods(), '9080', fqdn('reviews'), expected);
const ingressRouted = async (expected: Record<string, number>) =>
  waitRouted(await gatewayPods(), 'http.80', INGRESS_HOST, expected);

/** Sets a route's weights and waits until istiod has judged that generation. */
async function applyWeights(route: string, weights: { blue: number; green: number }) {
  const generation = await ns.setWeights(route, weights);
  return ns.routeStatusAt(route, generation);
}

/** Every proxy of the namespace SYNCED on routes in syncz. */
async function waitAllSynced(): Promise<void> {
  await waitFor(
    async () => {
      const statuses = await ns.syncz();
      return statuses.length > 0 && statuses.every((s) => s.state === 'SYNCED');
    },
    { timeoutMs: 60_000, intervalMs: 500, description: 'every proxy SYNCED' },
  );
}

/** Destinations a client's requests completed at between two reads of the counters. */
function delta(before: ClientCounters[], after: ClientCounters[], client: string) {
  const b = before.find((c) => c.name === client);
  const a = after.find((c) => c.name === client);
  if (!a) throw new Error(`no counters for client ${client}`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a.byDestination)) {
    const d = v - (b?.byDestination[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** The status codes a client's requests completed with over the next `ms`. */
async function codesOver(client: string, ms: number): Promise<Record<string, number>> {
  const before = (await ns.traffic()).find((c) => c.name === client);
  await new Promise((r) => setTimeout(r, ms));
  const after = (await ns.traffic()).find((c) => c.name === client);
  const out: Record<string, number> = {};
  for (const [code, n] of Object.entries(after?.byCode ?? {})) {
    const d = n - (before?.byCode[code] ?? 0);
    if (d > 0) out[code] = d;
  }
  return out;
}

/** A share and the binomial bound it must fall in: five standard deviations. */
function expectShare(part: number, total: number, weight: number): void {
  const p = weight / 100;
  const bound = 5 * Math.sqrt((p * (1 - p)) / total);
  expect(total).toBeGreaterThan(200);
  expect(Math.abs(part / total - p), `${part} of ${total}, weight ${weight}`).toBeLessThanOrEqual(
    bound,
  );
}

describe('Gateway API on real istiod', () => {
  it('accepts both HTTPRoutes and programs the Gateway it deployed', async () => {
    const mesh = await ns.httpRoute(MESH_ROUTE);
    const [meshParent] = await ns.routeStatusAt(MESH_ROUTE, mesh.metadata.generation);
    expect(meshParent?.parentRef).toMatchObject({
      group: '',
      kind: 'Service',
      name: 'reviews',
      port: 9080,
    });
    expect(meshParent?.controllerName).toBe('istio.io/gateway-controller');
    expect(condition(meshParent, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(meshParent, 'ResolvedRefs')).toMatchObject({
      status: 'True',
      reason: 'ResolvedRefs',
    });

    const ingress = await ns.httpRoute(INGRESS_ROUTE);
    const [ingressParent] = await ns.routeStatusAt(INGRESS_ROUTE, ingress.metadata.generation);
    expect(ingressParent?.parentRef).toMatchObject({
      kind: 'Gateway',
      name: GATEWAY,
      sectionName: 'http',
    });
    expect(condition(ingressParent, 'Accepted')).toMatchObject({
      status: 'True',
      reason: 'Accepted',
    });
    expect(condition(ingressParent, 'ResolvedRefs')).toMatchObject({
      status: 'True',
      reason: 'ResolvedRefs',
    });

    // What istiod deployed for the Gateway: a Deployment, Service and ServiceAccount named
    // <gateway>-istio, the pod running pilot-agent as a router.
    const gatewayPod = await ns.kubectlJson<{
      items: {
        spec: { serviceAccountName: string; containers: { name: string; args: string[] }[] };
      }[];
    }>([
      '-n',
      ns.namespace,
      'get',
      'pods',
      '-l',
      `gateway.networking.k8s.io/gateway-name=${GATEWAY}`,
    ]);
    expect(gatewayPod.items[0]?.spec.serviceAccountName).toBe(GATEWAY_WORKLOAD);
    expect(gatewayPod.items[0]?.spec.containers.map((c) => [c.name, c.args.slice(0, 2)])).toEqual([
      ['istio-proxy', ['proxy', 'router']],
    ]);
    const service = await ns.kubectlJson<{ spec: { type: string; ports: { port: number }[] } }>([
      '-n',
      ns.namespace,
      'get',
      'service',
      GATEWAY_WORKLOAD,
    ]);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports.map((p) => p.port)).toEqual([15021, 80]);
    const gateway = await waitFor(
      async () => {
        const gw = await ns.kubectlJson<{
          status?: {
            addresses?: { type: string; value: string }[];
            conditions?: { type: string; status: string; reason: string }[];
          };
        }>(['-n', ns.namespace, 'get', 'gateway', GATEWAY]);
        return gw.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True')
          ? gw
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the Gateway Programmed' },
    );
    // Class istio reports hostnames: with a ClusterIP Service, the Service's own.
    expect(gateway.status?.addresses).toEqual([
      { type: 'Hostname', value: fqdn(GATEWAY_WORKLOAD) },
    ]);
    expect(gateway.status?.conditions?.find((c) => c.type === 'Accepted')).toMatchObject({
      status: 'True',
    });
  });

  it('lists the sidecars and the Gateway router in syncz, as the fleet plays them', async () => {
    await waitAllSynced();
    const statuses = await ns.syncz();
    const router = await routerPod();
    const types = Object.fromEntries(statuses.map((s) => [s.pod, s.proxyType]));
    expect(types[router]).toBe('router');
    for (const pod of await productpagePods()) expect(types[pod]).toBe('sidecar');
    expect(Object.values(types).filter((t) => t === 'router')).toHaveLength(1);
    // The node id and metadata pilot-agent sends for a router.
    const proxy = (await ns.proxies()).find((p) => p.pod === router);
    expect(proxy).toMatchObject({ proxyType: 'router', workload: GATEWAY_WORKLOAD });
    expect(proxy?.nodeId).toMatch(
      new RegExp(
        `^router~[0-9.]+~${router}\\.${ns.namespace}~${ns.namespace}\\.svc\\.cluster\\.local$`,
      ),
    );
  });

  it('turns a lone backend into a plain cluster and a weight of 0 into no cluster', async () => {
    // As the manifests have it: blue 100, green 0, on both routes.
    await applyWeights(MESH_ROUTE, { blue: 100, green: 0 });
    await applyWeights(INGRESS_ROUTE, { blue: 100, green: 0 });
    await meshRouted({ blue: 100 });
    await ingressRouted({ blue: 100 });
  });

  it('brings a weight change on each HTTPRoute to the sidecars and to the router', async () => {
    await applyWeights(MESH_ROUTE, { blue: 100, green: 0 });
    await applyWeights(INGRESS_ROUTE, { blue: 100, green: 0 });
    await meshRouted({ blue: 100 });
    await ingressRouted({ blue: 100 });
    const [meshParent] = await applyWeights(MESH_ROUTE, { blue: 80, green: 20 });
    expect(condition(meshParent, 'Accepted')?.status).toBe('True');
    await meshRouted({ blue: 80, green: 20 });
    // A mesh route is no Gateway's: the router keeps its own.
    await ingressRouted({ blue: 100 });

    await applyWeights(INGRESS_ROUTE, { blue: 70, green: 30 });
    await ingressRouted({ blue: 70, green: 30 });
    await meshRouted({ blue: 80, green: 20 });
    await waitAllSynced();
  });

  it('splits mesh and ingress traffic by the applied weights, in the fleet and in Prometheus', async () => {
    await applyWeights(MESH_ROUTE, { blue: 80, green: 20 });
    await applyWeights(INGRESS_ROUTE, { blue: 70, green: 30 });
    await meshRouted({ blue: 80, green: 20 });
    await ingressRouted({ blue: 70, green: 30 });
    await waitAllSynced();
    const window = 15;
    const before = await ns.traffic();
    const start = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, window * 1000));
    const after = await ns.traffic();

    const mesh = delta(before, after, 'productpage');
    const ingress = delta(before, after, GATEWAY_WORKLOAD);
    const total = (d: Record<string, number>) => Object.values(d).reduce((a, b) => a + b, 0);
    expectShare(mesh['reviews-green'] ?? 0, total(mesh), 20);
    expectShare(ingress['reviews-green'] ?? 0, total(ingress), 30);
    expect(Object.keys(ingress).sort()).toEqual(['reviews-blue', 'reviews-green']);

    // Prometheus (1 s scrapes): the increase over the same window, by reporter, source and
    // slot Service. Let a scrape or two land first.
    await new Promise((r) => setTimeout(r, 3000));
    const range = Math.round(Date.now() / 1000 - start);
    const samples = await ns.promQuery(
      `sum by (reporter, source_workload, destination_service_name, destination_service) ` +
        `(increase(istio_requests_total{destination_service_namespace="${ns.namespace}",response_code="200"}[${range}s]))`,
    );
    const by = (reporter: string, source: string, service: string) =>
      samples.find(
        (s) =>
          s.metric.reporter === reporter &&
          s.metric.source_workload === source &&
          s.metric.destination_service_name === service,
      );
    for (const [source, greenWeight] of [
      ['productpage', 20],
      [GATEWAY_WORKLOAD, 30],
    ] as const) {
      for (const reporter of ['source', 'destination']) {
        const blue = by(reporter, source, 'reviews-blue');
        const green = by(reporter, source, 'reviews-green');
        expect(blue?.metric.destination_service).toBe(fqdn('reviews-blue'));
        expect(green?.metric.destination_service).toBe(fqdn('reviews-green'));
        expectShare(green?.value ?? 0, (green?.value ?? 0) + (blue?.value ?? 0), greenWeight);
      }
    }
    // Nothing in the window names the parent Service: an HTTPRoute's slots are its backends.
    // (A series may exist from before the sidecars had their routes: TCP passthrough to the
    // reviews ClusterIP, recorded by the server's sidecar; it does not grow.)
    expect(
      samples.filter((s) => s.metric.destination_service_name === 'reviews' && s.value > 0),
    ).toEqual([]);
  });

  it('keeps a stuck router STALE in syncz while the sidecars sync', async () => {
    const router = await routerPod();
    await applyWeights(INGRESS_ROUTE, { blue: 70, green: 30 });
    await ingressRouted({ blue: 70, green: 30 });
    await waitAllSynced();
    await ns.setProxyOverrides([{ match: { proxyType: 'router' }, stuck: true }]);
    await applyWeights(INGRESS_ROUTE, { blue: 60, green: 40 });
    const stale = await waitFor(
      async () => {
        const statuses = await ns.syncz();
        const r = statuses.find((s) => s.pod === router);
        const sidecars = statuses.filter((s) => s.proxyType === 'sidecar');
        return r?.state === 'STALE' && sidecars.every((s) => s.state === 'SYNCED') ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the router STALE, the sidecars SYNCED' },
    );
    expect(stale.proxyType).toBe('router');
    // It stays so: the router still routes by the weights it had.
    await new Promise((r) => setTimeout(r, 5000));
    expect((await ns.syncz()).find((s) => s.pod === router)?.state).toBe('STALE');
    expect(await routedTo(router, 'http.80', INGRESS_HOST)).toEqual({ blue: 70, green: 30 });

    await ns.setProxyOverrides([]);
    await ingressRouted({ blue: 60, green: 40 });
    await waitAllSynced();
  });

  it('shows a router that rejects the routes as ERROR with Envoy’s message', async () => {
    const router = await routerPod();
    await applyWeights(INGRESS_ROUTE, { blue: 60, green: 40 });
    await ingressRouted({ blue: 60, green: 40 });
    await waitAllSynced();
    await ns.setProxyOverrides([{ match: { proxyType: 'router' }, reject: MESSAGE }]);
    await applyWeights(INGRESS_ROUTE, { blue: 50, green: 50 });
    const rejected = await waitFor(
      async () => {
        const r = (await ns.syncz()).find((s) => s.pod === router);
        return r?.state === 'ERROR' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the router ERROR' },
    );
    expect(rejected.lastError).toContain(MESSAGE);
    expect(await routedTo(router, 'http.80', INGRESS_HOST)).toEqual({ blue: 60, green: 40 });

    await ns.setProxyOverrides([]);
    // Envoy's next ack (a later push) clears the error: push the same weights again.
    await ns.setWeights(INGRESS_ROUTE, { blue: 70, green: 30 });
    await ingressRouted({ blue: 70, green: 30 });
    await waitAllSynced();
  });

  it('turns all-zero weights into a 500 for every request', async () => {
    const [parent] = await applyWeights(INGRESS_ROUTE, { blue: 0, green: 0 });
    // istiod accepts it: nothing in the status warns of the 500s.
    expect(condition(parent, 'Accepted')?.status).toBe('True');
    expect(condition(parent, 'ResolvedRefs')?.status).toBe('True');
    await ingressRouted({ direct: 500 });
    await waitAllSynced();
    const codes = await codesOver(GATEWAY_WORKLOAD, 3000);
    expect(Object.keys(codes)).toEqual(['500']);

    await applyWeights(INGRESS_ROUTE, { blue: 100, green: 0 });
    await ingressRouted({ blue: 100 });
  });

  it('reports a missing backend Service in ResolvedRefs and answers its share with 500', async () => {
    const route = await ns.httpRoute(INGRESS_ROUTE);
    const patch = [
      { op: 'test', path: '/metadata/resourceVersion', value: route.metadata.resourceVersion },
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 50 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/name', value: 'reviews-missing' },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 50 },
    ];
    const patched = JSON.parse(
      await ns.kubectl([
        '-n',
        ns.namespace,
        'patch',
        'httproute',
        INGRESS_ROUTE,
        '--type=json',
        '-p',
        JSON.stringify(patch),
        '-o',
        'json',
      ]),
    ) as { metadata: { generation: number } };
    const [parent] = await ns.routeStatusAt(INGRESS_ROUTE, patched.metadata.generation);
    // Accepted all the same: the refusal is in ResolvedRefs alone.
    expect(condition(parent, 'Accepted')?.status).toBe('True');
    expect(condition(parent, 'ResolvedRefs')).toMatchObject({
      status: 'False',
      reason: 'BackendNotFound',
      message: `backend(${fqdn('reviews-missing')}) not found`,
    });
    // The backend stays in the route, as a cluster no proxy has; Envoy answers its share
    // with the route's cluster_not_found_response_code, 500.
    await ingressRouted({ blue: 50, [cluster('reviews-missing')]: 50 });
    await waitAllSynced();
    const codes = await codesOver(GATEWAY_WORKLOAD, 8000);
    expect(Object.keys(codes).sort()).toEqual(['200', '500']);
    const { 200: ok = 0, 500: failed = 0 } = codes;
    expectShare(failed, ok + failed, 50);

    const current = await ns.httpRoute(INGRESS_ROUTE);
    const restore = [
      { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 100 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/name', value: 'reviews-green' },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 0 },
    ];
    await ns.kubectl([
      '-n',
      ns.namespace,
      'patch',
      'httproute',
      INGRESS_ROUTE,
      '--type=json',
      '-p',
      JSON.stringify(restore),
    ]);
    await ingressRouted({ blue: 100 });
  });

  it('reports a Gateway whose LoadBalancer address is pending as not Programmed', async () => {
    // Without the ClusterIP annotation, istiod asks for a LoadBalancer Service; nothing
    // provisions one here (as on a cluster without a load balancer controller).
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'pending-lb', namespace: ns.namespace },
      spec: {
        gatewayClassName: 'istio',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      },
    };
    await ns.kubectl(['apply', '-f', '-'], JSON.stringify(gateway));
    try {
      const status = await waitFor(
        async () => {
          const gw = await ns.kubectlJson<{
            status?: {
              addresses?: unknown[];
              conditions?: { type: string; status: string; reason: string; message: string }[];
            };
          }>(['-n', ns.namespace, 'get', 'gateway', 'pending-lb']);
          const programmed = gw.status?.conditions?.find((c) => c.type === 'Programmed');
          // Before the gateway pod is ready istiod says "no instances found for hostname";
          // then the Service's pending load balancer.
          return programmed?.message.includes('address pending') ? gw.status : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, description: 'pending-lb AddressNotAssigned' },
      );
      const host = fqdn('pending-lb-istio');
      expect(status?.conditions?.find((c) => c.type === 'Programmed')).toMatchObject({
        status: 'False',
        reason: 'AddressNotAssigned',
        message: `Assigned to service(s) ${host}:80, but failed to assign to all requested addresses: address pending for hostname "${host}"`,
      });
      expect(status?.conditions?.find((c) => c.type === 'Accepted')?.status).toBe('True');
      expect(status?.addresses ?? []).toEqual([]);
      const service = await ns.kubectlJson<{ spec: { type: string } }>([
        '-n',
        ns.namespace,
        'get',
        'service',
        'pending-lb-istio',
      ]);
      expect(service.spec.type).toBe('LoadBalancer');
    } finally {
      await ns.kubectl(['-n', ns.namespace, 'delete', 'gateway', 'pending-lb']);
    }
  });
});
