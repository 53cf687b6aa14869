/** `switchyard rollback <service>`: all traffic back to the stable slot, verified. */
import type { CliContext } from '../cli-context.js';
import { EXIT_CODES_TEXT } from '../exit-codes.js';
import { SPEC_COMMAND_OPTIONS } from './cli-options.js';
import { defineCommand } from './define-command.js';

/** The rollback command. */
export function rollbackCommand(context: CliContext) {
  return defineCommand({
    command: 'rollback [service]',
    describe:
      'return all traffic to the stable slot (after a release: the previous one), sync-verified',
    builder: (y) =>
      y
        .positional('service', { type: 'string', describe: 'Kubernetes Service' })
        .options(SPEC_COMMAND_OPTIONS)
        .epilogue(EXIT_CODES_TEXT),
    handler: async (args) => {
      const { runRollback } = await import('../handlers/rollback-handler.js');
      await runRollback(context, args);
    },
  });
}
