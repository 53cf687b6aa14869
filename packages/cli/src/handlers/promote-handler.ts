/** `switchyard promote`. */
import { promote } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { OperationArgs } from './operation-args.js';
import { runOperation } from './run-operation.js';

/** Flags of promote. */
export type PromoteArgs = OperationArgs & { full?: boolean | undefined };

/** Runs promote. */
export async function runPromote(context: CliContext, args: PromoteArgs): Promise<void> {
  await runOperation(context, args, (input) => promote({ ...input, full: args.full }));
}
