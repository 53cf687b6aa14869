/**
 * Admission as the API server runs it before a write is stored: schema validation and
 * pruning of custom resources against their CRD (OpenAPI v3 structural schema plus
 * `x-kubernetes-validations`), then validating webhooks (Istio's `validation.istio.io`).
 * The API server calls this; `crd/` implements it.
 */
import type { ResourceType } from './resource-types.js';

/** How unknown fields are treated (`?fieldValidation=`); the API server default is Warn. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** One field-level problem, as in a Kubernetes `Invalid` Status cause. */
export interface FieldProblem {
  /** `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueTypeInvalid`, `FieldValueForbidden`, `FieldValueTooMany`, `FieldValueTooLong`, `FieldValueDuplicate`, or `FieldValueUnknown` (strict unknown field). */
  type: string;
  /** Field path as Kubernetes prints it: `spec.http[0].route[1].weight`. */
  field: string;
  /** Message as Kubernetes prints it, without the field prefix. */
  message: string;
}

/** Result of schema validation of a custom resource. */
export interface SchemaResult {
  /** The object after pruning unknown fields (Warn/Ignore) and defaulting. */
  object: Record<string, unknown>;
  /** Problems; non-empty means the write is rejected (422 Invalid). */
  problems: FieldProblem[];
  /** Warnings for the `Warning` response header (unknown fields under Warn). */
  warnings: string[];
}

/** The operation a webhook sees. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Admission chain the API server runs on writes. */
export interface Admission {
  /**
   * Validates and prunes a custom resource against its CRD schema for `version`.
   * Returns undefined for types it has no schema for (built-in types).
   */
  validateSchema(
    type: ResourceType,
    version: string,
    object: Record<string, unknown>,
    fieldValidation: FieldValidation,
  ): SchemaResult | undefined;

  /**
   * Runs validating webhooks. Returns undefined when admitted, or the denial: the webhook
   * name and its message (the API server answers 400 with
   * `admission webhook "<name>" denied the request: <message>`).
   */
  validateWebhooks(
    type: ResourceType,
    operation: AdmissionOperation,
    object: Record<string, unknown>,
    oldObject: Record<string, unknown> | undefined,
  ): { webhook: string; message: string } | undefined;

  /** The CRD's `openAPIV3Schema` for a custom resource version (for `/openapi/v3`); undefined for built-in kinds. */
  crdSchema(type: ResourceType, version: string): Record<string, unknown> | undefined;
}
