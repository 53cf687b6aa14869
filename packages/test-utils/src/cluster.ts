/**
 * "A cluster to release against": the one interface end-to-end scenarios are written
 * against, implemented by the simulator (`startSimulatedCluster`) and by the real control
 * plane test bed (`createRealNamespace` on a bed `startRealCluster` started). Each holds
 * bookinfo in `namespace`, with its traffic; what differs between the tiers is stated by
 * `capabilities`, never hidden.
 */
import type { OperationInput, VirtualService } from '@switchyard/core';
import { startApiRecorder, type ApiRecorder } from './api-recorder.js';
import { FAST_CHECKS, fastCheckFlags } from './bookinfo.js';
import {
  controlRequest,
  type ApiFault,
  type ImageBehaviour,
  type Latency,
  type ProxyOverride,
  type TrafficClient,
} from './control-api.js';
import { kubeReads, type KubeReads } from './kube-reads.js';
import { appliedRouteClusters, istiodListing, sidecarPods, workloadPods } from './mesh-reads.js';
import { promQuery, type PromSample } from './prom-query.js';
import { waitForServiceRequests } from './prometheus-requests.js';
import { runKubectl } from './run-kubectl.js';

/** Which implementation a cluster is: the simulator, or the real control plane test bed. */
export type ClusterTier = 'simulator' | 'real';

/**
 * What one tier can do and the other cannot. A scenario that needs a capability is
 * registered only on the tiers that have it (never skipped), and the run's scenario count
 * shows it.
 */
export interface ClusterCapabilities {
  /** Proxies, synthetic traffic and Prometheus (the real bed can be started without). */
  readonly dataPlane: boolean;
  /** API server errors and throttling on demand (`setApiFaults`): the simulator's API server. */
  readonly apiFaults: boolean;
  /**
   * An image whose pods never pass readiness (`ImageBehaviour.ready: false`): the
   * simulator's controllers; on the real bed readiness is KWOK's and the fleet refuses it.
   */
  readonly podsNeverReady: boolean;
  /** Ingress gateway pods in istio-system with their own proxy: the fleet plays sidecars only. */
  readonly gatewayProxies: boolean;
  /** A proxy's `max_request_headers_kb` set by a proxy override: the simulator's proxies. */
  readonly headerLimitOverride: boolean;
  /** EnvoyFilters reach what the proxies apply: real istiod (the simulator ignores them). */
  readonly envoyFilters: boolean;
  /**
   * Prometheus as a Service and pod in the cluster (`istio-system/prometheus:9090`), reached
   * by port-forward: the real bed's; the simulator's Prometheus is a process beside it.
   */
  readonly inClusterPrometheus: boolean;
  /**
   * `metadata.managedFields` kept on every write, naming each field manager: the real API
   * server's (the simulator drops them).
   */
  readonly managedFields: boolean;
  /**
   * Gateway API: the HTTPRoute and Gateway CRDs, and istiod's gateway controller writing
   * their status (the real bed's; the simulator serves Istio's own CRDs only).
   */
  readonly gatewayApi: boolean;
}

/** The name of a capability. */
export type ClusterCapability = keyof ClusterCapabilities;

/** What a failed command must leave exactly as it was: resourceVersions, and the Lease. */
export interface ClusterSnapshot {
  virtualService: string | undefined;
  destinationRule: string | undefined;
  blue: string | undefined;
  green: string | undefined;
  lease: boolean;
}

/** A cluster holding bookinfo, to release `reviews` against. */
export interface Cluster {
  /** The simulator or the real test bed. */
  readonly tier: ClusterTier;
  /** What this tier can do (see {@link ClusterCapabilities}). */
  readonly capabilities: ClusterCapabilities;
  /** Admin kubeconfig path. */
  readonly kubeconfig: string;
  /** The namespace holding bookinfo (and nothing of other tests). */
  readonly namespace: string;
  /** Prometheus' base URL; undefined when the cluster has none. */
  readonly prometheusUrl: string | undefined;
  /** The control API's base URL (the simulator's, or the proxy fleet's: same paths). */
  readonly controlUrl: string;

  /** kubectl against the cluster, `input` on stdin; resolves stdout, rejects with stderr. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** A kubectl read, `-o json` added, parsed. */
  kubectlJson<T = unknown>(args: readonly string[]): Promise<T>;
  /** Instant PromQL query against the cluster's Prometheus. */
  promQuery(query: string): Promise<PromSample[]>;

