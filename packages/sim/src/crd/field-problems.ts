/**
 * Builders for Kubernetes field errors (k8s.io/apimachinery/pkg/util/validation/field), producing
 * the `FieldProblem` the API server puts in an `Invalid` Status. Each `message` is what
 * `field.Error.ErrorBody()` prints: the error type's text, the bad value (Go-formatted), the
 * detail. The field path is kept apart, as in a Status cause.
 */
import type { FieldProblem } from '../store/admission.js';
import { goQuote, goValue } from './go-format.js';

/** The field path Kubernetes prints for a nil `*field.Path` (errors not tied to a field). */
export const NIL_FIELD = '<nil>';

/** Marker for `field.OmitValueType`: the message carries no value. */
export const OMIT_VALUE: unique symbol = Symbol('omit value');

function body(label: string, value: unknown, detail: string): string {
  const head = value === OMIT_VALUE ? label : `${label}: ${goValue(value)}`;
  return detail ? `${head}: ${detail}` : head;
}

/** `field.Required`: `Required value`. */
export function requiredProblem(field: string, detail = ''): FieldProblem {
  return {
    type: 'FieldValueRequired',
    field,
    message: detail ? `Required value: ${detail}` : 'Required value',
  };
}

/** `field.Invalid`: `Invalid value: <value>: <detail>`. */
export function invalidProblem(field: string, value: unknown, detail: string): FieldProblem {
  return { type: 'FieldValueInvalid', field, message: body('Invalid value', value, detail) };
}

/** `field.TypeInvalid`: printed like Invalid, typed so CEL rules are skipped (a blocking error). */
export function typeInvalidProblem(field: string, value: unknown, detail: string): FieldProblem {
  return { type: 'FieldValueTypeInvalid', field, message: body('Invalid value', value, detail) };
}

/** `field.NotSupported`: `Unsupported value: "x": supported values: "A", "B"`. */
export function notSupportedProblem(
  field: string,
  value: unknown,
  supported: readonly string[],
): FieldProblem {
  const detail =
    supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return {
    type: 'FieldValueNotSupported',
    field,
    message: body('Unsupported value', value, detail),
  };
}

/** `field.TooLong` (what `TooLongMaxLength` became): the value is never printed. */
export function tooLongProblem(field: string, maxLength: number): FieldProblem {
  const detail =
    maxLength >= 0
      ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`
      : 'value is too long';
  return { type: 'FieldValueTooLong', field, message: `Too long: ${detail}` };
}

/** `field.TooMany`: `Too many: 3: must have at most 2 items`. */
export function tooManyProblem(field: string, actual: number, max: number): FieldProblem {
  const detail =
    max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return {
    type: 'FieldValueTooMany',
    field,
    message: body('Too many', actual >= 0 ? actual : OMIT_VALUE, detail),
  };
}

/**
 * An unknown field under `fieldValidation=Strict`. The real server rejects these while decoding,
 * before validation, with 400 BadRequest (`strict decoding error: unknown field "spec.foo"`), not
 * 422 Invalid.
 */
export function unknownFieldProblem(path: string): FieldProblem {
  return { type: 'FieldValueUnknown', field: path, message: `unknown field ${goQuote(path)}` };
}

/** `<field>: <message>`, as `field.Error.Error()` prints one problem. */
export function formatProblem(problem: FieldProblem): string {
  return `${problem.field}: ${problem.message}`;
}

/** The field errors that keep the CEL rules from running (apiextensions' `hasBlockingErr`). */
export function isBlockingProblem(problem: FieldProblem): boolean {
  return (
    problem.type === 'FieldValueNotSupported' ||
    problem.type === 'FieldValueRequired' ||
    problem.type === 'FieldValueTooLong' ||
    problem.type === 'FieldValueTooMany' ||
    problem.type === 'FieldValueTypeInvalid'
  );
}
