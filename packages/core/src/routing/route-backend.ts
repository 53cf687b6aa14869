/**
 * The route-backend seam: the one way the release engine talks to "the routing object" of
 * a service, modelled on Argo Rollouts' `TrafficRoutingReconciler` (set weight, set header
 * route, set mirror, remove managed routes, verify). The engine (deploy, release, promote,
 * rollback, plan, status) holds a {@link RouteBackend} and never branches on its kind; it
 * owns the release record, the lock, the sync gate and the failure policy, and asks the
 * backend only what differs between routing APIs.
 *
 * Two backends implement it: the VirtualService over DestinationRule subsets
 * (`virtual-service/`) and the Gateway API HTTPRoute over one Service per slot
 * (`http-route/`). Adding one means a folder beside them implementing
 * {@link RouteBackendKind}, its entry in `route-backends.ts` (chosen by the spec's
 * `target.kind`), and the Kubernetes API it needs in {@link RoutingApis}.
 *
 * What every backend must guarantee (the engine relies on each):
 *
 * - **Surgery is pure.** `readWeights`, `setWeights`, `setHeaderRoute`, `removeHeaderRoute`,
 *   `setMirror`, `removeMirror`, `planWrite`, `slotDestinations` (all but its `write`),
 *   `proxyScope` and `dataplaneExpectation` do no I/O and return new objects; they never
 *   mutate their input. The engine recomputes a change on a fresh copy after a concurrent
 *   edit of fields it does not own, so the same input must give the same output.
 * - **Only managed routes change.** Every field, rule and route the user wrote that is not
 *   a managed route's slot weight, switchyard's header route or switchyard's mirror stays
 *   byte for byte (order included). A route that cannot be managed safely (ambiguous slots,
 *   a foreign mirror, a user route using switchyard's header-route name) is refused with
 *   `RouteRefusedError` naming the object, the route and how to fix it; nothing is written.
 * - **Never a state without a ready backend.** `setWeights` gets weights that sum to 100
 *   (the engine validates them); the object it returns must send every user request to the
 *   slots with exactly those weights. Never all backends at weight 0 (istiod answers an
 *   HTTPRoute rule whose backends all weigh 0 with a 500), never a rule left without a
 *   backend. Keep both slot backends, the one at 0 included, where the API allows it, and
 *   know how the control plane renders them: istiod drops a weight-0 backend from Envoy's
 *   route and renders a lone remaining one as a plain `cluster`, not `weighted_clusters`;
 *   `dataplaneExpectation` must expect exactly that.
 * - **Reads agree with writes.** `readWeights(setWeights(o, w))` is `w`; the engine compares
 *   them to detect someone else's edit, so any difference stops a release as a concurrent
 *   edit.
 * - **The record is the engine's.** The release record lives in the annotation
 *   `STATE_ANNOTATION` on the routing object; the engine reads and writes it
 *   (`release/recorded-routes.ts`). A backend must keep annotations it does not own as they
 *   are and must not write that one. Routes live under `spec`: a write whose `spec` did not
 *   change is a record-only write and is not gated.
 * - **Accepted before synced.** A control plane that reports on the object (istiod's
 *   `Accepted` and `ResolvedRefs` per parent of a Gateway API route) is waited for after
 *   every write that changed the routes (`awaitAccepted`), and a refusal fails the change at
 *   once with the control plane's message: the sync gate would wait for a push that never
 *   comes. A backend whose object carries no such status resolves at once.
 * - **One pinned write.** Every change to the routing object leaves in ONE JSON Patch from
 *   `planWrite`: `test` ops pin every value it replaces, so a concurrent edit fails with
 *   `ConcurrentEditError` (the API server's 422 on a failed `test`) instead of being
 *   overwritten. With `pinManagedRoutes`, the patch also pins the managed routes' slot
 *   destinations and weights as they are in `before`, so even a record-only write fails
 *   when someone moved the weights.
 */
