/**
 * RFC 6902 JSON Patch (`application/json-patch+json`), with the error wording of
 * evanphx/json-patch v4, which the real API server uses: a malformed patch is a 400, an
 * op that does not apply (including a failed `test`) is a 422.
 */
import { isDeepStrictEqual } from 'node:util';
import { goJsonKind } from './json-syntax.js';
import { parseRawJson, rawEqual, type RawNode } from '../go-faithful/go-json-bytes.js';

/** The patch could not be decoded (400 BadRequest). */
export class JsonPatchDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchDecodeError';
  }
}

/** An operation did not apply (422). */
export class JsonPatchApplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchApplyError';
  }
}

/** One decoded operation. */
export interface JsonPatchOperation {
  /** `add`, `remove`, `replace`, `move`, `copy` or `test`. */
  op: string;
  /** JSON Pointer to the target. */
  path: string;
  /** Source pointer of `move` and `copy`; undefined otherwise. */
  from?: string;
  /** Value of `add`, `replace` and `test`; undefined for the others. */
  value?: unknown;
  /** Whether `value` was given at all (a `null` value differs from none). */
  hasValue: boolean;
  /** Whether `path` was given; a missing path is reported when the op is applied, as evanphx does. */
  hasPath: boolean;
  /**
   * `value` as written in the request, when the raw body was given: a `test` compares its
   * leaves byte for byte with Go's encoding of the stored value, as evanphx v4 does.
   */
  rawValue?: RawNode;
}

/** Most operations one JSON Patch may hold (`maxJSONPatchOperations`). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/**
 * Decodes a parsed JSON body into operations, or throws JsonPatchDecodeError worded as the
 * real server words it. With `strict` (fieldValidation Strict or Warn, the default) the
 * server first reads the body into its own `[]handlers.jsonPatchOp` (typed fields, the
 * message prefixed `error decoding patch:`); under Ignore only evanphx's `jsonpatch.Patch`
 * decoding runs, unprefixed.
 */
export function decodeJsonPatch(
  body: unknown,
  strict = true,
  rawText?: string,
): JsonPatchOperation[] {
  const refuse = (message: string): never => {
    throw new JsonPatchDecodeError(strict ? `error decoding patch: ${message}` : message);
  };
  if (body === null) return [];
  if (!Array.isArray(body)) {
    refuse(
      `json: cannot unmarshal ${goJsonKind(body)} into Go value of type ${strict ? '[]handlers.jsonPatchOp' : 'jsonpatch.Patch'}`,
    );
  }
  const operations = body as unknown[];
  if (strict) {
    // Go saves the first type error and keeps decoding: report the first in document order.
    for (const raw of operations) {
      if (raw === null) continue;
      if (typeof raw !== 'object' || Array.isArray(raw))
        refuse(
          `json: cannot unmarshal ${goJsonKind(raw)} into Go value of type handlers.jsonPatchOp`,
        );
      for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        if (
          (key === 'op' || key === 'path' || key === 'from') &&
          value !== null &&
          typeof value !== 'string'
        )
          refuse(
            `json: cannot unmarshal ${goJsonKind(value)} into Go struct field jsonPatchOp.${key} of type string`,
          );
      }
    }
  }
  const rawTree = rawText === undefined ? undefined : parseRawJson(rawText);
  return operations.map((raw, index) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new JsonPatchDecodeError(
        `json: cannot unmarshal ${goJsonKind(raw)} into Go value of type jsonpatch.Operation`,
      );
    }
    const o = raw as Record<string, unknown>;
    return {
      op: typeof o.op === 'string' ? o.op : '',
      path: typeof o.path === 'string' ? o.path : '',
      ...(typeof o.from === 'string' ? { from: o.from } : {}),
      ...('value' in o ? { value: o.value } : {}),
      hasValue: 'value' in o,
      hasPath: typeof o.path === 'string',
      ...rawValueOf(rawTree, index),
    };
  });
}

function rawValueOf(tree: RawNode | undefined, index: number): { rawValue?: RawNode } {
  if (tree?.kind !== 'array') return {};
  const op = tree.items[index];
  const value = op?.kind === 'object' ? op.members.get('value') : undefined;
  return value ? { rawValue: value } : {};
}

/** Whether a stored value passes a `test` op's value. */
function testEqual(actual: unknown, operation: JsonPatchOperation): boolean {
  return operation.rawValue
    ? rawEqual(actual, operation.rawValue)
    : isDeepStrictEqual(actual, operation.value);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new JsonPatchApplyError(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === 'object';
}

/** Resolves the parent container of `tokens` (all but the last), or undefined. */
function findParent(doc: unknown, tokens: string[]): Container | undefined {
  let current: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) {
      const index = arrayIndex(token, current.length - 1);
      if (index === undefined) return undefined;
      current = current[index];
    } else if (isContainer(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return undefined;
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return isContainer(current) ? current : undefined;
}

function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index <= max ? index : undefined;
}

function getChild(container: Container, key: string): { found: boolean; value?: unknown } {
  if (Array.isArray(container)) {
    const index = arrayIndex(key, container.length - 1);
    return index === undefined ? { found: false } : { found: true, value: container[index] };
  }
  return Object.prototype.hasOwnProperty.call(container, key)
    ? { found: true, value: container[key] }
    : { found: false };
}

function add(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) {
    const index = key === '-' ? container.length : arrayIndex(key, container.length);
    if (index === undefined) {
      throw new JsonPatchApplyError(
        `Unable to access invalid index: ${key}: invalid index referenced`,
      );
    }
    container.splice(index, 0, value);
    return;
  }
  container[key] = value;
}

