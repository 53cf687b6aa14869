/**
 * What the mesh says about itself, read exactly as switchyard reads it (port-forward to the
 * pod, on both tiers): istiod's `/debug/syncz` on every replica and each Envoy's
 * `config_dump`; and which pods run which workload. Tests judge proxies by these answers.
 */
import type { KubeReads } from './kube-reads.js';

interface PodShape {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
  status?: { phase?: string };
}

/** Running pods of `namespace` (optionally matching a label selector). */
async function runningPods(
  reads: KubeReads,
  namespace: string,
  labelSelector?: string,
): Promise<PodShape[]> {
  const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
  const list = await reads.get<{ items: PodShape[] }>(
    `/api/v1/namespaces/${namespace}/pods${query}`,
  );
  return (list?.items ?? []).filter((pod) => pod.status?.phase === 'Running');
}

/** Running pods of `namespace`: name -> workload (the Deployment's name). */
export async function workloadPods(
  reads: KubeReads,
  namespace: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const pod of await runningPods(reads, namespace)) {
    const owner = pod.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
    const hash = pod.metadata.labels?.['pod-template-hash'];
    out.set(
      pod.metadata.name,
      owner && hash ? owner.slice(0, -(hash.length + 1)) : pod.metadata.name,
    );
  }
  return out;
}

/** Running pods of `namespace` with an Envoy sidecar (`istio-proxy`), by name. */
export async function sidecarPods(reads: KubeReads, namespace: string): Promise<string[]> {
  return (await runningPods(reads, namespace))
    .filter((pod) =>
      [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
        (c) => c.name === 'istio-proxy',
      ),
    )
    .map((pod) => pod.metadata.name)
    .sort();
}

/** One istiod replica's syncz answer, raw, and its pod. */
export interface SynczAnswer {
  istiod: string;
  body: unknown;
}

/** `/debug/syncz` of every running istiod replica (`app=istiod` pods in istio-system). */
export async function synczAnswers(reads: KubeReads): Promise<SynczAnswer[]> {
  const out: SynczAnswer[] = [];
  for (const pod of await runningPods(reads, 'istio-system', 'app=istiod')) {
    const body = await reads.podGet('istio-system', pod.metadata.name, 15014, '/debug/syncz');
    out.push({ istiod: pod.metadata.name, body: JSON.parse(body) as unknown });
  }
  return out;
}

/** A syncz entry as istiod prints it. */
export type SynczEntry = Record<string, unknown> & {
  proxy: string;
  resources?: Record<string, Record<string, string>>;
};

/** The syncz entries of `namespace`'s proxies, by proxy id (the first replica listing it). */
export async function synczEntries(
  reads: KubeReads,
  namespace: string,
  answers?: readonly SynczAnswer[],
): Promise<Map<string, SynczEntry>> {
  const out = new Map<string, SynczEntry>();
  for (const answer of answers ?? (await synczAnswers(reads))) {
    for (const entry of answer.body as SynczEntry[]) {
      if (entry.proxy.endsWith(`.${namespace}`) && !out.has(entry.proxy))
        out.set(entry.proxy, entry);
    }
  }
  return out;
}

/** The istiod replica (pod name) whose syncz lists `proxy`. */
export async function istiodListing(reads: KubeReads, proxy: string): Promise<string | undefined> {
  for (const answer of await synczAnswers(reads))
    if ((answer.body as SynczEntry[]).some((entry) => entry.proxy === proxy)) return answer.istiod;
  return undefined;
}

/** Whether a syncz entry shows every type it was sent as acked. */
export function synced(entry: SynczEntry): boolean {
  for (const type of ['cluster', 'listener', 'route', 'endpoint']) {
    const sent = entry[`${type}_sent`];
    if (sent === undefined || sent !== entry[`${type}_acked`]) return false;
  }
  return true;
}

/** Envoy's `/config_dump` of a pod's proxy with the given query, parsed. */
export async function configDump(
  reads: KubeReads,
  namespace: string,
  pod: string,
  query: string,
): Promise<Record<string, unknown>> {
  const body = await reads.podGet(namespace, pod, 15000, `/config_dump?${query}`);
  return JSON.parse(body) as Record<string, unknown>;
}

interface RouteDump {
  configs?: {
    route_config?: {
      name?: string;
      virtual_hosts?: {
        domains?: string[];
        routes?: {
          name?: string;
          route?: { cluster?: string; weighted_clusters?: { clusters: WeightedCluster[] } };
        }[];
      }[];
    };
  }[];
}

interface WeightedCluster {
  name: string;
  weight?: number;
}

/**
 * The clusters a pod's proxy sends `service`'s route `routeName` to (weight above zero),
 * from its applied route configuration for `port`; undefined when it has no such route.
 */
export async function appliedRouteClusters(
  reads: KubeReads,
  namespace: string,
  pod: string,
  target: { service: string; port: number; routeName: string },
): Promise<string[] | undefined> {
  const dump = (await configDump(
    reads,
    namespace,
    pod,
    'resource=dynamic_route_configs',
  )) as RouteDump;
  const host = `${target.service}.${namespace}.svc.cluster.local`;
  const config = dump.configs?.find((c) => c.route_config?.name === String(target.port));
  const virtualHost = config?.route_config?.virtual_hosts?.find((v) => v.domains?.includes(host));
  const route = virtualHost?.routes?.find((r) => r.name === target.routeName)?.route;
  if (!route) return undefined;
  if (route.weighted_clusters)
    return route.weighted_clusters.clusters.filter((c) => (c.weight ?? 0) > 0).map((c) => c.name);
  return route.cluster === undefined ? [] : [route.cluster];
}
