/**
 * Reads, once, every cluster fact the selected checks need: the target objects (through an
 * HTTPRoute also the route, and the Services its backendRefs and slots name), then in
 * parallel the namespace, pods, VirtualServices, HTTPRoutes and ServiceEntries of every
 * namespace, the Gateways named and their pods (Gateway API ones for an HTTPRoute's parents),
 * the installed HTTPRoute schema, PeerAuthentications, istiod's syncz and Prometheus (first
 * the data-plane path: ambient, its waypoint, which decides those two's proxies and reporter), and
 * last (it needs the proxies) the Envoy config of a few proxies when a header is relied
 * upon. The target objects must be readable (an API failure rejects, as the operation itself
 * would fail); every other fact that cannot be read becomes a `Fact` with the reason.
 */
import { throwIfAborted } from '../gates/abort-error.js';
import { ENVOY_ADMIN_PORT } from '../gates/envoy-route-reader.js';
import { headerLimitOf, parseHttpConnectionManagers } from '../gates/envoy-listener-dump.js';
import type { PrometheusClient } from '../gates/prometheus-client.js';
import { ProxyScopeResolver } from '../gates/sync-scope.js';
import type { ProxyScope } from '../gates/sync-gate.js';
import type { SynczSource } from '../gates/syncz-source.js';
import { mergeReplicas } from '../gates/syncz-status.js';
import { resolveHost } from '../istio/host-name.js';
import { SLOTS } from '../istio/route-target.js';
import type {
  DestinationRule,
  Gateway,
  PeerAuthentication,
  ServiceEntry,
  VirtualService,
} from '../istio/types.js';
import type { DeploymentApi, ObjectReader } from '../kube/resource-apis.js';
import type { CustomResourceDefinition, Namespace, Pod, Service } from '../kube/kube-types.js';
import { KubeApiError } from '../errors.js';
import { SIDECAR_PATH, type DataplanePath } from '../dataplane/dataplane-path.js';
import { readDataplanePath } from '../dataplane/read-dataplane-path.js';
import { httpRouteProxyScope } from '../routing/http-route/http-route-backend.js';
import { HTTP_ROUTE_CRD, httpRouteSchemaOf } from '../routing/http-route/http-route-schema.js';
import {
  isGatewayParent,
  type GatewayApiGateway,
  type HttpRoute,
} from '../routing/http-route/http-route-types.js';
import type { PortForwarder } from '../kube/port-forward.js';
import type { Clock } from '../release/clock.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { gatewayRefsOf, MESH_GATEWAY } from './gateway-refs.js';
import { labelSelectorText } from '../kube/label-selector.js';
import { hasIstioProxy, readyPods, slotPods } from './mesh-refs.js';
import type {
  EnvoyFacts,
  EnvoyHeaderLimit,
  Fact,
  FactName,
  PreflightContext,
  PreflightOperation,
  PrometheusFacts,
  ProxySyncFacts,
} from './preflight-context.js';
import { reliedHeadersOf } from './relied-headers.js';
import { routeServiceKeysOf } from './route-hosts.js';

/** The Kubernetes reads preflight makes; `KubeClient` provides all of them. */
export interface PreflightKube {
  /** Services. */
  services: ObjectReader<Service>;
  /** VirtualServices. */
  virtualServices: ObjectReader<VirtualService>;
  /** DestinationRules. */
  destinationRules: ObjectReader<DestinationRule>;
  /** Deployments. */
  deployments: Pick<DeploymentApi, 'get'>;
  /** Pods. */
  pods: ObjectReader<Pod>;
  /** Namespaces. */
  namespaces: ObjectReader<Namespace>;
  /** Gateways. */
  gateways: ObjectReader<Gateway>;
  /** ServiceEntries. */
  serviceEntries: ObjectReader<ServiceEntry>;
  /** PeerAuthentications. */
  peerAuthentications: ObjectReader<PeerAuthentication>;
  /** HTTPRoutes. */
  httpRoutes: ObjectReader<HttpRoute>;
  /** Gateway API Gateways. */
  gatewayApiGateways: ObjectReader<GatewayApiGateway>;
  /** CustomResourceDefinitions. */
  customResourceDefinitions: Pick<ObjectReader<CustomResourceDefinition>, 'get'>;
}

