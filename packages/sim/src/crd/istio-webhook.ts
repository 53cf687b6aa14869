/**
 * istiod's validating admission webhook (`validation.istio.io`, pkg/webhooks/validation/server):
 * CREATE and UPDATE of VirtualService and DestinationRule, the kinds switchyard writes and reads,
 * are decoded and validated; errors deny with `configuration is invalid: <errors>`, warnings go
 * back to the client and never deny. DELETE is not sent to the webhook. istiod validates Gateways
 * too; the simulator leaves them to their CRD schema (packages/sim/README.md).
 */
import type { AdmissionOperation } from '../store/admission.js';
import { goQuote } from './go-format.js';
import { validateDestinationRule } from './istio-destination-rule-validation.js';
import { formatIstioError, warningMessages, type IstioValidation } from './istio-errors.js';
import { IstioDecodeError, type JsonObject } from './istio-json.js';
import { validateVirtualService } from './istio-virtual-service-validation.js';

/** The webhook's name, as the API server reports it in denials. */
export const ISTIO_WEBHOOK_NAME = 'validation.istio.io';

/** The kinds the webhook validates, by kind name. */
export const ISTIO_VALIDATED_KINDS: ReadonlySet<string> = new Set([
  'VirtualService',
  'DestinationRule',
]);

/** The webhook's answer. */
export interface IstioReview {
  /** False when the webhook denies the request. */
  allowed: boolean;
  /** The denial message (`configuration is invalid: ...`); undefined when allowed. */
  message: string | undefined;
  /** Warnings for the client (`Warning` headers); present whether or not the request is allowed. */
  warnings: string[];
}

const ALWAYS_REJECT = 'internal.istio.io/webhook-always-reject';
const DRY_RUN = 'istio.io/dry-run';

function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

function validate(kind: string, spec: JsonObject, metadata: JsonObject): IstioValidation {
  return kind === 'VirtualService'
    ? validateVirtualService(spec, metadata)
    : validateDestinationRule(spec, metadata);
}

/**
 * Reviews one object as istiod's webhook would; undefined when the webhook is not called for
 * this kind or operation.
 */
export function reviewIstioObject(
  kind: string,
  operation: AdmissionOperation,
  object: Record<string, unknown>,
): IstioReview | undefined {
  if (!ISTIO_VALIDATED_KINDS.has(kind) || operation === 'DELETE') return undefined;
  const metadata = asObject(object.metadata);
  const annotations = asObject(metadata.annotations);
  const deny = (message: string): IstioReview => ({ allowed: false, message, warnings: [] });
  // validateMetadata runs before the kind's own validation and returns its error unwrapped.
  if (DRY_RUN in annotations) {
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
    return deny(
      `configuration is invalid: ${namespace}/${name} has unsupported annotation ${DRY_RUN}, please remove the annotation`,
    );
  }
  if (ALWAYS_REJECT in annotations)
    return deny(`configuration is invalid: ${goQuote(ALWAYS_REJECT)} annotation found, rejecting`);
  let result: IstioValidation;
  try {
    result = validate(kind, asObject(object.spec), metadata);
  } catch (error) {
    if (error instanceof IstioDecodeError)
      return deny(`error decoding configuration: ${error.message}`);
    throw error;
  }
  const warnings = warningMessages(result.warning);
  if (result.err)
    return {
      allowed: false,
      message: `configuration is invalid: ${formatIstioError(result.err)}`,
      warnings,
    };
  return { allowed: true, message: undefined, warnings };
}
