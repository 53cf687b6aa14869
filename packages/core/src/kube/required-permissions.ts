/**
 * The Kubernetes permissions switchyard uses, as data: every call `KubeClient`, the port
 * forwards and the gates make, grouped by the namespace it goes to. The RBAC manifests in
 * deploy/rbac and the README's "What it needs in a real cluster" are both checked against
 * this table (test/rbac), so the three cannot drift apart; a new call in core belongs here.
 *
 * Port-forward is a WebSocket upgrade (a GET) from `@kubernetes/client-node`: the API server
 * authorizes it as `get` on `pods/portforward`, and from Kubernetes 1.35 (feature gate
 * AuthorizePodWebsocketUpgradeCreatePermission, on by default) also as `create`, which the
 * SPDY transport of kubectl always needed. Hence both verbs.
 */
import { ROUTE_BACKEND_KINDS } from '../routing/route-backends.js';

/**
 * Which namespace a permission is needed in: the service's own; istiod's
 * (`sync.istiod.namespace`, default istio-system); the namespace of an in-cluster Prometheus
 * reached by port-forward (`prometheus.service`, default istio-system/prometheus:9090); the
 * namespaces of the proxies the sync gate waits for (`sync.scope`, default all); `cluster`:
 * cluster-scoped objects an operation reads (the installed HTTPRoute schema); and
 * `preflight`, cluster-wide: what the preflight checks (`doctor`, and `deploy` and `release`
 * before they change anything) read across namespaces. Preflight rows are optional: without
 * them each check that needs the read reports `not checked` (info) and the operation goes on.
 */
export type PermissionScope =
  'service' | 'istiod' | 'prometheus' | 'proxies' | 'cluster' | 'preflight';

/** One resource switchyard calls, with the verbs it uses. */
export interface RequiredPermission {
  /** The namespace it is needed in. */
  readonly scope: PermissionScope;
  /** API group; `''` for the core group. */
  readonly apiGroup: string;
  /** Resource, with `/subresource` when one is called. */
  readonly resource: string;
  /** RBAC verbs, in the order `get, list, create, update, patch`. */
  readonly verbs: readonly string[];
  /** What switchyard does with it. */
  readonly purpose: string;
  /** The settings under which it is needed; undefined when always. */
  readonly onlyWhen?: string | undefined;
}

const PORT_FORWARD = ['get', 'create'] as const;
const PREFLIGHT = 'optional: without it that preflight check reports not checked';

/** Every permission switchyard needs, by namespace. */
export const REQUIRED_PERMISSIONS: readonly RequiredPermission[] = Object.freeze([
  // The routing objects: each route backend's reads and patches.
  ...ROUTE_BACKEND_KINDS.flatMap((kind) => kind.permissions),
  {
    scope: 'service',
    apiGroup: 'apps',
    resource: 'deployments',
    verbs: ['get', 'create', 'update'],
    purpose:
      'read the slots; set the candidate image (create the idle slot); scale down the old one',
  },
  {
    scope: 'service',
    apiGroup: 'apps',
    resource: 'deployments/status',
    verbs: ['get'],
    purpose: 'follow the candidate rollout',
  },
  {
    scope: 'service',
    apiGroup: '',
    resource: 'services',
    verbs: ['get'],
    purpose: 'preflight: the Service and its port protocol',
  },
  {
    scope: 'service',
    apiGroup: '',
    resource: 'pods',
    verbs: ['list'],
    purpose: 'ready pods of each slot',
  },
  {
    scope: 'service',
    apiGroup: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ['get', 'create', 'update'],
    purpose: 'the release lock, a Lease named after the service',
  },
  {
    scope: 'service',
    apiGroup: '',
    resource: 'events',
    verbs: ['create'],
    purpose: 'Events on the routing object (VirtualService or HTTPRoute) for each step',
  },
  {
    scope: 'istiod',
    apiGroup: '',
    resource: 'pods',
    verbs: ['list'],
    purpose: 'find the istiod replicas',
    onlyWhen: 'sync.istiod.url is not set',
  },
  {
    scope: 'istiod',
    apiGroup: '',
    resource: 'pods/portforward',
    verbs: PORT_FORWARD,
    purpose:
      "read /debug/syncz from every istiod (its debug port answers only on the pod's loopback)",
    onlyWhen: 'sync.istiod.url is not set',
  },
  {
    scope: 'prometheus',
    apiGroup: '',
    resource: 'services',
    verbs: ['get'],
    purpose: "resolve the Prometheus Service's pods",
    onlyWhen: 'checks reach Prometheus by prometheus.service (no url)',
  },
  {
    scope: 'prometheus',
    apiGroup: '',
    resource: 'pods',
    verbs: ['list'],
    purpose: 'a ready Prometheus pod',
    onlyWhen: 'checks reach Prometheus by prometheus.service (no url)',
  },
  {
    scope: 'prometheus',
    apiGroup: '',
    resource: 'pods/portforward',
    verbs: PORT_FORWARD,
    purpose: 'query Prometheus through a port-forward',
    onlyWhen: 'checks reach Prometheus by prometheus.service (no url)',
  },
  {
    scope: 'proxies',
    apiGroup: '',
    resource: 'pods',
    verbs: ['list'],
    purpose: 'match proxies to sync.scope.selector',
    onlyWhen: 'sync.scope.selector is set',
  },
  {
    scope: 'proxies',
    apiGroup: '',
    resource: 'pods/portforward',
    verbs: PORT_FORWARD,
    purpose:
      "read Envoy's config_dump from the admin port: one proxy per istiod replica for each route change (the sync gate's push fence), and sync.verifyDataplane proxies",
  },
  {
    scope: 'preflight',
    apiGroup: '',
    resource: 'namespaces',
    verbs: ['get'],
    purpose: "preflight sidecar-injection: the namespace's injection labels",
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: '',
    resource: 'pods',
    verbs: ['list'],
    purpose: 'preflight vs-gateways, header-size: the pods of the Gateways the routes name',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: '',
    resource: 'services',
    verbs: ['get'],
    purpose: 'preflight vs-destinations: the Services the routes name, in any namespace',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: 'networking.istio.io',
    resource: 'gateways',
    verbs: ['get'],
    purpose: 'preflight vs-gateways: the Gateways the routes name, in any namespace',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: 'networking.istio.io',
    resource: 'virtualservices',
    verbs: ['list'],
    purpose:
      'preflight vs-hosts, vs-visibility, idle-slot-traffic, route-host-conflict: the other VirtualServices for the host',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: 'networking.istio.io',
    resource: 'destinationrules',
    verbs: ['list'],
    purpose: 'preflight vs-destinations: the subsets DestinationRules of every namespace define',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: 'networking.istio.io',
    resource: 'serviceentries',
    verbs: ['list'],
    purpose: 'preflight service-entry-collision: ServiceEntries of every namespace',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: 'gateway.networking.k8s.io',
    resource: 'httproutes',
    verbs: ['list'],
    purpose:
      'preflight route-host-conflict, idle-slot-traffic: the other HTTPRoutes on the same Service parent, and those reaching the idle slot',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: 'gateway.networking.k8s.io',
    resource: 'gateways',
    verbs: ['get'],
    purpose: 'preflight gateway-address: the Gateways an HTTPRoute names, their status',
    onlyWhen: PREFLIGHT,
  },
  {
    scope: 'preflight',
    apiGroup: 'security.istio.io',
    resource: 'peerauthentications',
    verbs: ['list'],
    purpose: "preflight mtls-mismatch: the service's and the root namespace's PeerAuthentications",
    onlyWhen: PREFLIGHT,
  },
]);
