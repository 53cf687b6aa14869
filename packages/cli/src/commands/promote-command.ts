/** `switchyard promote <service> [--full]`: continue a paused release. */
import type { CliContext } from '../cli-context.js';
import { EXIT_CODES_TEXT } from '../exit-codes.js';
import { SPEC_COMMAND_OPTIONS } from './cli-options.js';
import { defineCommand } from './define-command.js';

/** The promote command. */
export function promoteCommand(context: CliContext) {
  return defineCommand({
    command: 'promote [service]',
    describe: 'continue a paused release from its next step',
    builder: (y) =>
      y
        .positional('service', { type: 'string', describe: 'Kubernetes Service' })
        .option('full', {
          type: 'boolean',
          describe: 'go straight to 100% (still sync-gated and baked)',
        })
        .options(SPEC_COMMAND_OPTIONS)
        .epilogue(EXIT_CODES_TEXT),
    handler: async (args) => {
      const { runPromote } = await import('../handlers/promote-handler.js');
      await runPromote(context, args);
    },
  });
}