  /** How pods running `image` answer from now on (error rate, latency, gRPC failures). */
  setImageBehaviour(image: string, behaviour: ImageBehaviour): Promise<void>;
  /** Stuck, rejecting or slow proxies of this namespace (matches scoped to it); `[]` clears. */
  setProxyOverrides(overrides: readonly ProxyOverride[]): Promise<void>;
  /** How long every proxy takes to apply a push (on the real bed fleet-wide, put back by `stop`). */
  setApplyDelay(latency: Latency): Promise<void>;
  /** This namespace's synthetic clients (rps, headers, gRPC), replacing bookinfo's. */
  setClients(clients: readonly TrafficClient[]): Promise<void>;
  /** API server faults from now on (capability `apiFaults`); `[]` clears. */
  setApiFaults(faults: readonly ApiFault[]): Promise<void>;
  /**
   * Waits until the cluster is quiet: every Deployment of the namespace rolled out, every
   * proxy of it acked its last push, and (with Prometheus) reviews' traffic measured.
   */
  settle(): Promise<void>;

  /** The VirtualService of `service` (default reviews). */
  virtualService(service?: string): Promise<VirtualService>;
  /** The managed `primary` route's weights by subset (`{}` when it is missing). */
  weights(service?: string): Promise<Record<string, number>>;
  /** Names of the VirtualService's HTTP routes, in order. */
  routeNames(service?: string): Promise<(string | undefined)[]>;
  /** The first container image of a Deployment. */
  imageOf(deployment: string): Promise<string | undefined>;
  /** The objects switchyard may touch for `service`, for "nothing changed". */
  snapshot(service?: string): Promise<ClusterSnapshot>;
  /** Proxy ids (`<pod>.<namespace>`) of a workload's running pods, sorted. */
  proxiesOf(workload: string): Promise<string[]>;
  /** The istiod replica (pod name) whose syncz lists `proxy`. */
  istiodOf(proxy: string): Promise<string | undefined>;
  /**
   * For each sidecar of the namespace, the clusters its applied `primary` route of reviews
   * sends traffic to (from its `config_dump`), by proxy id.
   */
  primaryRouteClusters(): Promise<Map<string, string[] | undefined>>;
  /** A recorder of switchyard's API calls in front of this cluster's API server. */
  recordApiCalls(): Promise<ApiRecorder>;

  /** Library options for an operation on reviews here: kubeconfig, namespace, Prometheus, fast checks. */
  operationOptions(holderIdentity: string, extra?: Partial<OperationInput>): OperationInput;
  /** `switchyard` flags naming this cluster and namespace. */
  cliTarget(): string[];
  /** `switchyard` flags for checks against this cluster's Prometheus ({@link FAST_CHECKS}). */
  checkFlags(): string[];

  /** Stops the cluster, or gives back its namespace. */
  stop(): Promise<void>;
}

/** What a tier supplies; the rest of a {@link Cluster} is the same on both. */
export interface ClusterParts {
  tier: ClusterTier;
  capabilities: ClusterCapabilities;
  kubeconfig: string;
  namespace: string;
  prometheusUrl: string | undefined;
  controlUrl: string;
  /** Every proxy applied its last push and every Deployment rolled out, tier's own way. */
  waitForQuiet(reads: KubeReads): Promise<void>;
  stop(): Promise<void>;
}

interface DeploymentShape {
  spec: { template: { spec: { containers: { image: string }[] } } };
}

interface MetaShape {
  kind: string;
  metadata: { name: string; resourceVersion: string };
}

