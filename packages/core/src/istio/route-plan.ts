/**
 * The plan: the ordered list of writes that takes the cluster from the objects as read to
 * the objects as computed by the route-surgery functions, make before break:
 *
 * 1. DestinationRules gain their new subsets (and any other change except removals), so a
 *    route never names a subset the proxies do not know (503 `NC`);
 * 2. VirtualServices change;
 * 3. DestinationRules lose the subsets no longer wanted, after no route names them.
 *
 * Each write is a JSON Patch with pinning `test` operations (see `json-patch-diff.ts`), so a
 * concurrent edit fails it with 422 instead of being overwritten, plus a unified diff of the
 * YAML for humans. The caller is expected to wait for the proxies to sync between steps.
 */
import { dump } from 'js-yaml';
import { describeRef, RouteRefusedError, UsageError } from '../errors.js';
import {
  describeDestinationRuleChange,
  describeVirtualServiceChange,
} from './change-description.js';
import { DEFAULT_CLUSTER_DOMAIN } from './host-name.js';
import { createPinnedJsonPatch } from '../json-diff/json-patch-diff.js';
import { objectRefOf } from '../kube/object-ref.js';
import { listSubsetReferences } from './slot-subsets.js';
import type { JsonPatchOperation } from '../json-diff/json-patch-operation.js';
import type { DestinationRule, Subset, VirtualService } from './types.js';
import { renderUnifiedDiff } from '../json-diff/unified-diff.js';

/** An object as read (`before`) and as it should be (`after`). */
export interface ObjectChange<T> {
  /** The object as read from the cluster (with its resourceVersion). */
  before: T;
  /** The object as computed; same kind, namespace and name. */
  after: T;
}

/** What the plan should achieve. */
export interface RoutePlanInput {
  /** DestinationRule changes; undefined means none. */
  destinationRules?: readonly ObjectChange<DestinationRule>[] | undefined;
  /** VirtualService changes; undefined means none. */
  virtualServices?: readonly ObjectChange<VirtualService>[] | undefined;
  /** Cluster DNS domain for host comparison; undefined means `cluster.local`. */
  clusterDomain?: string | undefined;
}

/** The object a planned change writes. */
export interface PlannedObject {
  /** `networking.istio.io/v1`, as read. */
  apiVersion: string;
  /** `VirtualService` or `DestinationRule`. */
  kind: string;
  /** Namespace; undefined only for objects read without one. */
  namespace: string | undefined;
  /** Name. */
  name: string;
}

/**
 * Which step of make-before-break a change belongs to: `add-subsets` (DestinationRule changes
 * other than subset removals), `update-routes` (VirtualServices), `remove-subsets`.
 */
export type PlannedChangePhase = 'add-subsets' | 'update-routes' | 'remove-subsets';

/** One write of the plan. */
export interface PlannedChange<T = VirtualService | DestinationRule> {
  /** The object written. */
  object: PlannedObject;
  /** Step of make-before-break. */
  phase: PlannedChangePhase;
  /** One-line summary naming the object and what changes. */
  description: string;
  /** RFC 6902 JSON Patch (send as `application/json-patch+json`); applied to `before` it yields `after`. */
  patch: JsonPatchOperation[];
  /** The object before this write. */
  before: T;
  /** The object after this write. */
  after: T;
  /** Unified diff of the YAML of `before` and `after`. */
  diff: string;
}

function toYaml(object: unknown): string {
  return dump(object, { noRefs: true, lineWidth: -1, skipInvalid: true });
}

function sameObject(change: ObjectChange<VirtualService> | ObjectChange<DestinationRule>): void {
  const before = objectRefOf(change.before);
  const after = objectRefOf(change.after);
  if (
    before.kind !== after.kind ||
    before.namespace !== after.namespace ||
    before.name !== after.name
  ) {
    throw new UsageError(
      `a planned change must keep the object's identity: ${describeRef(before)} became ${describeRef(after)}`,
    );
  }
}

