/**
 * The start of every operation that changes something (deploy, release, promote,
 * rollback), before the Lease is taken: create the event sink, read everything the
 * operation works on, and reconcile the release record with the live routes. Nothing is
 * written here, so bad input and unmanageable objects fail without changing anything, not
 * even the Lease. The operation then checks its own preconditions (`preconditions.ts`) and
 * takes the lock (`operation-context.ts`), where everything is read again. Checks every
 * changing operation must pass before the lock belong in `readBeforeLock`, after the reads.
 *
 * (The cluster checks `switchyard doctor` makes, which deploy and release also run before
 * this, are the `preflight/` folder's; the library entry runs them.)
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { OperationDependencies } from './operation-dependencies.js';
import { OperationLog } from './operation-log.js';
import { reconcileRecord } from './reconcile-record.js';
import type { OperationKind } from './release-events.js';
import { readReleaseObjects, type ReleaseObjects } from './release-objects.js';
import type { ReleaseRecord } from './state-record.js';

/** What an operation knows before it takes the lock. */
export interface BeforeLock {
  /** The operation's event sink; it times the operation from here. */
  log: OperationLog;
  /** Everything read. */
  objects: ReleaseObjects;
  /** The record to work from (`reconcileRecord`). */
  record: ReleaseRecord;
}

/** Reads and reconciles before the lock; throws what stops the operation. Writes nothing. */
export async function readBeforeLock(
  spec: ResolvedReleaseSpec,
  deps: OperationDependencies,
  kind: OperationKind,
  signal: AbortSignal | undefined,
): Promise<BeforeLock> {
  const log = new OperationLog({
    clock: deps.clock,
    onEvent: deps.onEvent,
    events: deps.kube.events,
  });
  const objects = await readReleaseObjects(deps.kube, spec, signal);
  const record = reconcileRecord(spec, deps, objects, kind);
  return { log, objects, record };
}
