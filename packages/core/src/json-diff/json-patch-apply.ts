/**
 * A small RFC 6902 applier for the operations switchyard emits (`add`, `remove`, `replace`,
 * `test`). It mirrors what the Kubernetes API server does with an
 * `application/json-patch+json` body: operations apply in order to one document, and the
 * first failing operation (a `test` whose value differs, a path that does not exist) fails
 * the whole patch, which the API server answers with 422. Tests and the plan use it to prove
 * that a patch turns `before` into exactly `after`, and fails on a concurrently edited object.
 */
import { isJsonObject, jsonEqual } from './json-value.js';
import { parsePointer } from './json-pointer.js';
import type { JsonPatchOperation } from './json-patch-operation.js';

/** Why an operation could not be applied. */
export type JsonPatchFailureReason =
  /** A `test` op found a different value: someone changed what the patch pins. */
  | 'test-failed'
  /** The path (or its parent) does not exist, or an array index is out of range. */
  | 'path-not-found'
  /** The pointer is malformed, or an array index is not a decimal index. */
  | 'invalid-path';

/** Outcome of {@link applyJsonPatch}: the patched document, or the first failing operation. */
export type JsonPatchResult =
  | {
      /** Every operation applied. */
      ok: true;
      /** The patched document (a new value; the input is not modified). */
      document: unknown;
    }
  | {
      /** An operation failed; nothing is applied (the patch is atomic). */
      ok: false;
      /** Index of the failing operation in the patch. */
      operationIndex: number;
      /** The failing operation. */
      operation: JsonPatchOperation;
      /** Why it failed. */
      reason: JsonPatchFailureReason;
      /** Human-readable explanation naming the path. */
      message: string;
    };

class PatchFailure extends Error {
  constructor(
    readonly reason: JsonPatchFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/** Applies `patch` to a copy of `document`; never modifies `document`. */
export function applyJsonPatch(
  document: unknown,
  patch: readonly JsonPatchOperation[],
): JsonPatchResult {
  let current: unknown = structuredClone(document);
  for (const [operationIndex, operation] of patch.entries()) {
    try {
      current = applyOperation(current, operation);
    } catch (error) {
      if (!(error instanceof PatchFailure)) throw error;
      return {
        ok: false,
        operationIndex,
        operation,
        reason: error.reason,
        message: `operation ${operationIndex} (${operation.op} ${operation.path}): ${error.message}`,
      };
    }
  }
  return { ok: true, document: current };
}

function applyOperation(document: unknown, operation: JsonPatchOperation): unknown {
  const segments = parsePointer(operation.path);
  if (segments === undefined) {
    throw new PatchFailure('invalid-path', 'a pointer must be empty or start with "/"');
  }
  const last = segments.at(-1);
  if (last === undefined) {
    // The whole document.
    switch (operation.op) {
      case 'test':
        if (!jsonEqual(document, operation.value)) {
          throw new PatchFailure('test-failed', 'the document differs from the tested value');
        }
        return document;
      case 'add':
      case 'replace':
        return structuredClone(operation.value);
      case 'remove':
        throw new PatchFailure('invalid-path', 'the whole document cannot be removed');
    }
  }

  const parent = resolve(document, segments.slice(0, -1));
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, operation.op === 'add');
    switch (operation.op) {
      case 'test':
        if (!jsonEqual(parent[index], operation.value)) {
          throw new PatchFailure('test-failed', 'the element differs from the tested value');
        }
        break;
      case 'add':
        parent.splice(index, 0, structuredClone(operation.value));
        break;
      case 'replace':
        parent[index] = structuredClone(operation.value);
        break;
      case 'remove':
        parent.splice(index, 1);
        break;
    }
    return document;
  }
  if (isJsonObject(parent)) {
    const exists = Object.hasOwn(parent, last) && parent[last] !== undefined;
    if (operation.op !== 'add' && !exists) {
      throw new PatchFailure('path-not-found', `member "${last}" does not exist`);
    }
    switch (operation.op) {
      case 'test':
        if (!jsonEqual(parent[last], operation.value)) {
          throw new PatchFailure('test-failed', 'the value differs from the tested value');
        }
        break;
      case 'add':
      case 'replace':
        // defineProperty, not assignment: a member named `__proto__` must stay a member.
        Object.defineProperty(parent, last, {
          value: structuredClone(operation.value),
          writable: true,
          enumerable: true,
          configurable: true,
        });
        break;
      case 'remove':
        Reflect.deleteProperty(parent, last);
        break;
    }
    return document;
  }
  throw new PatchFailure('path-not-found', 'the parent is not an object or array');
}

function resolve(document: unknown, segments: readonly string[]): unknown {
  let node = document;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      node = node[arrayIndex(node, segment, false)];
    } else if (isJsonObject(node) && Object.hasOwn(node, segment) && node[segment] !== undefined) {
      node = node[segment];
    } else {
      throw new PatchFailure('path-not-found', `"${segment}" does not exist`);
    }
  }
  return node;
}

function arrayIndex(array: readonly unknown[], segment: string, forAdd: boolean): number {
  if (forAdd && segment === '-') return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(segment)) {
    throw new PatchFailure('invalid-path', `"${segment}" is not an array index`);
  }
  const index = Number(segment);
  const limit = forAdd ? array.length : array.length - 1;
  if (index > limit) {
    throw new PatchFailure(
      'path-not-found',
      `index ${index} is out of range (length ${array.length})`,
    );
  }
  return index;
}
