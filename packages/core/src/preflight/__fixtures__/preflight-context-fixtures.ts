/**
 * A healthy bookinfo reviews as preflight sees it (the examples/bookinfo manifests: blue
 * serving 100%, green idle with no pods, injection on, one istiod with synced proxies,
 * Prometheus holding data), and small edits that break one thing at a time. Checks are
 * pure, so their tests build contexts from these.
 */
import { SIDECAR_PATH } from '../../dataplane/dataplane-path.js';
import {
  routesTypeOf,
  type ProxyRouteStatus,
  type XdsTypeName,
  type XdsTypeStatus,
} from '../../gates/syncz-status.js';
import type { ProxySyncState } from '../../errors.js';
import type {
  DestinationRule,
  Gateway,
  PeerAuthentication,
  ServiceEntry,
  VirtualService,
} from '../../istio/types.js';
import type { Deployment, Pod, Service } from '../../kube/kube-types.js';
import type { GatewayApiGateway, HttpRoute } from '../../routing/http-route/http-route-types.js';
import { resolveReleaseSpec } from '../../spec/resolve-release-spec.js';
import type { ReleaseSpecOverrides } from '../../spec/release-spec.js';
import type { PreflightContext } from '../preflight-context.js';

/** When the facts were read. */
export const NOW = Date.parse('2026-11-02T10:00:00Z');

const META = { namespace: 'bookinfo', creationTimestamp: '2026-01-01T00:00:00Z' };

/** A slot Deployment of reviews. */
export function deployment(slot: 'blue' | 'green', replicas: number): Deployment {
  const labels = { app: 'reviews', version: slot };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...META, name: `reviews-${slot}`, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'reviews', image: 'reviews:v1', ports: [{ containerPort: 9080 }] }],
        },
      },
    },
  };
}

/** A running, ready, injected pod. */
export function pod(name: string, labels: Record<string, string>, namespace = 'bookinfo'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      containers: [
        { name: 'app', image: 'app:1' },
        { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.26.2' },
      ],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** The reviews VirtualService: all traffic on blue, bound to the mesh and bookinfo-gateway. */
export function virtualService(): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { ...META, name: 'reviews' },
    spec: {
      hosts: ['reviews'],
      gateways: ['mesh', 'bookinfo-gateway'],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: 'reviews', subset: 'blue' }, weight: 100 },
            { destination: { host: 'reviews', subset: 'green' }, weight: 0 },
          ],
        },
      ],
    },
  };
}

/** The reviews Service. */
export function service(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...META, name: 'reviews' },
    spec: {
      selector: { app: 'reviews' },
      ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
    },
  };
}

/** The reviews DestinationRule: one subset per slot. */
export function destinationRule(): DestinationRule {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { ...META, name: 'reviews' },
    spec: {
      host: 'reviews',
      subsets: [
        { name: 'blue', labels: { version: 'blue' } },
        { name: 'green', labels: { version: 'green' } },
      ],
    },
  };
}

/** The bookinfo gateway, selecting the ingress gateway pods. */
export function gateway(): Gateway {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { ...META, name: 'bookinfo-gateway' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    },
  };
}

/** A syncz view of one proxy with every type in the given state. */
export function proxyStatus(
  proxy: string,
  options: {
    type?: string;
    state?: ProxySyncState;
    sentAt?: number;
    lastError?: string;
    istiod?: string;
  } = {},
): ProxyRouteStatus {
  const state = options.state ?? 'SYNCED';
  const status: XdsTypeStatus = {
    state,
    sentAt: options.sentAt ?? NOW - 1000,
    lastError: options.lastError,
  };
  const xds = Object.fromEntries(
    (['CDS', 'LDS', 'EDS', 'RDS', 'ECDS'] as XdsTypeName[]).map((name) => [
      name,
      // ECDS is commonly never sent; RDS never to a waypoint (its routes are in LDS).
      name === 'ECDS' || (name === 'RDS' && options.type === 'waypoint')
        ? { state: 'NOT SENT', sentAt: undefined, lastError: undefined }
        : status,
    ]),
  ) as Record<XdsTypeName, XdsTypeStatus>;
  const dot = proxy.lastIndexOf('.');
  return {
    proxy,
    pod: proxy.slice(0, dot),
    namespace: proxy.slice(dot + 1),
    proxyType: options.type ?? 'sidecar',
    istiod: options.istiod ?? 'istiod-a',
    routesType: routesTypeOf(options.type ?? 'sidecar'),
    sent: 'n2',
    acked: state === 'SYNCED' ? 'n2' : 'n1',
    sentAt: status.sentAt,
    nonceTime: undefined,
    nonceCounter: undefined,
    lastError: options.lastError,
    state: state === 'ERROR' ? 'ERROR' : state,
    xds,
  };
}

