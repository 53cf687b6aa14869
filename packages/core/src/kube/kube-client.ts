/**
 * Typed access to the objects switchyard reads and writes: VirtualServices and
 * DestinationRules (whichever of `networking.istio.io` v1/v1beta1 the cluster serves),
 * Gateway API HTTPRoutes and Gateways (`gateway.networking.k8s.io/v1`), the CRDs that define
 * them, Deployments, Pods, Services, Leases and Events. Every call is retried where safe and fails
 * with KubeApiError, ConcurrentEditError or AbortedError (see `retry.ts`, `to-kube-error.ts`,
 * `write-recovery.ts`). No global state: each client owns its discovery cache.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type {
  DestinationRule,
  Gateway,
  PeerAuthentication,
  ServiceEntry,
  VirtualService,
} from '../istio/types.js';
import {
  GATEWAY_API_GROUP,
  type GatewayApiGateway,
  type HttpRoute,
} from '../routing/http-route/http-route-types.js';
import { rolloutStatus, type RolloutStatus } from './deployment-rollout.js';
import {
  ISTIO_NETWORKING_GROUP,
  ISTIO_SECURITY_GROUP,
  IstioApiVersion,
  type IstioNetworkingVersion,
} from './istio-api-version.js';
import { KubeEvents } from './kube-events.js';
import type {
  DeploymentApi,
  EventRecorder,
  LeaseStore,
  ObjectReader,
  PodLister,
  RouteObjectApi,
  ServiceReader,
} from './resource-apis.js';
import { KubeRequester } from './kube-requester.js';
import { ClientNodeTransport, type KubeTransport } from './kube-transport.js';
import type {
  CallOptions,
  CustomResourceDefinition,
  Deployment,
  KubeEvent,
  Lease,
  Namespace,
  Pod,
  Service,
} from './kube-types.js';
import { kubeconfigSecrets } from './redact-secrets.js';
import { ResourceClient } from './resource-client.js';
import { resolveRetryOptions, type RetryOptions } from './retry.js';
import { SWITCHYARD_FIELD_MANAGER } from './managed-fields.js';

/** Options of a {@link KubeClient}. */
export interface KubeClientOptions {
  /** kubeconfig with the context selected (see `loadKubeconfig`). */
  kubeConfig: KubeConfig;
  /** Retry tuning; defaults in `DEFAULT_RETRY` (30 s budget, 10 s per attempt). */
  retry?: RetryOptions | undefined;
  /** `fieldManager` of every write (default `switchyard`). */
  fieldManager?: string | undefined;
  /** `reportingInstance` of Events (e.g. the lock holder identity); undefined leaves it out. */
  eventInstance?: string | undefined;
  /** Replaces the HTTP transport (tests); defaults to client-node over the kubeconfig. */
  transport?: KubeTransport | undefined;
  /** Extra values to redact from error messages, besides the kubeconfig's credentials. */
  secrets?: readonly string[] | undefined;
}

/** Deployments, with rollout status. */
class DeploymentClient extends ResourceClient<Deployment> implements DeploymentApi {
  async rolloutStatus(
    namespace: string,
    name: string,
    options: CallOptions = {},
  ): Promise<RolloutStatus | undefined> {
    const deployment = await this.getSubresource(namespace, name, 'status', options);
    return deployment ? rolloutStatus(deployment) : undefined;
  }
}

/** The Kubernetes API as switchyard uses it. */
export class KubeClient {
  /** VirtualServices (`networking.istio.io`, v1 or v1beta1). */
  readonly virtualServices: RouteObjectApi<VirtualService> & ObjectReader<VirtualService>;
  /** DestinationRules (`networking.istio.io`, v1 or v1beta1). */
  readonly destinationRules: RouteObjectApi<DestinationRule> & ObjectReader<DestinationRule>;
  /** Gateways (`networking.istio.io`), read by preflight. */
  readonly gateways: ObjectReader<Gateway>;
  /** ServiceEntries (`networking.istio.io`), read by preflight. */
  readonly serviceEntries: ObjectReader<ServiceEntry>;
  /** HTTPRoutes (`gateway.networking.k8s.io/v1`). */
  readonly httpRoutes: RouteObjectApi<HttpRoute> & ObjectReader<HttpRoute>;
  /** Gateway API Gateways (`gateway.networking.k8s.io/v1`), read by preflight. */
  readonly gatewayApiGateways: ObjectReader<GatewayApiGateway>;
  /** CustomResourceDefinitions (`apiextensions.k8s.io/v1`, cluster-scoped): installed schemas. */
  readonly customResourceDefinitions: ObjectReader<CustomResourceDefinition>;
  /** PeerAuthentications (`security.istio.io`, v1 or v1beta1), read by preflight. */
  readonly peerAuthentications: ObjectReader<PeerAuthentication>;
  /** core/v1 Namespaces (cluster-scoped), read by preflight. */
  readonly namespaces: ObjectReader<Namespace>;
  /** `apps/v1` Deployments. */
  readonly deployments: DeploymentApi;
  /** core/v1 Pods (list). */
  readonly pods: PodLister & ObjectReader<Pod>;
  /** core/v1 Services (get). */
  readonly services: ServiceReader & ObjectReader<Service>;
  /** `coordination.k8s.io/v1` Leases. */
  readonly leases: LeaseStore;
  /** core/v1 Events. */
  readonly events: EventRecorder;
  readonly #istioVersion: IstioApiVersion;
  readonly #securityVersion: IstioApiVersion;

