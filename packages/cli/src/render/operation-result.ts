/**
 * How an operation ended, in the run's output form: with `-o json` the final JSON object
 * (the library's `OperationSummary`, the error when it failed, and the exit code); in text
 * the summary lines. Called by the handlers on success and by the top-level catch on
 * failure, so both endings look alike.
 */
import type { OperationSummary } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { ExitCode } from '../exit-codes.js';
import { errorJson } from './error-json.js';

/** Prints the ending of an operation. */
export async function reportOperationResult(
  context: CliContext,
  summary: OperationSummary | undefined,
  exitCode: ExitCode,
  error?: unknown,
): Promise<void> {
  if (context.output === 'json') {
    const base = summary ?? {
      operation: context.command,
      service: context.service,
      outcome: 'failed',
    };
    context.out(
      JSON.stringify({
        ...base,
        ...(error !== undefined ? { error: errorJson(error) } : {}),
        exitCode,
      }),
    );
    return;
  }
  if (!summary) return;
  const { summaryText } = await import('./summary-text.js');
  const lines = summaryText(summary, {
    colors: context.colors,
    timeline: context.progressMode === 'live' && !context.flags.quiet,
  });
  for (const line of context.flags.quiet ? lines.slice(0, 1) : lines) context.out(line);
}
