/**
 * Deciding whether a write may be repeated, and whether a write that "failed" had in fact
 * been applied.
 *
 * When an attempt fails after the request was sent (connection reset, timeout, 5xx), the
 * server may or may not have applied it. Repeating it is safe when a duplicate cannot apply
 * twice:
 *
 * - merge and strategic merge patches, and PUTs, are idempotent (the same body twice gives
 *   the same object); a PUT carrying a resourceVersion fails with 409 if the first landed;
 * - a create with a fixed name fails with 409 AlreadyExists if the first landed;
 * - a JSON Patch is idempotent when it only adds, replaces or removes object members or
 *   replaces array items; array inserts (`add` at an index or `-`), `move` and `copy` are
 *   not, unless a `test` op pins a value the same patch then changes (the duplicate's test
 *   fails) or pins `/metadata/resourceVersion`.
 *
 * A repeated write whose first attempt landed then fails with a conflict (409, or 422 from
 * the failed test). The client re-reads the object and asks {@link KubeCall}'s
 * `alreadyApplied` check, by default the structural checks below, whether the change is in
 * place: if so the write succeeded (and returns the object as read); if not, someone else
 * changed the object and the conflict stands. The checks err towards "not applied": a false
 * "not applied" costs a ConcurrentEditError and a re-plan; a false "applied" would hide a
 * lost write.
 */
import { isJsonObject } from '../json-diff/json-value.js';
import type { JsonPatchOperation } from '../json-diff/json-patch-operation.js';

/** True when repeating `ops` after it may have been applied cannot apply it twice. */
export function isJsonPatchRetrySafe(ops: readonly JsonPatchOperation[]): boolean {
  const raw = ops as readonly RawOp[];
  if (raw.some((op) => op.op === 'test' && op.path === '/metadata/resourceVersion')) return true;
  const repeatable = raw.every(
    (op) =>
      op.op === 'test' ||
      op.op === 'replace' ||
      ((op.op === 'add' || op.op === 'remove') && !isArrayPosition(op.path)),
  );
  if (repeatable) return true;
  return raw.some((op, index) => op.op === 'test' && duplicateTestFails(raw, index));
}

interface RawOp {
  op: string;
  path: string;
  value?: unknown;
}

/**
 * True when, once the whole patch has been applied, the test at `index` no longer holds:
 * the last later op touching the tested path (or a parent of it) leaves a different value
 * there, or removes an object member on the way.
 */
