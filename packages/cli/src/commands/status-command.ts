/** `switchyard status <service> [--watch]`: what is going on, read-only. */
import type { CliContext } from '../cli-context.js';
import { SPEC_COMMAND_OPTIONS } from './cli-options.js';
import { defineCommand } from './define-command.js';

/** The status command. */
export function statusCommand(context: CliContext) {
  return defineCommand({
    command: 'status [service]',
    describe:
      'slots, images, live and recorded weights, phase, step, lock, proxy sync, last checks',
    builder: (y) =>
      y
        .positional('service', { type: 'string', describe: 'Kubernetes Service' })
        .options(SPEC_COMMAND_OPTIONS)
        .option('watch', {
          alias: 'w',
          type: 'boolean',
          describe: 'refresh until the release ends (phase neither releasing nor rolling-back)',
        })
        .option('interval', {
          type: 'string',
          describe: 'time between refreshes with --watch [default: 2s]',
        }),
    handler: async (args) => {
      const { runStatus } = await import('../handlers/status-handler.js');
      await runStatus(context, args);
    },
  });
}
