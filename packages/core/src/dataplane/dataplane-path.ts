/**
 * Which data-plane path a release goes through, decided from the cluster as istiod decides
 * it (docs/reference/istio.md, ambient mode):
 *
 * - **sidecar**: the service's pods are not enrolled in ambient; the callers' sidecars (and
 *   gateway routers) apply the routes.
 * - **waypoint**: the service's pods are enrolled in ambient (`istio.io/dataplane-mode=ambient`
 *   on the namespace or the pods, a pod with a sidecar never is) and the Service is bound to
 *   a waypoint (`istio.io/use-waypoint` on the Service, else on its namespace; `none` opts
 *   out; `istio.io/use-waypoint-namespace` beside it names another namespace). Ambient
 *   callers' requests go through the waypoint, which applies the L7 routes; callers with a
 *   sidecar of their own still route by their sidecar (a mixed mesh), so both kinds of proxy
 *   carry the change.
 * - **ztunnel**: enrolled in ambient but bound to no waypoint: ztunnel carries the mesh
 *   traffic at L4 and no L7 route applies to it.
 *
 * The waypoint's own health (the Gateway of class `istio-waypoint` missing, not serving
 * Services, not Programmed, without an address or ready pods) is reported beside the path:
 * the path is what the labels ask for; `problems` say why it would not work. One exception,
 * in `warnings`: a waypoint not Programmed that has an address and ready pods serves anyway,
 * and its status may be stale (istiod computes `Programmed` from the Service's instances only
 * when it rebuilds its Service index, on a Service change, not on endpoint changes).
 */

