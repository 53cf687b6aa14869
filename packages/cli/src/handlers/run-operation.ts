/**
 * What deploy, release, promote and rollback share: flags to library input, progress
 * rendering, Ctrl-C handling, and the ending (summary and exit code). Errors are not
 * caught here: they go to the top-level catch, after the progress display is stopped.
 */
import type { OperationInput, OperationSummary } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import { exitCodeForOutcome } from '../exit-codes.js';
import { reportOperationResult } from '../render/operation-result.js';
import { createProgressReporter } from '../render/progress-reporter.js';
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
  const progress = await createProgressReporter(context);
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
