/** The {@link ObjectRef} of a Kubernetes object, for errors, findings and plans. */
import type { ObjectRef } from '../errors.js';

/**
 * `{ kind, namespace, name }` of a Kubernetes object. `kind` overrides the object's own,
 * for items of a list response, which carry none.
 */
export function objectRefOf(
  object: { kind?: string; metadata: { name: string; namespace?: string | undefined } },
  kind: string = object.kind ?? '',
): ObjectRef {
  return { kind, namespace: object.metadata.namespace, name: object.metadata.name };
}
