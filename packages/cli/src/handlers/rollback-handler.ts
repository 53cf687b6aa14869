/** `switchyard rollback`: a verified manual rollback is success (exit 0). */
import { rollback } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { OperationArgs } from './operation-args.js';
import { runOperation } from './run-operation.js';

/** Runs rollback. */
export async function runRollback(context: CliContext, args: OperationArgs): Promise<void> {
  await runOperation(context, args, rollback);
}
