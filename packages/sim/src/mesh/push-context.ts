/**
 * One istiod push context: the Services, VirtualServices, DestinationRules and Gateways as
 * they were when a full push started, with every build memoised per proxy scope, so a push
 * to 10,000 proxies builds each distinct route configuration once. Also decides which xDS
 * types a config change pushes to a scope (istiod's `ProxyNeedsPush` and the per-type
 * `cdsNeedsPush` / `ldsNeedsPush` / `rdsNeedsPush` / `edsNeedsPush`).
 */
import type { KubeObject, ObjectStore } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import { buildClusterSkeletons, type ClusterSkeleton } from './cluster-config.js';
import {
  destinationRuleFor,
  gatewaysSelecting,
  isExportedTo,
  virtualServicesVisibleTo,
} from './config-visibility.js';
import {
  compareConfigs,
  istioConfigFromObject,
  type DestinationRuleSpec,
  type GatewaySpec,
  type IstioConfig,
  type VirtualServiceSpec,
} from './istio-config.js';
import { istioFeatures, type IstioFeatures } from './istio-features.js';
import type { ProxyType } from './mesh-types.js';
import { inboundPorts, meshServiceFromObject, type MeshService } from './mesh-service.js';
import type { ConfigChange } from './push-debouncer.js';
import {
  buildGatewayRouteConfigurations,
  buildSidecarRouteConfigurations,
  virtualServiceGateways,
  type IstioRouteConfiguration,
} from './route-config.js';
import { XDS_TYPES, type XdsType } from './xds-type.js';

/** The resource types istiod reads; undefined when the registry lacks one. */
export interface MeshResourceTypes {
  pods: ResourceType | undefined;
  services: ResourceType | undefined;
  endpoints: ResourceType | undefined;
  virtualServices: ResourceType | undefined;
  destinationRules: ResourceType | undefined;
  gateways: ResourceType | undefined;
}

/** What scoping needs to know about a proxy. */
export interface ScopeProxy {
  /** Pod namespace. */
  namespace: string;
  /** Pod labels. */
  labels: Readonly<Record<string, string>>;
  /** Sidecar or gateway. */
  proxyType: ProxyType;
}

/**
 * Proxies with equal scope keys get identical config from a push context: same type, same
 * namespace, same matching `sourceLabels` selectors and (gateways) same selecting Gateways.
 */
export interface ProxyScope {
  /** Identity of the scope within its push context. */
  key: string;
  /** Sidecar or gateway. */
  proxyType: ProxyType;
  /** Proxy namespace. */
  namespace: string;
  /** Labels of a proxy in the scope (equivalent for every config input). */
  labels: Readonly<Record<string, string>>;
  /** Gateway proxies: the Gateways selecting the pod (`namespace/name`). */
  gatewayKeys: readonly string[];
}

let nextGenerationId = 1;

/** The config inputs of one push context, immutable, with memoised builds. */
export class MeshConfigGeneration {
  /** Unique per generation, for cache keys. */
  readonly id = nextGenerationId++;
  /** Services in the registry. */
  readonly services: readonly MeshService[];
  /** VirtualServices, oldest first. */
  readonly virtualServices: readonly IstioConfig<VirtualServiceSpec>[];
  /** DestinationRules, oldest first. */
  readonly destinationRules: readonly IstioConfig<DestinationRuleSpec>[];
  /** Gateways, oldest first. */
  readonly gateways: readonly IstioConfig<GatewaySpec>[];
  /** Version-dependent istiod behaviour. */
  readonly features: IstioFeatures;
  readonly #sourceSelectors: readonly Readonly<Record<string, string>>[];
  readonly #routes = new Map<string, readonly IstioRouteConfiguration[]>();
  readonly #skeletons = new Map<string, readonly ClusterSkeleton[]>();
  readonly #visible = new Map<string, IstioConfig<VirtualServiceSpec>[]>();
  readonly #inbound = new Map<string, readonly number[]>();

