/**
 * `switchyard doctor`: runs the preflight checks and prints the findings, as a table grouped
 * by severity or, with `-o json`, one JSON object. Exit 2 when a finding is an error.
 */
import { doctor } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import { ExitCode } from '../exit-codes.js';
import { doctorText } from '../render/doctor-text.js';
import { withInterrupts } from './interrupts.js';
import { operationInputOf, type OperationArgs } from './operation-args.js';

/** Runs doctor. */
export async function runDoctor(context: CliContext, args: OperationArgs): Promise<void> {
  const input = operationInputOf(args);
  context.service = input.service;
  const report = await withInterrupts(
    context,
    (signal) => doctor({ ...input, signal }),
    'stopping (doctor changes nothing)',
  );
  const exitCode = report.errors > 0 ? ExitCode.Invalid : ExitCode.Done;
  context.exitCode = exitCode;
  if (context.output === 'json') {
    context.out(JSON.stringify({ command: 'doctor', ...report, exitCode }));
    return;
  }
  for (const line of doctorText(report, context.colors)) context.out(line);
}
