/**
 * Which elements of an array before a change correspond to which after it. Unchanged
 * elements are matched first (longest common subsequence under structural equality); in
 * the gaps between them, changed elements are paired when they have the same identity, so
 * a route whose weights changed reads as that route modified, not as a route removed and a
 * different one added.
 */
import { editScript } from './longest-common-subsequence.js';
import { isJsonObject, jsonEqual } from './json-value.js';

/** One step of an alignment, in array order. */
export type AlignmentStep =
  | {
      /** The element is unchanged. */
      kind: 'keep';
      /** Index in the array before. */
      before: number;
      /** Index in the array after. */
      after: number;
    }
  | {
      /** The same element (same identity) with a changed value. */
      kind: 'modify';
      /** Index in the array before. */
      before: number;
      /** Index in the array after. */
      after: number;
    }
  | {
      /** The element is gone. */
      kind: 'remove';
      /** Index in the array before. */
      before: number;
    }
  | {
      /** A new element. */
      kind: 'add';
      /** Index in the array after. */
      after: number;
    };

/**
 * Identity of an array element, used to pair changed elements: a `name` (routes, subsets,
 * matches), else a route entry's destination host and subset, else a route's destination
 * hosts. Undefined for anonymous objects; undefined-identity objects pair with each other
 * by position.
 */
export function elementIdentity(value: unknown): string | undefined {
  if (!isJsonObject(value)) return undefined;
  if (typeof value.name === 'string') return `name:${value.name}`;
  const destination = value.destination;
  if (isJsonObject(destination)) {
    return `destination:${String(destination.host)}|${String(destination.subset)}`;
  }
  if (Array.isArray(value.route)) {
    const hosts = value.route.map((entry) =>
      isJsonObject(entry) && isJsonObject(entry.destination) ? String(entry.destination.host) : '',
    );
    return `routes-to:${[...new Set(hosts)].sort().join(',')}`;
  }
  return undefined;
}

function sameIdentity(a: unknown, b: unknown): boolean {
  if (isJsonObject(a) && isJsonObject(b)) return elementIdentity(a) === elementIdentity(b);
  if (Array.isArray(a) && Array.isArray(b)) return true;
  return a !== null && b !== null && typeof a !== 'object' && typeof a === typeof b;
}

/** Aligns `before` with `after`: keeps, then identity-paired modifications, removals, additions. */
export function alignArrays(
  before: readonly unknown[],
  after: readonly unknown[],
): AlignmentStep[] {
  const steps: AlignmentStep[] = [];
  let removed: number[] = [];
  let added: number[] = [];
  const flushGap = (): void => {
    for (const step of editScript(
      removed.map((index) => before[index]),
      added.map((index) => after[index]),
      sameIdentity,
    )) {
      if (step.kind === 'match') {
        steps.push({
          kind: 'modify',
          before: removed[step.before] as number,
          after: added[step.after] as number,
        });
      } else if (step.kind === 'remove') {
        steps.push({ kind: 'remove', before: removed[step.before] as number });
      } else {
        steps.push({ kind: 'add', after: added[step.after] as number });
      }
    }
    removed = [];
    added = [];
  };
  for (const step of editScript(before, after, jsonEqual)) {
    if (step.kind === 'match') {
      flushGap();
      steps.push({ kind: 'keep', before: step.before, after: step.after });
    } else if (step.kind === 'remove') {
      removed.push(step.before);
    } else {
      added.push(step.after);
    }
  }
  flushGap();
  return steps;
}
