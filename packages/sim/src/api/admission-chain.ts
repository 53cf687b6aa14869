/**
 * The validation and admission steps of a write, in the real server's order: built-in
 * validation or CRD schema validation (with pruning, `fieldValidation` and warnings),
 * then validating webhooks. Turns their outcomes into the Status errors clients expect:
 * 422 Invalid with causes, 400 `strict decoding error`, 400 webhook denial.
 */
import type { Admission, AdmissionOperation, FieldValidation } from '../store/admission.js';
import type { ResourceType } from '../store/resource-types.js';
import { ApiStatusError, badRequest, fieldErrorsFromProblems, invalid } from './api-status.js';
import { validateObjectMeta } from '../store/object-meta-validation.js';
import { validateBuiltin } from './builtin-validation.js';
import { warningHeaderValues } from './response-writer.js';

type Json = Record<string, unknown>;

/** One admitted write. */
export interface AdmissionRequest {
  /** The type written. */
  type: ResourceType;
  /** The API version of the request (schemas are per version). */
  version: string;
  /** CREATE, UPDATE or DELETE. */
  operation: AdmissionOperation;
  /** The object as it would be stored. */
  object: Json;
  /** The stored object, for UPDATE and DELETE. */
  oldObject?: Json;
  /** Unknown-field handling. */
  fieldValidation: FieldValidation;
  /** Writes through a subresource skip webhooks (webhook rules name main resources only). */
  subresource?: string;
}

/** The admitted object and the warnings to send back. */
export interface AdmissionResult {
  /** The object after pruning and defaulting. */
  object: Json;
  /** Texts for `Warning: 299 - "..."` headers. */
  warnings: string[];
}

/**
 * An Admission whose webhooks also return warnings (Istio's webhook warns without denying,
 * and the server relays those as Warning headers). Detected structurally, since the
 * shared Admission contract's `validateWebhooks` has no room for warnings.
 */
interface WebhookWarnings {
  reviewWebhooks(
    type: ResourceType,
    operation: AdmissionOperation,
    object: Json,
    oldObject: Json | undefined,
  ): { denial: { webhook: string; message: string } | undefined; warnings: string[] };
}

function hasWebhookWarnings(admission: Admission): admission is Admission & WebhookWarnings {
  return typeof (admission as Partial<WebhookWarnings>).reviewWebhooks === 'function';
}

function objectName(object: Json): string {
  const metadata = object.metadata as { name?: unknown; generateName?: unknown } | undefined;
  return typeof metadata?.name === 'string'
    ? metadata.name
    : typeof metadata?.generateName === 'string'
      ? metadata.generateName
      : '';
}

/**
 * Runs validation and admission; throws the ApiStatusError the real server would answer
 * with, carrying the warnings gathered before the failure as Warning headers, as the real
 * server sends them on errors too.
 */
export function admitWrite(
  admission: Admission | undefined,
  request: AdmissionRequest,
): AdmissionResult {
  const warnings: string[] = [];
  try {
    return admitWithWarnings(admission, request, warnings);
  } catch (error) {
    if (error instanceof ApiStatusError && warnings.length > 0) {
      throw error.withHeaders({ Warning: warningHeaderValues([...new Set(warnings)]).join(', ') });
    }
    throw error;
  }
}

function admitWithWarnings(
  admission: Admission | undefined,
  request: AdmissionRequest,
  warnings: string[],
): AdmissionResult {
  const { type } = request;
  let object = request.object;

  if (request.operation !== 'DELETE') {
    // A built-in type's strategy validates ObjectMeta first, then the type's own fields;
    // core/v1 Events skip the first and get BeforeCreate's ObjectMeta check afterwards.
    if (type.builtin) {
      const events = type.group === '' && type.plural === 'events';
      const phases = events
        ? [validateBuiltin(type, object, request.oldObject), validateObjectMeta(type, object)]
        : [
            [
              ...validateObjectMeta(type, object),
              ...validateBuiltin(type, object, request.oldObject),
            ],
          ];
      for (const errors of phases) {
        if (errors.length > 0)
          throw invalid({ group: type.group, kind: type.kind }, objectName(object), errors);
      }
    }

    const schema = admission?.validateSchema(
      type,
      request.version,
      object,
      request.fieldValidation,
    );
    if (schema) {
      object = schema.object;
      warnings.push(...schema.warnings);
      const unknown = schema.problems.filter((p) => p.type === 'FieldValueUnknown');
      const others = schema.problems.filter((p) => p.type !== 'FieldValueUnknown');
      if (unknown.length > 0) {
        if (request.fieldValidation === 'Strict') {
          throw badRequest(
            `${type.kind} in version "${request.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown
              .map((p) => `unknown field "${p.field}"`)
              .join(', ')}`,
          );
        }
        if (request.fieldValidation === 'Warn')
          warnings.push(...unknown.map((p) => `unknown field "${p.field}"`));
      }
      if (others.length > 0) {
        throw invalid(
          { group: type.group, kind: type.kind },
          objectName(object),
          fieldErrorsFromProblems(others),
        );
      }
    }
  }

  if (admission && request.subresource === undefined) {
    let denial: { webhook: string; message: string } | undefined;
    if (hasWebhookWarnings(admission)) {
      const review = admission.reviewWebhooks(type, request.operation, object, request.oldObject);
      denial = review.denial;
      warnings.push(...review.warnings);
    } else {
      denial = admission.validateWebhooks(type, request.operation, object, request.oldObject);
    }
    if (denial) {
      // A webhook's Status carries no reason; the server only prefixes the message.
      throw new ApiStatusError({
        message: `admission webhook "${denial.webhook}" denied the request: ${denial.message}`,
        code: 400,
      });
    }
  }
  return { object, warnings: [...new Set(warnings)] };
}