function duplicateTestFails(ops: readonly RawOp[], index: number): boolean {
  const test = ops[index] as RawOp;
  const testSegments = parsePointer(test.path);
  if (!testSegments) return false;
  for (let i = ops.length - 1; i > index; i--) {
    const op = ops[i] as RawOp;
    const segments = parsePointer(op.path);
    if (!segments) continue;
    if (segments.length > testSegments.length && isPrefix(testSegments, segments)) {
      // A change inside the tested value: it differs afterwards unless the change is a no-op.
      const before = resolvePointer(test.value, segments.slice(testSegments.length));
      if (op.op === 'remove' || (op.op === 'add' && isArrayPosition(op.path))) return true;
      if (op.op === 'replace' || op.op === 'add')
        return !before.found || !deepEqual(before.value, op.value);
      return false;
    }
    if (!isPrefix(segments, testSegments)) continue;
    const rest = testSegments.slice(segments.length);
    if (op.op === 'remove') return !isArrayPosition(op.path);
    if (op.op !== 'add' && op.op !== 'replace') return false;
    const after = resolvePointer(op.value, rest);
    return !after.found || !deepEqual(after.value, test.value);
  }
  return false;
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/**
 * True when every change of `ops` is visible in `current`: added and replaced values are at
 * their paths, removed object members are gone. Removals from arrays and `move`/`copy` cannot
 * be verified, so a patch containing them counts as not applied.
 */
export function jsonPatchApplied(current: unknown, ops: readonly JsonPatchOperation[]): boolean {
  const raw = ops as readonly RawOp[];
  const changes = raw.filter((op) => op.op !== 'test');
  if (changes.length === 0) return false;
  return changes.every((op) => {
    const segments = parsePointer(op.path);
    if (segments === undefined) return false;
    switch (op.op) {
      case 'add':
      case 'replace': {
        const last = segments[segments.length - 1];
        if (last === '-') {
          const parent = resolvePointer(current, segments.slice(0, -1));
          return (
            parent.found &&
            Array.isArray(parent.value) &&
            deepEqual(parent.value[parent.value.length - 1], op.value)
          );
        }
        const target = resolvePointer(current, segments);
        return target.found && deepEqual(target.value, op.value);
      }
      case 'remove': {
        const parent = resolvePointer(current, segments.slice(0, -1));
        if (!parent.found) return true;
        if (Array.isArray(parent.value)) return false;
        const key = segments[segments.length - 1] ?? '';
        return !isJsonObject(parent.value) || !Object.hasOwn(parent.value, key);
      }
      default:
        return false;
    }
  });
}

/**
 * True when a JSON merge patch (RFC 7396) is visible in `current`: every member it sets has
 * that value (objects compared member by member), every member it nulls is absent.
 * `metadata.resourceVersion` in the patch is a precondition, not a change, and is skipped.
 */
export function mergePatchApplied(current: unknown, patch: Record<string, unknown>): boolean {
  const withoutPrecondition = stripResourceVersion(patch);
  return mergeContained(current, withoutPrecondition);
}

/**
 * True when a strategic merge patch is visible in `current`: like {@link mergePatchApplied},
 * except that list items merge by key, so every object item of a patched list must be
 * contained in some item of the current list. Patches with `$patch`, `$retainKeys`,
 * `$setElementOrder` or `$deleteFromPrimitiveList` directives count as not applied.
 */
export function strategicMergePatchApplied(
  current: unknown,
  patch: Record<string, unknown>,
): boolean {
  if (JSON.stringify(patch).includes('"$')) return false;
  return smpContained(current, stripResourceVersion(patch));
}

/**
 * True when everything `expected` says is in `actual`: objects member by member (extra
 * members in `actual`, such as server defaults, are fine), arrays item by item with equal
 * length, scalars equal. Server-owned metadata of `expected` is ignored.
 */
export function containsObject(actual: unknown, expected: unknown): boolean {
  return contained(actual, withoutServerMetadata(expected));
}

function mergeContained(current: unknown, patch: unknown): boolean {
  if (!isJsonObject(patch)) return deepEqual(current, patch);
  if (!isJsonObject(current)) return false;
  return Object.entries(patch).every(([key, value]) => {
    if (value === null) return !Object.hasOwn(current, key);
    return Object.hasOwn(current, key) && mergeContained(current[key], value);
  });
}

function smpContained(current: unknown, patch: unknown): boolean {
  if (Array.isArray(patch)) {
    if (!Array.isArray(current)) return false;
    if (patch.every((item) => !isJsonObject(item))) return deepEqual(current, patch);
    return patch.every((item) => current.some((candidate) => smpContained(candidate, item)));
  }
  if (!isJsonObject(patch)) return deepEqual(current, patch);
  if (!isJsonObject(current)) return false;
  return Object.entries(patch).every(([key, value]) => {
    if (value === null) return !Object.hasOwn(current, key);
    return Object.hasOwn(current, key) && smpContained(current[key], value);
  });
}

function contained(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => contained(actual[i], item))
    );
  }
  if (isJsonObject(expected)) {
    return (
      isJsonObject(actual) &&
      Object.entries(expected).every(
        ([key, value]) => value === undefined || contained(actual[key], value),
      )
    );
  }
  return deepEqual(actual, expected);
}

const SERVER_METADATA = [
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
];

function withoutServerMetadata(object: unknown): unknown {
  if (!isJsonObject(object) || !isJsonObject(object.metadata)) return object;
  const metadata = { ...object.metadata };
  for (const key of SERVER_METADATA) delete metadata[key];
  return { ...object, metadata };
}

function stripResourceVersion(patch: Record<string, unknown>): Record<string, unknown> {
  if (!isJsonObject(patch.metadata) || !('resourceVersion' in patch.metadata)) return patch;
  const { resourceVersion: _precondition, ...metadata } = patch.metadata;
  const copy: Record<string, unknown> = { ...patch, metadata };
  if (Object.keys(metadata).length === 0) delete copy.metadata;
  return copy;
}

function isArrayPosition(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last === '-' || /^\d+$/.test(last);
}

/** RFC 6901 pointer segments, or undefined when malformed. */
function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolvePointer(
  document: unknown,
  segments: readonly string[],
): { found: boolean; value?: unknown } {
  let node: unknown = document;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(segment)) return { found: false };
      const index = Number(segment);
      if (index >= node.length) return { found: false };
      node = node[index];
    } else if (isJsonObject(node)) {
      if (!Object.hasOwn(node, segment)) return { found: false };
      node = node[segment];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

/** Structural equality of JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    return (
      keysA.length === keysB.length &&
      keysA.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}
