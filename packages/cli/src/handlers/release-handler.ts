/** `switchyard release`. */
import { release } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { OperationArgs } from './operation-args.js';
import { runOperation } from './run-operation.js';

/** Runs release. */
export async function runRelease(context: CliContext, args: OperationArgs): Promise<void> {
  await runOperation(context, args, release);
}
