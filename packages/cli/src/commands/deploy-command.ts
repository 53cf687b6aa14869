/** `switchyard deploy <service> --image IMG`: the candidate on the idle slot, no user traffic. */
import type { CliContext } from '../cli-context.js';
import { EXIT_CODES_TEXT } from '../exit-codes.js';
import { IMAGE_OPTION, SPEC_COMMAND_OPTIONS } from './cli-options.js';
import { defineCommand } from './define-command.js';

/** The deploy command. */
export function deployCommand(context: CliContext) {
  return defineCommand({
    command: 'deploy [service]',
    describe:
      'put a new image on the idle slot with no user traffic (reachable by the pre-release header)',
    builder: (y) =>
      y
        .positional('service', {
          type: 'string',
          describe: 'Kubernetes Service to release (or `service` in the -f spec)',
        })
        .options(IMAGE_OPTION)
        .options(SPEC_COMMAND_OPTIONS)
        .demandOption('image')
        .example(
          '$0 deploy reviews --image reviews:v2 --header x-release=candidate',
          'green gets reviews:v2; requests with x-release: candidate reach it',
        )
        .epilogue(EXIT_CODES_TEXT),
    handler: async (args) => {
      const { runDeploy } = await import('../handlers/deploy-handler.js');
      await runDeploy(context, args);
    },
  });
}
