/**
 * Validation of a release spec given as a plain object (library callers; the YAML loader
 * comes through here too). Problems are data: every one is reported at once, each with the
 * path of its field, so a user fixes a file in one round instead of one error per run.
 */
import type { z } from 'zod';
import { SpecError, type ValidationIssue } from '../errors.js';
import type { ReleaseSpec } from './release-spec.js';
import { releaseSpecFileSchema, releaseSpecSchema } from './release-spec-schema.js';
import { fromZodIssues, specErrorMap, toValidationIssues } from './spec-issues.js';
import { specRuleIssues } from './spec-rules.js';

/**
 * Outcome of a validation: the value when there is no problem, else every problem.
 * `value` is present exactly when `errors` is empty.
 */
export type SpecResult<T> =
  | {
      /** The valid value. */
      value: T;
      /** No problems. */
      errors: [];
    }
  | {
      /** Undefined: the input was invalid. */
      value?: undefined;
      /** Every problem, each with the dotted path of its field. */
      errors: ValidationIssue[];
    };

/** Every problem of `input`: schema structure and cross-field rules, in document order. */
function collectSpecIssues(schema: z.ZodType, input: unknown): ValidationIssue[] {
  const parsed = schema.safeParse(input, { error: specErrorMap });
  const issues = parsed.success ? [] : fromZodIssues(schema, parsed.error.issues);
  return toValidationIssues(input, [...issues, ...specRuleIssues(input)]);
}

function result(schema: z.ZodType, input: unknown): SpecResult<ReleaseSpec> {
  const errors = collectSpecIssues(schema, input);
  if (errors.length > 0) return { errors };
  // The schema checked the structure and the rules checked the exactly-one-of choices
  // the TypeScript unions express, so the parsed copy is a ReleaseSpec.
  return { value: schema.parse(input) as ReleaseSpec, errors: [] };
}

/**
 * Validates a spec object. `apiVersion` and `kind` may be omitted; when present they must
 * be `switchyard.dev/v1alpha1` and `ReleaseSpec`. The value returned is a copy.
 */
export function validateReleaseSpec(input: unknown): SpecResult<ReleaseSpec> {
  return result(releaseSpecSchema, input);
}

/** Like `validateReleaseSpec`, for a document read from a file: `apiVersion` and `kind` required. */
export function validateReleaseSpecDocument(input: unknown): SpecResult<ReleaseSpec> {
  return result(releaseSpecFileSchema, input);
}

/**
 * Validates a spec object and returns it.
 *
 * @throws SpecError with every problem.
 */
export function validateReleaseSpecOrThrow(input: unknown): ReleaseSpec {
  const { value, errors } = validateReleaseSpec(input);
  if (value === undefined) throw new SpecError(errors);
  return value;
}
