/**
 * Reading and setting the split between the two slots on an HTTPRoute's managed rules: only
 * the `weight` of each slot's backendRef changes (a missing one is added, at weight 0 or
 * more); every other field, rule and filter stays as it is.
 *
 * How istiod renders the weights (pilot's `buildHTTPDestination`): a backendRef of weight 0
 * is left out of Envoy's route, a lone remaining one becomes a plain `cluster`, and a rule
 * whose weights are all 0 answers every request with a 500. switchyard writes weights that
 * sum to 100, so a managed rule always has a backend with users' traffic; the slot at 0
 * keeps its backendRef, ready for the next step.
 */
import { RouteRefusedError } from '../../errors.js';
import { objectRefOf } from '../../kube/object-ref.js';
import { SLOTS, type Slot } from '../../istio/route-target.js';
import {
  agreedSlotWeights,
  normaliseSlotWeights,
  assertSlotWeights,
  type SlotWeights,
} from '../../istio/slot-weights.js';
import type { HttpBackendRef, HttpRoute } from './http-route-types.js';
import {
  findManagedRules,
  slotBackend,
  slotOfBackend,
  type HttpRouteTarget,
  type ManagedRule,
} from './managed-rules.js';

/** The CRD's default weight of a backendRef. */
const DEFAULT_WEIGHT = 1;

/** Each slot's backendRef of a managed rule (findManagedRules guarantees one at most). */
export function slotBackends(
  target: HttpRouteTarget,
  managed: ManagedRule,
): Map<Slot, HttpBackendRef> {
  const backends = new Map<Slot, HttpBackendRef>();
  for (const backend of managed.rule.backendRefs ?? []) {
    const slot = slotOfBackend(target, backend);
    if (slot !== undefined) backends.set(slot, backend);
  }
  return backends;
}

/** The port of a slot's backendRef on the managed rules, else of any slot's. */
export function slotPort(
  target: HttpRouteTarget,
  rules: readonly ManagedRule[],
  slot: Slot,
): number | undefined {
  const ports = rules.flatMap((rule) => {
    const backends = slotBackends(target, rule);
    return [backends.get(slot)?.port, ...[...backends.values()].map((b) => b.port)];
  });
  return ports.find((port) => port !== undefined);
}

function ruleWeights(route: HttpRoute, target: HttpRouteTarget, managed: ManagedRule): SlotWeights {
  const raw: SlotWeights = { blue: 0, green: 0 };
  for (const [slot, backend] of slotBackends(target, managed))
    raw[slot] = backend.weight ?? DEFAULT_WEIGHT;
  if (raw.blue + raw.green === 0) {
    throw new RouteRefusedError(
      'invalid-weights',
      objectRefOf(route),
      `${managed.label} gives every backend weight 0, which istiod answers with a 500 for every request, so it has no traffic split to read`,
      'Give the slot that should serve a positive weight.',
    );
  }
  return normaliseSlotWeights(raw);
}

/**
 * The slot weights of the managed rules (normalised to 100). Throws `RouteRefusedError` when
 * the rules cannot be identified, a weight is invalid, all are 0, or the rules disagree.
 */
export function readRuleWeights(route: HttpRoute, target: HttpRouteTarget): SlotWeights {
  return agreedSlotWeights(
    objectRefOf(route),
    'rules',
    findManagedRules(route, target).map((managed) => ({
      label: managed.label,
      weights: ruleWeights(route, target, managed),
    })),
  );
}

/**
 * `route` with every managed rule splitting `weights` (integers summing to 100): each slot's
 * backendRef gets its weight, a missing one is appended with the port of the rule's other
 * slot backendRef. Throws `UsageError` for invalid weights and `RouteRefusedError` when the
 * rules cannot be managed.
 */
export function setRuleWeights(
  route: HttpRoute,
  target: HttpRouteTarget,
  weights: SlotWeights,
): HttpRoute {
  assertSlotWeights(target.service, weights);
  const result = structuredClone(route);
  const rules = findManagedRules(result, target);
  for (const managed of rules) {
    const backends = slotBackends(target, managed);
    const list = managed.rule.backendRefs ?? [];
    for (const slot of SLOTS) {
      const backend = backends.get(slot);
      if (backend !== undefined) backend.weight = weights[slot];
      else
        list.push({
          ...slotBackend(target, slot, slotPort(target, [managed], slot)),
          weight: weights[slot],
        });
    }
    managed.rule.backendRefs = list;
  }
  return result;
}
