/**
 * The real API server decodes a built-in object into its Go struct and encodes it back:
 * fields of the wrong JSON type are refused (`json: cannot unmarshal string into Go struct
 * field LeaseSpec.spec.leaseDurationSeconds of type int32`), timestamps are parsed and
 * rewritten in UTC (`metav1.Time` to the second, `metav1.MicroTime` to the microsecond),
 * unknown fields are dropped (a warning, or a strict decoding error), and fields without
 * `omitempty` come back even when the client left them out (an Event's `eventTime: null`,
 * `reportingInstance: ""`). The simulator knows the Go shapes of ObjectMeta (every object),
 * and of the kinds switchyard writes, Lease and Event; other kinds keep their fields as sent.
 */
import { goJsonKind } from './json-syntax.js';
import { decodeKubeTime } from '../go-faithful/kube-time.js';

type Json = Record<string, unknown>;

/** A Go field type. */
type GoType =
  | 'string'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'Time'
  | 'MicroTime'
  | 'raw'
  | { struct: string; fields: Record<string, Field> }
  | { map: 'string' }
  | { slice: GoType };

/**
 * A struct field. `zero`: what Go writes when it is absent (fields without `omitempty`, and
 * struct-valued fields, which `omitempty` never drops); undefined means omitted when zero.
 * `pointer`: a pointer field, kept whenever given, even as a zero value.
 */
interface Field {
  type: GoType;
  zero?: unknown;
  pointer?: boolean;
}

/** A value field with `omitempty` (zero is dropped), or without (`zero` is written). */
const f = (type: GoType, zero?: unknown): Field => (zero === undefined ? { type } : { type, zero });
/** A pointer field (`*string`, `*int32`, ...): absent unless given. */
const ptr = (type: GoType): Field => ({ type, pointer: true });
/** A struct-valued field: always written, `{}` when absent. */
const struct = (type: GoType): Field => ({ type, zero: {} });

const OWNER_REFERENCE: GoType = {
  struct: 'OwnerReference',
  fields: {
    apiVersion: f('string', ''),
    kind: f('string', ''),
    name: f('string', ''),
    uid: f('string', ''),
    controller: ptr('bool'),
    blockOwnerDeletion: ptr('bool'),
  },
};

const OBJECT_META: GoType = {
  struct: 'ObjectMeta',
  fields: {
    name: f('string'),
    generateName: f('string'),
    namespace: f('string'),
    selfLink: f('string'),
    uid: f('string'),
    resourceVersion: f('string'),
    generation: f('int64'),
    creationTimestamp: f('Time'),
    deletionTimestamp: ptr('Time'),
    deletionGracePeriodSeconds: ptr('int64'),
    labels: f({ map: 'string' }),
    annotations: f({ map: 'string' }),
    ownerReferences: f({ slice: OWNER_REFERENCE }),
    finalizers: f({ slice: 'string' }),
    managedFields: f({ slice: 'raw' }),
  },
};

const OBJECT_REFERENCE = (name: string): GoType => ({
  struct: name,
  fields: {
    kind: f('string'),
    namespace: f('string'),
    name: f('string'),
    uid: f('string'),
    apiVersion: f('string'),
    resourceVersion: f('string'),
    fieldPath: f('string'),
  },
});

const TYPE_META = { apiVersion: f('string'), kind: f('string') };

/** Go shapes of the built-in kinds the simulator decodes strictly, by `group/plural`. */
const KINDS: Record<string, { struct: string; fields: Record<string, Field> }> = {
  'coordination.k8s.io/leases': {
    struct: 'Lease',
    fields: {
      ...TYPE_META,
      metadata: struct(OBJECT_META),
      spec: struct({
        struct: 'LeaseSpec',
        fields: {
          holderIdentity: ptr('string'),
          leaseDurationSeconds: ptr('int32'),
          acquireTime: ptr('MicroTime'),
          renewTime: ptr('MicroTime'),
          leaseTransitions: ptr('int32'),
          strategy: ptr('string'),
          preferredHolder: ptr('string'),
        },
      }),
    },
  },
  '/events': {
    struct: 'Event',
    fields: {
      ...TYPE_META,
      metadata: struct(OBJECT_META),
      involvedObject: struct(OBJECT_REFERENCE('ObjectReference')),
      reason: f('string'),
      message: f('string'),
      source: struct({
        struct: 'EventSource',
        fields: { component: f('string'), host: f('string') },
      }),
      // metav1.Time and MicroTime are structs: written as null when zero.
      firstTimestamp: f('Time', null),
      lastTimestamp: f('Time', null),
      count: f('int32'),
      type: f('string'),
      eventTime: f('MicroTime', null),
      series: ptr({
        struct: 'EventSeries',
        fields: { count: f('int32'), lastObservedTime: f('MicroTime', null) },
      }),
      action: f('string'),
      related: ptr(OBJECT_REFERENCE('ObjectReference')),
      reportingComponent: f('string', ''),
      reportingInstance: f('string', ''),
    },
  },
};

const GO_TYPE_NAMES: Record<string, string> = {
  string: 'string',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
  map: 'map[string]string',
};

function goTypeName(type: GoType): string {
  if (typeof type === 'string') return GO_TYPE_NAMES[type] ?? type;
  if ('struct' in type) return `v1.${type.struct}`;
  if ('map' in type) return 'map[string]string';
  return `[]${goTypeName(type.slice)}`;
}

/** What decoding found. */
export interface TypedDecoding {
  /** The object as Go writes it back. */
  object: Json;
  /** The first decoding error (type mismatch or timestamp), as Go words it; undefined when none. */
  error?: string;
  /** Unknown fields, as paths from the root (`spec.bogus`). */
  unknownFields: string[];
}

