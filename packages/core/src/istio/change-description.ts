/**
 * One-line summaries of a VirtualService or DestinationRule change for `switchyard plan`
 * and the event log: which routes were added, removed or changed and how (weights per
 * subset, mirror), which subsets, and which other fields. Derived from the objects
 * themselves, so the summary can never drift from the patch.
 */
import { describeRef } from '../errors.js';
import { alignArrays } from '../json-diff/array-alignment.js';
import { definedKeys, isJsonObject, jsonEqual } from '../json-diff/json-value.js';
import { objectRefOf } from '../kube/object-ref.js';
import type { DestinationRule, VirtualService } from './types.js';

/** An object whose change can be described: kind, metadata and a spec object. */
export interface DescribedObject {
  kind: string;
  metadata: { name: string; namespace?: string | undefined; [field: string]: unknown };
  spec: Record<string, unknown>;
  [field: string]: unknown;
}

function routeName(route: unknown, index: number): string {
  return isJsonObject(route) && typeof route.name === 'string'
    ? `route "${route.name}"`
    : `route http[${index}]`;
}

function weightsBySubset(route: Record<string, unknown>): Map<string, number> {
  const entries = Array.isArray(route.route) ? route.route : [];
  const weights = new Map<string, number>();
  for (const entry of entries) {
    if (!isJsonObject(entry) || !isJsonObject(entry.destination)) continue;
    const key = String(entry.destination.subset ?? entry.destination.host);
    const weight = typeof entry.weight === 'number' ? entry.weight : entries.length === 1 ? 100 : 0;
    weights.set(key, weight);
  }
  return weights;
}

function describeMirror(route: Record<string, unknown>): string {
  const mirror = route.mirror;
  if (!isJsonObject(mirror)) return 'none';
  const share = isJsonObject(route.mirrorPercentage) ? route.mirrorPercentage.value : 100;
  return `${String(mirror.subset ?? mirror.host)} at ${String(share)}%`;
}

function describeRouteChange(before: unknown, after: unknown): string[] {
  if (!isJsonObject(before) || !isJsonObject(after)) return ['replaced'];
  const details: string[] = [];
  const weightsBefore = weightsBySubset(before);
  const weightsAfter = weightsBySubset(after);
  const weightChanges = [...new Set([...weightsBefore.keys(), ...weightsAfter.keys()])].flatMap(
    (subset) => {
      const was = weightsBefore.get(subset);
      const now = weightsAfter.get(subset);
      if (was === now) return [];
      if (was === undefined) return [`${subset} added at ${String(now)}`];
      if (now === undefined) return [`${subset} removed (was ${was})`];
      return [`${subset} ${was}→${now}`];
    },
  );
  if (weightChanges.length > 0) details.push(`weights ${weightChanges.join(', ')}`);
  else if (!jsonEqual(before.route, after.route)) details.push('destinations changed');
  if (
    !jsonEqual(before.mirror, after.mirror) ||
    !jsonEqual(before.mirrorPercentage, after.mirrorPercentage)
  ) {
    details.push(
      isJsonObject(after.mirror)
        ? `mirror to ${describeMirror(after)}`
        : `mirror removed (was ${describeMirror(before)})`,
    );
  }
  const others = [...new Set([...definedKeys(before), ...definedKeys(after)])].filter(
    (key) =>
      !['route', 'mirror', 'mirrorPercentage'].includes(key) && !jsonEqual(before[key], after[key]),
  );
  if (others.length > 0) details.push(`${others.join(', ')} changed`);
  return details;
}

/** What changed in a list, element by element (aligned by content, not index). */
export function describeListChange(
  before: unknown,
  after: unknown,
  name: (element: unknown, index: number) => string,
  describeModified: (before: unknown, after: unknown) => string[],
): string[] {
  const from = Array.isArray(before) ? before : [];
  const to = Array.isArray(after) ? after : [];
  return alignArrays(from, to).flatMap((step) => {
    switch (step.kind) {
      case 'keep':
        return [];
      case 'add':
        return [`add ${name(to[step.after], step.after)} at position ${step.after}`];
      case 'remove':
        return [`remove ${name(from[step.before], step.before)}`];
      case 'modify':
        return [
          `${name(to[step.after], step.after)}: ${describeModified(from[step.before], to[step.after]).join('; ')}`,
        ];
    }
  });
}

/** `<prefix><key> changed` for every key of the two objects that differs, but `handled`. */
export function describeOtherFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  prefix: string,
  handled: readonly string[],
): string[] {
  return [...new Set([...definedKeys(before), ...definedKeys(after)])]
    .filter((key) => !handled.includes(key) && !jsonEqual(before[key], after[key]))
    .map((key) => `${prefix}${key} changed`);
}

/** `<Kind> <ns>/<name>: <spec parts>; <other changed fields>` (or `no change`). */
export function describeObject(
  before: DescribedObject,
  after: DescribedObject,
  specParts: string[],
  handledSpecKeys: readonly string[],
): string {
  const parts = [
    ...specParts,
    ...describeOtherFields(before.spec, after.spec, 'spec.', handledSpecKeys),
    ...describeOtherFields(before.metadata, after.metadata, 'metadata.', []),
    ...describeOtherFields(before, after, '', ['spec', 'metadata']),
  ];
  return `${describeRef(objectRefOf(after))}: ${parts.length > 0 ? parts.join('; ') : 'no change'}`;
}

/** Summary of a VirtualService change: `VirtualService bookinfo/reviews: route "default": weights blue 100→90, green 0→10`. */
export function describeVirtualServiceChange(
  before: VirtualService,
  after: VirtualService,
): string {
  return describeObject(
    before,
    after,
    describeListChange(before.spec.http, after.spec.http, routeName, describeRouteChange),
    ['http'],
  );
}

/** Summary of a DestinationRule change: `DestinationRule bookinfo/reviews: add subset "green" at position 3`. */
export function describeDestinationRuleChange(
  before: DestinationRule,
  after: DestinationRule,
): string {
  return describeObject(
    before,
    after,
    describeListChange(
      before.spec.subsets,
      after.spec.subsets,
      (subset, index) =>
        isJsonObject(subset) && typeof subset.name === 'string'
          ? `subset "${subset.name}"`
          : `subset [${index}]`,
      (from, to) =>
        isJsonObject(from) && isJsonObject(to)
          ? describeOtherFields(from, to, '', [])
          : ['replaced'],
    ),
    ['subsets'],
  );
}
