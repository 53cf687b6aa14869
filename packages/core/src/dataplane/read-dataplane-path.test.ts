import { describe, expect, it } from 'vitest';
import type { ListOptions, Namespace, Pod, Service } from '../kube/kube-types.js';
import { hasSidecar, readDataplanePath, type GatewayObject } from './read-dataplane-path.js';

function pod(name: string, labels: Record<string, string>, extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'bookinfo', labels },
    spec: { containers: [{ name: 'app' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    ...extra,
  };
}

const SIDECAR_SPEC = {
  containers: [{ name: 'app' }, { name: 'istio-proxy', args: ['proxy', 'sidecar'] }],
};
const WAYPOINT_SPEC = { containers: [{ name: 'istio-proxy', args: ['proxy', 'waypoint'] }] };

const REVIEWS: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', namespace: 'bookinfo' },
  spec: { selector: { app: 'reviews' } },
};

function cluster(options: { namespaceLabels?: Record<string, string>; gateway?: GatewayObject }) {
  const pods = [
    pod('reviews-blue-1', { app: 'reviews' }),
    pod('productpage-1', { app: 'productpage' }),
    pod('caller-1', { app: 'caller' }, { spec: SIDECAR_SPEC }),
    pod(
      'waypoint-1',
      { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
      { spec: WAYPOINT_SPEC },
    ),
  ];
  const lists: (ListOptions | undefined)[] = [];
  return {
    lists,
    readers: {
      namespaces: {
        get: (_: string, name: string) =>
          Promise.resolve<Namespace>({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name, labels: options.namespaceLabels },
          }),
      },
      pods: {
        list: (_: string, opts?: ListOptions) => {
          lists.push(opts);
          const wanted = opts?.labelSelector?.split('=');
          return Promise.resolve(
            wanted ? pods.filter((p) => p.metadata.labels?.[wanted[0] ?? ''] === wanted[1]) : pods,
          );
        },
      },
      gateways: { get: () => Promise.resolve(options.gateway) },
    },
  };
}

const WAYPOINT_GATEWAY: GatewayObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'waypoint', namespace: 'bookinfo' },
  spec: { gatewayClassName: 'istio-waypoint' },
  status: {
    addresses: [{ type: 'Hostname', value: 'waypoint.bookinfo.svc.cluster.local' }],
    conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed' }],
  },
};

describe('hasSidecar', () => {
  it('knows a sidecar from a waypoint or router, and an injected pod by its status', () => {
    expect(hasSidecar(pod('a', {}, { spec: SIDECAR_SPEC }))).toBe(true);
    expect(hasSidecar(pod('b', {}, { spec: WAYPOINT_SPEC }))).toBe(false);
    expect(hasSidecar(pod('c', {}))).toBe(false);
    const injected = pod('d', {});
    injected.metadata.annotations = { 'sidecar.istio.io/status': '{}' };
    expect(hasSidecar(injected)).toBe(true);
    expect(
      hasSidecar(
        pod('e', {}, { spec: { containers: [], initContainers: [{ name: 'istio-proxy' }] } }),
      ),
    ).toBe(true);
  });
});

describe('readDataplanePath', () => {
  it('finds the namespace’s waypoint with its ready pods, and the callers with a sidecar', async () => {
    const { readers } = cluster({
      namespaceLabels: {
        'istio.io/dataplane-mode': 'ambient',
        'istio.io/use-waypoint': 'waypoint',
      },
      gateway: WAYPOINT_GATEWAY,
    });
    expect(await readDataplanePath(readers, REVIEWS)).toEqual({
      kind: 'waypoint',
      waypoint: { namespace: 'bookinfo', name: 'waypoint', boundBy: 'Namespace' },
      sidecarCallers: ['caller-1'],
      problems: [],
    });
  });

  it('reads no Gateway off the ambient path, and names a missing one on it', async () => {
    const sidecars = cluster({ gateway: WAYPOINT_GATEWAY });
    expect(await readDataplanePath(sidecars.readers, REVIEWS)).toEqual({ kind: 'sidecar' });
    expect(sidecars.lists).toHaveLength(1);
    const missing = cluster({
      namespaceLabels: {
        'istio.io/dataplane-mode': 'ambient',
        'istio.io/use-waypoint': 'waypoint',
      },
    });
    expect(await readDataplanePath(missing.readers, REVIEWS)).toMatchObject({
      kind: 'waypoint',
      problems: ['waypoint Gateway bookinfo/waypoint does not exist'],
    });
  });
});