  constructor(inputs: {
    services: readonly MeshService[];
    virtualServices: readonly IstioConfig<VirtualServiceSpec>[];
    destinationRules: readonly IstioConfig<DestinationRuleSpec>[];
    gateways: readonly IstioConfig<GatewaySpec>[];
    /** The istiod release's behaviour; absent: Istio 1.26's. */
    features?: IstioFeatures | undefined;
  }) {
    this.services = inputs.services;
    this.features = inputs.features ?? istioFeatures('1.26');
    this.virtualServices = [...inputs.virtualServices].sort(compareConfigs);
    this.destinationRules = [...inputs.destinationRules].sort(compareConfigs);
    this.gateways = [...inputs.gateways].sort(compareConfigs);
    const selectors = new Map<string, Readonly<Record<string, string>>>();
    for (const vs of this.virtualServices) {
      for (const http of vs.spec.http ?? []) {
        for (const match of http.match ?? []) {
          if (match.sourceLabels && Object.keys(match.sourceLabels).length > 0) {
            const key = JSON.stringify(Object.entries(match.sourceLabels).sort());
            selectors.set(key, match.sourceLabels);
          }
        }
      }
    }
    this.#sourceSelectors = [...selectors.values()];
  }

  /** Captures the current config from the store. */
  static fromStore(
    store: ObjectStore,
    types: MeshResourceTypes,
    features?: IstioFeatures,
  ): MeshConfigGeneration {
    const all = (type: ResourceType | undefined): readonly Readonly<KubeObject>[] =>
      type ? store.peekAll(type) : [];
    const services: MeshService[] = [];
    for (const object of all(types.services)) {
      const service = meshServiceFromObject(object);
      if (service) services.push(service);
    }
    return new MeshConfigGeneration({
      services,
      virtualServices: all(types.virtualServices).map((o) =>
        istioConfigFromObject<VirtualServiceSpec>(o),
      ),
      destinationRules: all(types.destinationRules).map((o) =>
        istioConfigFromObject<DestinationRuleSpec>(o),
      ),
      gateways: all(types.gateways).map((o) => istioConfigFromObject<GatewaySpec>(o)),
      features,
    });
  }

  /** The scope of a proxy in this push context. */
  scopeOf(proxy: ScopeProxy): ProxyScope {
    let mask = '';
    for (const selector of this.#sourceSelectors) {
      mask += Object.entries(selector).every(([k, v]) => proxy.labels[k] === v) ? '1' : '0';
    }
    const gatewayKeys =
      proxy.proxyType === 'router'
        ? gatewaysSelecting(this.gateways, proxy.labels).map((g) => `${g.namespace}/${g.name}`)
        : [];
    return {
      key: `${proxy.proxyType}|${proxy.namespace}|${mask}|${gatewayKeys.join(',')}`,
      proxyType: proxy.proxyType,
      namespace: proxy.namespace,
      labels: proxy.labels,
      gatewayKeys,
    };
  }

  /** RDS of a scope, built once per push context. */
  routesFor(scope: ProxyScope): readonly IstioRouteConfiguration[] {
    const cached = this.#routes.get(scope.key);
    if (cached) return cached;
    const visible = this.#visibleTo(scope.namespace);
    const proxy = { namespace: scope.namespace, labels: scope.labels };
    let built: IstioRouteConfiguration[];
    if (scope.proxyType === 'sidecar') {
      built = buildSidecarRouteConfigurations({
        proxy,
        services: this.services,
        virtualServices: visible.filter((vs) => virtualServiceGateways(vs).includes('mesh')),
        absoluteFqdnDomains: this.features.absoluteFqdnVhostDomain,
      });
    } else {
      const keys = new Set(scope.gatewayKeys);
      built = buildGatewayRouteConfigurations({
        proxy,
        gateways: this.gateways.filter((g) => keys.has(`${g.namespace}/${g.name}`)),
        virtualServices: visible,
        services: this.services,
      });
    }
    const frozen = Object.freeze(built);
    this.#routes.set(scope.key, frozen);
    return frozen;
  }

