/**
 * The routing object together with the release record it carries (an annotation on it).
 * Every write goes through `commit`: the route change (if any) and the new record leave in
 * ONE JSON Patch whose `test` ops pin what they replace (the route backend's `planWrite`),
 * so the routes and the record can never disagree, and a concurrent edit of the same
 * fields fails instead of being overwritten.
 *
 * When a write fails on a concurrent edit, the object is read again. If the other edit
 * touched neither the managed weights nor the record (someone added a retry policy, say),
 * the change is recomputed on top of it and retried: their edit is kept. If it touched the
 * weights or the record, switchyard stops with ConcurrentEditError and changes nothing.
 */
import { ConcurrentEditError, describeRef, type ObjectRef } from '../errors.js';
import { jsonEqual } from '../json-diff/json-value.js';
import { objectRefOf } from '../kube/object-ref.js';
import type { KubeObject } from '../kube/kube-types.js';
import { describeWriter, SWITCHYARD_FIELD_MANAGER, writersSince } from '../kube/managed-fields.js';
import type { RouteBackend } from '../routing/route-backend.js';
import { applyRouteEdit, type RouteEdit } from '../routing/route-edit.js';
import { describeWeights } from './describe-event.js';
import {
  decodeRecord,
  encodeRecord,
  sameWeights,
  STATE_ANNOTATION,
  type ReleaseRecord,
} from './state-record.js';

/** Result of a commit. */
export interface CommitResult {
  /** The routing object after the write (unchanged when nothing had to be written). */
  object: KubeObject;
  /** The record now stored. */
  record: ReleaseRecord;
  /** Whether the routes changed (a proxy sync is needed). */
  routesChanged: boolean;
  /** Description of the change, for events. */
  description: string;
  /** resourceVersion after the write. */
  resourceVersion: string | undefined;
}

/** A write of the record, with a route change or without. */
export interface RecordedChange {
  /** What changes on the managed routes; undefined: the routes stay. */
  routes?: RouteEdit | undefined;
  /** New record from the current one. */
  record: (record: ReleaseRecord) => ReleaseRecord;
  /** When it is written (ms since epoch), for the record's `updatedAt`. */
  now: number;
  /**
   * Write even when the managed routes changed since they were read (recording a failure
   * caused by someone else's edit). Every other write pins them.
   */
  unpinned?: boolean | undefined;
}

const MAX_ATTEMPTS = 4;

/**
 * ` (managedFields: written by "argocd-controller" (Update at ...))`: who changed `paths`
 * after switchyard's last write, from the object's managedFields; `''` when the server
 * records none.
 */
function writtenBy(object: KubeObject, paths: readonly (readonly string[])[]): string {
  const writers = writersSince(object, paths, SWITCHYARD_FIELD_MANAGER);
  if (writers.length === 0) return '';
  return ` (managedFields: written by ${writers.map(describeWriter).join(', ')})`;
}

/** The record stored on a routing object (throws StateRecordError when unreadable). */
export function recordOf(object: KubeObject): ReleaseRecord | undefined {
  return decodeRecord(object.metadata.annotations?.[STATE_ANNOTATION], objectRefOf(object));
}

/** `object` carrying `record` in its annotation. */
export function withRecord<T extends KubeObject>(object: T, record: ReleaseRecord): T {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: {
        ...(object.metadata.annotations ?? {}),
        [STATE_ANNOTATION]: encodeRecord(record),
      },
    },
  };
}

/** Tracks the routing object and its record across the writes of one operation. */
export class RecordedRoutes {
  readonly #backend: RouteBackend;
  #current: KubeObject;
  #record: ReleaseRecord;
  // The annotation text as switchyard last saw or wrote it; anything else is someone else's write.
  #annotation: string | undefined;

  constructor(options: { backend: RouteBackend; object: KubeObject; record: ReleaseRecord }) {
    this.#backend = options.backend;
    this.#current = options.object;
    this.#record = options.record;
    this.#annotation = options.object.metadata.annotations?.[STATE_ANNOTATION];
  }

