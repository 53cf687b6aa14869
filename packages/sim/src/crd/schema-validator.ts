/**
 * OpenAPI v3 value validation of a custom resource the way the API server does it: the
 * k8s.io/kube-openapi `validate` package (a go-openapi fork) run by apiextensions-apiserver,
 * with its validator order (type, composition, string, format, number, slice, enum, object),
 * its messages (`spec.x in body must be of type integer: "string"`), and apiextensions'
 * conversion of those errors to field errors (`kubeOpenAPIResultToFieldErrors`), including the
 * `<nil>: Invalid value: ""` it produces for composition (oneOf/anyOf/allOf/not) failures.
 */
import type { FieldProblem } from '../store/admission.js';
import {
  invalidProblem,
  NIL_FIELD,
  notSupportedProblem,
  requiredProblem,
  tooLongProblem,
  tooManyProblem,
  typeInvalidProblem,
} from './field-problems.js';
import { goFloat, goQuote } from './go-format.js';
import type { SchemaNode } from './structural-schema.js';

type Code =
  | 'type'
  | 'required'
  | 'tooLong'
  | 'enum'
  | 'max'
  | 'min'
  | 'maxItems'
  | 'minItems'
  | 'tooFewProperties'
  | 'tooManyProperties'
  | 'forbiddenProperty';

type OpenApiError =
  | {
      kind: 'validation';
      code: Code;
      name: string;
      value: unknown;
      limit?: number;
      values?: readonly unknown[];
      message: string;
    }
  | { kind: 'composite'; message: string };

interface Result {
  errors: OpenApiError[];
  matchCount: number;
}

const IN = 'body';

function validationError(
  code: Code,
  name: string,
  value: unknown,
  message: string,
  extra: { limit?: number; values?: readonly unknown[] } = {},
): OpenApiError {
  return { kind: 'validation', code, name, value, message, ...extra };
}

// errors.InvalidType: the value printed is always a string here (a type or format name, or the data).
function invalidType(name: string, typeName: string, value: string): OpenApiError {
  return validationError(
    'type',
    name,
    value,
    `${name} in ${IN} must be of type ${typeName}: ${goQuote(value)}`,
  );
}

type JsonKind = 'null' | 'boolean' | 'string' | 'int' | 'float' | 'array' | 'object';

function kindOf(data: unknown): JsonKind {
  if (data === null || data === undefined) return 'null';
  if (Array.isArray(data)) return 'array';
  switch (typeof data) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'number':
      // The API server decodes integral JSON numbers to int64, others to float64.
      return Number.isInteger(data) ? 'int' : 'float';
    default:
      return 'object';
  }
}

// typeValidator.schemaInfoForType: the JSON type and go-openapi format of decoded data.
function schemaInfo(kind: JsonKind): { type: string; format: string } {
  switch (kind) {
    case 'boolean':
      return { type: 'boolean', format: '' };
    case 'string':
      return { type: 'string', format: '' };
    case 'int':
      return { type: 'integer', format: 'int64' };
    case 'float':
      return { type: 'number', format: 'float64' };
    case 'array':
      return { type: 'array', format: '' };
    default:
      return { type: 'object', format: '' };
  }
}

function validateType(
  node: SchemaNode,
  name: string,
  data: unknown,
  kind: JsonKind,
): OpenApiError | undefined {
  const types = node.types;
  if (kind === 'null') {
    if (types.length > 0 && !types.includes('null') && !node.nullable)
      return invalidType(name, types.join(','), 'null');
    return undefined;
  }
  const { type: schType, format } = schemaInfo(kind);
  const isLowerInt = node.format === 'int64' && format === 'int32';
  const isLowerFloat = node.format === 'float64' && format === 'float32';
  const isFloatInt = schType === 'number' && Number.isInteger(data) && types.includes('integer');
  const isIntFloat = schType === 'integer' && types.includes('number');
  const stringOrSlice = kind === 'string' || kind === 'array';
  if (
    !stringOrSlice &&
    node.format !== '' &&
    !(
      types.includes(schType) ||
      format === node.format ||
      isFloatInt ||
      isIntFloat ||
      isLowerInt ||
      isLowerFloat
    )
  ) {
    return invalidType(name, node.format, format);
  }
  if (
    !(types.includes('number') || types.includes('integer')) &&
    node.format !== '' &&
    stringOrSlice
  )
    return undefined;
  if (!(types.includes(schType) || isFloatInt || isIntFloat))
    return invalidType(name, types.join(','), schType);
  return undefined;
}

