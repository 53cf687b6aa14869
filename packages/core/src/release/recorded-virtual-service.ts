/**
 * The VirtualService together with the release record it carries. Every write goes
 * through `commit`: the route change (if any) and the new record leave in ONE JSON Patch
 * whose `test` ops pin what they replace, so the routes and the record can never disagree,
 * and a concurrent edit of the same fields fails instead of being overwritten.
 *
 * When a write fails on a concurrent edit, the object is read again. If the other edit
 * touched neither the managed weights nor the record (someone added a retry policy, say),
 * the change is recomputed on top of it and retried: their edit is kept. If it touched the
 * weights or the record, switchyard stops with ConcurrentEditError and changes nothing.
 */
import { ConcurrentEditError, describeRef, type ObjectRef } from '../errors.js';
import { planRouteChanges } from '../istio/route-plan.js';
import type { RouteTarget } from '../istio/route-target.js';
import { readSlotWeights } from '../istio/slot-weights.js';
import { findManagedRoutes, type ManagedRouteSet } from '../istio/managed-routes.js';
import type { JsonPatchOperation, VirtualService } from '../istio/types.js';
import type { RouteObjectApi } from '../kube/kube-ports.js';
import { recordOf } from './service-context.js';
import { describeWeights } from './describe-event.js';
import { encodeRecord, STATE_ANNOTATION, type ReleaseRecord, sameWeights } from './state-record.js';

/** Result of a commit. */
export interface CommitResult {
  /** The VirtualService after the write (unchanged when nothing had to be written). */
  virtualService: VirtualService;
  /** The record now stored. */
  record: ReleaseRecord;
  /** Whether the routes changed (a proxy sync is needed). */
  routesChanged: boolean;
  /** Description of the change, for events. */
  description: string;
  /** resourceVersion after the write. */
  resourceVersion: string | undefined;
}

const MAX_ATTEMPTS = 4;

/** `virtualService` carrying `record` in its annotation. */
export function withRecord(virtualService: VirtualService, record: ReleaseRecord): VirtualService {
  return {
    ...virtualService,
    metadata: {
      ...virtualService.metadata,
      annotations: {
        ...(virtualService.metadata.annotations ?? {}),
        [STATE_ANNOTATION]: encodeRecord(record),
      },
    },
  };
}

/** Tracks the VirtualService and its record across the writes of one operation. */
export class RecordedVirtualService {
  readonly #api: RouteObjectApi<VirtualService>;
  readonly #target: RouteTarget;
  readonly #ref: ObjectRef;
  #current: VirtualService;
  #record: ReleaseRecord;
  // The annotation text as switchyard last saw or wrote it; anything else is someone else's write.
  #annotation: string | undefined;

