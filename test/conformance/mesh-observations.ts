/**
 * The differential mesh test's view of one mesh, the simulator's or the real one (real
 * istiod and the proxy fleet), each a `Cluster`: what istiod's `/debug/syncz` and each
 * Envoy's `config_dump` say, read over port-forward exactly as switchyard reads them
 * (test-utils' mesh reads), and what Prometheus recorded; and the normalizations that take away what legitimately differs between two
 * clusters (pod names, cluster IPs, push times, the random part of nonces, the other
 * contents of a shared cluster), so that everything else can be compared for equality.
 */
import {
  configDump as podConfigDump,
  kubeReads,
  synczAnswers as istiodSynczAnswers,
  synczEntries as namespaceSynczEntries,
  workloadPods as namespaceWorkloadPods,
  type Cluster,
  type KubeReads,
  type SynczAnswer,
  type SynczEntry,
} from '@switchyard/test-utils';

export type { SynczAnswer, SynczEntry } from '@switchyard/test-utils';

/** What the reads need of a side: where its cluster is, and the namespace under comparison. */
export type MeshSide = Pick<Cluster, 'kubeconfig' | 'namespace'>;

const readsByKubeconfig = new Map<string, KubeReads>();

/** In-process reads of a side's cluster, one per kubeconfig. */
function readsOf(side: MeshSide): KubeReads {
  let reads = readsByKubeconfig.get(side.kubeconfig);
  if (!reads) {
    reads = kubeReads(side.kubeconfig);
    readsByKubeconfig.set(side.kubeconfig, reads);
  }
  return reads;
}

/** Running pods of the side's namespace: name -> workload (the Deployment's name). */
export function workloadPods(side: MeshSide): Promise<Map<string, string>> {
  return namespaceWorkloadPods(readsOf(side), side.namespace);
}

/** `/debug/syncz` of every istiod replica (`app=istiod` pods in istio-system). */
export function synczAnswers(side: MeshSide): Promise<SynczAnswer[]> {
  return istiodSynczAnswers(readsOf(side));
}

/** The syncz entries of the side's namespace, by proxy id (the first replica listing it). */
export function synczEntries(side: MeshSide): Promise<Map<string, SynczEntry>> {
  return namespaceSynczEntries(readsOf(side), side.namespace);
}

/** Envoy's `/config_dump` of a pod's proxy with the given query, parsed. */
export function configDump(
  side: MeshSide,
  pod: string,
  query: string,
): Promise<Record<string, unknown>> {
  return podConfigDump(readsOf(side), side.namespace, pod, query);
}

// ---------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------

/** istiod's nonce: the push version (`RFC3339/counter`) followed by a UUID. */
export const NONCE =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\/(\d+)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** A push version, as `version_info` prints it. */
export const VERSION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\/(\d+)$/;
/** Go's `time.Time` in JSON (RFC 3339, nanoseconds with trailing zeros trimmed). */
export const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
/** Go's zero time, `sentTime` of a type never sent. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

function versionKey(time: string, counter: string): number {
  return Date.parse(time) * 1e6 + Number(counter);
}

/**
 * A syncz entry with what differs between two clusters replaced, keys kept in istiod's
 * order: the pod by its workload; each push version by its rank among the versions of
 * this entry (`V1` oldest); each nonce by its version and the order it first appears in
 * (`V2#3`), so "acked the push it was sent" stays visible; `sentTime` by `<time>` (or
 * `<zero>`). Without `withEndpoints`, EDS fields are left out (pushes of other namespaces'
 * endpoints may add EDS versions on a shared cluster).
 */