/** Where the facts come from. */
export interface ClusterFactSources {
  /** The Kubernetes API. */
  kube: PreflightKube;
  /** istiod's syncz (the sync gate's source: same replicas, same port-forwards). */
  syncz: SynczSource;
  /** Prometheus (the checks' client); undefined when the spec has no checks. */
  prometheus: PrometheusClient | undefined;
  /** Port-forwards to Envoy's admin port. */
  portForwarder: PortForwarder;
  /** The time the facts are read at. */
  clock: Clock;
}

/** How far back Prometheus is asked about the service. */
export const PROMETHEUS_WINDOW_MS = 5 * 60_000;
/** Proxies whose Envoy config is read at most, per kind (own, gateway, caller). */
const ENVOY_SAMPLE = 2;
const ENVOY_TIMEOUT_MS = 10_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function fact<T>(read: () => Promise<T>, signal: AbortSignal | undefined): Promise<Fact<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    throwIfAborted(signal, 'preflight');
    return { ok: false, error: messageOf(error) };
  }
}

const NOT_NEEDED: Fact<never> = { ok: false, error: 'not read (no check needs it)' };

/** A list of a kind the cluster may not serve (Gateway API not installed): none then. */
async function listIfServed<T>(list: () => Promise<T[]>): Promise<T[]> {
  try {
    return await list();
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404) return [];
    throw error;
  }
}

/** The Services an HTTPRoute's backendRefs and the slots name, in its namespace. */
function backendServiceNames(spec: ResolvedReleaseSpec, route: HttpRoute | undefined): string[] {
  const names = new Set([spec.target.slots.blue.service, spec.target.slots.green.service]);
  for (const rule of route?.spec.rules ?? [])
    for (const backend of rule.backendRefs ?? [])
      if (
        (backend.group ?? '') === '' &&
        (backend.kind ?? 'Service') === 'Service' &&
        (backend.namespace ?? spec.namespace) === spec.namespace
      )
        names.add(backend.name);
  return [...names];
}

/** Options of {@link readClusterFacts}. */
export interface ReadClusterFactsOptions {
  /** The resolved spec. */
  spec: ResolvedReleaseSpec;
  /** What preflight runs for. */
  operation: PreflightOperation;
  /** The facts the selected checks need. */
  needs: ReadonlySet<FactName>;
  /** Aborts the reads. */
  signal?: AbortSignal | undefined;
}