// strfmt.Default checks, for the formats our CRDs use; others pass (the simulator does not
// reimplement every go-openapi format).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function formatValid(format: string, value: string): boolean {
  switch (format.replaceAll('-', '')) {
    case 'byte':
      // Go's base64.StdEncoding ignores CR and LF.
      return BASE64.test(value.replace(/[\r\n]/g, ''));
    case 'datetime': {
      const m = DATE_TIME.exec(value);
      if (!m) return false;
      const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
        number,
        number,
        number,
        number,
        number,
      ];
      return (
        month >= 1 &&
        month <= 12 &&
        day >= 1 &&
        day <= 31 &&
        hour < 24 &&
        minute < 60 &&
        second < 60
      );
    }
    default:
      return true;
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  return (
    ak.length === bk.length &&
    ak.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function numberText(value: number, asInt: boolean): string {
  return asInt ? String(Math.trunc(value)) : goFloat(value);
}

/**
 * `IsValueValidAgainstRange`: the value must convert without loss to the schema's single
 * numeric type and format (`int32`/`int64` for integers, `float` for numbers); a fraction
 * never fits an integer. Reported as a plain error: `<nil>: Invalid value: ""`.
 */
function rangeError(
  node: SchemaNode,
  name: string,
  data: number,
  kind: JsonKind,
): OpenApiError | undefined {
  if (node.types.length !== 1) return undefined;
  const [type] = node.types;
  let fits: boolean;
  let format = '';
  if (type === 'integer') {
    if (node.format === 'int32' || node.format === 'int64') format = node.format;
    const limit = format === 'int32' ? 2 ** 31 : 2 ** 63;
    fits = kind === 'int' && data >= -limit && data < limit;
  } else if (type === 'number') {
    if (node.format === 'float' || node.format === 'double') format = node.format;
    fits = format !== 'float' || Math.abs(data) <= 3.4028234663852886e38;
  } else {
    return undefined;
  }
  if (fits) return undefined;
  return {
    kind: 'composite',
    message: format
      ? `Checked value must be of type ${type} with format ${format} in ${name}`
      : `Checked value must be of type ${type} (default format) in ${name}`,
  };
}

function validateNumber(
  node: SchemaNode,
  name: string,
  data: number,
  kind: JsonKind,
): OpenApiError[] {
  const errors: OpenApiError[] = [];
  const range = rangeError(node, name, data, kind);
  if (range) errors.push(range);
  // MinimumNativeType & co.: integers compare as int64 and print the bound with %d.
  const asInt = kind === 'int';
  if (node.minimum !== undefined) {
    const min = asInt ? Math.trunc(node.minimum) : node.minimum;
    if (data < min) {
      errors.push(
        validationError(
          'min',
          name,
          data,
          `${name} in ${IN} should be greater than or equal to ${numberText(min, asInt)}`,
        ),
      );
    }
  }
  if (node.maximum !== undefined) {
    const max = asInt ? Math.trunc(node.maximum) : node.maximum;
    if (data > max) {
      errors.push(
        validationError(
          'max',
          name,
          data,
          `${name} in ${IN} should be less than or equal to ${numberText(max, asInt)}`,
        ),
      );
    }
  }
  return errors;
}

function validateString(node: SchemaNode, name: string, data: string): OpenApiError | undefined {
  const length = [...data].length;
  if (node.maxLength !== undefined && length > node.maxLength) {
    return validationError(
      'tooLong',
      name,
      data,
      `${name} in ${IN} should be at most ${node.maxLength} chars long`,
      { limit: node.maxLength },
    );
  }
  return undefined;
}

function merge(into: Result, from: Result): void {
  into.errors.push(...from.errors);
  into.matchCount += from.matchCount;
}

function validateComposition(node: SchemaNode, name: string, data: unknown): Result {
  const main: Result = { errors: [], matchCount: 0 };
  if (node.anyOf.length > 0) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    for (const schema of node.anyOf) {
      const result = validateNode(schema, name, data);
      if (result.errors.length === 0) {
        best = undefined;
        firstSuccess = result;
        break;
      }
      if (!best || result.matchCount > best.matchCount) best = result;
    }
    if (!firstSuccess)
      main.errors.push({
        kind: 'composite',
        message: `${goQuote(name)} must validate at least one schema (anyOf)`,
      });
    if (best) merge(main, best);
    else if (firstSuccess) merge(main, firstSuccess);
  }
  if (node.oneOf.length > 0) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    let validated = 0;
    for (const schema of node.oneOf) {
      const result = validateNode(schema, name, data);
      if (result.errors.length === 0) {
        validated++;
        best = undefined;
        firstSuccess ??= result;
        continue;
      }
      if (validated === 0 && (!best || result.matchCount > best.matchCount)) best = result;
    }
    if (validated !== 1) {
      const detail = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      main.errors.push({
        kind: 'composite',
        message: `${goQuote(name)} must validate one and only one schema (oneOf). ${detail}`,
      });
      if (best) merge(main, best);
    } else if (firstSuccess) {
      merge(main, firstSuccess);
    }
  }
  if (node.allOf.length > 0) {
    let validated = 0;
    for (const schema of node.allOf) {
      const result = validateNode(schema, name, data);
      if (result.errors.length === 0) validated++;
      merge(main, result);
    }
    if (validated !== node.allOf.length) {
      const detail = validated === 0 ? '. None validated' : '';
      main.errors.push({
        kind: 'composite',
        message: `${goQuote(name)} must validate all the schemas (allOf)${detail}`,
      });
    }
  }
  if (node.not && validateNode(node.not, name, data).errors.length === 0) {
    main.errors.push({
      kind: 'composite',
      message: `${goQuote(name)} must not validate the schema (not)`,
    });
  }
  main.matchCount++;
  return main;
}