  /** Ports of a sidecar's inbound clusters (see `inboundPorts`), memoised per pod shape. */
  inboundPortsFor(pod: {
    namespace: string;
    labels: Readonly<Record<string, string>>;
    containerPorts: Readonly<Record<string, number>>;
  }): readonly number[] {
    let key = pod.namespace;
    for (const [k, v] of Object.entries(pod.labels)) key += `|${k}=${v}`;
    for (const [k, v] of Object.entries(pod.containerPorts)) key += `|:${k}=${v}`;
    const cached = this.#inbound.get(key);
    if (cached) return cached;
    const ports = Object.freeze(inboundPorts(this.services, pod));
    this.#inbound.set(key, ports);
    return ports;
  }

  /** CDS of proxies in a namespace (DestinationRule visibility depends on it). */
  clusterSkeletonsFor(namespace: string): readonly ClusterSkeleton[] {
    const cached = this.#skeletons.get(namespace);
    if (cached) return cached;
    const built = buildClusterSkeletons(this.services, (service) =>
      destinationRuleFor(service.hostname, service.namespace, namespace, this.destinationRules),
    );
    this.#skeletons.set(namespace, built);
    return built;
  }

  #visibleTo(namespace: string): IstioConfig<VirtualServiceSpec>[] {
    let visible = this.#visible.get(namespace);
    if (!visible) {
      visible = virtualServicesVisibleTo(this.virtualServices, namespace);
      this.#visible.set(namespace, visible);
    }
    return visible;
  }
}

/**
 * xDS types per changed kind and proxy type, from Istio's skipped-config tables: a
 * VirtualService change pushes CDS, LDS and RDS to sidecars (not EDS) and LDS, RDS to
 * gateways; a DestinationRule or Service change pushes everything; a Gateway change pushes
 * LDS and RDS to gateways and nothing to sidecars.
 */
const TYPES_BY_KIND: Record<ProxyType, Record<ConfigChange['kind'], readonly XdsType[]>> = {
  sidecar: {
    VirtualService: ['cds', 'lds', 'rds'],
    DestinationRule: XDS_TYPES,
    Service: XDS_TYPES,
    Gateway: [],
  },
  router: {
    VirtualService: ['lds', 'rds'],
    DestinationRule: XDS_TYPES,
    Service: XDS_TYPES,
    Gateway: ['lds', 'rds'],
  },
};

/** True when the changed config is in the scope of the proxy (before or after the change). */
function scopeDependsOn(scope: ProxyScope, change: ConfigChange): boolean {
  switch (change.kind) {
    case 'Service':
      return true;
    case 'VirtualService':
      return change.versions.some((object) => {
        const vs = istioConfigFromObject<VirtualServiceSpec>(object);
        if (!isExportedTo(vs.spec.exportTo, vs.namespace, scope.namespace)) return false;
        const bound = virtualServiceGateways(vs);
        return scope.proxyType === 'sidecar'
          ? bound.includes('mesh')
          : bound.some((key) => scope.gatewayKeys.includes(key));
      });
    case 'DestinationRule':
      return change.versions.some((object) => {
        const rule = istioConfigFromObject<DestinationRuleSpec>(object);
        return (
          rule.namespace === scope.namespace ||
          isExportedTo(rule.spec.exportTo, rule.namespace, scope.namespace)
        );
      });
    case 'Gateway':
      if (scope.proxyType !== 'router') return false;
      return change.versions.some((object) => {
        const gateway = istioConfigFromObject<GatewaySpec>(object);
        return (
          scope.gatewayKeys.includes(`${gateway.namespace}/${gateway.name}`) ||
          gatewaysSelecting([gateway], scope.labels).length > 0
        );
      });
  }
}

/** The xDS types a full push for `changes` sends to a scope; empty means no push. */
export function xdsTypesForChanges(
  scope: ProxyScope,
  changes: readonly ConfigChange[],
): Set<XdsType> {
  const types = new Set<XdsType>();
  if (changes.length === 0) {
    for (const type of XDS_TYPES) types.add(type);
    return types;
  }
  for (const change of changes) {
    const forKind = TYPES_BY_KIND[scope.proxyType][change.kind];
    if (forKind.every((t) => types.has(t))) continue;
    if (!scopeDependsOn(scope, change)) continue;
    for (const type of forKind) types.add(type);
  }
  return types;
}
