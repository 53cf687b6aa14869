/**
 * The Gateway API flavour of bookinfo on the real test bed, for conformance files: bookinfo's
 * workloads (`examples/bookinfo`, without its VirtualService, DestinationRule and Istio
 * Gateway) plus `examples/bookinfo-gateway-api` (one Service per slot, the `reviews`
 * HTTPRoute with the `reviews` Service as parent, the `bookinfo-ingress` Gateway of class
 * `istio` and the `reviews-ingress` HTTPRoute on it), moved into a namespace of the file's
 * own, with traffic: productpage and release-tester (sidecars, mesh) and an ingress client
 * entering through the Gateway's router pods.
 *
 * What a test reads here is read as switchyard would: syncz from every istiod replica and
 * `config_dump` over port-forward, the route's status with kubectl, Istio metrics from the
 * test bed's Prometheus. The fleet's own view (`/state`, `/traffic`) is the control API's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { parseSyncz, type ProxyRouteStatus } from '@switchyard/core/internal-testing';
import {
  bookinfoIn,
  controlRequest,
  promQuery,
  runKubectl,
  waitFor,
  type PromSample,
  type RealClusterInfo,
} from '@switchyard/test-utils';
import { configDump, synczAnswers, type MeshSide } from './mesh-observations.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GATEWAY_API_MANIFESTS = join(ROOT, 'examples', 'bookinfo-gateway-api');

/** The Gateway of the flavour, and what istiod deploys for it (`<gateway>-istio`). */
export const GATEWAY = 'bookinfo-ingress';
export const GATEWAY_WORKLOAD = 'bookinfo-ingress-istio';
/** The host the ingress HTTPRoute serves, and its path. */
export const INGRESS_HOST = 'bookinfo.example.com';
/** The HTTPRoutes: mesh (parent Service `reviews`) and ingress (parent Gateway). */
export const MESH_ROUTE = 'reviews';
export const INGRESS_ROUTE = 'reviews-ingress';

/** Requests per second of the flavour's clients. */
export const RATES = { mesh: 40, tester: 10, ingress: 40 } as const;

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

/** A condition as the Gateway API status carries it. */
export interface RouteCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}

/** One parent's status of an HTTPRoute. */
export interface RouteParentStatus {
  parentRef: { group?: string; kind?: string; name: string; port?: number; sectionName?: string };
  controllerName: string;
  conditions: RouteCondition[];
}

/** An HTTPRoute as the API server returns it (the fields tests read). */
export interface HTTPRouteObject {
  metadata: { name: string; generation: number; resourceVersion: string };
  spec: { rules: { backendRefs?: { name: string; port?: number; weight?: number }[] }[] };
  status?: { parents?: RouteParentStatus[] };
}

/** One client's counters in the fleet's `GET /traffic`. */
export interface ClientCounters {
  name: string;
  namespace: string;
  sent: number;
  completed: number;
  byCode: Record<string, number>;
  byDestination: Record<string, number>;
}

/** One proxy in the fleet's `GET /state`. */
export interface FleetProxy {
  id: string;
  nodeId: string;
  pod: string;
  namespace: string;
  workload: string;
  proxyType: string;
}

/** The flavour's objects, moved into `namespace`. */
export async function gatewayApiBookinfoIn(namespace: string): Promise<KubeObject[]> {
  // bookinfo's workloads and Services; its Istio routing objects are what this flavour replaces.
  const workloads = (await bookinfoIn(namespace)).filter(
    (o) => !o.apiVersion.startsWith('networking.istio.io/'),
  ) as KubeObject[];
  const files = readdirSync(GATEWAY_API_MANIFESTS)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const routing: KubeObject[] = [];
  for (const file of files) {
    for (const doc of loadAll(readFileSync(join(GATEWAY_API_MANIFESTS, file), 'utf8'))) {
      if (!doc) continue;
      const obj = doc as KubeObject;
      obj.metadata.namespace = namespace;
      routing.push(obj);
    }
  }
  return [...workloads, ...routing];
}

/** A namespace holding the Gateway API flavour of bookinfo on the real test bed. */
export interface GatewayApiNamespace {
  readonly info: RealClusterInfo;
  readonly namespace: string;
  /** kubectl against the test bed; resolves stdout. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  kubectlJson<T>(args: readonly string[]): Promise<T>;
  /** An HTTPRoute of the namespace. */
  httpRoute(name: string): Promise<HTTPRouteObject>;
  /**
   * Sets the weights of the first rule's two backendRefs (blue, then green) with a JSON
   * Patch pinned on the resourceVersion read; resolves the new generation.
   */
  setWeights(route: string, weights: { blue: number; green: number }): Promise<number>;
  /** Waits until istiod reports every parent of the route at `generation`; the parents. */
  routeStatusAt(route: string, generation: number): Promise<RouteParentStatus[]>;
  /** syncz route statuses of the namespace's proxies, from every istiod replica. */
  syncz(): Promise<ProxyRouteStatus[]>;
  /** Envoy's `/config_dump` of a pod's proxy (over port-forward), parsed. */
  configDump(pod: string, query: string): Promise<Record<string, unknown>>;
  /** The namespace's proxies as the fleet plays them. */
  proxies(): Promise<FleetProxy[]>;
  /** The namespace's clients' counters. */
  traffic(): Promise<ClientCounters[]>;
  /** Makes matching proxies of this namespace stuck or rejecting (`[]` clears). */
  setProxyOverrides(overrides: readonly Record<string, unknown>[]): Promise<void>;
  promQuery(query: string): Promise<PromSample[]>;
  /** Deletes the namespace. */
  remove(): Promise<void>;
}

