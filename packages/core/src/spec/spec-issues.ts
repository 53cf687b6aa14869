/**
 * Turning zod's issues into switchyard's `ValidationIssue`s: dotted paths
 * (`strategy.steps[2].weight`), messages written for people editing YAML, one issue per
 * unknown field with the closest known name, and a pointed message when the unknown field
 * is an inline credential.
 */
import { z } from 'zod';
import type { ValidationIssue } from '../errors.js';
import { closestName } from './closest-name.js';

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['strategy', 'steps', 2, 'weight']` → `strategy.steps[2].weight`; `[]` → `""`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER_RE.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

/** A short description of a value for messages: `"10%"`, `150`, `a list`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
  record: 'a mapping',
};

/**
 * Messages for issues the schema does not word itself. Passed to zod per parse; zod falls
 * back to its own text where this returns undefined.
 */
export const specErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return 'required';
      if (issue.input === null) return `has no value; give ${expected} or remove the key`;
      return `must be ${expected}, got ${describeValue(issue.input)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value));
      const suggestion =
        typeof issue.input === 'string'
          ? closestName(
              issue.input,
              issue.values.filter((value): value is string => typeof value === 'string'),
            )
          : undefined;
      return (
        (values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`) +
        `, got ${describeValue(issue.input)}` +
        (suggestion ? ` (did you mean "${suggestion}"?)` : '')
      );
    }
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `must list at most ${issue.maximum} item(s)`;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    default:
      return undefined;
  }
};

const CREDENTIAL_RE = /pass(word|wd)?$|secret|token|api[-_]?key|credential/i;

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current;
}

/** Field names of the object schema at `path`, or `[]` when there is none. */
function knownFields(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const key of path) {
    if (current instanceof z.ZodObject) {
      current = unwrap((current.shape as Record<string, z.ZodType>)[String(key)]);
    } else if (current instanceof z.ZodArray) {
      current = unwrap(current.element as z.ZodType);
    } else if (current instanceof z.ZodRecord) {
      current = unwrap(current.valueType as z.ZodType);
    } else {
      return [];
    }
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

/** The message for an unknown field, pointed when it looks like an inline credential. */
export function unknownFieldMessage(field: string, known: readonly string[]): string {
  if (CREDENTIAL_RE.test(field)) {
    const stem = field.replace(/(File|Env)$/, '');
    const file = known.find((name) => name === `${stem}File`);
    const env = known.find((name) => name === `${stem}Env`);
    const references = known.filter((name) => /(File|Env)$/.test(name) || name === 'basicAuth');
    const alternatives =
      file && env
        ? `use ${file} (a file path) or ${env} (an environment variable name)`
        : references.length > 0
          ? `use ${references.join(', ')}`
          : 'reference a file path or an environment variable name instead';
    return `unknown field "${field}": credentials are never inline in the spec; ${alternatives}`;
  }
  const suggestion = closestName(field, known);
  return `unknown field "${field}"` + (suggestion ? ` (did you mean "${suggestion}"?)` : '');
}

/** An issue whose path is still a list of keys (sorted and formatted at the end). */
export interface RawIssue {
  /** Keys from the root to the offending field. */
  path: PropertyKey[];
  /** What is wrong. */
  message: string;
}

/** Converts zod issues to raw issues against `schema`, one per unknown field. */
export function fromZodIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): RawIssue[] {
  const result: RawIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownFields(schema, issue.path);
      for (const key of issue.keys) {
        result.push({ path: [...issue.path, key], message: unknownFieldMessage(key, known) });
      }
    } else {
      result.push({ path: issue.path, message: issue.message });
    }
  }
  return result;
}

/** Sort key of a path: the position of each key in the input, so issues follow the document. */
function documentPosition(input: unknown, path: readonly PropertyKey[]): number[] {
  const position: number[] = [];
  let current = input;
  for (const key of path) {
    let index = -1;
    if (Array.isArray(current) && typeof key === 'number') index = key;
    else if (typeof current === 'object' && current !== null) {
      index = Object.keys(current).indexOf(String(key));
    }
    // Fields the input lacks (required ones, defaults a rule talks about) go last.
    position.push(index === -1 ? Number.MAX_SAFE_INTEGER : index);
    current =
      typeof current === 'object' && current !== null
        ? (current as Record<PropertyKey, unknown>)[key]
        : undefined;
  }
  return position;
}

function comparePositions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/**
 * Validation issues in the order their fields appear in `input` (parents before their
 * fields), with dotted paths and without duplicates.
 */
export function toValidationIssues(input: unknown, issues: readonly RawIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues
    .map((issue) => ({ issue, position: documentPosition(input, issue.path) }))
    .sort((a, b) => comparePositions(a.position, b.position))
    .map(({ issue }) => ({ path: formatPath(issue.path), message: issue.message }))
    .filter((issue) => {
      const key = `${issue.path}\n${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
