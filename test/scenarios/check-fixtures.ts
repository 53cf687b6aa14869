/**
 * One broken fixture per preflight check, run on both tiers by doctor-checks.test.ts: how
 * to break the bookinfo reviews service in a cluster's namespace so that exactly that check
 * reports it, how to put it back, and the finding expected. Each works with kubectl alone,
 * except the data-plane ones, which also use the control API (proxy overrides) and need
 * proxies, Prometheus or Envoy's config_dump; a fixture needing what only one tier can do
 * says so by capability.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FindingSeverity, OperationInput } from '@switchyard/core';
import { PREFLIGHT_CHECK_IDS, type PreflightCheckId } from '@switchyard/core/preflight-check-ids';
import type { Cluster, ClusterCapability } from '@switchyard/test-utils';

/** The finding a fixture must produce. */
export interface ExpectedFinding {
  readonly severity: FindingSeverity;
  /** Kind of the object named. */
  readonly kind: string;
  /** The field named (exact, or a pattern). */
  readonly field: string | RegExp;
  /** Something the message must say. */
  readonly message: RegExp;
  /** Something the fix must say (the configuration to apply), where it matters. */
  readonly fix?: RegExp;
}

/** One broken fixture. */
export interface CheckFixture {
  /** The check that must catch it. */
  readonly id: PreflightCheckId;
  /** What is broken, for the test name. */
  readonly broken: string;
  /** What the cluster must be able to do (proxies and Prometheus: `dataPlane`). */
  readonly needs?: readonly ClusterCapability[];
  /** Library options doctor needs besides the cluster's (a short sync timeout, a header). */
  readonly options?: () => Partial<OperationInput>;
  /** Options that are the breakage itself (a wrong Prometheus URL), used only while broken. */
  readonly brokenOptions?: () => Partial<OperationInput>;
  /** Breaks the service; resolves a function that repairs it. */
  breakIt(bed: Cluster): Promise<() => Promise<void>>;
  /** The finding. */
  readonly expected: ExpectedFinding;
  /**
   * The codes `istioctl analyze` (offline) reports on the broken service, which doctor's
   * findings must cover (test/conformance/doctor.test.ts); undefined: none.
   */
  readonly analyze?: readonly string[];
}

