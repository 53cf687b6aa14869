/**
 * A namespace of the real test bed holding some flavour of bookinfo, for conformance files:
 * the objects applied, their Deployments (and those istiod creates for Gateways) waited
 * for, the fleet's clients set; then everything a test reads, read as switchyard would:
 * syncz from every istiod replica and `config_dump` over port-forward, routes and their
 * status with kubectl, Istio metrics from the test bed's Prometheus. The fleet's own view
 * (`/state`, `/traffic`) is the control API's. `gateway-api-bed.ts` and
 * `ambient/ambient-bed.ts` build their flavours with it.
 */
import { parseSyncz, type ProxyRouteStatus } from '@switchyard/core/internal-testing';
import {
  controlRequest,
  promQuery,
  runKubectl,
  waitFor,
  type PromSample,
  type RealClusterInfo,
} from '@switchyard/test-utils';
import { configDump, synczAnswers, type MeshSide } from './mesh-observations.js';

/** A Kubernetes object as the flavours' manifests hold it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
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

/** A namespace of the real test bed holding a flavour of bookinfo. */
export interface BedNamespace {
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

/** What to put in the namespace. */
export interface BedContents {
  /** The objects, already in the namespace. */
  objects: readonly KubeObject[];
  /** Deployments to wait for besides the objects' own (those istiod creates for Gateways). */
  createdDeployments: readonly string[];
  /** The fleet's clients (its `PUT /clients` body's items). */
  clients: readonly unknown[];
}

/**
 * Applies `contents` (the namespace object among them), waits for every Deployment to be
 * available, sets the fleet's clients, and returns the namespace's reads.
 */
export async function bedNamespace(
  info: RealClusterInfo,
  namespace: string,
  contents: BedContents,
): Promise<BedNamespace> {
  const kubectl = (args: readonly string[], input?: string): Promise<string> =>
    runKubectl(info.kubeconfig, args, input);
  const kubectlJson = async <T>(args: readonly string[]): Promise<T> =>
    JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const control = (method: 'PUT' | 'GET', path: string, body?: unknown) =>
    controlRequest(info.controlUrl, method, path, body);
  const { objects } = contents;
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  const expected = [
    ...objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name),
    ...contents.createdDeployments,
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
  await control('PUT', '/clients', { clients: contents.clients });

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
