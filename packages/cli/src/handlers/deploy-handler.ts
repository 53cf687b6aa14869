/** `switchyard deploy`. */
import { deploy } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { OperationArgs } from './operation-args.js';
import { runOperation } from './run-operation.js';

/** Flags of deploy. */
export type DeployArgs = OperationArgs & { image: string };

/** Runs deploy. */
export async function runDeploy(context: CliContext, args: DeployArgs): Promise<void> {
  await runOperation(context, args, (input) => deploy({ ...input, image: args.image }));
}
