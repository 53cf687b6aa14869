/**
 * The writes an operation made, in order, from either witness: the recording proxy in front
 * of the API server (the object each answer carried) or the real API server's audit log
 * (`logs/audit.log`, which records the bodies of writes to VirtualServices,
 * DestinationRules, Deployments and Leases). And what the harness counts in them: crash
 * points, kinds of write, the route states users saw, the Deployment specs applied.
 */
import { readFileSync } from 'node:fs';
import type { RecordedRequest } from '@switchyard/test-utils';
import { requestAttributes } from '../rbac/rbac-model.js';

type Json = Record<string, any>;

/** One write the API server answered. */
export interface ApiWrite {
  /** `create`, `update`, `patch`, `delete`. */
  verb: string;
  /** Resource (plural, with subresource). */
  resource: string;
  /** Object name (for a create: from the answer). */
  name: string;
  /** HTTP status of the answer. */
  status: number;
  /** The object the answer carried (as written), when it carried one. */
  object?: Json | undefined;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The writes among `requests` (in the order they were answered). */
export function writesFromProxy(requests: readonly RecordedRequest[]): ApiWrite[] {
  const out: ApiWrite[] = [];
  for (const request of requests) {
    if (request.status === undefined || request.upgrade || READS.has(request.method)) continue;
    const attributes = requestAttributes(request.method, request.url, false);
    if (!attributes) continue;
    const object =
      typeof request.response === 'object' && request.response !== null
        ? (request.response as Json)
        : undefined;
    const path = new URL(request.url, 'http://api').pathname.split('/');
    const named = request.method !== 'POST';
    const name = named
      ? (path[path.indexOf(attributes.resource.split('/')[0] as string) + 1] ?? '')
      : ((object?.metadata?.name as string | undefined) ?? '');
    out.push({
      verb: attributes.verbs[0] as string,
      resource: attributes.resource,
      name,
      status: request.status,
      object: object?.kind === 'Status' ? undefined : object,
    });
  }
  return out;
}

/** The writes to `namespace` the audit log recorded at or after `sinceMs`, in order. */
export function writesFromAuditLog(file: string, namespace: string, sinceMs: number): ApiWrite[] {
  const out: ApiWrite[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as Json;
    const ref = entry.objectRef as Json | undefined;
    if (entry.stage !== 'ResponseComplete' || ref?.namespace !== namespace) continue;
    if (!['create', 'update', 'patch', 'delete'].includes(entry.verb as string)) continue;
    if (Date.parse(entry.requestReceivedTimestamp as string) < sinceMs) continue;
    const object = entry.responseObject as Json | undefined;
    out.push({
      verb: entry.verb as string,
      resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : (ref.resource as string),
      name: (ref.name as string | undefined) ?? (object?.metadata?.name as string) ?? '',
      status: (entry.responseStatus?.code as number | undefined) ?? 0,
      object: object?.kind === 'Status' ? undefined : object,
    });
  }
  return out;
}

/** JSON with object keys sorted, so two servers' key orders compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === 'object' && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field as Json).sort(([a], [b]) => (a < b ? -1 : 1)))
      : field,
  );
}

/** Accepted by the API server. */
export function accepted(write: ApiWrite): boolean {
  return write.status >= 200 && write.status < 300;
}

/**
 * A crash point: an accepted write of state. Kubernetes Events are not: switchyard writes
 * them best effort and never reads them back, so a crash right after one leaves the state
 * a crash right after the previous write of state left.
 */
export function isCrashPoint(write: ApiWrite): boolean {
  return accepted(write) && write.resource !== 'events';
}

/** `patch virtualservices: 6`, ... for the accepted writes of state. */
export function writeKinds(writes: readonly ApiWrite[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const write of writes.filter(isCrashPoint)) {
    const kind = `${write.verb} ${write.resource}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/**
 * The route states users saw, in order: the VirtualService's spec at the start, then after
 * each accepted write that changed it (record-only writes change the annotation, not this).
 */
export function routeStates(
  initialSpec: Json,
  writes: readonly ApiWrite[],
  name: string,
): string[] {
  const states = [canonicalJson(initialSpec)];
  for (const write of writes) {
    if (!accepted(write) || write.resource !== 'virtualservices' || write.name !== name) continue;
    const spec = canonicalJson(write.object?.spec);
    if (write.object && spec !== states.at(-1)) states.push(spec);
  }
  return states;
}

/** How many times the writes changed `name`'s spec (a Deployment's generation moved). */
export function specChanges(
  writes: readonly ApiWrite[],
  resource: string,
  name: string,
  initialGeneration: number,
): number {
  let generation = initialGeneration;
  let changes = 0;
  for (const write of writes) {
    if (!accepted(write) || write.resource !== resource || write.name !== name) continue;
    const next = Number(write.object?.metadata?.generation ?? generation);
    if (next !== generation) changes++;
    generation = next;
  }
  return changes;
}