/** A {@link Cluster} over what a tier supplies. */
export function clusterFrom(parts: ClusterParts): Cluster {
  const { namespace, prometheusUrl, controlUrl } = parts;
  const reads = kubeReads(parts.kubeconfig);
  const kubectl = (args: readonly string[], input?: string): Promise<string> =>
    runKubectl(parts.kubeconfig, args, input);
  const control = (path: string, body: unknown): Promise<unknown> =>
    controlRequest(controlUrl, 'PUT', path, body);
  const queryPrometheus = (query: string): Promise<PromSample[]> =>
    prometheusUrl === undefined
      ? Promise.reject(new Error(`the ${parts.tier} cluster was started without Prometheus`))
      : promQuery(prometheusUrl, query);
  const virtualService = async (service = 'reviews'): Promise<VirtualService> => {
    const vs = await reads.get<VirtualService>(
      `/apis/networking.istio.io/v1/namespaces/${namespace}/virtualservices/${service}`,
    );
    if (!vs) throw new Error(`VirtualService ${namespace}/${service} not found`);
    return vs;
  };
  const cluster: Cluster = {
    tier: parts.tier,
    capabilities: parts.capabilities,
    kubeconfig: parts.kubeconfig,
    namespace,
    prometheusUrl,
    controlUrl,
    kubectl,
    kubectlJson: async <T>(args: readonly string[]) =>
      JSON.parse(await kubectl([...args, '-o', 'json'])) as T,
    promQuery: queryPrometheus,

    setImageBehaviour: async (image, behaviour) => {
      await control(`/images/${encodeURIComponent(image)}`, behaviour);
    },
    setProxyOverrides: async (overrides) => {
      await control('/proxies/overrides', {
        overrides: overrides.map((o) => ({ ...o, match: { namespace, ...o.match } })),
      });
    },
    setApplyDelay: async (latency) => {
      await control('/istio/apply-delay', latency);
    },
    setClients: async (clients) => {
      await control('/clients', { clients: clients.map((c) => ({ ...c, namespace })) });
    },
    setApiFaults: async (faults) => {
      if (!parts.capabilities.apiFaults)
        throw new Error(`the ${parts.tier} cluster cannot inject API faults`);
      await control('/api-faults', { faults, latencyMs: 0 });
    },
    settle: async () => {
      await parts.waitForQuiet(reads);
      if (prometheusUrl !== undefined) await waitForServiceRequests(cluster, 'reviews', namespace);
    },

    virtualService,
    weights: async (service = 'reviews') => {
      const vs = await virtualService(service);
      const primary = vs.spec.http?.find((route) => route.name === 'primary');
      const weights: Record<string, number> = {};
      for (const destination of primary?.route ?? [])
        weights[destination.destination.subset ?? ''] = destination.weight ?? 0;
      return weights;
    },
    routeNames: async (service = 'reviews') =>
      (await virtualService(service)).spec.http?.map((route) => route.name) ?? [],
    imageOf: async (deployment) =>
      (
        await reads.get<DeploymentShape>(
          `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}`,
        )
      )?.spec.template.spec.containers[0]?.image,
    snapshot: async (service = 'reviews') => {
      const get = async (path: string): Promise<string | undefined> =>
        (await reads.get<MetaShape>(path))?.metadata.resourceVersion;
      const istio = `/apis/networking.istio.io/v1/namespaces/${namespace}`;
      const [virtualServiceRv, destinationRule, blue, green, lease] = await Promise.all([
        get(`${istio}/virtualservices/${service}`),
        get(`${istio}/destinationrules/${service}`),
        get(`/apis/apps/v1/namespaces/${namespace}/deployments/${service}-blue`),
        get(`/apis/apps/v1/namespaces/${namespace}/deployments/${service}-green`),
        get(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/switchyard-${service}`),
      ]);
      return {
        virtualService: virtualServiceRv,
        destinationRule,
        blue,
        green,
        lease: lease !== undefined,
      };
    },
    proxiesOf: async (workload) =>
      [...(await workloadPods(reads, namespace))]
        .filter(([, w]) => w === workload)
        .map(([pod]) => `${pod}.${namespace}`)
        .sort(),
    istiodOf: (proxy) => istiodListing(reads, proxy),
    primaryRouteClusters: async () => {
      const out = new Map<string, string[] | undefined>();
      for (const pod of await sidecarPods(reads, namespace)) {
        out.set(
          `${pod}.${namespace}`,
          await appliedRouteClusters(reads, namespace, pod, {
            service: 'reviews',
            port: 9080,
            routeName: 'primary',
          }),
        );
      }
      return out;
    },
    recordApiCalls: () => startApiRecorder(parts.kubeconfig, namespace),

    operationOptions: (holderIdentity, extra = {}) => ({
      kubeconfig: parts.kubeconfig,
      service: 'reviews',
      namespace,
      holderIdentity,
      ...(prometheusUrl !== undefined ? { prometheus: { url: prometheusUrl } } : {}),
      checks: FAST_CHECKS,
      sync: { timeout: '30s' },
      ...extra,
    }),
    cliTarget: () => ['-n', namespace, '--kubeconfig', parts.kubeconfig],
    checkFlags: () => {
      if (prometheusUrl === undefined)
        throw new Error(`the ${parts.tier} cluster was started without Prometheus`);
      return fastCheckFlags(['--prometheus-url', prometheusUrl]);
    },
    stop: () => parts.stop(),
  };
  return cluster;
}
