/**
 * The HTTPRoute route backend (`gateway.networking.k8s.io/v1`): the service's traffic is
 * split by the `weight` of a rule's backendRefs to one Service per slot (`reviews-blue`,
 * `reviews-green`, each selecting its slot's pods). The release record is an annotation on
 * the HTTPRoute; the slot Services must exist (deploy creates nothing but the candidate
 * Deployment); after each write istiod's `Accepted` and `ResolvedRefs` are awaited for every
 * parent; the sync gate waits for the parents' proxies (a Service parent: the callers'
 * sidecars; a Gateway parent: its router pods); the data-plane verifier expects
 * `outbound|<port>||<slot-service fqdn>` clusters on the rule's Envoy route. Surgery is in
 * this folder's modules, pure.
 */
import {
  GATEWAY_NAME_LABEL,
  SIDECAR_PATH,
  type DataplanePath,
} from '../../dataplane/dataplane-path.js';
import { dataplaneProxySets, reporterMatcher } from '../../dataplane/dataplane-proxies.js';
import { readDataplanePath } from '../../dataplane/read-dataplane-path.js';
import type { ObjectRef } from '../../errors.js';
import type { ProxyScope, ProxySet } from '../../gates/sync-gate.js';
import { resolveHost } from '../../istio/host-name.js';
import { createPinnedJsonPatch } from '../../json-diff/json-patch-diff.js';
import { SLOTS, type Slot } from '../../istio/route-target.js';
import type { JsonPatchOperation } from '../../json-diff/json-patch-operation.js';
import { renderUnifiedDiff } from '../../json-diff/unified-diff.js';
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
} from '../route-backend.js';
import { dump } from 'js-yaml';
import { removeHeaderRule, setHeaderRule } from './header-rule.js';
import { describeHttpRouteChange } from './http-route-change.js';
import {
  HTTP_ROUTE_CRD,
  httpRouteSchemaOf,
  schemaProblems,
  type HttpRouteField,
} from './http-route-schema.js';
import {
  GATEWAY_API_GROUP,
  isGatewayParent,
  isServiceParent,
  type HttpRoute,
} from './http-route-types.js';
import {
  envoyRouteName,
  findManagedRules,
  headerRuleName,
  type HttpRouteTarget,
} from './managed-rules.js';
import { mirrorPercentProblem, removeRuleMirror, setRuleMirror } from './rule-mirror.js';
import { readRuleWeights, setRuleWeights, slotPort } from './rule-weights.js';
import { awaitRouteAccepted } from './route-status.js';

/** An HTTPRoute as read, with the slot Services its rules send to. */
export interface LoadedHttpRoute extends LoadedRouting<HttpRoute> {
  /** Each slot's Service. */
  readonly slotServices: Readonly<Record<Slot, Service>>;
}

/** The surgery target of a resolved spec: the slot Services and managed rule names. */
export function httpRouteTargetOf(spec: ResolvedReleaseSpec): HttpRouteTarget {
  return {
    service: spec.service,
    namespace: spec.namespace,
    slotServices: { blue: spec.target.slots.blue.service, green: spec.target.slots.green.service },
    ruleNames: spec.target.routes,
  };
}

/** What the HTTPRoute backend reads and patches. */
const PERMISSIONS: readonly RequiredPermission[] = [
  {
    scope: 'service',
    apiGroup: GATEWAY_API_GROUP,
    resource: 'httproutes',
    verbs: ['get', 'patch'],
    purpose:
      'read the routes, their status and the state record; shift weights, header rule and record (JSON Patch)',
  },
  {
    scope: 'cluster',
    apiGroup: 'apiextensions.k8s.io',
    resource: 'customresourcedefinitions',
    verbs: ['get'],
    purpose: `read the installed HTTPRoute schema (${HTTP_ROUTE_CRD}): rule names, mirror percent; also preflight gateway-api-crds`,
    onlyWhen: 'an HTTPRoute release with a pre-release header or mirror steps',
  },
  {
    scope: 'cluster',
    apiGroup: '',
    resource: 'namespaces',
    verbs: ['get'],
    purpose:
      "the data-plane path: the namespace's istio.io/dataplane-mode and istio.io/use-waypoint labels",
    onlyWhen: 'an HTTPRoute release',
  },
  {
    scope: 'service',
    apiGroup: GATEWAY_API_GROUP,
    resource: 'gateways',
    verbs: ['get'],
    purpose: "the data-plane path: the bound waypoint's Gateway, its address and Programmed status",
    onlyWhen: 'an HTTPRoute release in ambient (the waypoint in its own namespace)',
  },
];

