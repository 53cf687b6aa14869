/**
 * Writing the state record during an operation, and saying what a write changed. Every
 * write goes through the recorded VirtualService (routes and record in one pinned JSON
 * Patch, see `recorded-virtual-service.ts`), stamped with the lock holder and the time.
 */
import type { VirtualService } from '../istio/types.js';
import type { OperationContext } from './operation-context.js';
import type { CommitResult } from './recorded-virtual-service.js';
import type { ReleasePhase, ReleaseRecord, SlotWeights } from './state-record.js';

/** A change to write: the routes (optional) and the record, as functions of the current ones. */
export interface RecordChange {
  /** New routes from the current VirtualService; undefined: the routes stay. */
  routes?: ((virtualService: VirtualService) => VirtualService) | undefined;
  /** New record from the current one. */
  record: (record: ReleaseRecord) => ReleaseRecord;
  /**
   * Write even when the managed routes were changed by someone else: only for recording
   * the failure that edit caused. Every other write pins the routes as last seen.
   */
  unpinned?: boolean | undefined;
}

/** Commits through the recorded VirtualService, stamping holder and time. */
export function commitChange(
  context: OperationContext,
  change: RecordChange,
): Promise<CommitResult> {
  return context.state.commit(
    {
      routes: change.routes,
      record: (r) => ({ ...change.record(r), holder: context.holder }),
      now: context.clock.now(),
      unpinned: change.unpinned,
    },
    { signal: context.signal },
  );
}

/** Emits `routes-applied` for a VirtualService write. */
export function emitRoutesApplied(
  context: OperationContext,
  description: string,
  resourceVersion: string | undefined,
  weights: SlotWeights,
): void {
  context.log.emit({
    type: 'routes-applied',
    object: context.state.ref,
    description,
    resourceVersion,
    weights,
  });
}

/** Emits `phase-changed` when the phase did change. */
export function emitPhaseChange(
  context: OperationContext,
  previous: ReleasePhase | undefined,
  phase: ReleasePhase,
): void {
  if (previous !== phase) context.log.emit({ type: 'phase-changed', phase, previous });
}
