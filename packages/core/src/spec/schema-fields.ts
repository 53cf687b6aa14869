/**
 * The zod schema of each kind of leaf field (`LeafKind`): durations, Kubernetes names,
 * whole numbers, secret references, header names. Each reports a problem in its own words,
 * and leaves "required" and "has no value" to the shared messages.
 */
import { z } from 'zod';
import { DURATION_PATTERN, durationProblem, tryParseDuration } from './duration.js';
import type { LeafKind } from './field-declaration.js';
import { nameProblem } from './kubernetes-names.js';

/**
 * An error function for a field whose rule has its own wording, deferring to the shared
 * messages ("required", "has no value") when the value is missing or null.
 */
export const unlessMissing =
  (problem: (input: unknown) => string | undefined) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined || issue.input === null ? undefined : problem(issue.input);

/** A lowercase HTTP header name (a token; Istio matches names lowercased). */
export const HEADER_NAME_PATTERN = "^[a-z0-9!#$%&'*+.^_`|~-]+$";

/** Why `value` is not a valid lowercase HTTP header name, or undefined when it is. */
export function headerNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be an HTTP header name';
  if (new RegExp(HEADER_NAME_PATTERN).test(value)) return undefined;
  const lower = value.toLowerCase();
  if (lower !== value && new RegExp(HEADER_NAME_PATTERN).test(lower)) {
    return `"${value}" must be lowercase (Istio matches header names lowercased): use "${lower}"`;
  }
  return `"${value}" is not a valid HTTP header name (letters, digits and !#$%&'*+.^_\`|~-)`;
}

const SERVICE_ADDRESS = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z]([-a-z0-9]*[a-z0-9])?:\d{1,5}$/;

/** A non-empty string. */
const nonEmpty = () => z.string().min(1, { error: 'must not be empty' });

/** A whole number, at least `min` and at most `max`, in the words of its range. */
function whole(min: number, max: number | undefined): z.ZodType {
  const range = max === undefined ? `>= ${min}` : `${min}..${max}`;
  const integer = z
    .number()
    .int({ error: `must be a whole number ${range}` })
    .min(min, { error: `must be ${range}` });
  return max === undefined ? integer : integer.max(max, { error: `must be ${range}` });
}

/** The schema of a leaf of kind `kind` (no description: the declaration adds it). */
export function leafSchema(kind: LeafKind): z.ZodType {
  switch (kind.type) {
    case 'duration':
      // None in the spec may be zero: a zero timeout or bake is always a mistake.
      return z
        .string({ error: unlessMissing(durationProblem) })
        .regex(new RegExp(DURATION_PATTERN), { error: unlessMissing(durationProblem) })
        .refine((text) => tryParseDuration(text) !== 0, { error: 'must be longer than 0s' });
    case 'whole':
      return whole(kind.min, kind.max);
    case 'ratio':
      return z
        .number()
        .gt(0, { error: 'must be > 0 and <= 1' })
        .max(1, { error: 'must be > 0 and <= 1' });
    case 'number':
      return z.number();
    case 'boolean':
      return z.boolean();
    case 'text':
    case 'secret-file':
      return nonEmpty();
    case 'name': {
      const problem = unlessMissing((input) => nameProblem(input, kind.rule));
      return z.string({ error: problem }).regex(new RegExp(kind.rule.pattern), { error: problem });
    }
    case 'choice':
      return z.enum(kind.values as [string, ...string[]]);
    case 'secret-env':
      // The message never repeats what was written: the usual mistake is to write the
      // secret itself instead of the variable's name.
      return z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: unlessMissing(
          () =>
            'is not an environment variable name (letters, digits and "_", not starting with a digit); give the variable\'s name, not its value (which is not shown here)',
        ),
      });
    case 'header-name':
      return z
        .string({ error: unlessMissing(headerNameProblem) })
        .regex(new RegExp(HEADER_NAME_PATTERN), { error: unlessMissing(headerNameProblem) });
    case 'service-address':
      return z.string().regex(SERVICE_ADDRESS, {
        error: unlessMissing(
          (input) =>
            `${JSON.stringify(input)} must have the form namespace/name:port, like "istio-system/prometheus:9090"`,
        ),
      });
    case 'true':
      return z.literal(true, { error: kind.error });
    case 'literal':
      return z.literal(kind.value, {
        error: (issue) => (issue.input === null ? undefined : kind.problem(issue.input)),
      });
    case 'string-map':
      return z.record(z.string(), z.string());
  }
}
