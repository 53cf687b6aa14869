/**
 * The built-in validation rules a client of the simulator can trip over, worded as the
 * real validators word them: workloads need a selector that matches their template's
 * labels (and may not change it), pods need containers with a name and an image, replica
 * counts are non-negative.
 */
import type { ResourceType } from '../store/resource-types.js';
import type { FieldError } from './api-status.js';
import {
  LabelSelectorError,
  matchesLabels,
  requirementsOf,
  type LabelSelectorSpec,
} from './label-selector.js';

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

/** Go's `%#v` of a map[string]string, as validation messages print label maps. */
function goStringMap(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function required(field: string): FieldError {
  return { type: 'FieldValueRequired', field, message: 'Required value' };
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
  } else {
    try {
      const requirements = requirementsOf(selector);
      if (requirements.length === 0) {
        errors.push({
          type: 'FieldValueInvalid',
          field: 'spec.selector',
          message:
            'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
        });
      } else if (!matchesLabels(requirements, labels)) {
        errors.push({
          type: 'FieldValueInvalid',
          field: 'spec.template.metadata.labels',
          message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``,
        });
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
    default:
      break;
  }
  return errors;
}
