/**
 * CEL runtime values and the conversion Kubernetes applies to a custom resource before a rule
 * sees it: the OpenAPI type decides the CEL type (`integer` is int, `number` is double even for
 * `1`, objects and maps are maps of their present fields).
 */

/** A CEL value; `error` values propagate like cel-go's `types.Err`. */
export type CelValue =
  | { kind: 'int'; value: bigint }
  | { kind: 'uint'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'list'; items: CelValue[] }
  | { kind: 'map'; entries: Map<string, CelValue> }
  | { kind: 'duration'; nanos: bigint }
  | { kind: 'error'; message: string };

/** The parts of a structural schema node that decide CEL typing. */
export interface CelSchemaShape {
  /** OpenAPI types (`[]` when untyped, `['integer', 'string']` for int-or-string). */
  readonly types: readonly string[];
  /** Declared properties. */
  readonly properties?: ReadonlyMap<string, CelSchemaShape>;
  /** Schema of map values. */
  readonly additionalProperties?: CelSchemaShape | boolean;
  /** Schema of list items. */
  readonly items?: CelSchemaShape;
}

/** A CEL error value. */
export function celError(message: string): CelValue {
  return { kind: 'error', message };
}

/** `true`/`false` as CEL values. */
export const CEL_TRUE: CelValue = { kind: 'bool', value: true };
export const CEL_FALSE: CelValue = { kind: 'bool', value: false };

/** Converts a decoded JSON value to CEL following its schema node. */
export function toCelValue(json: unknown, schema: CelSchemaShape | undefined): CelValue {
  if (json === null || json === undefined) return { kind: 'null' };
  if (typeof json === 'boolean') return { kind: 'bool', value: json };
  if (typeof json === 'string') return { kind: 'string', value: json };
  if (typeof json === 'number') {
    const types = schema?.types ?? [];
    if (types.includes('number') || !Number.isInteger(json)) return { kind: 'double', value: json };
    return { kind: 'int', value: BigInt(json) };
  }
  if (Array.isArray(json)) {
    return { kind: 'list', items: json.map((item) => toCelValue(item, schema?.items)) };
  }
  const entries = new Map<string, CelValue>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const property = schema?.properties?.get(key);
    const additional =
      typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    entries.set(key, toCelValue(value, property ?? additional));
  }
  return { kind: 'map', entries };
}

/** CEL's name of a value's type, as used in error messages. */
export function celTypeName(value: CelValue): string {
  switch (value.kind) {
    case 'null':
      return 'null_type';
    case 'duration':
      return 'google.protobuf.Duration';
    default:
      return value.kind;
  }
}

function numeric(value: CelValue): number | bigint | undefined {
  switch (value.kind) {
    case 'int':
    case 'uint':
      return value.value;
    case 'double':
      return value.value;
    default:
      return undefined;
  }
}

/** Compares two numbers of possibly different CEL numeric types by value. */
function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Heterogeneous equality: different types are unequal, numbers compare across types. */
export function celEquals(a: CelValue, b: CelValue): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb) === 0;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'string':
    case 'bool':
      return a.value === (b as typeof a).value;
    case 'null':
      return true;
    case 'duration':
      return a.nanos === (b as typeof a).nanos;
    case 'list': {
      const other = b as typeof a;
      return (
        a.items.length === other.items.length &&
        a.items.every((item, i) => celEquals(item, other.items[i] as CelValue))
      );
    }
    case 'map': {
      const other = b as typeof a;
      if (a.entries.size !== other.entries.size) return false;
      for (const [key, value] of a.entries) {
        const o = other.entries.get(key);
        if (o === undefined || !celEquals(value, o)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Ordering for `<`, `<=`, `>`, `>=`: a number (-1, 0, 1), or undefined when no overload exists. */
export function celCompare(a: CelValue, b: CelValue): number | undefined {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb);
  if (a.kind !== b.kind) return undefined;
  switch (a.kind) {
    case 'string': {
      const other = (b as typeof a).value;
      return a.value < other ? -1 : a.value > other ? 1 : 0;
    }
    case 'bool':
      return Number(a.value) - Number((b as typeof a).value);
    case 'duration': {
      const other = (b as typeof a).nanos;
      return a.nanos < other ? -1 : a.nanos > other ? 1 : 0;
    }
    default:
      return undefined;
  }
}
