/** The {@link ObjectRef} of an Istio object, for errors and plans. */
import type { ObjectRef } from '../errors.js';

/** `{ kind, namespace, name }` of a Kubernetes object. */
export function objectRefOf(object: {
  kind: string;
  metadata: { name: string; namespace?: string | undefined };
}): ObjectRef {
  return { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
}
