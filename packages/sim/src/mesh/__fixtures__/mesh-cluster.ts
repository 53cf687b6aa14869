/**
 * A hand-seeded cluster for control-plane tests: a store with the built-in types and the
 * real Istio CRDs, a pod network, pods / Services / Endpoints in the shapes the Deployment
 * and Endpoints controllers produce, and HTTP through `podNetwork.connect` as a
 * port-forward would do it.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { loadAll } from 'js-yaml';
import { PodNetwork } from '../../net/pod-network.js';
import { ObjectStore, type KubeObject, type KubeObjectInput } from '../../store/object-store.js';
import {
  builtinResourceTypes,
  ResourceRegistry,
  resourceTypeFromCrd,
  type ResourceType,
} from '../../store/resource-types.js';

/** Store, registry and pod network of a test cluster. */
export interface TestCluster {
  store: ObjectStore;
  registry: ResourceRegistry;
  podNetwork: PodNetwork;
}

/** A fresh cluster with the Istio networking CRDs registered. */
export function newTestCluster(): TestCluster {
  const crds = loadAll(
    readFileSync(new URL('../../../assets/networking-crds.yaml', import.meta.url), 'utf8'),
  ) as (Record<string, unknown> | null)[];
  const registry = new ResourceRegistry([
    ...builtinResourceTypes(),
    ...crds
      .filter((d): d is Record<string, unknown> => d?.kind === 'CustomResourceDefinition')
      .map(resourceTypeFromCrd),
  ]);
  return { store: new ObjectStore(registry), registry, podNetwork: new PodNetwork() };
}

function typeOf(cluster: TestCluster, group: string, plural: string): ResourceType {
  const type = cluster.registry.byPlural(group, plural);
  if (!type) throw new Error(`no type ${group}/${plural}`);
  return type;
}

/** Creates a namespace unless it exists. */
export function ensureNamespace(cluster: TestCluster, name: string): void {
  const type = typeOf(cluster, '', 'namespaces');
  if (!cluster.store.peek(type, undefined, name)) {
    cluster.store.create(type, undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
}

/** What a test pod looks like. */
export interface TestPod {
  namespace: string;
  /** Deployment name; the pod is owned by ReplicaSet `<deployment>-<hash>`. */
  deployment: string;
  /** Pod name suffix after `<deployment>-<hash>-`. */
  suffix: string;
  labels: Record<string, string>;
  ip: string;
  /** An `istio-proxy` container (args `proxy sidecar`, or `proxy router` for gateways). */
  proxy?: 'sidecar' | 'router';
  ready?: boolean;
}

const HASH = '5b7d6c9f4';

/** Name of the pod `createPod` makes. */
export function podName(pod: Pick<TestPod, 'deployment' | 'suffix'>): string {
  return `${pod.deployment}-${HASH}-${pod.suffix}`;
}

/** Creates a Running pod as the Deployment controller and kubelet leave it. */
export function createPod(cluster: TestCluster, pod: TestPod): KubeObject {
  ensureNamespace(cluster, pod.namespace);
  const containers: Record<string, unknown>[] = [
    { name: 'app', image: `example/${pod.deployment}:1` },
  ];
  if (pod.proxy) {
    containers.push({
      name: 'istio-proxy',
      image: 'docker.io/istio/proxyv2:1.26.2',
      args: ['proxy', pod.proxy, '--domain', `${pod.namespace}.svc.cluster.local`],
    });
  }
  const ready = pod.ready ?? true;
  const input: KubeObjectInput = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(pod),
      namespace: pod.namespace,
      labels: { ...pod.labels, 'pod-template-hash': HASH },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${pod.deployment}-${HASH}`,
          uid: 'rs-uid',
          controller: true,
        },
      ],
    },
    spec: { containers },
    status: {
      phase: 'Running',
      podIP: pod.ip,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
  return cluster.store.create(typeOf(cluster, '', 'pods'), pod.namespace, input);
}

/** Creates a Running, Ready istiod pod. */
export function createIstiodPod(cluster: TestCluster, name: string, ip: string): KubeObject {
  ensureNamespace(cluster, 'istio-system');
  return cluster.store.create(typeOf(cluster, '', 'pods'), 'istio-system', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'istio-system',
      labels: { app: 'istiod', istio: 'pilot', 'pod-template-hash': 'abc' },
    },
    spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.26.2' }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

/** Deletes a pod. */
export function deletePod(cluster: TestCluster, namespace: string, name: string): void {
  cluster.store.delete(typeOf(cluster, '', 'pods'), namespace, name);
}

/** Marks a pod Terminating (deletionTimestamp set, still Running), as a graceful delete does. */
export function markTerminating(cluster: TestCluster, namespace: string, name: string): void {
  const type = typeOf(cluster, '', 'pods');
  const pod = cluster.store.get(type, namespace, name) as KubeObject;
  pod.metadata.deletionTimestamp = new Date().toISOString();
  cluster.store.update(type, namespace, pod);
}

/** Creates a ClusterIP Service with one HTTP port. */
export function createService(
  cluster: TestCluster,
  namespace: string,
  name: string,
  clusterIP: string,
  port: number,
  selector: Record<string, string>,
): KubeObject {
  ensureNamespace(cluster, namespace);
  return cluster.store.create(typeOf(cluster, '', 'services'), namespace, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: {
      clusterIP,
      selector,
      ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }],
    },
  });
}

/** Writes the Endpoints of a Service: the given pods as ready addresses on one named port. */
export function writeEndpoints(
  cluster: TestCluster,
  namespace: string,
  name: string,
  port: number,
  pods: { name: string; ip: string }[],
): void {
  const type = typeOf(cluster, '', 'endpoints');
  const body: KubeObjectInput = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace },
    subsets:
      pods.length === 0
        ? []
        : [
            {
              addresses: pods.map((p) => ({
                ip: p.ip,
                targetRef: { kind: 'Pod', name: p.name, namespace },
              })),
              ports: [{ name: 'http', port, protocol: 'TCP' }],
            },
          ],
  };
  if (cluster.store.peek(type, namespace, name)) cluster.store.update(type, namespace, body);
  else cluster.store.create(type, namespace, body);
}

/** Creates or replaces an Istio networking object (`virtualservices`, `destinationrules`, `gateways`). */
export function applyIstioObject(
  cluster: TestCluster,
  plural: 'virtualservices' | 'destinationrules' | 'gateways',
  namespace: string,
  object: KubeObjectInput,
): void {
  const type = typeOf(cluster, 'networking.istio.io', plural);
  const name = object.metadata?.name as string;
  ensureNamespace(cluster, namespace);
  const body = {
    apiVersion: 'networking.istio.io/v1',
    ...object,
    metadata: { ...object.metadata, namespace },
  };
  if (cluster.store.peek(type, namespace, name)) cluster.store.update(type, namespace, body);
  else cluster.store.create(type, namespace, body);
}

/** An HTTP response read completely. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `GET` on a pod port through the pod network, the way port-forward reaches it. */
export function getFromPod(
  podNetwork: PodNetwork,
  pod: { namespace: string; name: string },
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const connection = podNetwork.connect(pod, port);
    if (!connection) {
      reject(new Error(`connection refused: ${pod.namespace}/${pod.name}:${port}`));
      return;
    }
    const request = httpRequest(
      {
        host: 'localhost',
        port,
        path,
        headers: { ...headers, connection: 'close' },
        createConnection: () => connection,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  description = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(JSON.stringify(error));
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${description}${lastError ? `: ${lastError.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