/** `kubectl apply` of one object, through a temporary file. */
export async function applyObject(
  bed: Cluster,
  object: object,
  extraArgs: readonly string[] = [],
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'preflight-fixture-'));
  try {
    const file = join(dir, 'object.json');
    await writeFile(file, JSON.stringify(object));
    await bed.kubectl(['apply', '-f', file, ...extraArgs]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A JSON Patch on an object of the bed's namespace. */
export async function jsonPatch(
  bed: Cluster,
  resource: string,
  name: string,
  ops: readonly object[],
): Promise<void> {
  await bed.kubectl([
    '-n',
    bed.namespace,
    'patch',
    resource,
    name,
    '--type=json',
    '-p',
    JSON.stringify(ops),
  ]);
}

/** A namespace for another team's objects. */
async function otherNamespace(bed: Cluster): Promise<string> {
  const name = `${bed.namespace}-other`;
  const existing = await bed.kubectl(['get', 'namespaces', '-o', 'name']);
  // Client-side validation of a built-in kind needs OpenAPI documents the simulator does not
  // serve; the API server validates the Namespace either way.
  if (!existing.split('\n').includes(`namespace/${name}`))
    await applyObject(bed, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, [
      '--validate=false',
    ]);
  return name;
}

/** The checks that are about an HTTPRoute only: a VirtualService release runs the others. */
const HTTP_ROUTE_ONLY: readonly PreflightCheckId[] = [
  'http-route-objects',
  'gateway-api-crds',
  'route-host-conflict',
  'slot-services',
  'backend-ports',
  'gateway-address',
  'route-headers',
  'route-status',
  'ambient-ingress',
];

/** The checks doctor runs for a VirtualService release such as bookinfo's reviews, in order. */
export const VIRTUAL_SERVICE_CHECKS: readonly PreflightCheckId[] = PREFLIGHT_CHECK_IDS.filter(
  (id) => !HTTP_ROUTE_ONLY.includes(id),
);

const TOKEN_HEADER = { name: 'x-token', exact: 'a'.repeat(2000) };

/** What header-size reports, whichever way the caller's limit was set. */
const HEADER_SIZE_FINDING: ExpectedFinding = {
  severity: 'error',
  kind: 'ReleaseSpec',
  field: 'deploy.preRelease.headers',
  message: /over the 1 KiB max_request_headers_kb of productpage-\S+ \(outbound/,
};

/** Every fixture, in check order. */
export const CHECK_FIXTURES: readonly CheckFixture[] = [
  {
    id: 'port-protocol',
    broken: 'a Service port named tcp',
    async breakIt(bed) {
      await jsonPatch(bed, 'service', 'reviews', [
        { op: 'replace', path: '/spec/ports/0/name', value: 'tcp' },
      ]);
      return () =>
        jsonPatch(bed, 'service', 'reviews', [
          { op: 'replace', path: '/spec/ports/0/name', value: 'http' },
        ]);
    },
    expected: {
      severity: 'error',
      kind: 'Service',
      field: 'spec.ports[0].name',
      message: /port 9080 \("tcp"\) resolves to TCP/,
    },
  },
  {
    id: 'subset-labels',
    broken: "a subset selecting a label its slot's pods lack",
    async breakIt(bed) {
      await jsonPatch(bed, 'destinationrule', 'reviews', [
        {
          op: 'replace',
          path: '/spec/subsets/1/labels',
          value: { version: 'green', track: 'canary' },
        },
      ]);
      return () =>
        jsonPatch(bed, 'destinationrule', 'reviews', [
          { op: 'replace', path: '/spec/subsets/1/labels', value: { version: 'green' } },
        ]);
    },
    expected: {
      severity: 'error',
      kind: 'Deployment',
      field: 'spec.template.metadata.labels',
      message: /subset "green" selects track=canary/,
    },
  },
  {
    id: 'subset-overlap',
    broken: "a blue subset that also selects green's pods",
    async breakIt(bed) {
      await jsonPatch(bed, 'destinationrule', 'reviews', [
        { op: 'replace', path: '/spec/subsets/0/labels', value: { app: 'reviews' } },
      ]);
      return () =>
        jsonPatch(bed, 'destinationrule', 'reviews', [
          { op: 'replace', path: '/spec/subsets/0/labels', value: { version: 'blue' } },
        ]);
    },
    expected: {
      severity: 'error',
      kind: 'DestinationRule',
      field: 'spec.subsets[0].labels',
      message: /subsets "blue" \(app=reviews\) and "green" \(version=green\) both select/,
    },
  },
  {
    id: 'sticky-sessions',
    broken: 'session affinity by cookie on the DestinationRule',
    async breakIt(bed) {
      await jsonPatch(bed, 'destinationrule', 'reviews', [
        {
          op: 'add',
          path: '/spec/trafficPolicy',
          value: {
            loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '0s' } } },
          },
        },
      ]);
      return () =>
        jsonPatch(bed, 'destinationrule', 'reviews', [
          { op: 'remove', path: '/spec/trafficPolicy' },
        ]);
    },
    expected: {
      severity: 'warning',
      kind: 'DestinationRule',
      field: 'spec.trafficPolicy.loadBalancer.consistentHash',
      message:
        /^session affinity by the cookie "session": Istio picks each request's slot by weight/,
    },
  },
  {
    id: 'subset-empty',
    broken: 'all traffic routed to the idle slot, which has no pods',
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [
          { op: 'replace', path: '/spec/http/0/route/0/weight', value: 100 },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: 0 },
        ]);
    },
    expected: {
      severity: 'error',
      kind: 'DestinationRule',
      field: 'spec.subsets[1]',
      message: /carries 100% of the traffic: those requests fail with 503/,
    },
  },
  {
    id: 'sidecar-injection',
    broken: 'sidecar injection disabled on the namespace',
    async breakIt(bed) {
      await bed.kubectl([
        'label',
        'namespace',
        bed.namespace,
        'istio-injection=disabled',
        '--overwrite',
      ]);
      return async () => {
        await bed.kubectl([
          'label',
          'namespace',
          bed.namespace,
          'istio-injection=enabled',
          '--overwrite',
        ]);
      };
    },
    expected: {
      severity: 'error',
      kind: 'Namespace',
      field: 'metadata.labels.istio-injection',
      message: /istio-injection is "disabled"/,
    },
  },
  {
    id: 'sidecar-injection',
    broken: "the idle slot's application running as the sidecar's UID 1337",
    // istioctl analyze reports it as IST0144 against a live cluster only: its analyzer also
    // reads Pods, which analyze does not read from files, so offline it is skipped.
    async breakIt(bed) {
      // The API server defaults the pod's securityContext to {}.
      await jsonPatch(bed, 'deployment', 'reviews-green', [
        { op: 'add', path: '/spec/template/spec/securityContext/runAsUser', value: 1337 },
      ]);
      return () =>
        jsonPatch(bed, 'deployment', 'reviews-green', [
          { op: 'remove', path: '/spec/template/spec/securityContext/runAsUser' },
        ]);
    },
    expected: {
      severity: 'error',
      kind: 'Deployment',
      field: 'spec.template.spec.securityContext.runAsUser',
      message: /the green slot's pods run as UID 1337, the sidecar's own/,
    },
  },
  {
    id: 'vs-hosts',
    broken: 'VirtualService hosts naming another namespace',
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        { op: 'replace', path: '/spec/hosts', value: ['reviews.elsewhere.svc.cluster.local'] },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [
          { op: 'replace', path: '/spec/hosts', value: ['reviews'] },
        ]);
    },
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.hosts',
      message: /do not include reviews\.\S+\.svc\.cluster\.local/,
    },
  },
  {
    id: 'vs-hosts',
    broken: 'a second VirtualService claiming the host for the mesh',
    analyze: ['IST0109'],
    async breakIt(bed) {
      await applyObject(bed, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews-second', namespace: bed.namespace },
        spec: {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', subset: 'blue' } }] }],
        },
      });
      return async () => {
        await bed.kubectl(['-n', bed.namespace, 'delete', 'virtualservice', 'reviews-second']);
      };
    },
    expected: {
      severity: 'warning',
      kind: 'VirtualService',
      field: 'spec.hosts',
      message:
        /also claims reviews\.\S+ for the mesh; sidecars ignore it while reviews \(older\) exists/,
    },
  },
  {
    id: 'vs-gateways',
    broken: 'a Gateway named that does not exist',
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        { op: 'add', path: '/spec/gateways/-', value: 'istio-system/no-such-gateway' },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [{ op: 'remove', path: '/spec/gateways/2' }]);
    },
    analyze: ['IST0101', 'IST0132'],
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.gateways[2]',
      message: /names Gateway istio-system\/no-such-gateway, which does not exist/,
    },
  },
  {
    id: 'vs-gateways',
    broken: 'a Gateway that serves none of the VirtualService hosts',
    async breakIt(bed) {
      await jsonPatch(bed, 'gateways.networking.istio.io', 'bookinfo-gateway', [
        { op: 'replace', path: '/spec/servers/0/hosts', value: ['shop.example.com'] },
      ]);
      return () =>
        jsonPatch(bed, 'gateways.networking.istio.io', 'bookinfo-gateway', [
          { op: 'replace', path: '/spec/servers/0/hosts', value: ['*'] },
        ]);
    },
    analyze: ['IST0132'],
    expected: {
      severity: 'warning',
      kind: 'VirtualService',
      field: 'spec.gateways[1]',
      message: /Gateway \S+\/bookinfo-gateway serves none of its hosts \(reviews\)/,
    },
  },
  {
    id: 'vs-destinations',
    broken: 'a header route to a subset no DestinationRule defines',
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        {
          op: 'add',
          path: '/spec/http/0',
          value: {
            name: 'v3',
            match: [{ headers: { 'x-v3': { exact: '1' } } }],
            route: [{ destination: { host: 'reviews', subset: 'v3' } }],
          },
        },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [{ op: 'remove', path: '/spec/http/0' }]);
    },
    analyze: ['IST0101'],
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.http[0].route[0].destination',
      message:
        /http\[0\] "v3" routes to subset "v3", which DestinationRule \S+ does not define: those requests fail with 503/,
    },
  },
  {
    id: 'vs-destinations',
    broken: 'a mirror to a host that is neither a Service nor a ServiceEntry',
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        { op: 'add', path: '/spec/http/0/mirror', value: { host: 'reviews-shadow' } },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [
          { op: 'remove', path: '/spec/http/0/mirror' },
        ]);
    },
    expected: {
      severity: 'warning',
      kind: 'VirtualService',
      field: 'spec.http[0].mirror',
      message:
        /mirrors to host reviews-shadow .* neither a Service nor declared by a ServiceEntry: the copies go nowhere/,
    },
  },
  {
    id: 'target-objects',
    broken: 'a DestinationRule for another host',
    async breakIt(bed) {
      await jsonPatch(bed, 'destinationrule', 'reviews', [
        { op: 'replace', path: '/spec/host', value: 'productpage' },
      ]);
      return () =>
        jsonPatch(bed, 'destinationrule', 'reviews', [
          { op: 'replace', path: '/spec/host', value: 'reviews' },
        ]);
    },
    analyze: ['IST0101'],
    expected: {
      severity: 'error',
      kind: 'DestinationRule',
      field: 'spec.host',
      message: /is for host productpage\.\S+, not reviews\.\S+: its subsets apply to no request/,
    },
  },
  {
    id: 'vs-shadowed-route',
    broken: 'a catch-all route above the managed one',
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        {
          op: 'add',
          path: '/spec/http/0',
          value: {
            name: 'everything',
            match: [{ uri: { prefix: '/' } }],
            route: [{ destination: { host: 'productpage' } }],
          },
        },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [{ op: 'remove', path: '/spec/http/0' }]);
    },
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.http[0].match',
      message: /http\[0\] "everything" matches every request that http\[1\] "primary" would/,
    },
  },
  {
    id: 'vs-visibility',
    broken: 'a VirtualService without hosts (a delegate) that no root delegates to',
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        { op: 'remove', path: '/spec/hosts' },
        { op: 'remove', path: '/spec/gateways' },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [
          { op: 'add', path: '/spec/hosts', value: ['reviews'] },
          { op: 'add', path: '/spec/gateways', value: ['mesh', 'bookinfo-gateway'] },
        ]);
    },
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.hosts',
      message: /no VirtualService delegates to it/,
    },
  },
  {
    id: 'vs-visibility',
    broken: 'exportTo "." hiding the routes from the ingress gateway in istio-system',
    needs: ['gatewayProxies'],
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        { op: 'add', path: '/spec/exportTo', value: ['.'] },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [{ op: 'remove', path: '/spec/exportTo' }]);
    },
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.exportTo',
      message: /hides it from the gateway pods in istio-system/,
    },
  },
  {
    id: 'idle-slot-traffic',
    broken: "a header route of the user's to the idle slot's subset",
    async breakIt(bed) {
      await jsonPatch(bed, 'virtualservice', 'reviews', [
        {
          op: 'add',
          path: '/spec/http/0',
          value: {
            name: 'jason',
            match: [{ headers: { 'end-user': { exact: 'jason' } } }],
            route: [{ destination: { host: 'reviews', subset: 'green' } }],
          },
        },
      ]);
      return () =>
        jsonPatch(bed, 'virtualservice', 'reviews', [{ op: 'remove', path: '/spec/http/0' }]);
    },
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.http[0].route[0].destination',
      message:
        /http\[0\] "jason" sends requests .* to reviews subset "green", which reaches the pods of the idle green slot/,
    },
  },
  {
    id: 'idle-slot-traffic',
    broken: 'a gateway-bound VirtualService routing to the Service without a subset',
    async breakIt(bed) {
      await applyObject(bed, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews-ingress', namespace: bed.namespace },
        spec: {
          hosts: ['reviews.example.com'],
          gateways: ['bookinfo-gateway'],
          http: [{ route: [{ destination: { host: 'reviews' } }] }],
        },
      });
      return async () => {
        await bed.kubectl(['-n', bed.namespace, 'delete', 'virtualservice', 'reviews-ingress']);
      };
    },
    expected: {
      severity: 'error',
      kind: 'VirtualService',
      field: 'spec.http[0].route[0].destination',
      message:
        /sends requests \(through Gateway \S+\/bookinfo-gateway\) to reviews \(no subset: every pod\), which reaches the pods of the idle green slot/,
    },
  },
  {
    id: 'service-entry-collision',
    broken: "another namespace's ServiceEntry for the service host",
    async breakIt(bed) {
      const other = await otherNamespace(bed);
      await applyObject(bed, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'legacy-reviews', namespace: other },
        spec: {
          hosts: [`reviews.${bed.namespace}.svc.cluster.local`],
          location: 'MESH_INTERNAL',
          ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
          resolution: 'DNS',
        },
      });
      return async () => {
        await bed.kubectl(['-n', other, 'delete', 'serviceentry', 'legacy-reviews']);
      };
    },
    expected: {
      severity: 'error',
      kind: 'ServiceEntry',
      field: 'spec.hosts[0]',
      message: /claims reviews\.\S+ from namespace \S+-other, exported to the whole mesh/,
    },
  },
  {
    id: 'mtls-mismatch',
    broken: 'PeerAuthentication STRICT against a DestinationRule that disables TLS',
    async breakIt(bed) {
      await applyObject(bed, {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'strict', namespace: bed.namespace },
        spec: { mtls: { mode: 'STRICT' } },
      });
      await jsonPatch(bed, 'destinationrule', 'reviews', [
        { op: 'add', path: '/spec/trafficPolicy', value: { tls: { mode: 'DISABLE' } } },
      ]);
      return async () => {
        await jsonPatch(bed, 'destinationrule', 'reviews', [
          { op: 'remove', path: '/spec/trafficPolicy' },
        ]);
        await bed.kubectl(['-n', bed.namespace, 'delete', 'peerauthentication', 'strict']);
      };
    },
    expected: {
      severity: 'error',
      kind: 'DestinationRule',
      field: 'spec.trafficPolicy.tls.mode',
      message:
        /both slots: clients send plaintext to port 9080 .* PeerAuthentication \S+\/strict sets STRICT/,
    },
  },
  {
    id: 'proxy-sync',
    broken: "productpage's proxy stuck on an old push for longer than the sync timeout",
    needs: ['dataPlane'],
    options: () => ({ sync: { timeout: '2s' } }),
    async breakIt(bed) {
      await bed.setProxyOverrides([{ match: { workload: 'productpage' }, stuck: true }]);
      // Any config change pushes to every proxy; the stuck one never acks it.
      await applyObject(bed, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'productpage-nudge', namespace: bed.namespace },
        spec: { host: 'productpage', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } },
      });
      return async () => {
        await bed.setProxyOverrides([]);
        await bed.kubectl(['-n', bed.namespace, 'delete', 'destinationrule', 'productpage-nudge']);
      };
    },
    expected: {
      severity: 'error',
      kind: 'Pod',
      field: /^xds /,
      message:
        /have not acked a push for longer than the sync timeout \(2s\); slowest first: productpage-/,
    },
  },
  {
    id: 'prometheus-data',
    broken: 'a Prometheus URL nothing answers',
    needs: ['dataPlane'],
    brokenOptions: () => ({ prometheus: { url: 'http://127.0.0.1:9' } }),
    breakIt: () => Promise.resolve(() => Promise.resolve()),
    expected: {
      severity: 'warning',
      kind: 'Service',
      field: '',
      message: /cannot query Prometheus: .*every check would be inconclusive/,
    },
  },
  {
    id: 'header-size',
    broken: "a pre-release header over max_request_headers_kb set on the caller's proxy",
    needs: ['dataPlane', 'headerLimitOverride'],
    options: () => ({ deploy: { preRelease: { headers: [TOKEN_HEADER] } } }),
    async breakIt(bed) {
      await bed.setProxyOverrides([
        { match: { workload: 'productpage' }, stuck: false, maxRequestHeadersKb: 1 },
      ]);
      return () => bed.setProxyOverrides([]);
    },
    expected: HEADER_SIZE_FINDING,
  },
  {
    id: 'header-size',
    broken: 'a pre-release header over max_request_headers_kb an EnvoyFilter sets on the caller',
    needs: ['dataPlane', 'envoyFilters'],
    options: () => ({ deploy: { preRelease: { headers: [TOKEN_HEADER] } } }),
    async breakIt(bed) {
      // A real mesh sets the limit with an EnvoyFilter on the HTTP connection manager.
      await applyObject(bed, {
        apiVersion: 'networking.istio.io/v1alpha3',
        kind: 'EnvoyFilter',
        metadata: { name: 'small-headers', namespace: bed.namespace },
        spec: {
          workloadSelector: { labels: { app: 'productpage' } },
          configPatches: [
            {
              applyTo: 'NETWORK_FILTER',
              match: {
                context: 'SIDECAR_OUTBOUND',
                listener: {
                  filterChain: {
                    filter: { name: 'envoy.filters.network.http_connection_manager' },
                  },
                },
              },
              patch: {
                operation: 'MERGE',
                value: {
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    max_request_headers_kb: 1,
                  },
                },
              },
            },
          ],
        },
      });
      return async () => {
        await bed.kubectl(['-n', bed.namespace, 'delete', 'envoyfilter', 'small-headers']);
      };
    },
    expected: HEADER_SIZE_FINDING,
  },
  {
    id: 'gitops-controller',
    broken: 'an Argo CD tracking annotation on the VirtualService',
    async breakIt(bed) {
      const trackingId = `shop:networking.istio.io/VirtualService:${bed.namespace}/reviews`;
      await bed.kubectl([
        '-n',
        bed.namespace,
        'annotate',
        'virtualservice',
        'reviews',
        `argocd.argoproj.io/tracking-id=${trackingId}`,
      ]);
      return async () => {
        await bed.kubectl([
          '-n',
          bed.namespace,
          'annotate',
          'virtualservice',
          'reviews',
          'argocd.argoproj.io/tracking-id-',
        ]);
      };
    },
    expected: {
      severity: 'warning',
      kind: 'VirtualService',
      field: 'metadata',
      message:
        /^managed by Argo CD shop \(annotation argocd\.argoproj\.io\/tracking-id: .*\/spec\/http, \/metadata\/annotations\/switchyard\.dev~1release back as Git has them/,
      fix: /^in Argo CD Application shop add to spec\.ignoreDifferences \{group: networking\.istio\.io, kind: VirtualService, name: reviews, namespace: \S+, jsonPointers: \[\/spec\/http, \/metadata\/annotations\/switchyard\.dev~1release\]\} and to spec\.syncPolicy\.syncOptions RespectIgnoreDifferences=true$/,
    },
  },
  {
    id: 'gitops-controller',
    broken: "Flux Kustomization labels on the active slot's Deployment",
    async breakIt(bed) {
      const labels = [
        'kustomize.toolkit.fluxcd.io/name=reviews',
        'kustomize.toolkit.fluxcd.io/namespace=flux-system',
      ];
      await bed.kubectl(['-n', bed.namespace, 'label', 'deployment', 'reviews-blue', ...labels]);
      return async () => {
        await bed.kubectl([
          '-n',
          bed.namespace,
          'label',
          'deployment',
          'reviews-blue',
          ...labels.map((label) => `${label.split('=')[0]}-`),
        ]);
      };
    },
    expected: {
      severity: 'warning',
      kind: 'Deployment',
      field: 'metadata',
      message:
        /^managed by Flux Kustomization flux-system\/reviews \(label kustomize\.toolkit\.fluxcd\.io\/name: reviews\): a sync or self-heal puts \/spec\/template\/spec\/containers\/0\/image, \/spec\/replicas back/,
      fix: /^annotate the Deployment in its source manifests with kustomize\.toolkit\.fluxcd\.io\/ssa: IfNotPresent \(Kustomization flux-system\/reviews then creates it/,
    },
  },
  {
    id: 'gitops-controller',
    broken: "a DestinationRule written by Argo CD's field manager (managedFields)",
    needs: ['managedFields'],
    async breakIt(bed) {
      await bed.kubectl([
        '-n',
        bed.namespace,
        'label',
        'destinationrule',
        'reviews',
        'team=shop',
        '--field-manager=argocd-controller',
      ]);
      return async () => {
        await bed.kubectl(['-n', bed.namespace, 'label', 'destinationrule', 'reviews', 'team-']);
        // managedFields: [{}] clears every entry; the next write records its manager again.
        await bed.kubectl([
          '-n',
          bed.namespace,
          'patch',
          'destinationrule',
          'reviews',
          '--type=merge',
          '-p',
          '{"metadata":{"managedFields":[{}]}}',
        ]);
      };
    },
    expected: {
      severity: 'warning',
      kind: 'DestinationRule',
      field: 'metadata',
      message: /^managed by Argo CD \(managedFields manager "argocd-controller"\)/,
      fix: /^in Argo CD Application \(the one that syncs it\) add to spec\.ignoreDifferences \{group: networking\.istio\.io, kind: DestinationRule, name: reviews, namespace: \S+, jsonPointers: \[\/spec\/subsets\]\} and to spec\.syncPolicy\.syncOptions RespectIgnoreDifferences=true$/,
    },
  },
];
