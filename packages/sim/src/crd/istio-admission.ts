/**
 * The admission chain for Istio's networking CRDs: structural-schema validation with pruning and
 * CEL rules (the API server's own work for custom resources), then istiod's validating webhook.
 */
import type {
  Admission,
  AdmissionOperation,
  FieldValidation,
  SchemaResult,
} from '../store/admission.js';
import type { ResourceType } from '../store/resource-types.js';
import { CrdCatalog } from './crd-catalog.js';
import { validateCustomResource } from './custom-resource-validation.js';
import { ISTIO_WEBHOOK_NAME, reviewIstioObject } from './istio-webhook.js';

/** A webhook review with its warnings, which `Admission.validateWebhooks` cannot carry. */
export interface WebhookReview {
  /** The denial (webhook name and message), or undefined when admitted. */
  denial: { webhook: string; message: string } | undefined;
  /** Warnings for `Warning` response headers; Istio returns them whether or not it denies. */
  warnings: string[];
}

/** `Admission` for the Istio CRDs, plus the webhook's warnings. */
export interface IstioAdmission extends Admission {
  /** The compiled CRDs. */
  readonly catalog: CrdCatalog;
  /** Runs the validating webhooks like `validateWebhooks`, also returning their warnings. */
  reviewWebhooks(
    type: ResourceType,
    operation: AdmissionOperation,
    object: Record<string, unknown>,
    oldObject: Record<string, unknown> | undefined,
  ): WebhookReview;
}

/** Options for `createIstioAdmission`. */
export interface IstioAdmissionOptions {
  /** The CRDs to admit for; defaults to `CrdCatalog.istio()` (the shipped Istio CRDs). */
  catalog?: CrdCatalog;
}

/** Creates the admission chain; compiles every schema and CEL rule up front. */
export function createIstioAdmission(options: IstioAdmissionOptions = {}): IstioAdmission {
  const catalog = options.catalog ?? CrdCatalog.istio();

  const reviewWebhooks = (
    type: ResourceType,
    operation: AdmissionOperation,
    object: Record<string, unknown>,
  ): WebhookReview => {
    if (type.builtin || type.group !== 'networking.istio.io')
      return { denial: undefined, warnings: [] };
    const review = reviewIstioObject(type.kind, operation, object);
    if (!review) return { denial: undefined, warnings: [] };
    return {
      denial: review.allowed
        ? undefined
        : { webhook: ISTIO_WEBHOOK_NAME, message: review.message ?? '' },
      warnings: review.warnings,
    };
  };

  return {
    catalog,
    validateSchema(
      type: ResourceType,
      version: string,
      object: Record<string, unknown>,
      fieldValidation: FieldValidation,
    ): SchemaResult | undefined {
      const crd = catalog.version(type.group, type.plural, version);
      return crd ? validateCustomResource(crd, object, fieldValidation) : undefined;
    },
    validateWebhooks(type, operation, object, _oldObject) {
      return reviewWebhooks(type, operation, object).denial;
    },
    reviewWebhooks: (type, operation, object, _oldObject) =>
      reviewWebhooks(type, operation, object),
    crdSchema: (type, version) => catalog.version(type.group, type.plural, version)?.openApiSchema,
  };
}
