/**
 * Test fixtures: an object store with pods, a hand-driven MeshView, and builders for
 * Envoy-shaped snapshots exactly as `mesh-types.ts` describes them.
 */
import type {
  ClusterConfig,
  ClusterEndpoint,
  EnvoyRoute,
  EnvoyRouteConfiguration,
  EnvoyVirtualHost,
  MeshView,
  ProxyConfigSnapshot,
  ProxyView,
} from '../../mesh/mesh-types.js';
import { ObjectStore, type KubeObject } from '../../store/object-store.js';
import {
  builtinResourceTypes,
  ResourceRegistry,
  type ResourceType,
} from '../../store/resource-types.js';
import { ISTIO_DEFAULT_RETRY_POLICY } from '../retry-policy.js';

/** A store with the built-in types and the given namespaces. */
export function createTestStore(namespaces: readonly string[]): ObjectStore {
  const store = new ObjectStore(new ResourceRegistry(builtinResourceTypes()));
  const nsType = store.registry.byPlural('', 'namespaces') as ResourceType;
  for (const name of namespaces) store.create(nsType, undefined, { metadata: { name } });
  return store;
}

/** The pods resource type of a store. */
export function podsType(store: ObjectStore): ResourceType {
  return store.registry.byPlural('', 'pods') as ResourceType;
}

/** What a test pod looks like. */
export interface TestPod {
  namespace: string;
  /** Deployment name; the pod is owned by ReplicaSet `<deployment>-<hash>`. */
  deployment: string;
  /** Pod name suffix; the pod is `<deployment>-<hash>-<suffix>`. */
  suffix: string;
  ip: string;
  image: string;
  labels?: Record<string, string>;
  hash?: string;
  ready?: boolean;
  serviceAccount?: string;
}

