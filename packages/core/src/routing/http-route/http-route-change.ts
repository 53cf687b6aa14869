/**
 * One-line summary of an HTTPRoute change for `switchyard plan` and the event log, in the
 * VirtualService's words: `HTTPRoute bookinfo/reviews: rule "primary": weights
 * reviews-blue 100→90, reviews-green 0→10; add rule "switchyard-reviews-prerelease" at
 * position 1`. Derived from the objects, so it cannot drift from the patch.
 */
import {
  describeListChange,
  describeObject,
  describeOtherFields,
} from '../../istio/change-description.js';
import { isJsonObject, jsonEqual } from '../../json-diff/json-value.js';
import type { HttpRoute } from './http-route-types.js';

function ruleName(rule: unknown, index: number): string {
  return isJsonObject(rule) && typeof rule.name === 'string'
    ? `rule "${rule.name}"`
    : `rule rules[${index}]`;
}

function weightsByBackend(rule: Record<string, unknown>): Map<string, number> {
  const weights = new Map<string, number>();
  for (const backend of Array.isArray(rule.backendRefs) ? rule.backendRefs : []) {
    if (!isJsonObject(backend)) continue;
    weights.set(String(backend.name), typeof backend.weight === 'number' ? backend.weight : 1);
  }
  return weights;
}

function mirrorsOf(rule: Record<string, unknown>): string[] {
  const filters = Array.isArray(rule.filters) ? rule.filters : [];
  return filters.flatMap((filter) => {
    if (!isJsonObject(filter) || filter.type !== 'RequestMirror') return [];
    const mirror = isJsonObject(filter.requestMirror) ? filter.requestMirror : {};
    const backend = isJsonObject(mirror.backendRef) ? String(mirror.backendRef.name) : '?';
    return [`${backend} at ${typeof mirror.percent === 'number' ? mirror.percent : 100}%`];
  });
}

function describeRuleChange(before: unknown, after: unknown): string[] {
  if (!isJsonObject(before) || !isJsonObject(after)) return ['replaced'];
  const details: string[] = [];
  const was = weightsByBackend(before);
  const now = weightsByBackend(after);
  const changes = [...new Set([...was.keys(), ...now.keys()])].flatMap((name) => {
    const from = was.get(name);
    const to = now.get(name);
    if (from === to) return [];
    if (from === undefined) return [`${name} added at ${String(to)}`];
    if (to === undefined) return [`${name} removed (was ${from})`];
    return [`${name} ${from}→${to}`];
  });
  if (changes.length > 0) details.push(`weights ${changes.join(', ')}`);
  else if (!jsonEqual(before.backendRefs, after.backendRefs)) details.push('backends changed');
  const mirrorsBefore = mirrorsOf(before);
  const mirrorsAfter = mirrorsOf(after);
  if (!jsonEqual(mirrorsBefore, mirrorsAfter)) {
    details.push(
      mirrorsAfter.length > 0
        ? `mirror to ${mirrorsAfter.join(', ')}`
        : `mirror removed (was ${mirrorsBefore.join(', ')})`,
    );
  }
  const otherFilters = (rule: Record<string, unknown>): unknown[] =>
    (Array.isArray(rule.filters) ? (rule.filters as unknown[]) : []).filter(
      (filter) => !isJsonObject(filter) || filter.type !== 'RequestMirror',
    );
  if (!jsonEqual(otherFilters(before), otherFilters(after))) details.push('filters changed');
  details.push(...describeOtherFields(before, after, '', ['backendRefs', 'filters']));
  return details;
}

/** Summary of an HTTPRoute change. */
export function describeHttpRouteChange(before: HttpRoute, after: HttpRoute): string {
  return describeObject(
    before,
    after,
    describeListChange(before.spec.rules, after.spec.rules, ruleName, describeRuleChange),
    ['rules'],
  );
}
