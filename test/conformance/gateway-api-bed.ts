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
import { bookinfoIn, type RealClusterInfo } from '@switchyard/test-utils';
import { bedNamespace, type BedNamespace, type KubeObject } from './bed-namespace.js';

export type {
  ClientCounters,
  FleetProxy,
  HTTPRouteObject,
  RouteCondition,
  RouteParentStatus,
} from './bed-namespace.js';

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

/** A namespace holding the Gateway API flavour of bookinfo on the real test bed. */
export type GatewayApiNamespace = BedNamespace;

/**
 * Creates `namespace` with the flavour (reviews-green scaled to `greenReplicas`), waits for
 * its Deployments and the one istiod creates for the Gateway, and sets the fleet's clients.
 */
export async function gatewayApiNamespace(
  info: RealClusterInfo,
  namespace: string,
  options: { greenReplicas?: number } = {},
): Promise<GatewayApiNamespace> {
  const objects = await gatewayApiBookinfoIn(namespace);
  for (const obj of objects) {
    if (obj.kind === 'Deployment' && obj.metadata.name === 'reviews-green') {
      (obj.spec as { replicas: number }).replicas = options.greenReplicas ?? 0;
    }
  }
  return bedNamespace(info, namespace, {
    objects,
    createdDeployments: [GATEWAY_WORKLOAD],
    clients: clientsOf(namespace),
  });
}
