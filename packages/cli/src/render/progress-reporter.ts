/**
 * Where an operation's events go while it runs. Three renderers implement it (JSON Lines,
 * a redrawn block on a terminal, timestamped lines); the handler that runs an operation
 * picks one (`chooseProgressReporter` in `handlers/run-operation.ts`).
 */
import type { ReleaseEvent } from '@switchyard/core';

/** Receives events; `stop` ends redrawing and flushes held-back lines. */
export interface ProgressReporter {
  /** One event, as it happens. */
  onEvent(event: ReleaseEvent): void;
  /** Ends the progress display (idempotent). */
  stop(): void;
}