  constructor(options: KubeClientOptions) {
    const { kubeConfig } = options;
    const extra = options.secrets ?? [];
    const requester = new KubeRequester(
      options.transport ?? new ClientNodeTransport(kubeConfig),
      resolveRetryOptions(options.retry),
      () => [...kubeconfigSecrets(kubeConfig), ...extra],
    );
    const fieldManager = options.fieldManager ?? SWITCHYARD_FIELD_MANAGER;
    this.#istioVersion = new IstioApiVersion(requester);
    const istioVersion = (callOptions: CallOptions): Promise<string> =>
      this.#istioVersion.resolve(callOptions);
    this.#securityVersion = new IstioApiVersion(requester, ISTIO_SECURITY_GROUP);
    const networking = (kind: string, plural: string) => ({
      kind,
      plural,
      group: ISTIO_NETWORKING_GROUP,
      version: istioVersion,
    });
    this.gateways = new ResourceClient<Gateway>(
      requester,
      networking('Gateway', 'gateways'),
      fieldManager,
    );
    this.serviceEntries = new ResourceClient<ServiceEntry>(
      requester,
      networking('ServiceEntry', 'serviceentries'),
      fieldManager,
    );
    this.peerAuthentications = new ResourceClient<PeerAuthentication>(
      requester,
      {
        kind: 'PeerAuthentication',
        plural: 'peerauthentications',
        group: ISTIO_SECURITY_GROUP,
        version: (callOptions) => this.#securityVersion.resolve(callOptions),
      },
      fieldManager,
    );
    this.namespaces = new ResourceClient<Namespace>(
      requester,
      { kind: 'Namespace', plural: 'namespaces', group: '', version: 'v1', namespaced: false },
      fieldManager,
    );
    this.virtualServices = new ResourceClient<VirtualService>(
      requester,
      {
        kind: 'VirtualService',
        plural: 'virtualservices',
        group: ISTIO_NETWORKING_GROUP,
        version: istioVersion,
      },
      fieldManager,
    );
    this.destinationRules = new ResourceClient<DestinationRule>(
      requester,
      {
        kind: 'DestinationRule',
        plural: 'destinationrules',
        group: ISTIO_NETWORKING_GROUP,
        version: istioVersion,
      },
      fieldManager,
    );
    const gatewayApi = (kind: string, plural: string) => ({
      kind,
      plural,
      group: GATEWAY_API_GROUP,
      version: 'v1',
    });
    this.httpRoutes = new ResourceClient<HttpRoute>(
      requester,
      gatewayApi('HTTPRoute', 'httproutes'),
      fieldManager,
    );
    this.gatewayApiGateways = new ResourceClient<GatewayApiGateway>(
      requester,
      gatewayApi('Gateway', 'gateways'),
      fieldManager,
    );
    this.customResourceDefinitions = new ResourceClient<CustomResourceDefinition>(
      requester,
      {
        kind: 'CustomResourceDefinition',
        plural: 'customresourcedefinitions',
        group: 'apiextensions.k8s.io',
        version: 'v1',
        namespaced: false,
      },
      fieldManager,
    );
    this.deployments = new DeploymentClient(
      requester,
      { kind: 'Deployment', plural: 'deployments', group: 'apps', version: 'v1' },
      fieldManager,
    );
    this.pods = new ResourceClient<Pod>(
      requester,
      { kind: 'Pod', plural: 'pods', group: '', version: 'v1' },
      fieldManager,
    );
    this.services = new ResourceClient<Service>(
      requester,
      { kind: 'Service', plural: 'services', group: '', version: 'v1' },
      fieldManager,
    );
    this.leases = new ResourceClient<Lease>(
      requester,
      { kind: 'Lease', plural: 'leases', group: 'coordination.k8s.io', version: 'v1' },
      fieldManager,
    );
    this.events = new KubeEvents(
      new ResourceClient<KubeEvent>(
        requester,
        { kind: 'Event', plural: 'events', group: '', version: 'v1' },
        fieldManager,
      ),
      options.eventInstance,
    );
  }

  /**
   * The `networking.istio.io` version this cluster is talked to with: v1 when served, else
   * v1beta1. Discovered on first use and cached; rejects with KubeApiError when neither is served.
   */
  istioNetworkingVersion(options: CallOptions = {}): Promise<IstioNetworkingVersion> {
    return this.#istioVersion.resolve(options);
  }
}
