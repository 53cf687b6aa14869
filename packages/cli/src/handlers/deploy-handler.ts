/** `switchyard deploy`. */
import { deploy } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { OperationArgs, PreflightArgs } from './operation-args.js';
import { runOperation } from './run-operation.js';

/** Flags of deploy. */
export type DeployArgs = OperationArgs & PreflightArgs & { image: string };

/** Runs deploy. */
export async function runDeploy(context: CliContext, args: DeployArgs): Promise<void> {
  await runOperation(context, args, (input) =>
    deploy({ ...input, image: args.image, skipChecks: args.skipCheck }),
  );
}