import type { DataplanePath } from '../dataplane/dataplane-path.js';
import type { DataplaneReaders } from '../dataplane/read-dataplane-path.js';
import type { ObjectRef } from '../errors.js';
import type { DataplaneExpectation } from '../gates/dataplane-verifier.js';
import type { Clock } from '../release/clock.js';
import type { ProxyScope } from '../gates/sync-gate.js';
import type { Slot } from '../istio/route-target.js';
import type { SlotWeights } from '../istio/slot-weights.js';
import type { DestinationRule, StringMatch, VirtualService } from '../istio/types.js';
import type { JsonPatchOperation } from '../json-diff/json-patch-operation.js';
import type { KubeObject, Service, WriteOptions } from '../kube/kube-types.js';
import type { RequiredPermission } from '../kube/required-permissions.js';
import type { ObjectReader, RouteObjectApi, ServiceReader } from '../kube/resource-apis.js';
import type { CustomResourceDefinition } from '../kube/kube-types.js';
import type { HttpRoute } from './http-route/http-route-types.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';

/** The routing object as a backend read it, with whatever it read beside it. */
export interface LoadedRouting<R extends KubeObject = KubeObject> {
  /** The routing object: it carries the managed routes and the release record annotation. */
  readonly object: R;
  /**
   * The data-plane path the service's mesh traffic takes (`dataplane/dataplane-path.ts`), as
   * `status` and `plan` describe it; undefined: the backend does not tell (the sidecars').
   */
  readonly dataplane?: DataplanePath | undefined;
}

/** An object a backend needs that is missing, for the engine's PreflightError (exit 2). */
export interface RoutingProblem {
  /** The missing or unusable object. */
  readonly object: ObjectRef;
  /** What is wrong and how to fix it (`not found; create it first`). */
  readonly message: string;
}

/** What {@link RouteBackend.read} found: the routing objects, or every problem with them. */
export type RoutingRead<L> =
  | {
      /** Everything the backend needs, read. */
      readonly loaded: L;
      readonly problems?: undefined;
    }
  | {
      readonly loaded?: undefined;
      /** Every missing object, so the user fixes them all at once. */
      readonly problems: readonly RoutingProblem[];
    };

/** One write to the routing object: a single JSON Patch and how to show it. */
export interface RoutingWrite {
  /** One line naming the object and what changes (`VirtualService bookinfo/reviews: ...`). */
  readonly description: string;
  /** Unified diff of the YAML before and after, for `plan`. */
  readonly diff: string;
  /** RFC 6902 ops, `test` ops first pinning every value replaced. */
  readonly patch: readonly JsonPatchOperation[];
}

/**
 * A change deploy makes to an object other than the routing object so the slots exist as
 * route destinations before any route names them (VirtualService: the DestinationRule's
 * slot subsets). The engine writes it gated: it waits for every proxy to ack it before
 * the routes may use it.
 */
export interface SlotDestinationChange {
  /** The object written. */
  readonly object: ObjectRef;
  /** One line saying what changes. */
  readonly description: string;
  /** Unified diff of the YAML before and after, for `plan`. */
  readonly diff: string;
  /**
   * Writes it with one pinned JSON Patch (`dryRun: 'All'` only validates); resolves to the
   * resourceVersion written.
   */
  write(
    options: Pick<WriteOptions<KubeObject>, 'signal' | 'dryRun'>,
  ): Promise<{ resourceVersion: string | undefined }>;
}

/** Everything deploy must write for the slots to be routable, gated as one change. */
export interface SlotDestinations {
  /** What they are, for events and messages (`DestinationRule slot subsets`). */
  readonly what: string;
  /** The writes, in order (make before break). */
  readonly changes: readonly SlotDestinationChange[];
}

/** The pre-release header route: requests matching every header go to `slot` alone. */
export interface HeaderRoute {
  /** The candidate slot. */
  readonly slot: Slot;
  /** Lower-case header name to exactly one of `exact`, `prefix`, `regex` (RE2); AND-ed. */
  readonly headers: Readonly<Record<string, Readonly<StringMatch>>>;
}

/** Mirroring a share of the managed routes' requests to a slot (responses discarded). */
export interface Mirror {
  /** The slot receiving the copies. */
  readonly slot: Slot;
  /** Share of requests copied, 0..100 (fractions allowed). */
  readonly percentage: number;
}

/** What the routes should be doing now, as the release record says: for verification. */
export interface RoutedState {
  /** Slot weights on the managed routes. */
  readonly weights: SlotWeights;
  /** The slot the pre-release header route sends to; undefined when there is none. */
  readonly headerRouteTo: Slot | undefined;
}

