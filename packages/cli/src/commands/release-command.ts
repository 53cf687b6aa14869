/** `switchyard release <service>`: shift traffic step by step, gated, with automatic rollback. */
import type { CliContext } from '../cli-context.js';
import { EXIT_CODES_TEXT } from '../exit-codes.js';
import { SPEC_COMMAND_OPTIONS } from './cli-options.js';
import { defineCommand } from './define-command.js';

/** The release command. */
export function releaseCommand(context: CliContext) {
  return defineCommand({
    command: 'release [service]',
    describe:
      'shift traffic to the deployed candidate step by step (resumes an interrupted release)',
    builder: (y) =>
      y
        .positional('service', {
          type: 'string',
          describe: 'Kubernetes Service to release (or `service` in the -f spec)',
        })
        .options(SPEC_COMMAND_OPTIONS)
        .example(
          '$0 release reviews --steps 10,50,100 --bake 1m --check success-rate>=99 --check latency-p99<=500',
          'canary with a one-minute bake after each weight',
        )
        .example(
          '$0 release reviews --strategy bluegreen --bake 5m',
          'switch at once, verify for 5 minutes',
        )
        .epilogue(EXIT_CODES_TEXT),
    handler: async (args) => {
      const { runRelease } = await import('../handlers/release-handler.js');
      await runRelease(context, args);
    },
  });
}