/** Creates a pod owned by a Deployment's ReplicaSet, Running and (by default) Ready. */
export function addPod(store: ObjectStore, pod: TestPod): KubeObject {
  const hash = pod.hash ?? '5b7d6c9f4';
  const ready = pod.ready ?? true;
  return store.create(podsType(store), pod.namespace, {
    metadata: {
      name: `${pod.deployment}-${hash}-${pod.suffix}`,
      namespace: pod.namespace,
      labels: { ...(pod.labels ?? {}), 'pod-template-hash': hash },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${pod.deployment}-${hash}`,
          uid: `uid-${pod.deployment}-${hash}`,
          controller: true,
        },
      ],
    },
    spec: {
      ...(pod.serviceAccount ? { serviceAccountName: pod.serviceAccount } : {}),
      containers: [
        { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.26.2' },
        { name: 'app', image: pod.image },
      ],
    },
    status: {
      phase: 'Running',
      podIP: pod.ip,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  });
}

/** Creates a ClusterIP Service (what cluster DNS resolves). */
export function addService(
  store: ObjectStore,
  namespace: string,
  name: string,
  port = 9080,
): KubeObject {
  const type = store.registry.byPlural('', 'services') as ResourceType;
  return store.create(type, namespace, {
    metadata: { name, namespace },
    spec: { ports: [{ name: 'http', port, targetPort: port }], selector: { app: name } },
  });
}

/** Writes a Service's Endpoints with the given pods as ready addresses. */
export function setEndpoints(
  store: ObjectStore,
  namespace: string,
  name: string,
  pods: readonly KubeObject[],
): void {
  const type = store.registry.byPlural('', 'endpoints') as ResourceType;
  const object = {
    metadata: { name, namespace },
    subsets: [
      {
        addresses: pods.map((pod) => ({
          ip: (pod.status as { podIP: string }).podIP,
          targetRef: { kind: 'Pod', namespace, name: pod.metadata.name },
        })),
        ports: [{ name: 'http', port: 9080 }],
      },
    ],
  };
  if (store.peek(type, namespace, name)) store.update(type, namespace, object);
  else store.create(type, namespace, object);
}

/** Sets a pod's Ready condition through the status subresource. */
export function setPodReady(
  store: ObjectStore,
  namespace: string,
  name: string,
  ready: boolean,
): void {
  const pod = store.get(podsType(store), namespace, name) as KubeObject;
  const status = pod.status as { conditions: { type: string; status: string }[] };
  status.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False' }];
  store.update(podsType(store), namespace, pod, { subresource: 'status' });
}

/** A MeshView whose proxies and applied snapshots a test sets by hand. */
export class FakeMesh implements MeshView {
  readonly #proxies = new Map<string, ProxyView>();

  /** Connects a sidecar for a pod (optionally with a config already applied). */
  addProxy(pod: KubeObject, applied?: ProxyConfigSnapshot): ProxyView {
    const namespace = pod.metadata.namespace as string;
    const owner = pod.metadata.ownerReferences?.[0]?.name ?? pod.metadata.name;
    const hash = pod.metadata.labels?.['pod-template-hash'];
    const proxy: ProxyView = {
      id: `${pod.metadata.name}.${namespace}`,
      pod: pod.metadata.name,
      namespace,
      workload: hash ? owner.slice(0, -hash.length - 1) : owner,
      proxyType: 'sidecar',
      istiod: 'istiod-0',
      applied,
      appliedAt: applied ? new Date() : undefined,
    };
    this.#proxies.set(proxy.id, proxy);
    return proxy;
  }

  /** Applies a snapshot on one proxy (`<pod>.<namespace>`). */
  apply(proxyId: string, snapshot: ProxyConfigSnapshot): void {
    const proxy = this.#proxies.get(proxyId);
    if (!proxy) throw new Error(`no proxy ${proxyId}`);
    this.#proxies.set(proxyId, { ...proxy, applied: snapshot, appliedAt: new Date() });
  }

  /** Sets a proxy's `max_request_headers_kb` (what a scenario override sets). */
  limitHeaders(proxyId: string, kb: number): void {
    const proxy = this.#proxies.get(proxyId);
    if (!proxy) throw new Error(`no proxy ${proxyId}`);
    this.#proxies.set(proxyId, { ...proxy, maxRequestHeadersKb: kb });
  }

  /** Applies a snapshot on every proxy. */
  applyAll(snapshot: ProxyConfigSnapshot): void {
    for (const id of this.#proxies.keys()) this.apply(id, snapshot);
  }

  proxies(): Iterable<ProxyView> {
    return this.#proxies.values();
  }

  proxyOfPod(namespace: string, pod: string): ProxyView | undefined {
    return this.#proxies.get(`${pod}.${namespace}`);
  }
}

/** `outbound|<port>|<subset>|<host>`. */
export function clusterName(host: string, port: number, subset = ''): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** A cluster with endpoints. */
export function cluster(
  host: string,
  port: number,
  subset: string | undefined,
  endpoints: readonly ClusterEndpoint[],
): ClusterConfig {
  return {
    name: clusterName(host, port, subset ?? ''),
    host,
    port,
    ...(subset !== undefined ? { subset } : {}),
    endpoints,
  };
}

/** The endpoint of a pod created by `addPod`. */
export function endpointOf(pod: KubeObject): ClusterEndpoint {
  return {
    namespace: pod.metadata.namespace as string,
    pod: pod.metadata.name,
    ip: (pod.status as { podIP: string }).podIP,
  };
}

/** A sidecar route configuration for a port. */
export function routeConfig(
  port: number,
  virtualHosts: readonly EnvoyVirtualHost[],
): EnvoyRouteConfiguration {
  return {
    '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    name: String(port),
    virtual_hosts: [...virtualHosts],
    validate_clusters: false,
  };
}

/** A virtual host for a Kubernetes service, with the domains Istio generates. */
export function serviceVirtualHost(
  service: string,
  namespace: string,
  port: number,
  routes: readonly EnvoyRoute[],
): EnvoyVirtualHost {
  const fqdn = `${service}.${namespace}.svc.cluster.local`;
  return {
    name: `${fqdn}:${port}`,
    domains: [
      fqdn,
      service,
      `${service}.${namespace}.svc`,
      `${service}.${namespace}`,
      '10.96.12.34',
    ],
    routes: [...routes],
  };
}

/** A `prefix: /` route splitting over weighted clusters, with Istio's default retries. */
export function weightedRoute(
  name: string,
  clusters: readonly { name: string; weight: number }[],
): EnvoyRoute {
  return {
    name,
    match: { prefix: '/' },
    route: {
      weighted_clusters: { clusters: clusters.map((c) => ({ ...c })) },
      timeout: '0s',
      retry_policy: { ...ISTIO_DEFAULT_RETRY_POLICY },
    },
  };
}

/** A snapshot from route configurations and clusters. */
export function snapshot(
  version: string,
  routes: readonly EnvoyRouteConfiguration[],
  clusters: readonly ClusterConfig[],
): ProxyConfigSnapshot {
  return {
    version,
    routes,
    clusters: new Map(clusters.map((c) => [c.name, c])),
    builtAt: new Date(),
  };
}
