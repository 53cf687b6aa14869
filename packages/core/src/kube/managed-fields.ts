/**
 * Who wrote what, from an object's `metadata.managedFields` (server-side field management,
 * recorded by every API server since Kubernetes 1.18 for every write, apply or update): one
 * entry per field manager and operation, with the fields it owns (`fieldsV1`, a tree of
 * `f:<name>` keys) and the time of its last change. A manager's entry moves to its latest
 * write, and a field changed by an update is owned by that manager alone afterwards, so the
 * entries say which tool last changed a field: a GitOps controller's self-heal
 * (`argocd-controller`, `kustomize-controller`), a `kubectl edit`, switchyard itself.
 *
 * Servers that keep no managedFields (the simulator) yield no entries: callers then say
 * nothing about the writer.
 */
import type { KubeObject } from './kube-types.js';

/** The field manager of switchyard's writes. */
export const SWITCHYARD_FIELD_MANAGER = 'switchyard';

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  /** The field manager (`kubectl-edit`, `argocd-controller`, `switchyard`). */
  readonly manager: string;
  /** `Apply` (server-side apply) or `Update` (create, update, patch). */
  readonly operation: string;
  /** When this manager last changed a field it owns (RFC 3339, second precision). */
  readonly time: string | undefined;
  /** The fields it owns, as the API server records them (`{ "f:spec": { "f:http": {} } }`). */
  readonly fields: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entries of `object.metadata.managedFields` (none when the server keeps none). */
export function managedFieldsOf(object: KubeObject): ManagedFieldsEntry[] {
  const entries = object.metadata.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries.filter(isRecord).map((entry) => ({
    manager: typeof entry.manager === 'string' ? entry.manager : '',
    operation: typeof entry.operation === 'string' ? entry.operation : '',
    time: typeof entry.time === 'string' ? entry.time : undefined,
    fields: isRecord(entry.fieldsV1) ? entry.fieldsV1 : {},
  }));
}

/** Whether `entry` owns the field at `path` (`['spec', 'http']`) or any field under it. */
export function ownsField(entry: ManagedFieldsEntry, path: readonly string[]): boolean {
  let node: unknown = entry.fields;
  for (const name of path) {
    if (!isRecord(node)) return false;
    node = node[`f:${name}`];
    if (node === undefined) return false;
  }
  return true;
}

/**
 * The managers other than `self` that own a field under one of `paths` and changed it no
 * earlier than `self`'s last write, latest first; when `self` has no entry, only the latest
 * of them (the others may be the object's author, long before).
 */
export function writersSince(
  object: KubeObject,
  paths: readonly (readonly string[])[],
  self: string,
): ManagedFieldsEntry[] {
  const entries = managedFieldsOf(object);
  const own = entries
    .filter((entry) => entry.manager === self)
    .map((entry) => entry.time ?? '')
    .sort()
    .at(-1);
  const writers = entries
    .filter(
      (entry) =>
        entry.manager !== self &&
        (own === undefined || (entry.time ?? '') >= own) &&
        paths.some((path) => ownsField(entry, path)),
    )
    .sort((a, b) => ((a.time ?? '') < (b.time ?? '') ? 1 : -1));
  return own === undefined ? writers.slice(0, 1) : writers;
}

/** `"argocd-controller" (Update at 2026-11-02T10:00:00Z)`, for messages. */
export function describeWriter(entry: ManagedFieldsEntry): string {
  return `"${entry.manager}" (${entry.operation}${entry.time ? ` at ${entry.time}` : ''})`;
}
