/**
 * The one place errors are turned into output and an exit code. Commands throw; `main`
 * calls this once. With `-o json` the error becomes the final JSON object on stdout;
 * otherwise the summary it carries (if any) goes to stdout and the message to stderr.
 */
import { summaryCarriedBy } from '@switchyard/core/errors';
import type { CliContext } from './cli-context.js';
import { errorCodeOf, ExitCode, exitCodeForError } from './exit-codes.js';
import { reportOperationResult } from './render/operation-result.js';

function interruptedMessage(context: CliContext): string {
  if (context.command === 'demo') {
    return `interrupted by ${context.interruptedBy ?? 'a signal'}: the demo stopped; the simulator and Prometheus were shut down.`;
  }
  const service = context.service ?? '<service>';
  return (
    `interrupted by ${context.interruptedBy ?? 'a signal'}: the operation stopped where it was and released its lock.\n` +
    `  switchyard status ${service}     shows where it stopped\n` +
    `  switchyard release ${service}    resumes an interrupted release at its recorded step\n` +
    `  switchyard rollback ${service}   returns all traffic to the stable slot`
  );
}

function hint(
  exitCode: ExitCode,
  code: string | undefined,
  context: CliContext,
): string | undefined {
  const service = context.service ?? '<service>';
  if (exitCode === ExitCode.Invalid) return 'nothing was changed.';
  if (exitCode === ExitCode.RollbackUnverified) {
    return `a human must look: run switchyard status ${service} and check the proxies named above.`;
  }
  if (code === 'SWITCHYARD_LOCKED') return 'nothing was changed by this run.';
  if (code === 'SWITCHYARD_CONCURRENT_EDIT') {
    return `switchyard did not overwrite the other edit; switchyard status ${service} shows the routes as they are.`;
  }
  return undefined;
}

/** Reports `error` and returns the exit code. */
export async function reportError(context: CliContext, error: unknown): Promise<ExitCode> {
  const signal = context.interruptedBy;
  const exitCode =
    signal === 'SIGINT'
      ? ExitCode.Interrupted
      : signal === 'SIGTERM'
        ? ExitCode.Terminated
        : exitCodeForError(error);
  const reported = signal
    ? Object.assign(new Error(interruptedMessage(context)), { code: 'SWITCHYARD_ABORTED' })
    : error;
  const summary = summaryCarriedBy(error);
  if (context.output === 'json') {
    await reportOperationResult(context, summary, exitCode, reported);
    return exitCode;
  }
  if (summary) await reportOperationResult(context, summary, exitCode);
  const c = context.errorColors;
  const code = errorCodeOf(reported);
  const message = reported instanceof Error ? reported.message : String(reported);
  context.err(`${c.red(c.bold('error'))}${code ? c.dim(` [${code}]`) : ''}: ${message}`);
  if (code === 'SWITCHYARD_INVALID_USAGE') {
    context.err(
      `run "switchyard ${context.command ? `${context.command} ` : ''}--help" for usage.`,
    );
  }
  const extra = signal ? undefined : hint(exitCode, code, context);
  if (extra) context.err(c.dim(extra));
  // Only unexpected failures deserve a stack, and only when asked for.
  if (code === undefined && !signal && error instanceof Error && context.env.SWITCHYARD_DEBUG) {
    context.err(error.stack ?? '');
  }
  return exitCode;
}
