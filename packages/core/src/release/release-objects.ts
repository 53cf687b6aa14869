/**
 * Everything an operation reads before it changes anything: the routing object (with the
 * release record) and its companions through the route backend, the Service and both slot
 * Deployments. Missing objects and unmanageable routes fail here, as a PreflightError or
 * RouteRefusedError, before the lock is taken or anything is written.
 */
import { PreflightError, type ObjectRef } from '../errors.js';
import type { Deployment, Service } from '../kube/kube-types.js';
import { labelSelectorText } from '../kube/label-selector.js';
import { isPodReady } from '../kube/pod-readiness.js';
import type { LoadedRouting, RouteBackend } from '../routing/route-backend.js';
import { routeBackendFor } from '../routing/route-backends.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { ClusterApis } from './operation-dependencies.js';
import { recordOf } from './recorded-routes.js';
import type { ReleaseRecord, Slot, SlotWeights } from './state-record.js';

/** What an operation works on, read fresh. */
export interface ReleaseObjects {
  /** How this service's routing object is read, changed and written (chosen by the spec). */
  backend: RouteBackend;
  /** The routing object as read (with its companions, which only the backend looks into). */
  routing: LoadedRouting;
  /** The Service. */
  service: Service;
  /** The release record, undefined before the first switchyard operation. */
  record: ReleaseRecord | undefined;
  /** Weights of the managed routes as they are now. */
  liveWeights: SlotWeights;
  /** Each slot's Deployment, undefined when it does not exist. */
  deployments: Record<Slot, Deployment | undefined>;
}

/** Reads everything, reporting every missing object at once. */
export async function readReleaseObjects(
  kube: ClusterApis,
  spec: ResolvedReleaseSpec,
  signal?: AbortSignal,
): Promise<ReleaseObjects> {
  const { namespace, target } = spec;
  const backend = routeBackendFor(spec, kube);
  const [routing, service, blue, green] = await Promise.all([
    backend.read(signal),
    kube.services.get(namespace, spec.service, { signal }),
    kube.deployments.get(namespace, target.slots.blue.deployment, { signal }),
    kube.deployments.get(namespace, target.slots.green.deployment, { signal }),
  ]);
  const problems: { object: ObjectRef; message: string }[] = [...(routing.problems ?? [])];
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
  if (problems.length > 0 || !routing.loaded || !service) throw new PreflightError(problems);
  // Throws RouteRefusedError (with how to fix it) when the routes cannot be managed.
  const liveWeights = backend.readWeights(routing.loaded.object);
  return {
    backend,
    routing: routing.loaded,
    service,
    record: recordOf(routing.loaded.object),
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
  return labelSelectorText({ matchLabels: labels });
}

/** Ready pods of a slot (Running, Ready condition true, not terminating). */
export async function readyPodCount(
  kube: Pick<ClusterApis, 'pods'>,
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
