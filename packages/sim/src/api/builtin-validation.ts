/**
 * The built-in validation rules a client of the simulator can trip over, worded as the
 * real validators word them: workloads need a selector that matches their template's
 * labels (and may not change it), pods need containers with a name and an image, replica
 * counts are non-negative, Leases have a positive duration, Events name their involved
 * object's namespace.
 */
import { goValue } from '../crd/go-format.js';
import { goJson } from '../go-faithful/go-json-bytes.js';
import { dns1123SubdomainErrors, labelKeyErrors } from '../store/object-meta-validation.js';
import type { ResourceType } from '../store/resource-types.js';
import type { FieldError } from './api-status.js';
import {
  LabelSelectorError,
  matchesLabels,
  requirementsOf,
  type LabelSelectorSpec,
} from '../go-faithful/label-selector.js';

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function selectorMismatch(labels: Record<string, string> | undefined): FieldError {
  return {
    type: 'FieldValueInvalid',
    field: 'spec.template.metadata.labels',
    message: `Invalid value: ${goJson(labels ?? null)}: \`selector\` does not match template \`labels\``,
  };
}

function required(field: string): FieldError {
  return { type: 'FieldValueRequired', field, message: 'Required value' };
}

function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return {
    type: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${goValue(value)}: ${detail}`,
  };
}

function validateContainers(spec: Json | undefined, path: string, errors: FieldError[]): void {
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errors.push(required(`${path}.containers`));
    return;
  }
  containers.forEach((c, i) => {
    const container = obj(c);
    if (typeof container?.name !== 'string' || container.name === '')
      errors.push(required(`${path}.containers[${i}].name`));
    if (typeof container?.image !== 'string' || container.image === '')
      errors.push(required(`${path}.containers[${i}].image`));
  });
}

function validateWorkload(object: Json, old: Json | undefined, errors: FieldError[]): void {
  const spec = obj(object.spec);
  const replicas = spec?.replicas;
  if (typeof replicas === 'number' && replicas < 0) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.replicas',
      message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
    });
  }
  const selector = obj(spec?.selector) as LabelSelectorSpec | undefined;
  const template = obj(spec?.template);
  const labels = obj(obj(template?.metadata)?.labels) as Record<string, string> | undefined;
  if (!selector) {
    errors.push(required('spec.selector'));
    // A nil selector selects nothing, so the template's labels do not match it either.
    errors.push(selectorMismatch(labels));
  } else {
    try {
      const requirements = requirementsOf(selector);
      if (requirements.length === 0) {
        errors.push({
          type: 'FieldValueInvalid',
          field: 'spec.selector',
          message: `Invalid value: ${goJson(selector)}: empty selector is invalid for deployment`,
        });
      } else if (!matchesLabels(requirements, labels)) {
        errors.push(selectorMismatch(labels));
      }
    } catch (error) {
      if (!(error instanceof LabelSelectorError)) throw error;
      errors.push({
        type: 'FieldValueInvalid',
        field: 'spec.selector',
        message: `Invalid value: ${JSON.stringify(selector)}: ${error.message}`,
      });
    }
    const oldSelector = old ? obj(obj(old.spec)?.selector) : undefined;
    if (oldSelector && JSON.stringify(oldSelector) !== JSON.stringify(selector)) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'spec.selector',
        message: `Invalid value: ${JSON.stringify(selector)}: field is immutable`,
      });
    }
  }
  validateContainers(obj(template?.spec), 'spec.template.spec', errors);
}

/** `ValidateLeaseSpec` (strategy and preferredHolder never get here: see builtin-defaults). */
function validateLeaseSpec(spec: Json | undefined, errors: FieldError[]): void {
  const duration = spec?.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0)
    errors.push(invalidValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = spec?.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0)
    errors.push(
      invalidValue('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'),
    );
}

const EVENT_LIMITS = { reportingInstance: 128, action: 128, reason: 128, message: 1024 };

/**
 * `legacyValidateEvent` for core/v1 Events (the only validation they get: no ObjectMeta
 * checks, for compatibility with old clients). An Event without `eventTime` is an old-style
 * Event: only its namespace is checked against the involved object's.
 */
function validateEvent(event: Json, errors: FieldError[]): void {
  const stringOf = (value: unknown): string => (typeof value === 'string' ? value : '');
  const namespace = stringOf(obj(event.metadata)?.namespace);
  const involvedNamespace = stringOf(obj(event.involvedObject)?.namespace);
  const text = (field: string): string => stringOf(event[field]);
  const mismatch = (): FieldError =>
    invalidValue('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');
  if (event.eventTime === undefined || event.eventTime === null) {
    if (involvedNamespace === '') {
      if (namespace !== '' && namespace !== 'default') errors.push(mismatch());
    } else if (namespace !== involvedNamespace) {
      errors.push(mismatch());
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system')
      errors.push(mismatch());
    const controller = text('reportingComponent');
    if (controller === '') errors.push(required('reportingComponent'));
    for (const message of labelKeyErrors(controller))
      errors.push(invalidValue('reportingComponent', controller, message));
    if (text('reportingInstance') === '') errors.push(required('reportingInstance'));
    const tooLong = (field: keyof typeof EVENT_LIMITS): void => {
      if (Buffer.byteLength(text(field)) > EVENT_LIMITS[field])
        errors.push(invalidValue(field, '', `can have at most ${EVENT_LIMITS[field]} characters`));
    };
    tooLong('reportingInstance');
    if (text('action') === '') errors.push(required('action'));
    tooLong('action');
    if (text('reason') === '') errors.push(required('reason'));
    tooLong('reason');
    tooLong('message');
  }
  for (const message of dns1123SubdomainErrors(namespace))
    errors.push(invalidValue('namespace', namespace, message));
}

/**
 * Validates a built-in object about to be stored (`old` is the stored one on update).
 * Returns the field errors; empty means valid. Custom resources are validated by admission.
 */
export function validateBuiltin(type: ResourceType, object: Json, old?: Json): FieldError[] {
  const errors: FieldError[] = [];
  if (!type.builtin) return errors;
  switch (`${type.group}/${type.plural}`) {
    case 'apps/deployments':
    case 'apps/replicasets':
      validateWorkload(object, old, errors);
      break;
    case '/pods':
      validateContainers(obj(object.spec), 'spec', errors);
      break;
    case 'coordination.k8s.io/leases':
      validateLeaseSpec(obj(object.spec), errors);
      break;
    case '/events':
      validateEvent(object, errors);
      break;
    default:
      break;
  }
  return errors;
}
