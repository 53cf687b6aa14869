/** `switchyard release`. */
import { release } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { OperationArgs, PreflightArgs } from './operation-args.js';
import { runOperation } from './run-operation.js';

/** Runs release. */
export async function runRelease(
  context: CliContext,
  args: OperationArgs & PreflightArgs,
): Promise<void> {
  await runOperation(context, args, (input) => release({ ...input, skipChecks: args.skipCheck }));
}