/**
 * How the engine reads, changes and writes one service's routing object. Built per
 * operation for one resolved spec by a {@link RouteBackendKind}. `R` is the routing object's
 * type, `L` what `read` returns (the object and its companions).
 *
 * Methods are declared as methods (not function properties) so a backend of a concrete
 * `R` is usable where the engine holds `RouteBackend`; the engine only ever passes back
 * objects the backend returned.
 */
export interface RouteBackend<
  R extends KubeObject = KubeObject,
  L extends LoadedRouting<R> = LoadedRouting<R>,
> {
  /**
   * The routing object: named in events (Kubernetes Events attach to it), errors, `status`
   * and `plan` (`{ kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' }`).
   */
  readonly ref: ObjectRef;

  /**
   * Reads the routing object and every companion it needs (a DestinationRule, slot
   * Services). Missing objects are returned as problems, not thrown; an API failure throws.
   */
  read(signal?: AbortSignal): Promise<RoutingRead<L>>;

  /** Reads the routing object alone (after a conflict, to see the other edit); undefined when deleted. */
  get(signal?: AbortSignal): Promise<R | undefined>;

  /**
   * Sends one JSON Patch (from `planWrite`, with the engine's record ops) to the routing
   * object. A failed `test` op rejects with ConcurrentEditError and changes nothing.
   */
  patch(
    ops: readonly JsonPatchOperation[],
    options?: { signal?: AbortSignal | undefined; dryRun?: 'All' | undefined },
  ): Promise<R>;

  /**
   * The slot weights the managed routes give users now, as the proxies will split traffic
   * (relative weights normalised to integers summing to 100). Throws RouteRefusedError
   * when the managed routes cannot be identified, have invalid weights, or disagree.
   */
  readWeights(object: R): SlotWeights;

  /**
   * `object` with every managed route splitting traffic `weights` (integers summing to 100,
   * validated by the caller). See the module comment: never all-zero, only weights change.
   */
  setWeights(object: R, weights: SlotWeights): R;

  /**
   * `object` with switchyard's pre-release header route sending matching requests to
   * `route.slot` (replacing switchyard's own earlier one). It must win over every user
   * route for matching requests and capture nothing else: placed first among routes a
   * VirtualService evaluates in order; for Gateway API, built so match specificity makes it
   * win (more header matches than any managed rule's, same path match).
   */
  setHeaderRoute(object: R, route: HeaderRoute): R;

  /** `object` without switchyard's header route; unchanged when it has none. */
  removeHeaderRoute(object: R): R;

  /** `object` mirroring `mirror.percentage`% of the managed routes' requests to `mirror.slot`. */
  setMirror(object: R, mirror: Mirror): R;

  /** `object` without switchyard's mirror; a user's mirror elsewhere stays. */
  removeMirror(object: R): R;

  /**
   * The one pinned JSON Patch taking `before` to `after` (annotations included), or
   * undefined when they are equal. With `pinManagedRoutes`, `test` ops also hold the
   * managed routes' slot destinations and weights as in `before` (none when they cannot
   * be identified).
   */
  planWrite(before: R, after: R, options: { pinManagedRoutes: boolean }): RoutingWrite | undefined;

  /**
   * What deploy must write outside the routing object for both slots to be routable (the
   * slot pods select by `spec.target.slotLabel`, the Service's selector narrows them);
   * undefined when everything is in place. A backend whose slot destinations must already
   * exist (slot Services) returns undefined and has `read` report them missing instead.
   * Throws RouteRefusedError when they cannot be made routable safely.
   */
  slotDestinations(loaded: L, service: Service): SlotDestinations | undefined;

  /**
   * The proxies that must ack a change of `object` before it counts (the sync gate's
   * scope). Every proxy that routes users by `object` must be in it (else the gate confirms
   * too early), and only proxies istiod pushes the change to (one that never receives it
   * never acks it, and the gate times out). A VirtualService is gated on `sync.scope`; an
   * HTTPRoute on its parents' proxies: the callers' sidecars for a Service parent,
   * `proxyTypes: ['router']` pods of the Gateway for a Gateway parent, the union for both.
   */
  proxyScope(object: R): ProxyScope;

  /**
   * Resolves once the control plane accepted `written` (the object a write returned, whose
   * routes changed): for an HTTPRoute, istiod's `Accepted` and `ResolvedRefs` true for every
   * parent at `written`'s generation. Throws RouteNotAcceptedError with the control plane's
   * message when it refused the object, or reported nothing for that generation within
   * `options.timeoutMs`. A VirtualService carries no such status: resolves at once.
   */
  awaitAccepted(written: R, options: AcceptanceWait): Promise<void>;

  /**
   * PromQL label matchers selecting the requests `slot` serves through this routing object,
   * as Istio's standard metrics label them (the built-in checks and `{{candidate}}` /
   * `{{stable}}` in custom ones): the slot's Deployment on the destination's side for a
   * VirtualService; the slot's Service (`destination_service_name`) as the callers' sidecars
   * and gateways report it for an HTTPRoute. The sequential checks' raw counter reads swap
   * the `reporter` matcher for the one `checks.reporter` names, so the other labels must
   * select the slot on the callers' reports too; on the waypoint path (a matcher naming
   * `waypoint`) they keep this one (`release/sequential-checks.ts` `withReporter`).
   */
  requestSelector(slot: Slot): string;

  /**
   * What Envoy's config_dump must show once the proxies acked `routed` on `object`: the
   * data-plane verifier checks it on up to `sync.verifyDataplane` proxies of `proxyScope`.
   * It must prove what users get, not that something changed: each slot's weight on the
   * managed route (zero weights absent, a lone slot as Envoy renders it), and the header
   * route present with its destination, or absent. `service` gives the port. A backend
   * whose slots are not subsets of one host (an HTTPRoute's two slot Services) extends
   * `DataplaneExpectation` and `gates/envoy-route-dump.ts` with its cluster names
   * (`outbound|<port>||<service>-green.<ns>.svc.cluster.local`) rather than faking subsets.
   */
  dataplaneExpectation(object: R, routed: RoutedState, service: Service): DataplaneExpectation;
}

