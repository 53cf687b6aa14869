/**
 * Where an operation's events go while it runs: JSON Lines with `-o json`, a redrawn
 * progress block on a terminal, one timestamped line per event otherwise, nothing with
 * `--quiet`. The factory loads only the renderer it needs (log-update only for a terminal).
 */
import type { ReleaseEvent } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';

/** Receives events; `stop` ends redrawing and flushes held-back lines. */
export interface ProgressReporter {
  /** One event, as it happens. */
  onEvent(event: ReleaseEvent): void;
  /** Ends the progress display (idempotent). */
  stop(): void;
}

const SILENT: ProgressReporter = { onEvent: () => undefined, stop: () => undefined };

/** The reporter for this run's output mode. */
export async function createProgressReporter(context: CliContext): Promise<ProgressReporter> {
  if (context.flags.quiet) return SILENT;
  switch (context.progressMode) {
    case 'json': {
      const { JsonLinesProgress } = await import('./json-lines-progress.js');
      return new JsonLinesProgress(context);
    }
    case 'live': {
      const { LiveProgress } = await import('./live-progress.js');
      return LiveProgress.start(context);
    }
    case 'plain': {
      const { PlainProgress } = await import('./plain-progress.js');
      return new PlainProgress(context);
    }
  }
}
