/**
 * Structural diff of two JSON documents as an RFC 6902 JSON Patch whose `test` operations
 * pin everything the patch relies on, so a concurrent edit makes the API server reject it
 * (422) instead of our change landing on the wrong thing or silently undoing someone's edit:
 *
 * - every `replace` and `remove` is immediately preceded by a `test` of the exact old value
 *   at the same path;
 * - before changing anything inside an array element (a route, a route entry, a subset), the
 *   whole element is tested. An index is only an address: if someone reordered the routes,
 *   inserted one above, or edited the route we are about to change (its timeout, its
 *   retries), the whole-element test fails. Pinning the whole element rather than only its
 *   `name` also covers unnamed routes, and means we never write over an edit to the same
 *   route made after our read;
 * - before inserting into an array, the neighbours the new element goes between are tested
 *   (the element it goes before and the one it goes after), or the whole array when it is
 *   empty, so a header route lands immediately above the route it was computed for;
 * - before adding a member to an object, the whole object is tested: JSON Patch `add` on an
 *   existing member silently replaces it, and the only way to pin "absent" is to pin the
 *   parent (a `mirror` someone else set a second ago must not be overwritten).
 *
 * Inside an element already pinned whole, only the direct old-value tests are repeated.
 */
import { alignArrays } from './array-alignment.js';
import { appendPointer } from './json-pointer.js';
import { definedKeys, isJsonObject, jsonEqual } from './json-value.js';
import type { JsonPatchOperation } from './json-patch-operation.js';

/**
 * The JSON Patch that turns `before` into `after`, with `test` operations pinning what it
 * replaces, removes and inserts next to. Empty when the documents are structurally equal.
 */
export function createPinnedJsonPatch(before: unknown, after: unknown): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  diffValue(before, after, '', false, operations);
  return operations;
}

function diffValue(
  before: unknown,
  after: unknown,
  path: string,
  pinned: boolean,
  operations: JsonPatchOperation[],
): void {
  if (jsonEqual(before, after)) return;
  if (isJsonObject(before) && isJsonObject(after)) {
    diffObject(before, after, path, pinned, operations);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    diffArray(before, after, path, pinned, operations);
  } else {
    operations.push(
      { op: 'test', path, value: structuredClone(before) },
      { op: 'replace', path, value: structuredClone(after) },
    );
  }
}

function diffObject(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  path: string,
  pinned: boolean,
  operations: JsonPatchOperation[],
): void {
  const beforeKeys = definedKeys(before);
  const afterKeys = definedKeys(after);
  const added = afterKeys.filter((key) => !beforeKeys.includes(key));
  let covered = pinned;
  if (added.length > 0 && !covered) {
    operations.push({ op: 'test', path, value: structuredClone(before) });
    covered = true;
  }
  for (const key of beforeKeys) {
    const child = appendPointer(path, key);
    if (!afterKeys.includes(key)) {
      operations.push(
        { op: 'test', path: child, value: structuredClone(before[key]) },
        { op: 'remove', path: child },
      );
    } else {
      diffValue(before[key], after[key], child, covered, operations);
    }
  }
  for (const key of added) {
    operations.push({
      op: 'add',
      path: appendPointer(path, key),
      value: structuredClone(after[key]),
    });
  }
}

interface WorkingElement {
  value: unknown;
  /** Already tested (or written) by this patch: no further pin needed. */
  pinned: boolean;
}

function diffArray(
  before: readonly unknown[],
  after: readonly unknown[],
  path: string,
  pinned: boolean,
  operations: JsonPatchOperation[],
): void {
  // The array as it is after the operations emitted so far: indices and pinned values
  // must refer to that state, since the server applies the operations in order.
  const working: WorkingElement[] = before.map((value) => ({ value, pinned: false }));
  let emptyPinned = false;
  const pin = (index: number): void => {
    const element = working[index];
    if (pinned || element === undefined || element.pinned) return;
    operations.push({
      op: 'test',
      path: appendPointer(path, index),
      value: structuredClone(element.value),
    });
    element.pinned = true;
  };

  let index = 0;
  for (const step of alignArrays(before, after)) {
    switch (step.kind) {
      case 'keep':
        index += 1;
        break;
      case 'modify': {
        pin(index);
        const value = after[step.after];
        diffValue(working[index]?.value, value, appendPointer(path, index), true, operations);
        working[index] = { value, pinned: true };
        index += 1;
        break;
      }
      case 'remove': {
        const child = appendPointer(path, index);
        operations.push(
          { op: 'test', path: child, value: structuredClone(working[index]?.value) },
          { op: 'remove', path: child },
        );
        working.splice(index, 1);
        break;
      }
      case 'add': {
        if (working.length === 0 && !pinned && !emptyPinned) {
          operations.push({ op: 'test', path, value: [] });
          emptyPinned = true;
        }
        pin(index - 1);
        pin(index);
        const value = after[step.after];
        operations.push({
          op: 'add',
          path: appendPointer(path, index),
          value: structuredClone(value),
        });
        working.splice(index, 0, { value, pinned: true });
        index += 1;
        break;
      }
    }
  }
}