  /** The routing object as last read or written. */
  get object(): KubeObject {
    return this.#current;
  }

  /** The record as last written. */
  get record(): ReleaseRecord {
    return this.#record;
  }

  /** Reference for messages. */
  get ref(): ObjectRef {
    return this.#backend.ref;
  }

  /**
   * Writes `change.routes` (when given) together with `change.record(record)` in one pinned
   * patch. `dryRun` sends the write with `dryRun=All` (validation only) and keeps the state.
   */
  async commit(
    change: RecordedChange,
    options: { signal?: AbortSignal | undefined; dryRun?: boolean | undefined } = {},
  ): Promise<CommitResult> {
    const backend = this.#backend;
    for (let attempt = 1; ; attempt++) {
      const before = this.#current;
      const routed = change.routes ? applyRouteEdit(backend, before, change.routes) : before;
      const record: ReleaseRecord = {
        ...change.record(this.#record),
        updatedAt: new Date(change.now).toISOString(),
      };
      const after = withRecord(routed, record);
      // Structural: a real API server returns the spec's keys in its own order.
      const routesChanged = !jsonEqual(routed.spec, before.spec);
      const write = backend.planWrite(before, after, { pinManagedRoutes: !change.unpinned });
      if (!write) {
        return {
          object: before,
          record,
          routesChanged: false,
          description: `${describeRef(this.ref)}: no change`,
          resourceVersion: before.metadata.resourceVersion,
        };
      }
      try {
        const written = await backend.patch(write.patch, {
          signal: options.signal,
          ...(options.dryRun ? { dryRun: 'All' as const } : {}),
        });
        if (!options.dryRun) {
          this.#current = written;
          this.#record = record;
          this.#annotation = written.metadata.annotations?.[STATE_ANNOTATION];
        }
        return {
          object: written,
          record,
          routesChanged,
          description: write.description,
          resourceVersion: written.metadata.resourceVersion,
        };
      } catch (error) {
        if (!(error instanceof ConcurrentEditError) || attempt >= MAX_ATTEMPTS) throw error;
        await this.refresh(options.signal);
      }
    }
  }

  /**
   * Reads the routing object again and checks nobody changed what switchyard owns: the
   * managed weights (against the record) and the record itself. Throws ConcurrentEditError
   * describing the other edit when they did; their edit stays as it is.
   */
  async refresh(signal?: AbortSignal): Promise<KubeObject> {
    const ref = this.ref;
    const latest = await this.#backend.get(signal);
    if (!latest) {
      throw new ConcurrentEditError(
        `${describeRef(ref)} was deleted while switchyard was working on it`,
        { statusCode: 404, reason: 'NotFound', verb: 'get', object: ref },
      );
    }
    const annotation = latest.metadata.annotations?.[STATE_ANNOTATION];
    if (annotation !== this.#annotation) {
      const theirs = (() => {
        try {
          return recordOf(latest);
        } catch {
          return undefined;
        }
      })();
      throw new ConcurrentEditError(
        `${describeRef(ref)}: the release record was changed by someone else` +
          (theirs ? ` (now phase ${theirs.phase}, written by "${theirs.holder}")` : '') +
          writtenBy(latest, [['metadata', 'annotations', STATE_ANNOTATION]]) +
          '; switchyard stopped without touching it',
        { statusCode: 409, reason: 'Conflict', verb: 'patch', object: ref },
      );
    }
    const live = this.#backend.readWeights(latest);
    if (!sameWeights(live, this.#record.weights)) {
      throw new ConcurrentEditError(
        `${describeRef(ref)}: the managed weights were changed by someone else to ${describeWeights(live)} ` +
          `(switchyard had set ${describeWeights(this.#record.weights)})${writtenBy(latest, [['spec']])}; ` +
          'switchyard stopped and left them as they are. ' +
          'Run `switchyard rollback` to return to the stable slot, or `switchyard status` to inspect.',
        { statusCode: 409, reason: 'Conflict', verb: 'patch', object: ref },
      );
    }
    this.#current = latest;
    return latest;
  }
}
