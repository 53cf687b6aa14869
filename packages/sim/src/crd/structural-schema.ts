/**
 * Compiles a CRD version's `openAPIV3Schema` once, at load, into a tree the validator, the pruner
 * and the CEL rule runner walk per request. Keywords the real API server would act on but this
 * simulator does not implement (defaulting, embedded resources, transition rules) make
 * compilation throw, so a CRD that starts using them is noticed.
 */
import { ruleCheck, type RuleCheck } from './crd-rules.js';

/** One `x-kubernetes-validations` entry, compiled. */
export interface CompiledRule {
  /** The rule's CEL source. */
  readonly rule: string;
  /** The rule's `message`, or undefined (then `failed rule: <rule>` is reported). */
  readonly message: string | undefined;
  /** `reason`: the field error type reported on failure (FieldValueInvalid when unset). */
  readonly reason:
    | 'FieldValueInvalid'
    | 'FieldValueForbidden'
    | 'FieldValueRequired'
    | 'FieldValueDuplicate'
    | undefined;
  /** `fieldPath`, as path segments appended to the node's path, or undefined. */
  readonly fieldPath: readonly string[] | undefined;
  /** The rule, written out in TypeScript (`crd-rules.ts`). */
  readonly check: RuleCheck;
}

/** A compiled schema node. */
export interface SchemaNode {
  /** OpenAPI types: `[]` when untyped, `['integer', 'string']` for `x-kubernetes-int-or-string`. */
  readonly types: readonly string[];
  /** `format`, after dropping formats the API server ignores (as `StripUnsupportedFormatsPostProcess`). */
  readonly format: string;
  /** `nullable`. */
  readonly nullable: boolean;
  /** `enum` values, or undefined. */
  readonly enum: readonly unknown[] | undefined;
  /** `minimum`. */
  readonly minimum: number | undefined;
  /** `maximum`. */
  readonly maximum: number | undefined;
  /** `maxLength` (characters). */
  readonly maxLength: number | undefined;
  /** `minItems`. */
  readonly minItems: number | undefined;
  /** `maxItems`. */
  readonly maxItems: number | undefined;
  /** `minProperties`. */
  readonly minProperties: number | undefined;
  /** `maxProperties`. */
  readonly maxProperties: number | undefined;
  /** `required`, in declaration order. */
  readonly required: readonly string[];
  /** `properties`, in declaration order; undefined when absent. */
  readonly properties: ReadonlyMap<string, SchemaNode> | undefined;
  /** `additionalProperties`: a schema, `false`, or undefined (allowed, unvalidated). */
  readonly additionalProperties: SchemaNode | false | undefined;
  /** `items`. */
  readonly items: SchemaNode | undefined;
  /** `allOf`. */
  readonly allOf: readonly SchemaNode[];
  /** `anyOf`. */
  readonly anyOf: readonly SchemaNode[];
  /** `oneOf`. */
  readonly oneOf: readonly SchemaNode[];
  /** `not`. */
  readonly not: SchemaNode | undefined;
  /** `x-kubernetes-preserve-unknown-fields: true`. */
  readonly preserveUnknownFields: boolean;
  /** `x-kubernetes-validations`, compiled. */
  readonly rules: readonly CompiledRule[];
  /** `x-kubernetes-list-type`: `atomic` (also when absent), `set` or `map`. */
  readonly listType: 'atomic' | 'set' | 'map';
  /** `x-kubernetes-list-map-keys` of a `map` list; empty otherwise. */
  readonly listMapKeys: readonly string[];
}

/** A schema keyword this simulator does not implement. */
export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
}

