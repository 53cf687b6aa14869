/**
 * The start of every operation that changes something (deploy, release, promote,
 * rollback), before the Lease is taken: create the event sink, read everything the
 * operation works on, and reconcile the release record with the live routes. Nothing is
 * written here, so bad input and unmanageable objects fail without changing anything, not
 * even the Lease. The operation then checks its own preconditions (`preconditions.ts`) and
 * takes the lock (`operation-context.ts`), where everything is read again.
 *
 * Cluster checks that every changing operation must pass before the lock belong in
 * `preflight` below, after the reads: it is the one place all of them go through.
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { EngineDependencies } from './operation-context.js';
import { OperationLog } from './operation-log.js';
import { reconcileRecord } from './reconcile-record.js';
import type { OperationKind } from './release-events.js';
import { loadServiceContext, type ServiceContext } from './service-context.js';
import type { ReleaseRecord } from './state-record.js';

/** What an operation knows before it takes the lock. */
export interface Preflight {
  /** The operation's event sink; it times the operation from here. */
  log: OperationLog;
  /** Everything read. */
  service: ServiceContext;
  /** The record to work from (`reconcileRecord`). */
  record: ReleaseRecord;
}

/** A new event sink for one operation. */
export function newOperationLog(deps: EngineDependencies): OperationLog {
  return new OperationLog({ clock: deps.clock, onEvent: deps.onEvent, events: deps.kube.events });
}

/** Reads and reconciles before the lock; throws what stops the operation. Writes nothing. */
export async function preflight(
  spec: ResolvedReleaseSpec,
  deps: EngineDependencies,
  kind: OperationKind,
  signal: AbortSignal | undefined,
): Promise<Preflight> {
  const log = newOperationLog(deps);
  const service = await loadServiceContext(deps.kube, spec, signal);
  const record = reconcileRecord(spec, deps, service, kind);
  return { log, service, record };
}
