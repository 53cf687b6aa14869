/**
 * The VirtualService route backend: the service's routes are http routes of a VirtualService
 * over the DestinationRule subsets of the two slots (`istio/` does the surgery, purely). The
 * release record is an annotation on the VirtualService; deploy adds the slot subsets to the
 * DestinationRule before any route names them; the sync gate waits for the proxies
 * `sync.scope` names; the data-plane verifier expects `outbound|<port>|<subset>|<host>`
 * clusters on the managed route; checks count a slot's requests by its Deployment, as the
 * destination's sidecar reports them.
 */
import type { ObjectRef } from '../../errors.js';
import { removeMirror, setMirror } from '../../istio/candidate-mirror.js';
import { resolveHost } from '../../istio/host-name.js';
import { findManagedRoutes, type ManagedRouteSet } from '../../istio/managed-routes.js';
import { removePrereleaseRoute, setPrereleaseRoute } from '../../istio/prerelease-route.js';
import { planRouteChanges } from '../../istio/route-plan.js';
import { prereleaseRouteName, type RouteTarget } from '../../istio/route-target.js';
import { ensureSlotSubsets } from '../../istio/slot-subsets.js';
import { readSlotWeights, setSlotWeights } from '../../istio/slot-weights.js';
import type { DestinationRule, VirtualService } from '../../istio/types.js';
import type { JsonPatchOperation } from '../../json-diff/json-patch-operation.js';
import type { Service } from '../../kube/kube-types.js';
import type { RequiredPermission } from '../../kube/required-permissions.js';
import type { ResolvedReleaseSpec } from '../../spec/resolved-release-spec.js';
import type {
  LoadedRouting,
  RouteBackend,
  RouteBackendKind,
  RoutingApis,
  RoutingProblem,
  RoutingRead,
  SlotDestinationChange,
  SlotDestinations,
} from '../route-backend.js';

/** A VirtualService as read, with the DestinationRule holding its slot subsets. */
export interface LoadedVirtualService extends LoadedRouting<VirtualService> {
  /** The DestinationRule of the service. */
  readonly destinationRule: DestinationRule;
}

/** The route-surgery target of a resolved spec: host, slot subsets, managed route names. */
export function routeTargetOf(spec: ResolvedReleaseSpec): RouteTarget {
  return {
    service: spec.service,
    namespace: spec.namespace,
    host: spec.target.host,
    subsets: { blue: spec.target.slots.blue.subset, green: spec.target.slots.green.subset },
    routeNames: spec.target.routes,
  };
}

/** What the VirtualService backend reads and patches. */
const PERMISSIONS: readonly RequiredPermission[] = [
  {
    scope: 'service',
    apiGroup: 'networking.istio.io',
    resource: 'virtualservices',
    verbs: ['get', 'patch'],
    purpose:
      'read the routes and the state record; shift weights, header route and record (JSON Patch)',
  },
  {
    scope: 'service',
    apiGroup: 'networking.istio.io',
    resource: 'destinationrules',
    verbs: ['get', 'patch'],
    purpose: 'read the slot subsets; add a missing one',
  },
];

/** Releasing through a VirtualService over DestinationRule subsets. */
export const VIRTUAL_SERVICE_BACKEND: RouteBackendKind = {
  kind: 'VirtualService',
  permissions: PERMISSIONS,
  create: (spec, kube) => virtualServiceBackend(spec, kube),
};

