/** `switchyard plan [service] deploy|release`: a dry run; nothing is changed. */
import { plan } from '@switchyard/core';
import { UsageError } from '@switchyard/core/errors';
import type { CliContext } from '../cli-context.js';
import { planText } from '../render/plan-text.js';
import { withInterrupts } from './interrupts.js';
import { operationInputOf, type OperationArgs } from './operation-args.js';

/** Flags of plan. */
export type PlanArgs = OperationArgs & {
  operation?: 'deploy' | 'release' | undefined;
  image?: string | undefined;
};

const OPERATIONS = ['deploy', 'release'] as const;

function isOperation(value: unknown): value is 'deploy' | 'release' {
  return (OPERATIONS as readonly unknown[]).includes(value);
}

/** Runs plan. */
export async function runPlan(context: CliContext, args: PlanArgs): Promise<void> {
  let { service, operation } = args;
  // `plan -f spec.yaml release`: the only positional is the operation.
  if (operation === undefined && isOperation(service)) {
    operation = service;
    service = undefined;
  }
  if (!isOperation(operation)) {
    throw new UsageError('plan needs an operation: switchyard plan <service> deploy|release');
  }
  const input = operationInputOf({ ...args, service });
  context.service = input.service;
  const report = await withInterrupts(context, (signal) =>
    plan({ ...input, operation, image: args.image, signal }),
  );
  if (context.output === 'json') {
    context.out(JSON.stringify(report));
    return;
  }
  for (const line of planText(report, context.colors)) context.out(line);
}