function validateEnum(node: SchemaNode, name: string, data: unknown): OpenApiError | undefined {
  if (!node.enum || node.enum.length === 0) return undefined;
  if (data !== null && data !== undefined && node.enum.some((value) => jsonEqual(value, data)))
    return undefined;
  return validationError(
    'enum',
    name,
    data,
    `${name} in ${IN} should be one of [${node.enum.map(String).join(' ')}]`,
    { values: node.enum },
  );
}

function validateObject(node: SchemaNode, name: string, data: Record<string, unknown>): Result {
  const result: Result = { errors: [], matchCount: 0 };
  const keys = Object.keys(data);
  if (node.minProperties !== undefined && keys.length < node.minProperties) {
    result.errors.push(
      validationError(
        'tooFewProperties',
        name,
        keys.length,
        `${name} in ${IN} should have at least ${node.minProperties} properties`,
        { limit: node.minProperties },
      ),
    );
    return result;
  }
  if (node.maxProperties !== undefined && keys.length > node.maxProperties) {
    result.errors.push(
      validationError(
        'tooManyProperties',
        name,
        keys.length,
        `${name} in ${IN} should have at most ${node.maxProperties} properties`,
        { limit: node.maxProperties },
      ),
    );
    return result;
  }
  const child = (key: string): string => (name === '' ? key : `${name}.${key}`);
  if (node.additionalProperties === false) {
    for (const key of keys) {
      if (!node.properties?.has(key)) {
        result.errors.push(
          validationError(
            'forbiddenProperty',
            name,
            key,
            `${name}.${key} in ${IN} is a forbidden property`,
          ),
        );
      }
    }
  } else if (node.additionalProperties) {
    for (const key of keys) {
      if (!node.properties?.has(key))
        merge(result, validateNode(node.additionalProperties, `${name}.${key}`, data[key]));
    }
  }
  if (node.properties) {
    for (const [key, schema] of node.properties) {
      if (Object.hasOwn(data, key)) merge(result, validateNode(schema, child(key), data[key]));
    }
  }
  for (const key of node.required) {
    if (!Object.hasOwn(data, key)) {
      result.errors.push(
        validationError(
          'required',
          `${name}.${key}`,
          undefined,
          `${name}.${key} in ${IN} is required`,
        ),
      );
    }
  }
  return result;
}

