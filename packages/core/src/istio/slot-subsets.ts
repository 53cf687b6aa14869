/**
 * The DestinationRule side of a release: one subset per slot, and removing a subset only when
 * no route still sends to it (a route to a subset no DestinationRule defines fails with 503
 * `NC`, istio.md §4).
 *
 * A slot subset selects `{ <slotLabel>: <slotValue> }` plus the Service's selector labels.
 * An existing subset of that name is accepted, and left exactly as it is, when its labels
 * are a subset of those: it carries the slot label with the slot's value, and every other
 * label it has equals the expected one. Missing selector labels are not added because a
 * subset only ever selects among the Service's own endpoints, so they change nothing and
 * adding them would be churn on a user's object. Any other difference (another slot value, a
 * label we would not set, no slot label) means the subset selects different pods than
 * switchyard expects, and changing it under running traffic could send users to a slot with
 * no pods: refused, with the labels to set.
 */
import { RouteRefusedError, UsageError } from '../errors.js';
import { matchesLabels } from '../kube/label-selector.js';
import { DEFAULT_CLUSTER_DOMAIN, resolveHost } from './host-name.js';
import { isJsonObject } from '../json-diff/json-value.js';
import { objectRefOf } from '../kube/object-ref.js';
import { routeDestinationsOf } from './route-destinations.js';
import {
  SLOTS,
  serviceHostOf,
  slotSubsetsOf,
  type RouteTarget,
  type Slot,
} from './route-target.js';
import type { DestinationRule, Subset, VirtualService } from './types.js';

/** How slot subsets select their pods. */
export interface SlotSubsetLabels {
  /** Pod label that tells the slots apart, e.g. `switchyard.io/slot` or `version`. */
  slotLabel: string;
  /** The label's value per slot; undefined means the slot names `blue` and `green`. */
  slotValues?: Readonly<Record<Slot, string>> | undefined;
  /** The Service's selector labels (e.g. `{ app: reviews }`). */
  selector: Readonly<Record<string, string>>;
}

/** A route destination or mirror that names a DestinationRule subset. */
export interface SubsetReference {
  /** The subset named. */
  subset: string;
  /** The VirtualService, as `namespace/name`. */
  virtualService: string;
  /** Field path of the reference, e.g. `spec.http[1].route[0]` or `spec.http[1].mirror`. */
  path: string;
}

/** The labels a slot's subset selects: the selector labels plus the slot label. */
export function slotSubsetLabelsFor(labels: SlotSubsetLabels, slot: Slot): Record<string, string> {
  const value = labels.slotValues?.[slot] ?? slot;
  const selectorValue = labels.selector[labels.slotLabel];
  if (selectorValue !== undefined && selectorValue !== value) {
    throw new UsageError(
      `the Service selector already sets ${labels.slotLabel}=${selectorValue}, so no pod of slot ${slot} (${labels.slotLabel}=${value}) could be selected; use another slot label`,
    );
  }
  return { ...labels.selector, [labels.slotLabel]: value };
}

function formatLabels(labels: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0
    ? '{}'
    : `{${entries.map(([key, value]) => `${key}: ${String(value)}`).join(', ')}}`;
}

function isCompatible(
  existing: unknown,
  expected: Record<string, string>,
  slotLabel: string,
): boolean {
  if (!isJsonObject(existing) || existing[slotLabel] !== expected[slotLabel]) return false;
  // Compatible: the existing subset selects the slot's pods (it may select by fewer labels).
  return matchesLabels(expected, existing);
}

/**
 * `destinationRule` with a subset for each slot (appended after the existing subsets, blue
 * first). Existing compatible subsets, other subsets and their order, `trafficPolicy` and
 * unknown fields are untouched. Throws `RouteRefusedError` when the DestinationRule is for
 * another host or a slot subset exists with labels selecting other pods.
 */