/** `istio.io/dataplane-mode`: `ambient` enrols a namespace or a pod, `none` opts a pod out. */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** `istio.io/use-waypoint`: the waypoint a Service (or every Service of a namespace) uses. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** `istio.io/use-waypoint-namespace`: the waypoint's namespace, when not the labelled object's. */
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
/** `istio.io/waypoint-for`: the traffic a waypoint serves (`service` by default). */
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** The GatewayClass of waypoints. */
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
/** The label istiod puts on the pods of a Gateway it deployed (a waypoint's proxies too). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** A namespace, a Service or a pod: what detection reads of each. */
export interface LabelledObject {
  /** Name. */
  readonly name: string;
  /** Its labels; undefined: none. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

/** A pod of the service (or a caller): its labels and whether it runs a sidecar. */
export interface PodFacts extends LabelledObject {
  /** Whether the pod has a sidecar (`istio-proxy` container, or injection status). */
  readonly sidecar: boolean;
}

/** A Gateway a binding may name, with the pods istiod deployed for it. */
export interface WaypointGatewayFacts {
  /** Namespace. */
  readonly namespace: string;
  /** Name. */
  readonly name: string;
  /** `spec.gatewayClassName`. */
  readonly gatewayClassName: string | undefined;
  /** Its labels (`istio.io/waypoint-for`). */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** Its `Programmed` condition, when it has one. */
  readonly programmed?:
    { readonly status: string; readonly reason?: string; readonly message?: string } | undefined;
  /** `status.addresses` values. */
  readonly addresses: readonly string[];
  /** Ready pods labelled `gateway.networking.k8s.io/gateway-name=<name>`. */
  readonly readyPods: number;
}

/** What detection reads from the cluster. */
export interface DataplaneFacts {
  /** The service's namespace; undefined when it could not be read. */
  readonly namespace: LabelledObject | undefined;
  /** The Service. */
  readonly service: LabelledObject;
  /** The service's pods (both slots'). */
  readonly pods: readonly PodFacts[];
  /** The Gateway the binding names, when the binding names one and it exists. */
  readonly waypoint: WaypointGatewayFacts | undefined;
  /** Callers in the sync scope whose sidecar routes by its own routes (pod names). */
  readonly sidecarCallers: readonly string[];
}

/** Where a waypoint binding came from. */
export interface WaypointBinding {
  /** The waypoint's namespace. */
  readonly namespace: string;
  /** The waypoint's (Gateway's) name. */
  readonly name: string;
  /** Whose label binds it. */
  readonly boundBy: 'Service' | 'Namespace';
}

/** The data-plane path of a release. */
export type DataplanePath =
  | { readonly kind: 'sidecar' }
  | {
      readonly kind: 'ztunnel';
      /** Why no waypoint serves the Service. */
      readonly reason: string;
    }
  | {
      readonly kind: 'waypoint';
      /** The waypoint the Service is bound to. */
      readonly waypoint: WaypointBinding;
      /**
       * Callers with a sidecar of their own (a mixed mesh): they route by their sidecar's
       * routes, so the gate waits for them too and checks count what they report.
       */
      readonly sidecarCallers: readonly string[];
      /** Why the waypoint would not serve the Service (empty: healthy). */
      readonly problems: readonly string[];
      /** What looks wrong without stopping it serving (a possibly stale status); absent: nothing. */
      readonly warnings?: readonly string[] | undefined;
    };

/** The sidecar path: what a release takes outside ambient. */
export const SIDECAR_PATH: DataplanePath = Object.freeze({ kind: 'sidecar' });

/** Whether a pod is enrolled in ambient (its label, else its namespace's; never with a sidecar). */
export function isAmbientPod(pod: PodFacts, namespace: LabelledObject | undefined): boolean {
  if (pod.sidecar) return false;
  const own = pod.labels?.[DATAPLANE_MODE_LABEL];
  if (own !== undefined) return own === 'ambient';
  return namespace?.labels?.[DATAPLANE_MODE_LABEL] === 'ambient';
}

/**
 * The waypoint `service` uses, or why none: the Service's `istio.io/use-waypoint` wins over
 * its namespace's; `none` opts out.
 */
export function waypointBindingOf(
  service: LabelledObject,
  namespace: LabelledObject | undefined,
  serviceNamespace: string,
): WaypointBinding | { none: string } {
  for (const [object, boundBy, home] of [
    [service, 'Service', serviceNamespace],
    [namespace, 'Namespace', namespace?.name ?? serviceNamespace],
  ] as const) {
    const name = object?.labels?.[USE_WAYPOINT_LABEL];
    if (name === undefined || name === '') continue;
    if (name === 'none')
      return { none: `${boundBy} ${object?.name ?? ''} opts out (${USE_WAYPOINT_LABEL}=none)` };
    return {
      name,
      namespace: object?.labels?.[USE_WAYPOINT_NAMESPACE_LABEL] || home,
      boundBy,
    };
  }
  return {
    none: `neither the Service nor namespace ${serviceNamespace} has ${USE_WAYPOINT_LABEL}`,
  };
}

/** Why `gateway` would not serve the Service's traffic (empty: it would). */
export function waypointProblems(
  binding: WaypointBinding,
  gateway: WaypointGatewayFacts | undefined,
): string[] {
  const ref = `${binding.namespace}/${binding.name}`;
  if (!gateway) return [`waypoint Gateway ${ref} does not exist`];
  const problems: string[] = [];
  if (gateway.gatewayClassName !== WAYPOINT_GATEWAY_CLASS)
    problems.push(
      `Gateway ${ref} is of class ${gateway.gatewayClassName ?? '(none)'}, not ${WAYPOINT_GATEWAY_CLASS}`,
    );
  const serves = gateway.labels?.[WAYPOINT_FOR_LABEL] ?? 'service';
  if (serves !== 'service' && serves !== 'all')
    problems.push(`waypoint ${ref} serves ${serves} traffic, not Services (${WAYPOINT_FOR_LABEL})`);
  const programmed = gateway.programmed;
  if (programmed?.status !== 'True' && !mayBeStale(gateway))
    problems.push(
      programmed
        ? `waypoint ${ref} is not Programmed (${programmed.reason ?? programmed.status}${programmed.message ? `: ${programmed.message}` : ''})`
        : `waypoint ${ref} has no Programmed condition yet`,
    );
  if (gateway.addresses.length === 0) problems.push(`waypoint ${ref} has no address`);
  if (gateway.readyPods === 0) problems.push(`waypoint ${ref} has no ready pods`);
  return problems;
}

/**
 * A waypoint whose `Programmed` condition is not True but which has an address and ready
 * pods: istiod recomputes the condition only when it rebuilds its Service index (a Service
 * change), not when the waypoint's pods come and go, so the status may be stale.
 */
function mayBeStale(gateway: WaypointGatewayFacts): boolean {
  return (
    gateway.programmed !== undefined &&
    gateway.programmed.status !== 'True' &&
    gateway.addresses.length > 0 &&
    gateway.readyPods > 0
  );
}

/** What looks wrong with `gateway` without stopping it serving the Service (empty: nothing). */
export function waypointWarnings(
  binding: WaypointBinding,
  gateway: WaypointGatewayFacts | undefined,
): string[] {
  if (!gateway || !mayBeStale(gateway)) return [];
  const { status, reason, message } = gateway.programmed ?? { status: '' };
  return [
    `waypoint ${binding.namespace}/${binding.name} is not Programmed (${reason ?? status}${message ? `: ${message}` : ''}) but has an address and ${gateway.readyPods} ready pod(s): istiod's status may be stale (it recomputes Programmed only when a Service changes)`,
  ];
}

/** The data-plane path `facts` describe (see the module's TSDoc). */
export function detectDataplanePath(
  facts: DataplaneFacts,
  serviceNamespace: string,
): DataplanePath {
  const ambient = facts.pods.some((pod) => isAmbientPod(pod, facts.namespace));
  if (!ambient) return SIDECAR_PATH;
  const binding = waypointBindingOf(facts.service, facts.namespace, serviceNamespace);
  if ('none' in binding) return { kind: 'ztunnel', reason: binding.none };
  const warnings = waypointWarnings(binding, facts.waypoint);
  return {
    kind: 'waypoint',
    waypoint: binding,
    sidecarCallers: facts.sidecarCallers,
    problems: waypointProblems(binding, facts.waypoint),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** One line saying which path the release goes through, for `status` and `plan`. */
export function describeDataplanePath(path: DataplanePath): string {
  switch (path.kind) {
    case 'sidecar':
      return 'sidecars: the callers’ sidecars and gateways apply the routes';
    case 'ztunnel':
      return `ambient without a waypoint: ztunnel carries mesh traffic at L4 and no L7 route applies (${path.reason})`;
    case 'waypoint': {
      const { namespace, name, boundBy } = path.waypoint;
      const mixed =
        path.sidecarCallers.length > 0
          ? `; ${path.sidecarCallers.length} caller(s) with a sidecar route by their own (mixed mesh)`
          : '';
      const found = [...path.problems, ...(path.warnings ?? [])];
      const problems = found.length > 0 ? `; ${found.join('; ')}` : '';
      return `ambient through waypoint ${namespace}/${name} (bound by the ${boundBy}'s ${USE_WAYPOINT_LABEL})${mixed}${problems}`;
    }
  }
}