/** A healthy context; `overrides` replace top-level facts, `spec` adds spec fields. */
export function healthyContext(
  overrides: Partial<PreflightContext> = {},
  spec: ReleaseSpecOverrides = {},
): PreflightContext {
  const blue = deployment('blue', 2);
  return {
    spec: resolveReleaseSpec(
      undefined,
      { service: 'reviews', ...spec },
      { defaultNamespace: 'bookinfo' },
    ),
    operation: 'doctor',
    now: NOW,
    host: 'reviews.bookinfo.svc.cluster.local',
    service: service(),
    virtualService: virtualService(),
    routeKind: 'VirtualService',
    httpRoute: undefined,
    backendServices: new Map(),
    destinationRule: destinationRule(),
    deployments: { blue, green: deployment('green', 0) },
    namespace: {
      ok: true,
      value: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } },
      },
    },
    pods: {
      ok: true,
      value: [
        pod('reviews-blue-1', { app: 'reviews', version: 'blue' }),
        pod('reviews-blue-2', { app: 'reviews', version: 'blue' }),
      ],
    },
    virtualServices: { ok: true, value: [virtualService()] },
    destinationRules: { ok: true, value: [destinationRule()] },
    routeServices: { ok: true, value: new Map([['bookinfo/reviews', service()]]) },
    gateways: { ok: true, value: new Map([['bookinfo/bookinfo-gateway', gateway()]]) },
    gatewayPods: {
      ok: true,
      value: [pod('istio-ingressgateway-1', { istio: 'ingressgateway' }, 'istio-system')],
    },
    serviceEntries: { ok: true, value: [] },
    peerAuthentications: { ok: true, value: [] },
    proxies: {
      ok: true,
      value: {
        proxies: [
          proxyStatus('productpage-1.bookinfo'),
          proxyStatus('reviews-blue-1.bookinfo'),
          proxyStatus('istio-ingressgateway-1.istio-system', { type: 'router' }),
        ],
        replicas: ['istiod-a'],
        unanswered: [],
      },
    },
    prometheus: {
      ok: true,
      value: {
        endpoint: 'http://prometheus:9090',
        subject: 'reviews.bookinfo.svc.cluster.local',
        checkedReporter: 'destination',
        windowMs: 300_000,
        samplesByReporter: { source: 120, destination: 120 },
      },
    },
    envoy: undefined,
    httpRouteSchema: NOT_READ,
    httpRoutes: { ok: true, value: [] },
    routeGateways: NOT_READ,
    dataplane: { ok: true, value: SIDECAR_PATH },
    ...overrides,
  };
}

const NOT_READ = { ok: false as const, error: 'not read (no check needs it)' };

/** A slot Service of reviews (examples/bookinfo-gateway-api). */
export function slotService(slot: 'blue' | 'green', selector?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...META, name: `reviews-${slot}` },
    spec: {
      selector: selector ?? { app: 'reviews', version: slot },
      ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
    },
  };
}

/** The reviews HTTPRoute: the reviews Service and, with `gateway`, bookinfo-ingress as parents. */
export function httpRoute(options: { gateway?: boolean } = {}): HttpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { ...META, name: 'reviews', generation: 1 },
    spec: {
      parentRefs: [
        { group: '', kind: 'Service', name: 'reviews', port: 9080 },
        ...(options.gateway ? [{ name: 'bookinfo-ingress', sectionName: 'http' }] : []),
      ],
      rules: [
        {
          name: 'primary',
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { group: '', kind: 'Service', name: 'reviews-blue', port: 9080, weight: 100 },
            { group: '', kind: 'Service', name: 'reviews-green', port: 9080, weight: 0 },
          ],
        },
      ],
    },
  };
}

/** A Gateway API Gateway, Programmed with an address unless told otherwise. */
export function gatewayApiGateway(
  status: GatewayApiGateway['status'] = {
    addresses: [{ type: 'Hostname', value: 'bookinfo-ingress-istio.bookinfo.svc.cluster.local' }],
    conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed' }],
  },
): GatewayApiGateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { ...META, name: 'bookinfo-ingress' },
    spec: { gatewayClassName: 'istio' },
    status,
  };
}

/** A healthy context releasing reviews through its HTTPRoute (with a pre-release header). */
export function httpRouteContext(
  overrides: Partial<PreflightContext> = {},
  spec: ReleaseSpecOverrides = {},
): PreflightContext {
  const base = healthyContext(
    {},
    { deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } }, ...spec },
  );
  return {
    ...base,
    spec: { ...base.spec, target: { ...base.spec.target, kind: 'HTTPRoute' } },
    routeKind: 'HTTPRoute',
    virtualService: undefined,
    destinationRule: undefined,
    httpRoute: httpRoute(),
    backendServices: new Map([
      ['reviews-blue', slotService('blue')],
      ['reviews-green', slotService('green')],
    ]),
    virtualServices: { ok: true, value: [] },
    httpRoutes: { ok: true, value: [httpRoute()] },
    routeGateways: { ok: true, value: new Map() },
    httpRouteSchema: {
      ok: true,
      value: {
        bundleVersion: 'v1.6.0',
        channel: 'standard',
        servesV1: true,
        fields: { ruleName: true, mirrorPercent: true },
      },
    },
    ...overrides,
  };
}

/** A PeerAuthentication. */
export function peerAuthentication(
  name: string,
  namespace: string,
  spec: PeerAuthentication['spec'],
): PeerAuthentication {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
  };
}

/** A ServiceEntry. */
export function serviceEntry(
  name: string,
  namespace: string,
  spec: ServiceEntry['spec'],
): ServiceEntry {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
  };
}

/** Ids and severities of the findings, for compact assertions. */
export function summary(
  findings: readonly { id: string; severity: string; field: string }[],
): string[] {
  return findings.map((f) => `${f.severity} ${f.id} ${f.field}`);
}
