/**
 * Reading a spec that may have failed its schema, for the cross-field rules: each helper
 * returns something usable (an empty object, an empty list, undefined) when a value is
 * not what it should be, and rules collect their problems in one issue list.
 */
import { tryParseDuration } from './duration.js';
import type { RawIssue } from './spec-issues.js';

/** A spec object as read: any fields. */
export type Fields = Record<string, unknown>;

/** True for a plain object (not null, not an array). */
export const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object, or an empty one when `value` is not an object. */
export const fieldsOf = (value: unknown): Fields => (isFields(value) ? value : {});

/** The array, or an empty one when `value` is not an array. */
export const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** True when `fields` has `key` set. */
export const present = (fields: Fields, key: string): boolean => fields[key] !== undefined;

/**
 * A duration field's milliseconds: the default when absent, undefined when invalid (zero
 * included: no duration in the spec may be zero, and the schema says so).
 */
export function durationMs(fields: Fields, key: string, fallback: string): number | undefined {
  const ms = tryParseDuration(fields[key] ?? fallback);
  return ms === 0 ? undefined : ms;
}

/** An integer percentage, 1..100. */
export const isPercent = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100;

/** The problems the rules found, each at its path. */
export class IssueList {
  readonly issues: RawIssue[] = [];
  add(path: readonly PropertyKey[], message: string): void {
    this.issues.push({ path: [...path], message });
  }
}

/** The keys of `keys` present in `fields`; an issue when there is more than one. */
export function onlyOne(
  out: IssueList,
  path: readonly PropertyKey[],
  fields: Fields,
  keys: readonly string[],
): string[] {
  const found = keys.filter((key) => present(fields, key));
  if (found.length > 1) {
    out.add(path, `give only one of ${keys.join(', ')} (found ${found.join(' and ')})`);
  }
  return found;
}