/** Reads every fact once (see the module comment). */
export async function readClusterFacts(
  sources: ClusterFactSources,
  options: ReadClusterFactsOptions,
): Promise<PreflightContext> {
  const { spec, needs, signal } = options;
  const { kube } = sources;
  const { namespace, target } = spec;
  const routeKind = target.kind ?? 'VirtualService';
  const viaHttpRoute = routeKind === 'HTTPRoute';
  const [service, virtualService, destinationRule, blue, green, httpRoute] = await Promise.all([
    kube.services.get(namespace, spec.service, { signal }),
    kube.virtualServices.get(namespace, target.virtualService, { signal }),
    kube.destinationRules.get(namespace, target.destinationRule, { signal }),
    kube.deployments.get(namespace, target.slots.blue.deployment, { signal }),
    kube.deployments.get(namespace, target.slots.green.deployment, { signal }),
    viaHttpRoute ? kube.httpRoutes.get(namespace, target.httpRoute, { signal }) : undefined,
  ]);
  const deployments = { blue, green };
  const backendServices = new Map<string, Service | undefined>();
  if (viaHttpRoute) {
    const names = backendServiceNames(spec, httpRoute);
    const found = await Promise.all(
      names.map((name) => kube.services.get(namespace, name, { signal })),
    );
    names.forEach((name, i) => backendServices.set(name, found[i]));
  }
  const want = (name: FactName): boolean => needs.has(name);
  // The data-plane path decides the proxies in the gate and the reporter the checks read.
  const dataplane: Fact<DataplanePath> = !service
    ? { ok: false, error: `Service ${namespace}/${spec.service} not found` }
    : await fact(
        () =>
          readDataplanePath(
            { namespaces: kube.namespaces, pods: kube.pods, gateways: kube.gatewayApiGateways },
            service,
            { signal },
          ),
        signal,
      );
  const path = dataplane.ok ? dataplane.value : SIDECAR_PATH;
  // The proxies the sync gate waits for: `sync.scope`, or the HTTPRoute's parents' proxies.
  const proxyScope: ProxyScope =
    viaHttpRoute && httpRoute
      ? httpRouteProxyScope(httpRoute, spec, path)
      : { sets: [spec.sync.scope] };
  const routeServiceKeys = virtualService
    ? [...new Set(routeServiceKeysOf(virtualService, namespace))]
    : [];
  const gatewayKeys = virtualService
    ? [...new Set(gatewayRefsOf(virtualService).map((ref) => ref.key))].filter(
        (key) => key !== MESH_GATEWAY,
      )
    : [];

  const readPods = async (): Promise<Pod[]> => {
    const selectors = new Set<string>();
    const serviceSelector = service?.spec?.selector;
    if (serviceSelector && Object.keys(serviceSelector).length > 0)
      selectors.add(labelSelectorText({ matchLabels: serviceSelector }));
    for (const deployment of [blue, green])
      if (deployment) selectors.add(labelSelectorText(deployment.spec.selector));
    const byName = new Map<string, Pod>();
    for (const list of await Promise.all(
      [...selectors].map((labelSelector) => kube.pods.list(namespace, { labelSelector, signal })),
    ))
      for (const pod of list) byName.set(pod.metadata.name, pod);
    return [...byName.values()];
  };

  const readGateways = async (): Promise<Map<string, Gateway | undefined>> => {
    const found = new Map<string, Gateway | undefined>();
    await Promise.all(
      gatewayKeys.map(async (key) => {
        const [gatewayNamespace = '', name = ''] = key.split('/');
        found.set(key, await kube.gateways.get(gatewayNamespace, name, { signal }));
      }),
    );
    return found;
  };

  const readRouteServices = async (): Promise<Map<string, Service | undefined>> => {
    const found = new Map<string, Service | undefined>();
    await Promise.all(
      routeServiceKeys.map(async (key) => {
        const [serviceNamespace = '', name = ''] = key.split('/');
        found.set(
          key,
          key === `${namespace}/${spec.service}`
            ? service
            : await kube.services.get(serviceNamespace, name, { signal }),
        );
      }),
    );
    return found;
  };

  const readPeerAuthentications = async (): Promise<PeerAuthentication[]> => {
    const root = spec.sync.istiod.namespace;
    const namespaces = root === namespace ? [namespace] : [namespace, root];
    const lists = await Promise.all(
      namespaces.map((ns) => kube.peerAuthentications.list(ns, { signal })),
    );
    return lists.flat();
  };

  const readProxies = async (): Promise<ProxySyncFacts> => {
    const poll = await sources.syncz.poll(signal);
    const answered = poll.answers.filter((answer) => answer.statuses !== undefined);
    if (answered.length === 0) {
      const reasons = [
        ...(poll.problem ? [poll.problem] : []),
        ...poll.answers.map((a) => `${a.istiod}: ${a.error ?? 'no answer'}`),
      ];
      throw new Error(reasons.length > 0 ? reasons.join('; ') : 'no istiod replica found');
    }
    const merged = mergeReplicas(answered.map((answer) => answer.statuses ?? []));
    const scope = await new ProxyScopeResolver(kube.pods).resolve(
      proxyScope,
      merged.values(),
      signal,
    );
    if (!scope.includes) throw new Error(scope.problem);
    return {
      proxies: [...merged.values()].filter(scope.includes),
      replicas: poll.answers.map((answer) => answer.istiod),
      unanswered: poll.answers
        .filter((answer) => answer.statuses === undefined)
        .map((answer) => ({ istiod: answer.istiod, error: answer.error ?? 'no answer' })),
    };
  };

  const readPrometheus = async (client: PrometheusClient): Promise<PrometheusFacts> => {
    const window = `${Math.round(PROMETHEUS_WINDOW_MS / 1000)}s`;
    // Through an HTTPRoute a slot is a Service: its requests are labelled with the slot's.
    const slotServices = [target.slots.blue.service, target.slots.green.service];
    const names = viaHttpRoute
      ? `destination_service_name=~"${slotServices.join('|')}"`
      : `destination_service_name="${spec.service}"`;
    const query = `sum by (reporter) (count_over_time(istio_requests_total{destination_service_namespace="${namespace}",${names}}[${window}]))`;
    const result = await client.query(query, { signal });
    const samplesByReporter: Record<string, number> = {};
    for (const sample of result.samples)
      samplesByReporter[sample.metric.reporter ?? ''] = sample.value;
    return {
      endpoint: client.description,
      subject: viaHttpRoute
        ? `the slot Services ${slotServices.join(', ')}`
        : resolveHost(spec.service, namespace),
      checkedReporter: !viaHttpRoute
        ? 'destination'
        : path.kind === 'waypoint'
          ? 'waypoint'
          : 'source',
      windowMs: PROMETHEUS_WINDOW_MS,
      samplesByReporter,
    };
  };

  const readRouteGateways = async (): Promise<Map<string, GatewayApiGateway | undefined>> => {
    const found = new Map<string, GatewayApiGateway | undefined>();
    const keys = new Set(
      (httpRoute?.spec.parentRefs ?? [])
        .filter(isGatewayParent)
        .map((parent) => `${parent.namespace ?? namespace}/${parent.name}`),
    );
    await Promise.all(
      [...keys].map(async (key) => {
        const [gatewayNamespace = '', name = ''] = key.split('/');
        found.set(key, await kube.gatewayApiGateways.get(gatewayNamespace, name, { signal }));
      }),
    );
    return found;
  };

  const readSchema = async () => {
    const crd = await kube.customResourceDefinitions.get('', HTTP_ROUTE_CRD, { signal });
    return crd ? httpRouteSchemaOf(crd) : undefined;
  };

  const [
    namespaceFact,
    pods,
    virtualServices,
    destinationRules,
    routeServices,
    gateways,
    serviceEntries,
    peerAuthentications,
    proxies,
    prometheus,
    httpRouteSchema,
    httpRoutes,
    routeGateways,
  ] = await Promise.all([
    want('namespace')
      ? fact(() => kube.namespaces.get('', namespace, { signal }), signal)
      : NOT_NEEDED,
    want('pods') || want('envoy') ? fact(readPods, signal) : NOT_NEEDED,
    want('virtualServices')
      ? fact(() => kube.virtualServices.listAllNamespaces({ signal }), signal)
      : NOT_NEEDED,
    want('destinationRules')
      ? fact(() => kube.destinationRules.listAllNamespaces({ signal }), signal)
      : NOT_NEEDED,
    want('routeServices') ? fact(readRouteServices, signal) : NOT_NEEDED,
    want('gateways') || want('gatewayPods') ? fact(readGateways, signal) : NOT_NEEDED,
    want('serviceEntries')
      ? fact(() => kube.serviceEntries.listAllNamespaces({ signal }), signal)
      : NOT_NEEDED,
    want('peerAuthentications') ? fact(readPeerAuthentications, signal) : NOT_NEEDED,
    want('proxies') || want('envoy') ? fact(readProxies, signal) : NOT_NEEDED,
    !want('prometheus') || options.operation === 'deploy' || spec.checks.items.length === 0
      ? undefined
      : sources.prometheus
        ? fact(() => readPrometheus(sources.prometheus as PrometheusClient), signal)
        : undefined,
    want('httpRouteSchema') ? fact(readSchema, signal) : NOT_NEEDED,
    want('httpRoutes')
      ? fact(() => listIfServed(() => kube.httpRoutes.listAllNamespaces({ signal })), signal)
      : NOT_NEEDED,
    want('routeGateways') ? fact(readRouteGateways, signal) : NOT_NEEDED,
  ]);

  const gatewayPods: Fact<Pod[]> =
    want('gatewayPods') && gateways.ok
      ? await fact(async () => {
          const selectors = [...gateways.value.values()]
            .filter((gateway): gateway is Gateway => gateway !== undefined)
            .map((gateway) => gateway.spec.selector ?? {})
            .filter((selector) => Object.keys(selector).length > 0);
          const lists = await Promise.all(
            selectors.map((matchLabels) =>
              kube.pods.listAllNamespaces({
                labelSelector: labelSelectorText({ matchLabels }),
                signal,
              }),
            ),
          );
          return lists.flat();
        }, signal)
      : gateways.ok
        ? NOT_NEEDED
        : gateways;

  const context: PreflightContext = {
    spec,
    operation: options.operation,
    now: sources.clock.now(),
    host: resolveHost(spec.service, namespace),
    service,
    virtualService,
    destinationRule,
    routeKind,
    httpRoute: viaHttpRoute ? httpRoute : undefined,
    backendServices,
    deployments,
    namespace: namespaceFact,
    pods,
    virtualServices,
    destinationRules,
    routeServices,
    gateways,
    gatewayPods,
    serviceEntries,
    peerAuthentications,
    proxies,
    prometheus,
    httpRouteSchema,
    httpRoutes,
    routeGateways,
    dataplane,
    envoy: undefined,
  };
  if (!want('envoy') || reliedHeadersOf(context).length === 0) return context;
  return { ...context, envoy: await fact(() => readEnvoyLimits(sources, context, signal), signal) };
}

