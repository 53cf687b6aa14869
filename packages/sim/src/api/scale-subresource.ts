/**
 * The `scale` subresource of Deployments and ReplicaSets: an `autoscaling/v1` Scale that
 * reads `spec.replicas` and `status.replicas`, with the label selector rendered as a
 * string, and writes only `spec.replicas`.
 */
import type { KubeObject } from '../store/object-store.js';
import { invalid } from './api-status.js';
import {
  formatLabelSelector,
  requirementsOf,
  type LabelSelectorSpec,
} from '../go-faithful/label-selector.js';

type Json = Record<string, unknown>;

/** The Scale view of a workload. */
export function toScale(object: Readonly<KubeObject>): Json {
  const spec = (object.spec ?? {}) as { replicas?: number; selector?: LabelSelectorSpec };
  const status = (object.status ?? {}) as { replicas?: number };
  let selector = '';
  try {
    selector = formatLabelSelector(requirementsOf(spec.selector));
  } catch {
    // A stored selector that does not parse shows as empty, as the real conversion does.
  }
  const meta = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta.name,
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

/** Reads and validates `spec.replicas` of a Scale body; 422 like the real Scale validation. */
export function replicasOfScale(scale: Json, name: string): number {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
    throw invalid({ group: 'autoscaling', kind: 'Scale' }, name, [
      {
        type: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(replicas)}: must be an integer`,
      },
    ]);
  }
  if (replicas < 0) {
    throw invalid({ group: 'autoscaling', kind: 'Scale' }, name, [
      {
        type: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
      },
    ]);
  }
  return replicas;
}