export function ensureSlotSubsets(
  destinationRule: DestinationRule,
  target: RouteTarget,
  labels: SlotSubsetLabels,
): DestinationRule {
  const ref = objectRefOf(destinationRule);
  const subsets = slotSubsetsOf(target);
  const host = serviceHostOf(target);
  const domain = target.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const drHost = resolveHost(
    String(destinationRule.spec.host),
    destinationRule.metadata.namespace ?? target.namespace,
    domain,
  );
  if (drHost !== host) {
    throw new RouteRefusedError(
      'foreign-destination',
      ref,
      `is for host ${drHost}, not ${host}`,
      `Pass the DestinationRule whose host is ${target.service}.`,
    );
  }
  const result = structuredClone(destinationRule);
  const list: Subset[] = Array.isArray(result.spec.subsets) ? result.spec.subsets : [];
  for (const slot of SLOTS) {
    const expected = slotSubsetLabelsFor(labels, slot);
    const existing = list.find((subset) => subset.name === subsets[slot]);
    if (existing === undefined) {
      list.push({ name: subsets[slot], labels: expected });
    } else if (!isCompatible(existing.labels, expected, labels.slotLabel)) {
      throw new RouteRefusedError(
        'name-collision',
        ref,
        `subset "${subsets[slot]}" selects ${formatLabels(existing.labels ?? {})}, but slot ${slot} runs pods labelled ${formatLabels(expected)}`,
        `Set the subset's labels to ${formatLabels(expected)} (or a part of them that includes ${labels.slotLabel}), or use another subset name for the slot.`,
      );
    }
  }
  result.spec.subsets = list;
  return result;
}

/**
 * Every place in `virtualServices` that sends traffic (or mirrors) to a subset of
 * `destinationRule`'s host: route entries, `mirror` and `mirrors[]` of http, tcp and tls
 * routes. Hosts compare by resolved name, each in its own object's namespace.
 */
export function listSubsetReferences(
  destinationRule: DestinationRule,
  virtualServices: readonly VirtualService[],
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): SubsetReference[] {
  const host = resolveHost(
    String(destinationRule.spec.host),
    destinationRule.metadata.namespace ?? '',
    clusterDomain,
  );
  const references: SubsetReference[] = [];
  for (const virtualService of virtualServices) {
    const namespace = virtualService.metadata.namespace ?? destinationRule.metadata.namespace ?? '';
    const name = `${namespace}/${virtualService.metadata.name}`;
    for (const { destination, path } of routeDestinationsOf(virtualService.spec)) {
      if (
        typeof destination.subset === 'string' &&
        resolveHost(destination.host, namespace, clusterDomain) === host
      )
        references.push({
          subset: destination.subset,
          virtualService: name,
          path: path.replace(/\.destination$/, ''),
        });
    }
  }
  return references;
}

/**
 * `destinationRule` without subset `subset` (a copy, unchanged, when it has none). Throws
 * `RouteRefusedError` (`missing-subset`) when any route of `virtualServices` still sends or
 * mirrors to it: removing it would make those requests fail with 503 NC.
 */
export function removeSubset(
  destinationRule: DestinationRule,
  subset: string,
  virtualServices: readonly VirtualService[],
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): DestinationRule {
  const references = listSubsetReferences(destinationRule, virtualServices, clusterDomain).filter(
    (reference) => reference.subset === subset,
  );
  if (references.length > 0) {
    throw new RouteRefusedError(
      'missing-subset',
      objectRefOf(destinationRule),
      `subset "${subset}" is still used by ${references
        .map((reference) => `VirtualService ${reference.virtualService} ${reference.path}`)
        .join(', ')}`,
      'Move that traffic off the subset first (set its weight to 0 and remove the entry, or remove the route), then remove the subset.',
    );
  }
  const result = structuredClone(destinationRule);
  const list = result.spec.subsets;
  if (Array.isArray(list)) {
    const index = list.findIndex((entry) => entry.name === subset);
    if (index >= 0) list.splice(index, 1);
  }
  return result;
}
