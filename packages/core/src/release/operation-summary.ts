/**
 * How an operation ends: the `operation-finished` event, the flushed Kubernetes Events,
 * and the summary every operation returns (or carries in the error it throws).
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { isoTime, type Clock } from './clock.js';
import type { OperationContext } from './operation-context.js';
import type { OperationLog } from './operation-log.js';
import type { CheckResult } from '../gates/metrics-provider.js';
import type {
  OperationKind,
  OperationOutcome,
  OperationSummary,
  RollbackSummary,
} from './release-events.js';
import type { ReleaseRecord } from './state-record.js';

/** What a summary is made of. */
export interface SummaryFields {
  /** The operation. */
  kind: OperationKind;
  /** Its id. */
  id: string;
  /** Its event log (start time, timeline). */
  log: OperationLog;
  /** The record as it ends. */
  record: ReleaseRecord;
  /** How it ended. */
  outcome: OperationOutcome;
  /** Whether it resumed an interrupted release. */
  resumed: boolean;
  /** The latest check results. */
  checks: readonly CheckResult[];
  /** The rollback, when there was one. */
  rollback: RollbackSummary | undefined;
  /** One line for a human. */
  message: string;
}

/** The summary of an operation of `spec`'s service, as of now. */
export function operationSummary(
  spec: ResolvedReleaseSpec,
  clock: Clock,
  fields: SummaryFields,
): OperationSummary {
  const now = clock.now();
  return {
    operation: fields.kind,
    id: fields.id,
    service: spec.service,
    namespace: spec.namespace,
    outcome: fields.outcome,
    phase: fields.record.phase,
    activeSlot: fields.record.activeSlot,
    candidateSlot: fields.record.candidateSlot,
    weights: fields.record.weights,
    resumed: fields.resumed,
    startedAt: isoTime(fields.log.startedAt),
    finishedAt: isoTime(now),
    durationMs: now - fields.log.startedAt,
    timeline: fields.log.timeline(),
    checks: fields.checks,
    rollback: fields.rollback,
    message: fields.message,
  };
}

/** Ends a running operation: emits `operation-finished`, flushes events, summarizes. */
export async function finishOperation(
  context: OperationContext,
  outcome: OperationOutcome,
  message: string,
  rollback?: RollbackSummary,
): Promise<OperationSummary> {
  context.log.emit({ type: 'operation-finished', outcome });
  await context.log.flush();
  return operationSummary(context.spec, context.clock, {
    kind: context.kind,
    id: context.id,
    log: context.log,
    record: context.routes.record,
    outcome,
    resumed: context.resumed,
    checks: context.checks,
    rollback,
    message,
  });
}