/** How long and how often {@link RouteBackend.awaitAccepted} looks. */
export interface AcceptanceWait {
  /** Give up after this long (the sync gate's timeout). */
  timeoutMs: number;
  /** Time between reads. */
  pollIntervalMs: number;
  /** Time, for the deadline and the pauses. */
  clock: Clock;
  /** Aborts the wait. */
  signal?: AbortSignal | undefined;
}

/** The Kubernetes APIs route backends are built with; `KubeClient` provides all of them. */
export interface RoutingApis {
  /** VirtualServices (`networking.istio.io`). */
  virtualServices: RouteObjectApi<VirtualService>;
  /** DestinationRules (`networking.istio.io`). */
  destinationRules: RouteObjectApi<DestinationRule>;
  /** HTTPRoutes (`gateway.networking.k8s.io/v1`). */
  httpRoutes: RouteObjectApi<HttpRoute>;
  /** Services (an HTTPRoute's slot Services). */
  services: ServiceReader;
  /** CustomResourceDefinitions (cluster-scoped): the installed HTTPRoute schema. */
  customResourceDefinitions: Pick<ObjectReader<CustomResourceDefinition>, 'get'>;
  /**
   * Namespaces, pods and Gateway API Gateways: the data-plane path of the service (ambient,
   * its waypoint; `dataplane/read-dataplane-path.ts`). Undefined (a test's fake): the
   * sidecar path.
   */
  namespaces?: DataplaneReaders['namespaces'] | undefined;
  /** Pods (see `namespaces`). */
  pods?: DataplaneReaders['pods'] | undefined;
  /** Gateway API Gateways (see `namespaces`). */
  gatewayApiGateways?: DataplaneReaders['gateways'] | undefined;
}

/** A kind of routing object switchyard can release through. */
export interface RouteBackendKind {
  /** The routing object's kind, and the spec's `target.kind` value choosing it. */
  readonly kind: string;
  /**
   * The RBAC rows its reads and writes need (scope `service`); `REQUIRED_PERMISSIONS`
   * includes them, and the RBAC manifests and README are tested against that table.
   */
  readonly permissions: readonly RequiredPermission[];
  /** The backend of `spec`'s service. No I/O. */
  create(spec: ResolvedReleaseSpec, kube: RoutingApis): RouteBackend;
}
