/**
 * bookinfo in ambient mode on the ambient test bed (`testbed up --profile=ambient`), for the
 * `conformance-ambient` files: bookinfo's workloads, `examples/bookinfo-gateway-api`'s slot
 * Services and `reviews` HTTPRoute, and `examples/bookinfo-ambient` (the namespace enrolled
 * in ambient, its Services using the `waypoint`, the waypoint's Gateway), moved into a
 * namespace of the file's own. Traffic: productpage and release-tester are ambient clients
 * (no sidecar: ztunnel takes their requests to the waypoint); with `sidecarCaller`, a
 * `sidecar-caller` Deployment whose pod asks for a sidecar (istio-cni then leaves it out of
 * ambient) calls reviews too: a mixed namespace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { waitFor, type RealClusterInfo } from '@switchyard/test-utils';
import { bedNamespace, type BedNamespace, type KubeObject } from '../bed-namespace.js';
import { gatewayApiBookinfoIn } from '../gateway-api-bed.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AMBIENT_MANIFESTS = join(ROOT, 'examples', 'bookinfo-ambient');

/** The namespace's waypoint: its Gateway, and the Deployment and Service istiod names after it. */
export const WAYPOINT = 'waypoint';
/** The mesh HTTPRoute (parent Service `reviews`), applied by the waypoint and by sidecars. */
export const MESH_ROUTE = 'reviews';
/** The client with a sidecar of a mixed namespace. */
export const SIDECAR_CALLER = 'sidecar-caller';

/** Requests per second of the clients. */
export const RATES = { ambient: 40, tester: 10, sidecar: 20 } as const;

/** A bookinfo namespace in ambient mode on the ambient test bed. */
export type AmbientNamespace = BedNamespace;

function ambientManifests(namespace: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of ['00-namespace.yaml', 'waypoint.yaml']) {
    for (const doc of loadAll(readFileSync(join(AMBIENT_MANIFESTS, file), 'utf8'))) {
      if (!doc) continue;
      const obj = doc as KubeObject;
      if (obj.kind === 'Namespace') obj.metadata.name = namespace;
      else obj.metadata.namespace = namespace;
      out.push(obj);
    }
  }
  return out;
}

/** A caller whose pod asks for a sidecar (injection by pod label: no namespace label needed). */
function sidecarCaller(namespace: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: SIDECAR_CALLER, namespace, labels: { app: SIDECAR_CALLER } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: SIDECAR_CALLER } },
      template: {
        metadata: {
          labels: { app: SIDECAR_CALLER, version: 'v1', 'sidecar.istio.io/inject': 'true' },
        },
        spec: {
          containers: [
            {
              name: 'curl',
              image: 'docker.io/curlimages/curl:8.11.1',
              command: ['sleep', 'infinity'],
            },
          ],
        },
      },
    },
  };
}

/** The flavour's objects in `namespace`: bookinfo's Gateway API flavour without its ingress. */
export async function ambientBookinfoIn(
  namespace: string,
  options: { sidecarCaller?: boolean } = {},
): Promise<KubeObject[]> {
  const gatewayApi = (await gatewayApiBookinfoIn(namespace)).filter(
    (o) =>
      o.kind !== 'Namespace' &&
      !(o.kind === 'Gateway' || (o.kind === 'HTTPRoute' && o.metadata.name !== MESH_ROUTE)),
  );
  return [
    ...ambientManifests(namespace),
    ...gatewayApi,
    ...(options.sidecarCaller ? [sidecarCaller(namespace)] : []),
  ];
}

function clientsOf(namespace: string, sidecar: boolean): unknown[] {
  const target = { host: 'reviews', port: 9080, path: '/reviews/0' };
  return [
    { name: 'productpage', namespace, rps: RATES.ambient, target },
    {
      name: 'release-tester',
      namespace,
      rps: RATES.tester,
      target,
      headers: { 'x-release': 'candidate' },
    },
    ...(sidecar ? [{ name: SIDECAR_CALLER, namespace, rps: RATES.sidecar, target }] : []),
  ];
}

/**
 * Waits until istiod's status of the namespace's waypoint Gateway says `Programmed` is
 * `status` (`True` with an address). istiod computes it from the waypoint Service's instances
 * only when it rebuilds its Service index (a Service changed, or a forced push), not when
 * endpoints alone change (pilot/pkg/model/push_context.go updateContext; a Service's endpoints
 * going to zero and back are incremental pushes): after the waypoint's pods went and came
 * back, the status is whatever the cluster's last Service change found. So a poll that finds
 * the other status relabels the waypoint's Service, for istiod to compute it again.
 */
export async function waypointProgrammed(
  ns: AmbientNamespace,
  status: 'True' | 'False',
): Promise<void> {
  let recomputes = 0;
  await waitFor(
    async () => {
      const gateway = await ns.kubectlJson<{
        status?: { addresses?: unknown[]; conditions?: { type: string; status: string }[] };
      }>(['-n', ns.namespace, 'get', 'gateways.gateway.networking.k8s.io', WAYPOINT]);
      const programmed = gateway.status?.conditions?.find((c) => c.type === 'Programmed');
      if (
        programmed?.status === status &&
        (status === 'False' || (gateway.status?.addresses ?? []).length > 0)
      )
        return true;
      await ns.kubectl([
        '-n',
        ns.namespace,
        'label',
        'service',
        WAYPOINT,
        `switchyard.test/status-recompute=${++recomputes}`,
        '--overwrite',
      ]);
      return false;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 1000,
      description: `waypoint ${ns.namespace}/${WAYPOINT} Programmed=${status}`,
    },
  );
}

/**
 * Creates `namespace` with the flavour (reviews-green scaled to `greenReplicas`), waits for
 * its Deployments and the waypoint's, and for istiod to report the waypoint Programmed (a
 * release or doctor before that finds it not Programmed, rightly), and sets the fleet's
 * clients.
 */
export async function ambientNamespace(
  info: RealClusterInfo,
  namespace: string,
  options: { greenReplicas?: number; sidecarCaller?: boolean } = {},
): Promise<AmbientNamespace> {
  const objects = await ambientBookinfoIn(namespace, options);
  for (const obj of objects) {
    if (obj.kind === 'Deployment' && obj.metadata.name === 'reviews-green') {
      (obj.spec as { replicas: number }).replicas = options.greenReplicas ?? 0;
    }
  }
  const ns = await bedNamespace(info, namespace, {
    objects,
    createdDeployments: [WAYPOINT],
    clients: clientsOf(namespace, options.sidecarCaller ?? false),
  });
  await waypointProgrammed(ns, 'True');
  return ns;
}
