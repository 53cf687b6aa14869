/**
 * Reading and setting the traffic split between the two slots on the managed routes. Only
 * the `weight` of each slot's `route[]` entry changes (and a missing slot entry is added);
 * every other field of the route, every other route, and route order stay as they are.
 */
import { RouteRefusedError, UsageError, type ObjectRef, type ValidationIssue } from '../errors.js';
import { isJsonObject } from '../json-diff/json-value.js';
import { findManagedRoutes, type ManagedRoute, type ManagedRouteSet } from './managed-routes.js';
import { objectRefOf } from '../kube/object-ref.js';
import { SLOTS, type RouteTarget, type Slot } from './route-target.js';
import type { HttpRouteDestination, VirtualService } from './types.js';

/** Percentage of the service's traffic per slot; integers that sum to 100. */
export interface SlotWeights {
  /** Share of the blue slot, 0..100. */
  blue: number;
  /** Share of the green slot, 0..100. */
  green: number;
}

/** Problems with `weights` as input: each must be an integer 0..100, and they must sum to 100. */
export function validateSlotWeights(weights: SlotWeights): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const slot of SLOTS) {
    const weight: unknown = weights[slot];
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
      issues.push({
        path: slot,
        message: `must be an integer from 0 to 100, got ${String(weight)}`,
      });
    }
  }
  if (issues.length === 0 && weights.blue + weights.green !== 100) {
    issues.push({
      path: '',
      message: `blue + green must be 100, got ${weights.blue} + ${weights.green} = ${weights.blue + weights.green}`,
    });
  }
  return issues;
}

/** Throws `UsageError` naming `service` when {@link validateSlotWeights} finds issues. */
export function assertSlotWeights(service: string, weights: SlotWeights): void {
  const issues = validateSlotWeights(weights);
  if (issues.length === 0) return;
  throw new UsageError(
    `invalid slot weights for ${service}: ${issues
      .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
      .join('; ')}`,
  );
}

function slotEntries(set: ManagedRouteSet, managed: ManagedRoute): Map<Slot, HttpRouteDestination> {
  const entries = new Map<Slot, HttpRouteDestination>();
  for (const entry of managed.route.route ?? []) {
    const slot = SLOTS.find((candidate) => set.subsets[candidate] === entry.destination.subset);
    // findManagedRoutes guarantees every entry is a slot subset, each at most once.
    if (slot !== undefined) entries.set(slot, entry);
  }
  return entries;
}

/**
 * Effective weights of one managed route, as Istio splits traffic: a lone destination
 * without weight takes 100; otherwise a missing weight is 0, and weights are relative
 * (Istio ≥ 1.15), so a split like 1:3 is normalised to integers summing to 100 (largest
 * remainder; ties go to blue).
 */
function routeWeights(
  virtualService: VirtualService,
  set: ManagedRouteSet,
  managed: ManagedRoute,
): SlotWeights {
  const ref = objectRefOf(virtualService);
  const entries = slotEntries(set, managed);
  const entryList = managed.route.route ?? [];
  const raw: SlotWeights = { blue: 0, green: 0 };
  for (const [slot, entry] of entries) {
    const weight: unknown = entry.weight;
    if (weight === undefined) {
      raw[slot] = entryList.length === 1 ? 100 : 0;
    } else if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) {
      throw new RouteRefusedError(
        'invalid-weights',
        ref,
        `${managed.label} has weight ${JSON.stringify(weight)} on subset "${String(entry.destination.subset)}", which Istio does not accept`,
        'Set a non-negative integer weight on every destination of the route.',
      );
    } else {
      raw[slot] = weight;
    }
  }
  if (raw.blue + raw.green === 0) {
    throw new RouteRefusedError(
      'invalid-weights',
      ref,
      `${managed.label} gives every destination weight 0, so it has no traffic split to read`,
      'Give the slot that should serve a positive weight.',
    );
  }
  return normaliseSlotWeights(raw);
}

/**
 * Relative slot weights (not both 0) as integers summing to 100, as the proxies split
 * traffic: largest remainder, ties to blue.
 */
export function normaliseSlotWeights(raw: SlotWeights): SlotWeights {
  const total = raw.blue + raw.green;
  if (total === 100) return raw;
  const exact = { blue: (raw.blue * 100) / total, green: (raw.green * 100) / total };
  const floors = { blue: Math.floor(exact.blue), green: Math.floor(exact.green) };
  if (floors.blue + floors.green === 100) return floors;
  return exact.green - floors.green > exact.blue - floors.blue
    ? { blue: floors.blue, green: floors.green + 1 }
    : { blue: floors.blue + 1, green: floors.green };
}

/**
 * The slot weights of the managed routes. Throws `RouteRefusedError` when the routes cannot
 * be identified, when a route's weights are invalid, or when several managed routes
 * disagree (someone edited one of them; `setSlotWeights` makes them agree again).
 */
export function readSlotWeights(virtualService: VirtualService, target: RouteTarget): SlotWeights {
  const set = findManagedRoutes(virtualService, target);
  return agreedSlotWeights(
    objectRefOf(virtualService),
    'routes',
    set.routes.map((managed) => ({
      label: managed.label,
      weights: routeWeights(virtualService, set, managed),
    })),
  );
}

/**
 * The one split all managed `parts` (a VirtualService's routes, an HTTPRoute's rules) give,
 * or `RouteRefusedError` listing each part's split when they disagree (someone edited one of
 * them; switchyard writes the same split on every managed part, which makes them agree again).
 */
export function agreedSlotWeights(
  object: ObjectRef,
  parts: 'routes' | 'rules',
  perPart: readonly { readonly label: string; readonly weights: SlotWeights }[],
): SlotWeights {
  const [first] = perPart as [(typeof perPart)[number]];
  if (perPart.some((entry) => entry.weights.blue !== first.weights.blue)) {
    throw new RouteRefusedError(
      'invalid-weights',
      object,
      `the managed ${parts} split traffic differently: ${perPart
        .map((entry) => `${entry.label} blue ${entry.weights.blue} / green ${entry.weights.green}`)
        .join(', ')}`,
      `Set the weights explicitly (switchyard writes the same split on every managed ${parts.slice(0, -1)}), or manage only one of the ${parts}.`,
    );
  }
  return first.weights;
}

/**
 * `virtualService` with every managed route splitting traffic `weights`: each slot's entry
 * gets its weight (a 0 weight keeps its entry), and a slot without an entry gets one, with
 * the host and port of the route's existing destination. Entry order, extra entry fields
 * (`headers`), every other route field and route are untouched. Throws `UsageError` for
 * invalid weights and `RouteRefusedError` when the routes cannot be managed.
 */
export function setSlotWeights(
  virtualService: VirtualService,
  target: RouteTarget,
  weights: SlotWeights,
): VirtualService {
  assertSlotWeights(target.service, weights);
  const result = structuredClone(virtualService);
  const set = findManagedRoutes(result, target);
  for (const managed of set.routes) {
    const entries = slotEntries(set, managed);
    const routeList = managed.route.route ?? [];
    const template = routeList[0]?.destination;
    for (const slot of SLOTS) {
      const entry = entries.get(slot);
      if (entry !== undefined) {
        entry.weight = weights[slot];
      } else if (template !== undefined) {
        routeList.push({
          destination: {
            host: template.host,
            subset: set.subsets[slot],
            ...(isJsonObject(template.port) ? { port: structuredClone(template.port) } : {}),
          },
          weight: weights[slot],
        });
      }
    }
  }
  return result;
}