/** One proxy to read, and where it sits on the path to the service. */
interface EnvoyCandidate {
  namespace: string;
  pod: string;
  proxyType: string;
  role: Parameters<typeof headerLimitOf>[1];
}

/**
 * The header limits of a sample of the proxies on the path to the service: its own pods
 * (inbound), gateways and callers' sidecars (outbound).
 */
async function readEnvoyLimits(
  sources: ClusterFactSources,
  context: PreflightContext,
  signal: AbortSignal | undefined,
): Promise<EnvoyFacts> {
  const port = context.service?.spec?.ports?.[0];
  const servicePort = port?.port ?? 80;
  const targetPort = typeof port?.targetPort === 'number' ? port.targetPort : port?.port;
  const candidates: EnvoyCandidate[] = [];
  const own = new Set<string>();
  for (const slot of SLOTS) {
    const pods = readyPods(slotPods(context, slot)).filter(hasIstioProxy);
    for (const pod of pods) own.add(`${pod.metadata.name}.${pod.metadata.namespace ?? ''}`);
    for (const pod of pods.slice(0, 1))
      candidates.push({
        namespace: pod.metadata.namespace ?? context.spec.namespace,
        pod: pod.metadata.name,
        proxyType: 'sidecar',
        role: { direction: 'inbound', targetPort },
      });
  }
  if (context.proxies.ok) {
    const sorted = [...context.proxies.value.proxies].sort((a, b) => (a.proxy < b.proxy ? -1 : 1));
    const routers = sorted.filter((p) => p.proxyType === 'router').slice(0, ENVOY_SAMPLE);
    const callers = sorted
      .filter((p) => p.proxyType === 'sidecar' && !own.has(p.proxy))
      .slice(0, ENVOY_SAMPLE);
    for (const proxy of [...routers, ...callers])
      candidates.push({
        namespace: proxy.namespace,
        pod: proxy.pod,
        proxyType: proxy.proxyType,
        role: { direction: 'outbound', proxyType: proxy.proxyType, port: servicePort },
      });
  }
  const limits: EnvoyHeaderLimit[] = [];
  const unread: { proxy: string; error: string }[] = [];
  await Promise.all(
    candidates.map(async (candidate) => {
      const id = `${candidate.pod}.${candidate.namespace}`;
      try {
        const forward = await sources.portForwarder.open(
          { namespace: candidate.namespace, pod: candidate.pod, port: ENVOY_ADMIN_PORT },
          { verify: false },
        );
        try {
          const path = '/config_dump?resource=dynamic_listeners';
          const response = await forward.fetch(path, { timeoutMs: ENVOY_TIMEOUT_MS, signal });
          if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
          const managers = parseHttpConnectionManagers(JSON.parse(response.body.toString('utf8')));
          const limit = headerLimitOf(managers, candidate.role);
          if (limit)
            limits.push({
              proxy: id,
              proxyType: candidate.proxyType,
              direction: candidate.role.direction,
              maxRequestHeadersKb: limit.kb,
              listener: limit.listener,
            });
        } finally {
          await forward.close();
        }
      } catch (error) {
        throwIfAborted(signal, 'preflight');
        unread.push({ proxy: id, error: messageOf(error) });
      }
    }),
  );
  return { limits, unread };
}