export function normalizeSynczEntry(
  entry: SynczEntry,
  workloadOf: (pod: string) => string,
  withEndpoints = true,
): Record<string, unknown> {
  const versions = new Map<string, number>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const nonce = NONCE.exec(value);
      if (nonce) versions.set(`${nonce[1]}/${nonce[2]}`, versionKey(nonce[1]!, nonce[2]!));
    } else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  const endpointKey = (key: string): boolean =>
    key.startsWith('endpoint_') || key.endsWith('.ClusterLoadAssignment');
  const kept = Object.entries(entry).filter(([key]) => withEndpoints || !endpointKey(key));
  kept.forEach(([, value]) => visit(value));
  const rank = new Map(
    [...versions.entries()].sort((a, b) => a[1] - b[1]).map(([version], i) => [version, i + 1]),
  );
  const nonces = new Map<string, number>();
  const nonceLabel = (nonce: RegExpExecArray): string => {
    if (!nonces.has(nonce[0])) nonces.set(nonce[0], nonces.size + 1);
    return `V${rank.get(`${nonce[1]}/${nonce[2]}`)}#${nonces.get(nonce[0])}`;
  };
  const normalize = (key: string, value: unknown): unknown => {
    if (key === 'proxy' && typeof value === 'string') {
      const dot = value.lastIndexOf('.');
      return `${workloadOf(value.slice(0, dot))}${value.slice(dot)}`;
    }
    if (key === 'sentTime' && typeof value === 'string')
      return value === GO_ZERO_TIME ? '<zero>' : GO_TIME.test(value) ? '<time>' : value;
    if (typeof value === 'string') {
      const nonce = NONCE.exec(value);
      return nonce ? nonceLabel(nonce) : value;
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => withEndpoints || !endpointKey(k))
          .map(([k, v]) => [k, normalize(k, v)]),
      );
    }
    return value;
  };
  return Object.fromEntries(kept.map(([key, value]) => [key, normalize(key, value)]));
}

/** IPv4 addresses (cluster IPs in domains, pod IPs) as `<ip>`. */
function withoutAddresses(value: unknown): unknown {
  if (typeof value === 'string') return /^\d+\.\d+\.\d+\.\d+$/.test(value) ? '<ip>' : value;
  if (Array.isArray(value)) return value.map(withoutAddresses);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutAddresses(v)]));
  return value;
}

/** Whether a host or cluster name belongs to this test: its namespace, or istiod. */
export function ownName(name: string, namespace: string): boolean {
  return (
    !name.includes('.svc.cluster.local') ||
    name.includes(`.${namespace}.svc.cluster.local`) ||
    name.includes('istiod.istio-system.svc.cluster.local')
  );
}

/** The dynamic route configurations of `?resource=dynamic_route_configs`, by name. */
export function routeConfigs(dump: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const element of (dump.configs as Record<string, unknown>[] | undefined) ?? []) {
    const config = element.route_config as Record<string, unknown>;
    out.set(config.name as string, element);
  }
  return out;
}

/**
 * A dynamic route configuration element with what differs between clusters taken out:
 * `version_info` and `last_updated` checked for their format and replaced, virtual hosts
 * of other namespaces' Services dropped (a shared cluster has them), cluster IPs replaced.
 * Key order is kept, so comparing `JSON.stringify` compares the order Envoy prints too.
 */
export function normalizeRouteConfig(
  element: Record<string, unknown>,
  namespace: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(element)) {
    if (key === 'version_info') out[key] = VERSION.test(value as string) ? '<version>' : value;
    else if (key === 'last_updated') out[key] = GO_TIME.test(value as string) ? '<time>' : value;
    else if (key === 'route_config') {
      const config = value as Record<string, unknown>;
      out[key] = Object.fromEntries(
        Object.entries(config).map(([k, v]) => [
          k,
          k === 'virtual_hosts'
            ? withoutAddresses(
                (v as { name: string }[]).filter((vh) => ownName(vh.name, namespace)),
              )
            : v,
        ]),
      );
    } else out[key] = value;
  }
  return out;
}

/** Cluster elements of `?resource=dynamic_active_clusters`, in the order printed. */
export function activeClusters(dump: Record<string, unknown>): Record<string, unknown>[] {
  return ((dump.configs as Record<string, unknown>[] | undefined) ?? []).map(
    (element) => element.cluster as Record<string, unknown>,
  );
}

/**
 * The label sets of a metric's series that grew over the last `window` in the side's
 * namespace (as sender or receiver), without Prometheus' own `job` and `instance`, each
 * as sorted-key JSON, sorted.
 */
export async function activeLabelSets(
  side: Cluster,
  metric: string,
  window: string,
): Promise<string[]> {
  const ns = side.namespace;
  const rows = await side.promQuery(
    `increase(${metric}{source_workload_namespace="${ns}"}[${window}]) > 0 or ` +
      `increase(${metric}{destination_service_namespace="${ns}"}[${window}]) > 0`,
  );
  const sets = rows.map(({ metric: labels }) => {
    const kept = Object.entries(labels)
      .filter(([k]) => k !== 'job' && k !== 'instance' && k !== '__name__')
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return JSON.stringify(Object.fromEntries(kept));
  });
  return [...new Set(sets)].sort();
}
