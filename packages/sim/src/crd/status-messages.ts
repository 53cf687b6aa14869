/**
 * The Status messages the API server builds from admission results, for the API server to use:
 * 422 Invalid (`errors.NewInvalid`) and the 400 BadRequest of a strict decoding failure.
 */
import type { FieldProblem } from '../store/admission.js';
import { formatProblem } from './field-problems.js';
import { goQuote } from './go-format.js';

/**
 * `errors.NewInvalid`'s message: `VirtualService.networking.istio.io "reviews" is invalid: <err>`,
 * several errors as `[a, b]`, repeated messages dropped.
 */
export function invalidMessage(
  kind: string,
  group: string,
  name: string,
  problems: readonly FieldProblem[],
): string {
  const qualified = group ? `${kind}.${group}` : kind;
  const messages = [...new Set(problems.map(formatProblem))];
  const head = `${qualified} ${goQuote(name)} is invalid`;
  if (messages.length === 0) return head;
  return `${head}: ${messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`}`;
}

/**
 * The 400 BadRequest message for unknown fields under `fieldValidation=Strict`:
 * `VirtualService in version "v1" cannot be handled as a VirtualService: strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecodingMessage(
  kind: string,
  version: string,
  problems: readonly FieldProblem[],
): string {
  const unknown = problems.filter((p) => p.type === 'FieldValueUnknown').map((p) => p.message);
  return `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: strict decoding error: ${unknown.join(', ')}`;
}