/** The clients of the flavour: mesh callers through sidecars, outside callers through the Gateway. */
function clientsOf(namespace: string): unknown[] {
  return [
    {
      name: 'productpage',
      namespace,
      rps: RATES.mesh,
      target: { host: 'reviews', port: 9080, path: '/reviews/0' },
    },
    {
      name: 'release-tester',
      namespace,
      rps: RATES.tester,
      target: { host: 'reviews', port: 9080, path: '/reviews/0' },
      headers: { 'x-release': 'candidate' },
    },
    {
      // A client named after the Gateway's workload sends through its router pods.
      name: GATEWAY_WORKLOAD,
      namespace,
      rps: RATES.ingress,
      target: { host: INGRESS_HOST, port: 80, path: '/reviews/0' },
    },
  ];
}

/**
 * Creates `namespace` with the flavour (reviews-green scaled to `greenReplicas`), waits for
 * its Deployments and the one istiod creates for the Gateway, and sets the fleet's clients.
 */
export async function gatewayApiNamespace(
  info: RealClusterInfo,
  namespace: string,
  options: { greenReplicas?: number } = {},
): Promise<GatewayApiNamespace> {
  const kubectl = (args: readonly string[], input?: string): Promise<string> =>
    runKubectl(info.kubeconfig, args, input);
  const kubectlJson = async <T>(args: readonly string[]): Promise<T> =>
    JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const control = (method: 'PUT' | 'GET', path: string, body?: unknown) =>
    controlRequest(info.controlUrl, method, path, body);
  const objects = await gatewayApiBookinfoIn(namespace);
  for (const obj of objects) {
    if (obj.kind === 'Deployment' && obj.metadata.name === 'reviews-green') {
      (obj.spec as { replicas: number }).replicas = options.greenReplicas ?? 0;
    }
  }
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  const expected = [
    ...objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name),
    GATEWAY_WORKLOAD,
  ];
  await waitFor(
    async () => {
      const list = await kubectlJson<{
        items: {
          metadata: { name: string };
          spec: { replicas?: number };
          status: { availableReplicas?: number };
        }[];
      }>(['-n', namespace, 'get', 'deployments']);
      return expected.every((name) => {
        const d = list.items.find((i) => i.metadata.name === name);
        return d !== undefined && (d.status.availableReplicas ?? 0) === (d.spec.replicas ?? 1);
      });
    },
    {
      timeoutMs: 180_000,
      intervalMs: 500,
      description: `Deployments ${expected.join(', ')} in ${namespace}`,
    },
  );
  await control('PUT', '/clients', { clients: clientsOf(namespace) });

  const side: MeshSide = { namespace, kubeconfig: info.kubeconfig };
  const httpRoute = (name: string) =>
    kubectlJson<HTTPRouteObject>(['-n', namespace, 'get', 'httproute', name]);
  return {
    info,
    namespace,
    kubectl,
    kubectlJson,
    httpRoute,
    setWeights: async (route, weights) => {
      const current = await httpRoute(route);
      const patch = [
        { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
        { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: weights.blue },
        { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: weights.green },
      ];
      const out = await kubectl([
        '-n',
        namespace,
        'patch',
        'httproute',
        route,
        '--type=json',
        '-p',
        JSON.stringify(patch),
        '-o',
        'json',
      ]);
      return (JSON.parse(out) as HTTPRouteObject).metadata.generation;
    },
    routeStatusAt: (route, generation) =>
      waitFor(
        async () => {
          const parents = (await httpRoute(route)).status?.parents ?? [];
          return parents.length > 0 &&
            parents.every((p) => p.conditions.every((c) => c.observedGeneration === generation))
            ? parents
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, description: `${route} status at ${generation}` },
      ),
    syncz: async () => {
      const byProxy = new Map<string, ProxyRouteStatus>();
      for (const answer of await synczAnswers(side)) {
        for (const status of parseSyncz(answer.body, answer.istiod)) {
          if (status.namespace === namespace && !byProxy.has(status.proxy)) {
            byProxy.set(status.proxy, status);
          }
        }
      }
      return [...byProxy.values()];
    },
    configDump: (pod, query) => configDump(side, pod, query),
    proxies: async () => {
      const state = (await control('GET', '/state')) as { proxies: { items: FleetProxy[] } };
      return state.proxies.items.filter((p) => p.namespace === namespace);
    },
    traffic: async () => {
      const report = (await control('GET', '/traffic')) as { clients: ClientCounters[] };
      return report.clients.filter((c) => c.namespace === namespace);
    },
    setProxyOverrides: async (overrides) => {
      await control('PUT', '/proxies/overrides', {
        overrides: overrides.map((o) => ({
          ...o,
          match: { namespace, ...((o.match as Record<string, unknown> | undefined) ?? {}) },
        })),
      });
    },
    promQuery: (query) => promQuery(info.prometheusUrl, query),
    remove: async () => {
      await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    },
  };
}