/** Releasing through a Gateway API HTTPRoute over one Service per slot. */
export const HTTP_ROUTE_BACKEND: RouteBackendKind = {
  kind: 'HTTPRoute',
  permissions: PERMISSIONS,
  create: (spec, kube) => httpRouteBackend(spec, kube),
};

/** The schema fields `spec`'s operations may write. */
function neededFields(spec: ResolvedReleaseSpec): HttpRouteField[] {
  const fields: HttpRouteField[] = [];
  if (spec.deploy.preRelease) fields.push('ruleName');
  if (spec.strategy.steps.some((step) => 'mirror' in step)) fields.push('mirrorPercent');
  return fields;
}

/** Problems with the spec's mirror steps for an HTTPRoute (whole percents only). */
function mirrorStepProblems(spec: ResolvedReleaseSpec, ref: ObjectRef): RoutingProblem[] {
  return spec.strategy.steps.flatMap((step, index) => {
    if (!('mirror' in step)) return [];
    const problem = mirrorPercentProblem(step.mirror);
    return problem === undefined
      ? []
      : [{ object: ref, message: `strategy.steps[${index}].mirror: ${problem}` }];
  });
}

/** The sync gate's proxies for a route's parents (see `RouteBackend.proxyScope`). */
export function parentProxyScope(route: HttpRoute, spec: ResolvedReleaseSpec): ProxyScope {
  const namespace = route.metadata.namespace ?? spec.namespace;
  const sets: ProxySet[] = [];
  const parents = route.spec.parentRefs ?? [];
  if (parents.some(isServiceParent))
    sets.push({
      proxyTypes: ['sidecar'],
      namespaces: spec.sync.scope.namespaces,
      selector: spec.sync.scope.selector,
    });
  const gateways = new Set<string>();
  for (const parent of parents.filter(isGatewayParent)) {
    const key = `${parent.namespace ?? namespace}/${parent.name}`;
    if (gateways.has(key)) continue;
    gateways.add(key);
    sets.push({
      proxyTypes: ['router'],
      namespaces: [parent.namespace ?? namespace],
      selector: `${GATEWAY_NAME_LABEL}=${parent.name}`,
    });
  }
  return { sets: sets.length > 0 ? sets : [{ ...spec.sync.scope }] };
}

/**
 * The sync gate's proxies for a route on `dataplane`: its parents' proxies, and for a
 * Service parent in ambient the waypoint's too (`dataplaneProxySets`).
 */
export function httpRouteProxyScope(
  route: HttpRoute,
  spec: ResolvedReleaseSpec,
  dataplane: DataplanePath,
): ProxyScope {
  const parents = parentProxyScope(route, spec);
  return (route.spec.parentRefs ?? []).some(isServiceParent)
    ? { sets: dataplaneProxySets(dataplane, parents.sets) }
    : parents;
}

