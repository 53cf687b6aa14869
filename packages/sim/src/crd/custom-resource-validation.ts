/**
 * The API server's handling of a custom resource write, in its order: decode with pruning (unknown
 * fields become strict-decoding errors under `fieldValidation=Strict`, warnings under `Warn`,
 * nothing under `Ignore`), OpenAPI schema validation, the list-type invariants (unique set
 * items and map keys), then the CEL rules unless a schema error already makes the object unfit
 * for them (apiextensions' `hasBlockingErr`).
 */
import type { FieldProblem, FieldValidation, SchemaResult } from '../store/admission.js';
import { validateObjectMeta } from '../store/object-meta-validation.js';
import { validateRules } from './crd-rules.js';
import type { CrdVersion } from './crd-catalog.js';
import {
  formatProblem,
  invalidProblem,
  isBlockingProblem,
  NIL_FIELD,
  unknownFieldProblem,
} from './field-problems.js';
import { goQuote } from './go-format.js';
import { validateListTypes } from './list-type-validation.js';
import { pruneCustomResource } from './pruning.js';
import { validateAgainstSchema } from './schema-validator.js';

const RULES_SKIPPED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

// field.ErrorList.ToAggregate drops repeated messages.
function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = formatProblem(problem);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Prunes and validates `object` against one CRD version.
 *
 * Under `Strict`, unknown fields are reported alone as `FieldValueUnknown` problems: the real
 * server fails the request while decoding (400 BadRequest) and never
 * gets to validation.
 */
export function validateCustomResource(
  crd: CrdVersion,
  object: Record<string, unknown>,
  fieldValidation: FieldValidation,
): SchemaResult {
  const { object: pruned, unknownFields } = pruneCustomResource(object, crd.schema);
  if (fieldValidation === 'Strict' && unknownFields.length > 0) {
    return { object: pruned, problems: unknownFields.map(unknownFieldProblem), warnings: [] };
  }
  const warnings =
    fieldValidation === 'Warn' ? unknownFields.map((path) => `unknown field ${goQuote(path)}`) : [];
  // The custom resource validator: ObjectMeta first, then the schema and the list-type
  // invariants, then CEL unless a blocking error (a missing name included) makes the object
  // unfit for the rules.
  const problems = [
    ...validateObjectMeta({ builtin: false, group: '', plural: '' }, pruned),
    ...validateAgainstSchema(crd.schema, pruned),
    ...validateListTypes(crd.schema, pruned),
  ];
  if (crd.hasRules) {
    if (problems.some(isBlockingProblem))
      problems.push(invalidProblem(NIL_FIELD, null, RULES_SKIPPED));
    else problems.push(...validateRules(crd.schema, pruned));
  }
  return { object: pruned, problems: dedupe(problems), warnings };
}
