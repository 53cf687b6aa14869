/**
 * Mutating admission: what the real API server runs between defaulting and validation on
 * creates and updates (the ServiceAccount, Priority and DefaultTolerationSeconds plugins,
 * Istio's sidecar-injector webhook, ...). The simulator plugs its own in; the API server
 * defaults the result again, as it does after a webhook's patch.
 */
import type { ResourceType } from '../store/resource-types.js';

/** One object on its way to storage. */
export interface MutationRequest {
  /** The type written. */
  type: ResourceType;
  /** CREATE or UPDATE (patches are updates). */
  operation: 'CREATE' | 'UPDATE';
  /** Namespace of the object; undefined for cluster-scoped types. */
  namespace: string | undefined;
  /** The object after defaulting, presented in the request's API version. Mutate a copy. */
  object: Record<string, unknown>;
  /** The stored object, for UPDATE. */
  oldObject?: Record<string, unknown>;
  /** True for `dryRun=All`: side effects outside the object are not allowed. */
  dryRun: boolean;
}

/** A chain of mutating admission plugins. */
export interface MutatingAdmission {
  /** Returns the object to continue with (the input itself when nothing changes). */
  mutate(request: MutationRequest): Record<string, unknown>;
}