const INT_RANGES = { int32: 2 ** 31, int64: 2 ** 63 };

interface Context {
  typeError?: string;
  fatal?: string;
  unknown: string[];
}

function decodeValue(
  value: unknown,
  type: GoType,
  path: string,
  struct: string,
  context: Context,
): unknown {
  if (context.fatal !== undefined) return value;
  const mismatch = (valueText: string): undefined => {
    context.typeError ??= `json: cannot unmarshal ${valueText} into Go struct field ${struct}.${path} of type ${goTypeName(type)}`;
    return undefined;
  };
  if (value === null) return undefined;
  if (typeof type === 'string') {
    switch (type) {
      case 'raw':
        return value;
      case 'string':
        return typeof value === 'string' ? value : mismatch(goJsonKind(value));
      case 'bool':
        return typeof value === 'boolean' ? value : mismatch(goJsonKind(value));
      case 'int32':
      case 'int64': {
        if (typeof value !== 'number') return mismatch(goJsonKind(value));
        const limit = INT_RANGES[type];
        if (!Number.isInteger(value) || value >= limit || value < -limit)
          return mismatch(`number ${String(value)}`);
        return value;
      }
      case 'Time':
      case 'MicroTime': {
        // The time's UnmarshalJSON reads a string; the decoder adds the field to its error.
        if (typeof value !== 'string') {
          context.fatal = `json: cannot unmarshal ${goJsonKind(value)} into Go struct field ${struct}.${path} of type string`;
          return undefined;
        }
        const decoded = decodeKubeTime(value, type);
        if ('error' in decoded) {
          context.fatal = decoded.error;
          return undefined;
        }
        return decoded.value;
      }
    }
  }
  if ('map' in type) {
    if (typeof value !== 'object' || Array.isArray(value)) return mismatch(goJsonKind(value));
    const out: Record<string, unknown> = {};
    // Go's decoder names the map, not the key, in a map value's error.
    for (const [key, item] of Object.entries(value as Json)) {
      const decoded = decodeValue(item, 'string', path, struct, context);
      out[key] = decoded ?? '';
    }
    return out;
  }
  if ('slice' in type) {
    if (!Array.isArray(value)) return mismatch(goJsonKind(value));
    return value.map((item) => decodeValue(item, type.slice, path, struct, context) ?? null);
  }
  if (typeof value !== 'object' || Array.isArray(value)) return mismatch(goJsonKind(value));
  return decodeStruct(value as Json, type, path, context);
}

function isGoZero(value: unknown): boolean {
  if (value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.keys(value).length === 0 &&
    value.constructor === Object
  );
}

function decodeStruct(
  value: Json,
  type: { struct: string; fields: Record<string, Field> },
  path: string,
  context: Context,
): Json {
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields[key];
    const fieldPath = path ? `${path}.${key}` : key;
    if (!field) {
      context.unknown.push(fieldPath);
      continue;
    }
    const decoded = decodeValue(item, field.type, fieldPath, type.struct, context);
    if (decoded === undefined) continue;
    // omitempty drops zero values of value fields; struct-valued fields are never dropped.
    const isStruct = typeof field.type === 'object' && 'struct' in field.type;
    if (!field.pointer && field.zero === undefined && !isStruct && isGoZero(decoded)) continue;
    out[key] = decoded;
  }
  for (const [key, field] of Object.entries(type.fields)) {
    if (out[key] !== undefined || field.zero === undefined) continue;
    out[key] =
      typeof field.type === 'object' && 'struct' in field.type
        ? decodeStruct({}, field.type, path ? `${path}.${key}` : key, context)
        : structuredClone(field.zero);
  }
  return out;
}

/**
 * Decodes `object` of the built-in type `group/plural` as the real server's Go decoder
 * would. Kinds without a known Go shape only get their metadata checked.
 */
export function decodeBuiltin(group: string, plural: string, object: Json): TypedDecoding {
  const context: Context = { unknown: [] };
  const kind = KINDS[`${group}/${plural}`];
  let decoded: Json;
  if (kind) {
    decoded = decodeStruct(object, kind, '', context);
  } else {
    decoded = { ...object };
    if (object.metadata !== undefined) {
      const metadata = decodeValue(object.metadata, OBJECT_META, 'metadata', 'ObjectMeta', context);
      if (metadata !== undefined) decoded.metadata = metadata;
    }
    // Unknown fields of kinds the simulator has no Go shape for are not detected.
    context.unknown = context.unknown.filter((p) => p.startsWith('metadata.'));
  }
  const error = context.fatal ?? context.typeError;
  return { object: decoded, unknownFields: context.unknown, ...(error ? { error } : {}) };
}

/**
 * Decodes the metadata of a custom resource as `ObjectMeta` (apiextensions reads it into
 * the Go struct: `json: cannot unmarshal number into Go struct field ObjectMeta.name`).
 * Unknown metadata fields are left to pruning.
 */
export function decodeCustomResourceMeta(object: Json): { object: Json; error?: string } {
  if (object.metadata === undefined || object.metadata === null) return { object };
  const context: Context = { unknown: [] };
  const metadata = decodeValue(object.metadata, OBJECT_META, '', 'ObjectMeta', context);
  const error = context.fatal ?? context.typeError;
  if (error) return { object, error };
  const kept = { ...(object.metadata as Json) };
  for (const [key, value] of Object.entries(metadata as Json)) kept[key] = value;
  return { object: { ...object, metadata: kept } };
}