/** The VirtualService backend of `spec`'s service. */
export function virtualServiceBackend(
  spec: ResolvedReleaseSpec,
  kube: RoutingApis,
): RouteBackend<VirtualService, LoadedVirtualService> {
  const { namespace } = spec;
  const target = routeTargetOf(spec);
  const ref: ObjectRef = { kind: 'VirtualService', namespace, name: spec.target.virtualService };
  const destinationRuleRef: ObjectRef = {
    kind: 'DestinationRule',
    namespace,
    name: spec.target.destinationRule,
  };
  return {
    ref,

    async read(signal): Promise<RoutingRead<LoadedVirtualService>> {
      const [virtualService, destinationRule] = await Promise.all([
        kube.virtualServices.get(namespace, ref.name, { signal }),
        kube.destinationRules.get(namespace, destinationRuleRef.name, { signal }),
      ]);
      const problems: RoutingProblem[] = [];
      if (!virtualService) {
        problems.push({
          object: ref,
          message:
            spec.target.kind === undefined
              ? `not found, and neither is HTTPRoute ${namespace}/${spec.target.httpRoute}: switchyard works on your own VirtualService or HTTPRoute (target.kind); create the one that routes ${spec.service}`
              : 'not found; switchyard works on your own VirtualService: create it first',
        });
      }
      if (!destinationRule) {
        problems.push({
          object: destinationRuleRef,
          message:
            'not found; create a DestinationRule for the service (switchyard adds the slot subsets)',
        });
      }
      if (!virtualService || !destinationRule) return { problems };
      return { loaded: { object: virtualService, destinationRule } };
    },

    get: (signal) => kube.virtualServices.get(namespace, ref.name, { signal }),

    patch: (ops, options = {}) =>
      kube.virtualServices.patch(namespace, ref.name, ops, {
        signal: options.signal,
        ...(options.dryRun ? { dryRun: options.dryRun } : {}),
      }),

    readWeights: (virtualService) => readSlotWeights(virtualService, target),
    setWeights: (virtualService, weights) => setSlotWeights(virtualService, target, weights),
    setHeaderRoute: (virtualService, route) =>
      setPrereleaseRoute(virtualService, target, { slot: route.slot, headers: route.headers }),
    removeHeaderRoute: (virtualService) => removePrereleaseRoute(virtualService, target),
    setMirror: (virtualService, mirror) =>
      setMirror(virtualService, target, { slot: mirror.slot, percentage: mirror.percentage }),
    removeMirror: (virtualService) => removeMirror(virtualService, target),

    planWrite(before, after, options) {
      const [change] = planRouteChanges({ virtualServices: [{ before, after }] });
      if (!change) return undefined;
      const pins = options.pinManagedRoutes ? managedRoutePins(before, target) : [];
      return {
        description: change.description,
        diff: change.diff,
        patch: [...pins, ...change.patch],
      };
    },

    slotDestinations(loaded, service): SlotDestinations | undefined {
      const before = loaded.destinationRule;
      const after = ensureSlotSubsets(before, target, {
        slotLabel: spec.target.slotLabel,
        slotValues: {
          blue: spec.target.slots.blue.labelValue,
          green: spec.target.slots.green.labelValue,
        },
        selector: service.spec?.selector ?? {},
      });
      if (JSON.stringify(after) === JSON.stringify(before)) return undefined;
      const planned = planRouteChanges({ destinationRules: [{ before, after }] });
      const changes = planned.map((change): SlotDestinationChange => ({
        object: {
          kind: change.object.kind,
          namespace: change.object.namespace,
          name: change.object.name,
        },
        description: change.description,
        diff: change.diff,
        write: async (options) => {
          const written = await kube.destinationRules.patch(
            namespace,
            destinationRuleRef.name,
            change.patch,
            options,
          );
          return { resourceVersion: written.metadata.resourceVersion };
        },
      }));
      return { what: 'DestinationRule slot subsets', changes };
    },

    proxyScope: () => ({ sets: [spec.sync.scope] }),

    // A VirtualService carries no status from istiod: a route Envoy cannot take shows in
    // syncz as a rejection, which the sync gate reports.
    awaitAccepted: () => Promise.resolve(),

    requestSelector: (slot) =>
      `reporter="destination",destination_workload_namespace="${namespace}",destination_workload="${spec.target.slots[slot].deployment}"`,

    dataplaneExpectation(virtualService, routed, service: Service) {
      const weights: Record<string, number> = {};
      for (const slot of ['blue', 'green'] as const)
        weights[spec.target.slots[slot].subset] = routed.weights[slot];
      const routeName = managedRouteName(virtualService, target);
      const headerSlot = routed.headerRouteTo;
      return {
        host: resolveHost(spec.target.host, namespace),
        port: service.spec?.ports?.[0]?.port ?? 80,
        weights,
        routeName,
        headerRoute: {
          name: prereleaseRouteName(spec.service),
          present: headerSlot !== undefined,
          destination: headerSlot ? spec.target.slots[headerSlot].subset : undefined,
        },
      };
    },
  };
}

/**
 * The name of the first managed route, which Envoy gives the route (plus `.<match name>`),
 * so the data plane is judged on that route rather than on a user's own route to a slot
 * above it (a `/legacy` route to blue is not the split). Undefined when it has no name or the
 * routes cannot be identified.
 */
function managedRouteName(virtualService: VirtualService, target: RouteTarget): string | undefined {
  try {
    return findManagedRoutes(virtualService, target).routes[0].route.name || undefined;
  } catch {
    return virtualService.spec.http?.find(
      (route) => route.name && target.routeNames?.includes(route.name),
    )?.name;
  }
}

/**
 * `test` ops holding every managed route's destinations and weights as they are in
 * `virtualService` (none when the routes cannot be identified: then the plan's own tests
 * are all there is).
 */
function managedRoutePins(
  virtualService: VirtualService,
  target: RouteTarget,
): JsonPatchOperation[] {
  let managed: ManagedRouteSet;
  try {
    managed = findManagedRoutes(virtualService, target);
  } catch {
    return [];
  }
  return managed.routes.map(({ index, route }) => ({
    op: 'test' as const,
    path: `/spec/http/${index}/route`,
    value: structuredClone(route.route),
  }));
}