/** The HTTPRoute backend of `spec`'s service. */
export function httpRouteBackend(
  spec: ResolvedReleaseSpec,
  kube: RoutingApis,
): RouteBackend<HttpRoute, LoadedHttpRoute> {
  const { namespace } = spec;
  const target = httpRouteTargetOf(spec);
  const ref: ObjectRef = { kind: 'HTTPRoute', namespace, name: spec.target.httpRoute };

  async function schemaProblemsOf(signal: AbortSignal | undefined): Promise<RoutingProblem[]> {
    const needed = neededFields(spec);
    if (needed.length === 0) return [];
    const crdRef: ObjectRef = { kind: 'CustomResourceDefinition', name: HTTP_ROUTE_CRD };
    let crd;
    try {
      crd = await kube.customResourceDefinitions.get('', HTTP_ROUTE_CRD, { signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      return [
        {
          object: crdRef,
          message: `cannot read the installed HTTPRoute schema (${(error as Error).message}); switchyard must know it stores ${needed.join(' and ')} before writing them: grant get on it (deploy/rbac)`,
        },
      ];
    }
    if (!crd)
      return [
        { object: crdRef, message: 'not found: install the Gateway API CRDs your istiod pins' },
      ];
    return schemaProblems(httpRouteSchemaOf(crd), needed).map((message) => ({
      object: crdRef,
      message,
    }));
  }

  /**
   * The data-plane path of the route's Service parent, found by the last `read` (every
   * operation reads its backend before asking it anything else): an ambient Service bound
   * to a waypoint adds the waypoint's proxies to the gate and makes the checks count what
   * the waypoint reports.
   */
  let dataplane: DataplanePath = SIDECAR_PATH;

  async function dataplanePathOf(signal: AbortSignal | undefined): Promise<DataplanePath> {
    const { namespaces, pods, gatewayApiGateways } = kube;
    if (!namespaces || !pods || !gatewayApiGateways) return SIDECAR_PATH;
    const parent = await kube.services.get(namespace, spec.service, { signal });
    if (!parent) return SIDECAR_PATH;
    return readDataplanePath({ namespaces, pods, gateways: gatewayApiGateways }, parent, {
      signal,
    });
  }

  return {
    ref,

    async read(signal): Promise<RoutingRead<LoadedHttpRoute>> {
      const [route, blue, green, schema, path] = await Promise.all([
        kube.httpRoutes.get(namespace, ref.name, { signal }),
        kube.services.get(namespace, target.slotServices.blue, { signal }),
        kube.services.get(namespace, target.slotServices.green, { signal }),
        schemaProblemsOf(signal),
        dataplanePathOf(signal),
      ]);
      dataplane = path;
      const problems: RoutingProblem[] = [...schema, ...mirrorStepProblems(spec, ref)];
      if (!route) {
        problems.push({
          object: ref,
          message:
            'not found; switchyard works on your own HTTPRoute: create it first (see examples/bookinfo-gateway-api)',
        });
      } else {
        problems.push(...parentProblems(route, spec, ref));
      }
      const found: Partial<Record<Slot, Service>> = { blue, green };
      for (const slot of SLOTS) {
        const service = found[slot];
        const serviceRef: ObjectRef = {
          kind: 'Service',
          namespace,
          name: target.slotServices[slot],
        };
        if (!service) {
          problems.push({
            object: serviceRef,
            message: `not found (target.slots.${slot}.service): an HTTPRoute's slot is a Service selecting that slot's pods; create it`,
          });
          continue;
        }
        const problem = slotSelectorProblem(spec, slot, service);
        if (problem !== undefined) problems.push({ object: serviceRef, message: problem });
      }
      if (!route || !blue || !green || problems.length > 0) return { problems };
      return { loaded: { object: route, slotServices: { blue, green }, dataplane } };
    },

    get: (signal) => kube.httpRoutes.get(namespace, ref.name, { signal }),

    patch: (ops, options = {}) =>
      kube.httpRoutes.patch(namespace, ref.name, ops, {
        signal: options.signal,
        ...(options.dryRun ? { dryRun: options.dryRun } : {}),
      }),

    readWeights: (route) => readRuleWeights(route, target),
    setWeights: (route, weights) => setRuleWeights(route, target, weights),
    setHeaderRoute: (route, header) =>
      setHeaderRule(route, target, { slot: header.slot, headers: header.headers }),
    removeHeaderRoute: (route) => removeHeaderRule(route, target),
    setMirror: (route, mirror) =>
      setRuleMirror(route, target, { slot: mirror.slot, percentage: mirror.percentage }),
    removeMirror: (route) => removeRuleMirror(route, target),

    planWrite(before, after, options) {
      const patch = createPinnedJsonPatch(before, after);
      if (patch.length === 0) return undefined;
      const pins = options.pinManagedRoutes ? managedRulePins(before, target) : [];
      const label = `HTTPRoute/${namespace}/${ref.name}`;
      return {
        description: describeHttpRouteChange(before, after),
        diff: renderUnifiedDiff(toYaml(before), toYaml(after), {
          beforeLabel: `a/${label}`,
          afterLabel: `b/${label}`,
        }),
        patch: [...pins, ...patch],
      };
    },

    slotDestinations: () => undefined,

    proxyScope: (route) => httpRouteProxyScope(route, spec, dataplane),

    awaitAccepted: (written, options) =>
      awaitRouteAccepted(
        (signal) => kube.httpRoutes.get(namespace, ref.name, { signal }),
        written,
        options,
      ),

    requestSelector: (slot) =>
      `${reporterMatcher(dataplane, 'source')},destination_service_namespace="${namespace}",destination_service_name="${target.slotServices[slot]}"`,

    dataplaneExpectation(route, routed, service) {
      const parent = (route.spec.parentRefs ?? []).find(
        (p) => isServiceParent(p) && p.name === spec.service,
      );
      const servicePort = service.spec?.ports?.[0]?.port ?? 80;
      const managed = findManagedRules(route, target);
      const weights: Record<string, number> = {};
      const clusters: Record<string, string> = {};
      for (const slot of SLOTS) {
        const name = target.slotServices[slot];
        weights[name] = routed.weights[slot];
        const port = slotPort(target, managed, slot) ?? servicePort;
        clusters[name] = `outbound|${port}||${resolveHost(name, namespace)}`;
      }
      const headerSlot = routed.headerRouteTo;
      return {
        host: resolveHost(spec.service, parent?.namespace ?? namespace),
        port: parent?.port ?? servicePort,
        weights,
        clusters,
        routeName: envoyRouteName(route, managed[0].index),
        headerRoute: {
          name: headerRuleName(spec.service),
          present: headerSlot !== undefined,
          destination: headerSlot ? target.slotServices[headerSlot] : undefined,
        },
      };
    },
  };
}

function toYaml(object: unknown): string {
  return dump(object, { noRefs: true, lineWidth: -1, skipInvalid: true });
}

/** Problems with the route's parents: none, or a Service parent that is another service. */
function parentProblems(
  route: HttpRoute,
  spec: ResolvedReleaseSpec,
  ref: ObjectRef,
): RoutingProblem[] {
  const parents = route.spec.parentRefs ?? [];
  if (parents.length === 0)
    return [
      {
        object: ref,
        message: `spec.parentRefs is empty: the route applies to nothing; add the Service ${spec.service} (mesh traffic) or a Gateway (ingress) as its parent`,
      },
    ];
  return parents.flatMap((parent, index) =>
    isServiceParent(parent) && parent.name !== spec.service
      ? [
          {
            object: ref,
            message: `spec.parentRefs[${index}] is the Service ${parent.name}, not ${spec.service}: this route does not route ${spec.service}'s mesh traffic (target.httpRoute names the wrong route?)`,
          },
        ]
      : [],
  );
}

/** Why a slot Service does not select only its slot's pods, or undefined. */
export function slotSelectorProblem(
  spec: ResolvedReleaseSpec,
  slot: Slot,
  service: Service,
): string | undefined {
  const { slotLabel } = spec.target;
  const value = spec.target.slots[slot].labelValue;
  const selector = service.spec?.selector ?? {};
  if (selector[slotLabel] === value) return undefined;
  const other = spec.target.slots[slot === 'blue' ? 'green' : 'blue'].labelValue;
  const shown = Object.entries(selector)
    .map(([key, v]) => `${key}=${v}`)
    .join(',');
  const what =
    selector[slotLabel] === other
      ? `selects the other slot's pods (${slotLabel}=${other})`
      : selector[slotLabel] === undefined
        ? `does not select by ${slotLabel}, so it sends to both slots' pods`
        : `selects ${slotLabel}=${selector[slotLabel]}, not the ${slot} slot's ${slotLabel}=${value}`;
  return `its selector {${shown}} ${what}; a slot Service must select ${slotLabel}=${value} (target.slots.${slot}.labelValue)`;
}

/**
 * `test` ops holding every managed rule's backendRefs as they are in `route` (none when the
 * rules cannot be identified: then the patch's own tests are all there is).
 */
function managedRulePins(route: HttpRoute, target: HttpRouteTarget): JsonPatchOperation[] {
  try {
    return findManagedRules(route, target).map(({ index, rule }) => ({
      op: 'test' as const,
      path: `/spec/rules/${index}/backendRefs`,
      value: structuredClone(rule.backendRefs),
    }));
  } catch {
    return [];
  }
}