  constructor(options: {
    api: RouteObjectApi<VirtualService>;
    target: RouteTarget;
    virtualService: VirtualService;
    record: ReleaseRecord;
  }) {
    this.#api = options.api;
    this.#target = options.target;
    this.#current = options.virtualService;
    this.#record = options.record;
    this.#annotation = options.virtualService.metadata.annotations?.[STATE_ANNOTATION];
    this.#ref = {
      kind: 'VirtualService',
      namespace: options.virtualService.metadata.namespace,
      name: options.virtualService.metadata.name,
    };
  }

  /** The VirtualService as last read or written. */
  get virtualService(): VirtualService {
    return this.#current;
  }

  /** The record as last written. */
  get record(): ReleaseRecord {
    return this.#record;
  }

  /** Reference for messages. */
  get ref(): ObjectRef {
    return this.#ref;
  }

  /**
   * Writes `routes(vs)` (when given) together with `update(record)` in one pinned patch.
   * `dryRun` sends the write with `dryRun=All` (validation only) and keeps the state.
   */
  async commit(
    change: {
      routes?: ((virtualService: VirtualService) => VirtualService) | undefined;
      record: (record: ReleaseRecord) => ReleaseRecord;
      now: number;
      /**
       * Write even when the managed routes changed since they were read (recording a
       * failure caused by someone else's edit). Every other write pins them.
       */
      unpinned?: boolean | undefined;
    },
    options: { signal?: AbortSignal | undefined; dryRun?: boolean | undefined } = {},
  ): Promise<CommitResult> {
    for (let attempt = 1; ; attempt++) {
      const before = this.#current;
      const routed = change.routes ? change.routes(before) : before;
      const record: ReleaseRecord = {
        ...change.record(this.#record),
        updatedAt: new Date(change.now).toISOString(),
      };
      const after = withRecord(routed, record);
      const routesChanged = JSON.stringify(routed.spec) !== JSON.stringify(before.spec);
      const plan = planRouteChanges({ virtualServices: [{ before, after }] });
      const description =
        plan[0]?.description ??
        `VirtualService ${this.#ref.namespace}/${this.#ref.name}: no change`;
      if (plan.length === 0) {
        return {
          virtualService: before,
          record,
          routesChanged: false,
          description,
          resourceVersion: before.metadata.resourceVersion,
        };
      }
      const pins = change.unpinned ? [] : managedRoutePins(before, this.#target);
      try {
        let written: VirtualService = before;
        for (const [index, step] of plan.entries()) {
          // The first request also pins the managed routes as switchyard last saw them: a
          // record-only write must fail, not adopt their weights, when someone moved them.
          const patch = index === 0 ? [...pins, ...step.patch] : step.patch;
          written = await this.#api.patch(this.#ref.namespace ?? '', this.#ref.name, patch, {
            signal: options.signal,
            ...(options.dryRun ? { dryRun: 'All' as const } : {}),
          });
        }
        if (!options.dryRun) {
          this.#current = written;
          this.#record = record;
          this.#annotation = written.metadata.annotations?.[STATE_ANNOTATION];
        }
        return {
          virtualService: written,
          record,
          routesChanged,
          description,
          resourceVersion: written.metadata.resourceVersion,
        };
      } catch (error) {
        if (!(error instanceof ConcurrentEditError) || attempt >= MAX_ATTEMPTS) throw error;
        await this.refresh(options.signal);
      }
    }
  }

  /**
   * Reads the VirtualService again and checks nobody changed what switchyard owns: the
   * managed weights (against the record) and the record itself. Throws ConcurrentEditError
   * describing the other edit when they did; their edit stays as it is.
   */
  async refresh(signal?: AbortSignal): Promise<VirtualService> {
    const latest = await this.#api.get(this.#ref.namespace ?? '', this.#ref.name, { signal });
    if (!latest) {
      throw new ConcurrentEditError(
        `${describeRef(this.#ref)} was deleted while switchyard was working on it`,
        { statusCode: 404, reason: 'NotFound', verb: 'get', object: this.#ref },
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
        `${describeRef(this.#ref)}: the release record was changed by someone else` +
          (theirs ? ` (now phase ${theirs.phase}, written by "${theirs.holder}")` : '') +
          '; switchyard stopped without touching it',
        { statusCode: 409, reason: 'Conflict', verb: 'patch', object: this.#ref },
      );
    }
    const live = readSlotWeights(latest, this.#target);
    if (!sameWeights(live, this.#record.weights)) {
      throw new ConcurrentEditError(
        `${describeRef(this.#ref)}: the managed weights were changed by someone else to ${describeWeights(live)} ` +
          `(switchyard had set ${describeWeights(this.#record.weights)}); switchyard stopped and left them as they are. ` +
          'Run `switchyard rollback` to return to the stable slot, or `switchyard status` to inspect.',
        { statusCode: 409, reason: 'Conflict', verb: 'patch', object: this.#ref },
      );
    }
    this.#current = latest;
    return latest;
  }
}

/**
 * `test` ops holding every managed route's destinations and weights as they are in
 * `virtualService` (none when the routes cannot be identified: then the plan's own tests
 * are all there is).
 */
function managedRoutePins(
  virtualService: VirtualService,
  target: RouteTarget,
): JsonPatchOperation[] {
  let managed: ManagedRouteSet;
  try {
    managed = findManagedRoutes(virtualService, target);
  } catch {
    return [];
  }
  return managed.routes.map(({ index, route }) => ({
    op: 'test' as const,
    path: `/spec/http/${index}/route`,
    value: structuredClone(route.route),
  }));
}
