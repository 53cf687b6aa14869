/**
 * Everything an operation reads before it changes anything: the VirtualService (with the
 * release record), the DestinationRule, the Service and both slot Deployments. Missing
 * objects and unmanageable routes fail here, as a PreflightError or RouteRefusedError,
 * before the lock is taken or anything is written.
 */
import { PreflightError, type ObjectRef } from '../errors.js';
import { readSlotWeights } from '../istio/slot-weights.js';
import type { RouteTarget } from '../istio/route-target.js';
import type { DestinationRule, VirtualService } from '../istio/types.js';
import type {
  DeploymentApi,
  EventRecorder,
  LeaseStore,
  PodLister,
  RouteObjectApi,
  ServiceReader,
} from '../kube/kube-ports.js';
import type { Deployment, Service } from '../kube/kube-types.js';
import { isPodReady } from '../kube/pod-readiness.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import {
  decodeRecord,
  STATE_ANNOTATION,
  type ReleaseRecord,
  type Slot,
  type SlotWeights,
} from './state-record.js';

/** The Kubernetes access the engine needs; `KubeClient` provides all of it. */
export interface EngineKube {
  /** VirtualServices. */
  virtualServices: RouteObjectApi<VirtualService>;
  /** DestinationRules. */
  destinationRules: RouteObjectApi<DestinationRule>;
  /** Deployments. */
  deployments: DeploymentApi;
  /** Pods (readiness of a slot). */
  pods: PodLister;
  /** Services (selector, ports). */
  services: ServiceReader;
  /** Leases (the lock). */
  leases: LeaseStore;
  /** Events; undefined: no Kubernetes Events are written. */
  events?: EventRecorder | undefined;
}

/** What an operation works on, read fresh. */
export interface ServiceContext {
  /** The resolved spec. */
  spec: ResolvedReleaseSpec;
  /** Route-surgery target derived from the spec. */
  target: RouteTarget;
  /** The VirtualService as read. */
  virtualService: VirtualService;
  /** The DestinationRule as read. */
  destinationRule: DestinationRule;
  /** The Service. */
  service: Service;
  /** The release record, undefined before the first switchyard operation. */
  record: ReleaseRecord | undefined;
  /** Weights of the managed routes as they are now. */
  liveWeights: SlotWeights;
  /** Each slot's Deployment, undefined when it does not exist. */
  deployments: Record<Slot, Deployment | undefined>;
}

/** The route-surgery target of a resolved spec. */
export function routeTargetOf(spec: ResolvedReleaseSpec): RouteTarget {
  return {
    service: spec.service,
    namespace: spec.namespace,
    host: spec.target.host,
    subsets: { blue: spec.target.slots.blue.subset, green: spec.target.slots.green.subset },
    routeNames: spec.target.routes,
  };
}

/** Reference to the service's VirtualService. */
export function virtualServiceRef(spec: ResolvedReleaseSpec): ObjectRef {
  return { kind: 'VirtualService', namespace: spec.namespace, name: spec.target.virtualService };
}

/** The record stored on a VirtualService (throws StateRecordError when unreadable). */
export function recordOf(virtualService: VirtualService): ReleaseRecord | undefined {
  return decodeRecord(virtualService.metadata.annotations?.[STATE_ANNOTATION], {
    kind: 'VirtualService',
    namespace: virtualService.metadata.namespace,
    name: virtualService.metadata.name,
  });
}

/** Reads the VirtualService; a missing one is a PreflightError. */
export async function readVirtualService(
  kube: EngineKube,
  spec: ResolvedReleaseSpec,
  signal?: AbortSignal,
): Promise<VirtualService> {
  const virtualService = await kube.virtualServices.get(
    spec.namespace,
    spec.target.virtualService,
    { signal },
  );
  if (!virtualService) {
    throw new PreflightError([
      {
        object: virtualServiceRef(spec),
        message:
          'not found; switchyard works on your own VirtualService: create it first (see examples/bookinfo)',
      },
    ]);
  }
  return virtualService;
}

/** Reads everything, reporting every missing object at once. */
export async function loadServiceContext(
  kube: EngineKube,
  spec: ResolvedReleaseSpec,
  signal?: AbortSignal,
): Promise<ServiceContext> {
  const { namespace, target } = spec;
  const [virtualService, destinationRule, service, blue, green] = await Promise.all([
    kube.virtualServices.get(namespace, target.virtualService, { signal }),
    kube.destinationRules.get(namespace, target.destinationRule, { signal }),
    kube.services.get(namespace, spec.service, { signal }),
    kube.deployments.get(namespace, target.slots.blue.deployment, { signal }),
    kube.deployments.get(namespace, target.slots.green.deployment, { signal }),
  ]);
  const problems: { object: ObjectRef; message: string }[] = [];
  if (!virtualService) {
    problems.push({
      object: virtualServiceRef(spec),
      message: 'not found; switchyard works on your own VirtualService: create it first',
    });
  }
  if (!destinationRule) {
    problems.push({
      object: { kind: 'DestinationRule', namespace, name: target.destinationRule },
      message:
        'not found; create a DestinationRule for the service (switchyard adds the slot subsets)',
    });
  }
  if (!service) {
    problems.push({
      object: { kind: 'Service', namespace, name: spec.service },
      message: 'not found',
    });
  }
  if (!blue && !green) {
    problems.push({
      object: { kind: 'Deployment', namespace, name: target.slots.blue.deployment },
      message: `not found, and neither is ${target.slots.green.deployment}: at least the active slot's Deployment must exist`,
    });
  }
  if (problems.length > 0 || !virtualService || !destinationRule || !service)
    throw new PreflightError(problems);
  const routeTarget = routeTargetOf(spec);
  // Throws RouteRefusedError (with how to fix it) when the routes cannot be managed.
  const liveWeights = readSlotWeights(virtualService, routeTarget);
  return {
    spec,
    target: routeTarget,
    virtualService,
    destinationRule,
    service,
    record: recordOf(virtualService),
    liveWeights,
    deployments: { blue, green },
  };
}

/** The slot with the traffic when there is no record yet: blue unless green has more. */
export function slotWithTraffic(weights: SlotWeights): Slot {
  return weights.green > weights.blue ? 'green' : 'blue';
}

/** Label selector (`k=v,k2=v2`) of a slot's pods. */
export function slotPodSelector(spec: ResolvedReleaseSpec, service: Service, slot: Slot): string {
  const labels: Record<string, string> = {
    ...(service.spec?.selector ?? {}),
    [spec.target.slotLabel]: spec.target.slots[slot].labelValue,
  };
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** Ready pods of a slot (Running, Ready condition true, not terminating). */
export async function readyPodCount(
  kube: EngineKube,
  spec: ResolvedReleaseSpec,
  service: Service,
  slot: Slot,
  signal?: AbortSignal,
): Promise<number> {
  const pods = await kube.pods.list(spec.namespace, {
    labelSelector: slotPodSelector(spec, service, slot),
    signal,
  });
  return pods.filter(isPodReady).length;
}