function remove(container: Container, key: string, pointer: string): unknown {
  if (Array.isArray(container)) {
    const index = arrayIndex(key, container.length - 1);
    if (index === undefined) {
      throw new JsonPatchApplyError(
        `Unable to access invalid index: ${key}: invalid index referenced`,
      );
    }
    return container.splice(index, 1)[0];
  }
  if (!Object.prototype.hasOwnProperty.call(container, key)) {
    throw new JsonPatchApplyError(
      `remove operation does not apply: doc is missing key: ${pointer}: missing value`,
    );
  }
  const value = container[key];
  delete container[key];
  return value;
}

/**
 * Applies operations to a copy of `document` and returns it. Throws JsonPatchApplyError
 * when an operation does not apply; the document is left untouched either way.
 */
export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[]): T {
  let doc: unknown = structuredClone(document);
  for (const operation of operations) {
    if (!operation.hasPath) {
      throw new JsonPatchApplyError(
        `${operation.op} operation failed to decode path: missing path: missing value`,
      );
    }
    const tokens = parsePointer(operation.path);
    const key = tokens[tokens.length - 1] as string;
    switch (operation.op) {
      case 'add': {
        if (tokens.length === 0) {
          doc = structuredClone(operation.value);
          break;
        }
        const parent = findParent(doc, tokens);
        if (!parent) {
          throw new JsonPatchApplyError(
            `add operation does not apply: doc is missing path: "${operation.path}": missing value`,
          );
        }
        add(parent, key, structuredClone(operation.value));
        break;
      }
      case 'remove': {
        const parent = tokens.length === 0 ? undefined : findParent(doc, tokens);
        if (!parent) {
          throw new JsonPatchApplyError(
            `remove operation does not apply: doc is missing path: "${operation.path}": missing value`,
          );
        }
        remove(parent, key, operation.path);
        break;
      }
      case 'replace': {
        if (tokens.length === 0) {
          doc = structuredClone(operation.value);
          break;
        }
        const parent = findParent(doc, tokens);
        if (!parent) {
          throw new JsonPatchApplyError(
            `replace operation does not apply: doc is missing path: ${operation.path}: missing value`,
          );
        }
        if (!getChild(parent, key).found) {
          throw new JsonPatchApplyError(
            `replace operation does not apply: doc is missing key: ${operation.path}: missing value`,
          );
        }
        if (Array.isArray(parent)) parent[Number(key)] = structuredClone(operation.value);
        else parent[key] = structuredClone(operation.value);
        break;
      }
      case 'move':
      case 'copy': {
        const from = operation.from;
        if (from === undefined) {
          throw new JsonPatchApplyError(
            `${operation.op} operation failed to decode from: missing from: missing value`,
          );
        }
        const fromTokens = parsePointer(from);
        const fromParent = fromTokens.length === 0 ? undefined : findParent(doc, fromTokens);
        const fromKey = fromTokens[fromTokens.length - 1] as string;
        const source = fromParent ? getChild(fromParent, fromKey) : { found: false };
        if (!fromParent || !source.found) {
          throw new JsonPatchApplyError(
            `${operation.op} operation does not apply: doc is missing from path: ${from}: missing value`,
          );
        }
        if (operation.op === 'move') {
          if (operation.path.startsWith(`${from}/`)) {
            throw new JsonPatchApplyError(
              `move operation does not apply: cannot move ${from} into its own child ${operation.path}`,
            );
          }
          remove(fromParent, fromKey, from);
        }
        const parent = findParent(doc, tokens);
        if (!parent || tokens.length === 0) {
          throw new JsonPatchApplyError(
            `${operation.op} operation does not apply: doc is missing destination path: ${operation.path}: missing value`,
          );
        }
        add(parent, key, operation.op === 'copy' ? structuredClone(source.value) : source.value);
        break;
      }
      case 'test': {
        if (tokens.length === 0) {
          if (!testEqual(doc, operation)) {
            throw new JsonPatchApplyError(`testing value ${operation.path} failed: test failed`);
          }
          break;
        }
        const parent = findParent(doc, tokens);
        if (!parent) {
          throw new JsonPatchApplyError(
            `test operation does not apply: is missing path: ${operation.path}: missing value`,
          );
        }
        const actual = getChild(parent, key);
        const expectedAbsent = !operation.hasValue || operation.value === null;
        const actualAbsent = !actual.found || actual.value === null;
        if (actualAbsent ? !expectedAbsent : !testEqual(actual.value, operation)) {
          throw new JsonPatchApplyError(`testing value ${operation.path} failed: test failed`);
        }
        break;
      }
      default:
        throw new JsonPatchApplyError(`Unexpected kind: ${operation.op}`);
    }
  }
  return doc as T;
}
