/**
 * Field schemas the release spec schema is built from: durations, Kubernetes names,
 * percentages, counts, secret references, header names. Each reports a problem in its own
 * words, and leaves "required" and "has no value" to the shared messages.
 */
import { z } from 'zod';
import { DURATION_PATTERN, durationProblem, tryParseDuration } from './duration.js';
import { nameProblem, type NameRule } from './kubernetes-names.js';

/**
 * An error function for a field whose rule has its own wording, deferring to the shared
 * messages ("required", "has no value") when the value is missing or null.
 */
export const unlessMissing =
  (problem: (input: unknown) => string | undefined) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined || issue.input === null ? undefined : problem(issue.input);

/** A duration string. None in the spec may be zero: a zero timeout or bake is always a mistake. */
export function duration(description: string) {
  return z
    .string({ error: unlessMissing(durationProblem) })
    .regex(new RegExp(DURATION_PATTERN), { error: unlessMissing(durationProblem) })
    .refine((text) => tryParseDuration(text) !== 0, { error: 'must be longer than 0s' })
    .meta({ description });
}

/** A Kubernetes-style name following `rule`. */
export function name(rule: NameRule, description: string) {
  return z
    .string({ error: unlessMissing((input) => nameProblem(input, rule)) })
    .regex(new RegExp(rule.pattern), { error: unlessMissing((input) => nameProblem(input, rule)) })
    .meta({ description });
}

/** A whole percentage, 1..100. */
export function percent(description: string) {
  const message = 'must be a whole number 1..100';
  return z
    .number()
    .int({ error: message })
    .min(1, { error: 'must be 1..100' })
    .max(100, { error: 'must be 1..100' })
    .meta({ description });
}

/** A whole number, at least `min`. */
export function count(description: string, min: number) {
  return z
    .number()
    .int({ error: `must be a whole number >= ${min}` })
    .min(min, { error: `must be >= ${min}` })
    .meta({ description });
}

/** A non-empty string. */
export const nonEmpty = (description: string) =>
  z.string().min(1, { error: 'must not be empty' }).meta({ description });

/** A path to a file holding a secret. */
export const secretFile = (description: string) => nonEmpty(description);

/**
 * The name of an environment variable holding a secret. The message never repeats what
 * was written: the usual mistake is to write the secret itself instead of the name.
 */
export const secretEnv = (description: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
      error: unlessMissing(
        () =>
          'is not an environment variable name (letters, digits and "_", not starting with a digit); give the variable\'s name, not its value (which is not shown here)',
      ),
    })
    .meta({ description });

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
