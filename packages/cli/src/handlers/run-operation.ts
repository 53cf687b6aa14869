/**
 * What deploy, release, promote and rollback share: flags to library input, progress
 * rendering, Ctrl-C handling, and the ending (summary and exit code). Errors are not
 * caught here: they go to the top-level catch, after the progress display is stopped.
 */
import type { OperationInput, OperationSummary } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import { exitCodeForOutcome } from '../exit-codes.js';
import { reportOperationResult } from '../render/operation-result.js';
import type { ProgressReporter } from '../render/progress-reporter.js';
import { withInterrupts } from './interrupts.js';
import { operationInputOf, type OperationArgs } from './operation-args.js';

/** Runs one library operation with the CLI's rendering. */
export async function runOperation(
  context: CliContext,
  args: OperationArgs,
  operation: (input: OperationInput) => Promise<OperationSummary>,
): Promise<void> {
  const input = operationInputOf(args);
  context.service = input.service ?? context.service;
  const progress = await chooseProgressReporter(context);
  const summary = await withInterrupts(context, async (signal) => {
    try {
      return await operation({
        ...input,
        signal,
        onEvent: (event) => {
          context.service ??= 'service' in event ? event.service : undefined;
          progress.onEvent(event);
        },
      });
    } finally {
      progress.stop();
    }
  });
  const exitCode = exitCodeForOutcome(summary.outcome);
  context.exitCode = exitCode;
  await reportOperationResult(context, summary, exitCode);
}

const SILENT: ProgressReporter = { onEvent: () => undefined, stop: () => undefined };

/**
 * The progress renderer for this run's output mode: JSON Lines with `-o json`, a redrawn
 * block on a terminal, one timestamped line per event otherwise, nothing with `--quiet`.
 * Loads only the renderer it picks (log-update only for a terminal).
 */
export async function chooseProgressReporter(context: CliContext): Promise<ProgressReporter> {
  if (context.flags.quiet) return SILENT;
  switch (context.progressMode) {
    case 'json': {
      const { JsonLinesProgress } = await import('../render/json-lines-progress.js');
      return new JsonLinesProgress(context);
    }
    case 'live': {
      const { LiveProgress } = await import('../render/live-progress.js');
      return LiveProgress.start(context);
    }
    case 'plain': {
      const { PlainProgress } = await import('../render/plain-progress.js');
      return new PlainProgress(context);
    }
  }
}