const IGNORED = new Set([
  'description',
  'title',
  'example',
  'externalDocs',
  'x-kubernetes-map-type',
]);
const HANDLED = new Set([
  'type',
  'format',
  'nullable',
  'enum',
  'minimum',
  'maximum',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

const REASONS = new Set([
  'FieldValueInvalid',
  'FieldValueForbidden',
  'FieldValueRequired',
  'FieldValueDuplicate',
]);

type Raw = Record<string, unknown>;

function asRecord(value: unknown, where: string): Raw {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UnsupportedSchemaError(`${where}: expected a schema object`);
  }
  return value as Raw;
}

function num(raw: Raw, key: string): number | undefined {
  const value = raw[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The format a node validates: numeric formats the API server knows, the string formats the
 * Istio CRDs use (`byte`, `date-time`). The server drops other numeric formats; other string
 * formats it validates, which the simulator does not, so a CRD using one is refused at load.
 */
function compiledFormat(type: string | undefined, format: unknown, where: string): string {
  if (typeof format !== 'string' || format === '') return '';
  if (type === 'integer') return format === 'int32' || format === 'int64' ? format : '';
  if (type === 'number') return format === 'float' || format === 'double' ? format : '';
  if (type !== undefined && type !== 'string') return '';
  if (format === 'byte' || format === 'date-time') return format;
  throw new UnsupportedSchemaError(
    `${where}: string format ${format} is not supported by the simulator`,
  );
}

function parseFieldPath(fieldPath: string, where: string): string[] {
  // Only dotted field names (`.spec.foo`) are supported; bracket notation is not.
  if (!/^(\.[A-Za-z_][A-Za-z0-9_-]*)+$/.test(fieldPath)) {
    throw new UnsupportedSchemaError(`${where}: unsupported fieldPath ${fieldPath}`);
  }
  return fieldPath.slice(1).split('.');
}

function compileRules(value: unknown, where: string): CompiledRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new UnsupportedSchemaError(`${where}: x-kubernetes-validations must be a list`);
  return value.map((entry, i) => {
    const raw = asRecord(entry, `${where}.x-kubernetes-validations[${i}]`);
    if (typeof raw.rule !== 'string')
      throw new UnsupportedSchemaError(`${where}: rule must be a string`);
    if (raw.messageExpression !== undefined) {
      throw new UnsupportedSchemaError(
        `${where}: messageExpression is not supported (rule: ${raw.rule})`,
      );
    }
    if (raw.optionalOldSelf !== undefined) {
      throw new UnsupportedSchemaError(
        `${where}: optionalOldSelf is not supported (rule: ${raw.rule})`,
      );
    }
    const reason = raw.reason;
    if (reason !== undefined && (typeof reason !== 'string' || !REASONS.has(reason))) {
      throw new UnsupportedSchemaError(`${where}: unknown reason ${JSON.stringify(reason)}`);
    }
    return {
      rule: raw.rule,
      message:
        typeof raw.message === 'string' && raw.message.trim() !== '' ? raw.message : undefined,
      reason: reason as CompiledRule['reason'],
      fieldPath:
        typeof raw.fieldPath === 'string' && raw.fieldPath !== ''
          ? parseFieldPath(raw.fieldPath, where)
          : undefined,
      check: ruleCheck(raw.rule, where),
    };
  });
}

/** Compiles one schema node (recursively); `where` names it in errors. */
export function compileSchema(value: unknown, where = 'openAPIV3Schema'): SchemaNode {
  const raw = asRecord(value, where);
  for (const key of Object.keys(raw)) {
    if (!HANDLED.has(key) && !IGNORED.has(key)) {
      throw new UnsupportedSchemaError(
        `${where}: schema keyword ${key} is not supported by the simulator`,
      );
    }
  }
  const listType = raw['x-kubernetes-list-type'] ?? 'atomic';
  if (listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
    throw new UnsupportedSchemaError(
      `${where}: x-kubernetes-list-type ${JSON.stringify(listType)} is not supported`,
    );
  }
  const mapKeys = raw['x-kubernetes-list-map-keys'];
  const listMapKeys = Array.isArray(mapKeys)
    ? mapKeys.filter((key): key is string => typeof key === 'string')
    : [];
  if (listType === 'map' && listMapKeys.length === 0)
    throw new UnsupportedSchemaError(`${where}: a map list needs x-kubernetes-list-map-keys`);
  const intOrString = raw['x-kubernetes-int-or-string'] === true;
  const type = typeof raw.type === 'string' && raw.type !== '' ? raw.type : undefined;
  const types = intOrString ? ['integer', 'string'] : type ? [type] : [];
  const list = (key: string): SchemaNode[] => {
    const items = raw[key];
    if (items === undefined) return [];
    if (!Array.isArray(items)) throw new UnsupportedSchemaError(`${where}.${key}: expected a list`);
    return items.map((item, i) => compileSchema(item, `${where}.${key}[${i}]`));
  };
  let properties: Map<string, SchemaNode> | undefined;
  if (raw.properties !== undefined) {
    properties = new Map();
    for (const [name, child] of Object.entries(asRecord(raw.properties, `${where}.properties`))) {
      properties.set(name, compileSchema(child, `${where}.properties.${name}`));
    }
  }
  let additionalProperties: SchemaNode | false | undefined;
  if (raw.additionalProperties === false) additionalProperties = false;
  else if (raw.additionalProperties !== undefined && raw.additionalProperties !== true) {
    additionalProperties = compileSchema(raw.additionalProperties, `${where}.additionalProperties`);
  }
  return {
    types,
    format: intOrString ? '' : compiledFormat(type, raw.format, where),
    nullable: raw.nullable === true,
    enum: Array.isArray(raw.enum) ? raw.enum : undefined,
    minimum: num(raw, 'minimum'),
    maximum: num(raw, 'maximum'),
    maxLength: num(raw, 'maxLength'),
    minItems: num(raw, 'minItems'),
    maxItems: num(raw, 'maxItems'),
    minProperties: num(raw, 'minProperties'),
    maxProperties: num(raw, 'maxProperties'),
    required: Array.isArray(raw.required)
      ? raw.required.filter((r): r is string => typeof r === 'string')
      : [],
    properties,
    additionalProperties,
    items: raw.items === undefined ? undefined : compileSchema(raw.items, `${where}.items`),
    allOf: list('allOf'),
    anyOf: list('anyOf'),
    oneOf: list('oneOf'),
    not: raw.not === undefined ? undefined : compileSchema(raw.not, `${where}.not`),
    preserveUnknownFields: raw['x-kubernetes-preserve-unknown-fields'] === true,
    rules: compileRules(raw['x-kubernetes-validations'], where),
    listType,
    listMapKeys,
  };
}