function plannedChange<T extends VirtualService | DestinationRule>(
  phase: PlannedChangePhase,
  before: T,
  after: T,
  description: string,
): PlannedChange<T> | undefined {
  const patch = createPinnedJsonPatch(before, after);
  if (patch.length === 0) return undefined;
  const ref = objectRefOf(after);
  const label = `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  return {
    object: {
      apiVersion: after.apiVersion,
      kind: after.kind,
      namespace: after.metadata.namespace,
      name: after.metadata.name,
    },
    phase,
    description,
    patch,
    before,
    after,
    diff: renderUnifiedDiff(toYaml(before), toYaml(after), {
      beforeLabel: `a/${label}`,
      afterLabel: `b/${label}`,
    }),
  };
}

/**
 * `after`, but still holding the subsets `before` had and `after` drops, each placed after
 * the subset that preceded it in `before`: the DestinationRule between steps 1 and 3.
 */
export function keepRemovedSubsets(
  before: DestinationRule,
  after: DestinationRule,
): DestinationRule {
  const beforeList: Subset[] = Array.isArray(before.spec.subsets) ? before.spec.subsets : [];
  const afterList: Subset[] = Array.isArray(after.spec.subsets) ? after.spec.subsets : [];
  const afterNames = new Set(afterList.map((subset) => subset.name));
  const merged = structuredClone(afterList);
  let insertAt = 0;
  for (const subset of beforeList) {
    if (afterNames.has(subset.name)) {
      insertAt = merged.findIndex((candidate) => candidate.name === subset.name) + 1;
    } else {
      merged.splice(insertAt, 0, structuredClone(subset));
      insertAt += 1;
    }
  }
  const intermediate = structuredClone(after);
  if (merged.length > 0 || Array.isArray(after.spec.subsets)) intermediate.spec.subsets = merged;
  return intermediate;
}

function subsetNames(destinationRule: DestinationRule): Set<string> {
  const list = Array.isArray(destinationRule.spec.subsets) ? destinationRule.spec.subsets : [];
  return new Set(list.map((subset) => subset.name));
}

/**
 * Refuses a plan whose VirtualServices would send (or mirror) to a subset the planned
 * DestinationRules do not define: a new reference, or a reference to a subset being
 * removed. A reference that was already dangling before is the user's and is left alone.
 */
function refuseMissingSubsets(input: RoutePlanInput, clusterDomain: string): void {
  for (const rule of input.destinationRules ?? []) {
    const definedAfter = subsetNames(rule.after);
    const definedBefore = subsetNames(rule.before);
    for (const service of input.virtualServices ?? []) {
      const referencedBefore = new Set(
        listSubsetReferences(rule.before, [service.before], clusterDomain).map((r) => r.subset),
      );
      const dangling = listSubsetReferences(rule.after, [service.after], clusterDomain).find(
        (reference) =>
          !definedAfter.has(reference.subset) &&
          (definedBefore.has(reference.subset) || !referencedBefore.has(reference.subset)),
      );
      if (dangling !== undefined) {
        throw new RouteRefusedError(
          'missing-subset',
          objectRefOf(service.after),
          `${dangling.path} would send to subset "${dangling.subset}", which ${describeRef(objectRefOf(rule.after))} does not define after this change (requests would fail with 503 NC)`,
          `Add subset "${dangling.subset}" to the DestinationRule in the same plan, or keep it until no route uses it.`,
        );
      }
    }
  }
}

/**
 * The ordered writes (make before break) that turn every `before` into its `after`.
 * Unchanged objects produce no change; an empty list means nothing to do. Throws
 * `UsageError` when a pair names two different objects and `RouteRefusedError`
 * (`missing-subset`) when a route would name a subset no planned DestinationRule defines.
 */
export function planRouteChanges(input: RoutePlanInput): PlannedChange[] {
  const clusterDomain = input.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const rules = input.destinationRules ?? [];
  const services = input.virtualServices ?? [];
  for (const change of [...rules, ...services]) sameObject(change);
  refuseMissingSubsets(input, clusterDomain);

  const intermediates = rules.map((rule) => keepRemovedSubsets(rule.before, rule.after));
  const additions = rules.map((rule, index) => {
    const intermediate = intermediates[index] as DestinationRule;
    return plannedChange(
      'add-subsets',
      rule.before,
      intermediate,
      describeDestinationRuleChange(rule.before, intermediate),
    );
  });
  const routes = services.map((service) =>
    plannedChange(
      'update-routes',
      service.before,
      service.after,
      describeVirtualServiceChange(service.before, service.after),
    ),
  );
  const removals = rules.map((rule, index) => {
    const intermediate = intermediates[index] as DestinationRule;
    return plannedChange(
      'remove-subsets',
      intermediate,
      rule.after,
      describeDestinationRuleChange(intermediate, rule.after),
    );
  });
  return [...additions, ...routes, ...removals].filter(
    (change): change is PlannedChange => change !== undefined,
  );
}