function validateArray(node: SchemaNode, name: string, data: unknown[]): Result {
  const result: Result = { errors: [], matchCount: 0 };
  if (node.items) {
    for (let i = 0; i < data.length; i++)
      merge(result, validateNode(node.items, `${name}[${i}]`, data[i]));
  }
  if (node.minItems !== undefined && data.length < node.minItems) {
    result.errors.push(
      validationError(
        'minItems',
        name,
        data.length,
        `${name} in ${IN} should have at least ${node.minItems} items`,
        { limit: node.minItems },
      ),
    );
  }
  if (node.maxItems !== undefined && data.length > node.maxItems) {
    result.errors.push(
      validationError(
        'maxItems',
        name,
        data.length,
        `${name} in ${IN} should have at most ${node.maxItems} items`,
        { limit: node.maxItems },
      ),
    );
  }
  result.matchCount++;
  return result;
}

// One validator's outcome: counted as a match when it found nothing wrong.
function add(result: Result, errors: readonly (OpenApiError | undefined)[]): void {
  const found = errors.filter((e): e is OpenApiError => e !== undefined);
  result.errors.push(...found);
  result.matchCount++;
}

function validateNode(node: SchemaNode, name: string, data: unknown): Result {
  const result: Result = { errors: [], matchCount: 0 };
  const kind = kindOf(data);
  if (kind === 'null') {
    add(result, [validateType(node, name, data, kind), validateEnum(node, name, data)]);
    return result;
  }
  if (node.types.length > 0 || node.format !== '')
    add(result, [validateType(node, name, data, kind)]);
  merge(result, validateComposition(node, name, data));
  if (kind === 'string') {
    add(result, [validateString(node, name, data as string)]);
    if (node.format !== '' && !formatValid(node.format, data as string)) {
      add(result, [invalidType(name, node.format, data as string)]);
    }
  }
  if (kind === 'int' || kind === 'float')
    add(result, validateNumber(node, name, data as number, kind));
  if (kind === 'array') merge(result, validateArray(node, name, data as unknown[]));
  add(result, [validateEnum(node, name, data)]);
  if (kind === 'object') merge(result, validateObject(node, name, data as Record<string, unknown>));
  result.matchCount++;
  return result;
}

function enumValueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function toProblem(error: OpenApiError): FieldProblem {
  if (error.kind === 'composite') return invalidProblem(NIL_FIELD, '', error.message);
  const name = error.name.startsWith('.') ? error.name.slice(1) : error.name;
  const field = name === '' ? NIL_FIELD : name;
  switch (error.code) {
    case 'required':
      return requiredProblem(field);
    case 'enum':
      return notSupportedProblem(field, error.value, (error.values ?? []).map(enumValueText));
    case 'tooLong':
      return tooLongProblem(field, error.limit ?? -1);
    case 'maxItems':
    case 'tooManyProperties':
      return tooManyProblem(
        field,
        typeof error.value === 'number' ? error.value : -1,
        error.limit ?? -1,
      );
    case 'type':
      return typeInvalidProblem(field, error.value ?? '', error.message);
    default:
      return invalidProblem(field, error.value ?? '', error.message);
  }
}

/** Validates a whole custom resource against its compiled root schema. */
export function validateAgainstSchema(root: SchemaNode, object: unknown): FieldProblem[] {
  return validateNode(root, '', object).errors.map(toProblem);
}
