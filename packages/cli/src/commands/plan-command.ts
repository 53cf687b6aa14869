/** `switchyard plan <service> deploy|release`: the changes as diffs, validated with dryRun; nothing changes. */
import type { CliContext } from '../cli-context.js';
import { IMAGE_OPTION, SPEC_COMMAND_OPTIONS } from './cli-options.js';
import { defineCommand } from './define-command.js';

/** The plan command. */
export function planCommand(context: CliContext) {
  return defineCommand({
    command: 'plan <service> [operation]',
    describe:
      'dry run: the ordered changes deploy or release would make, as diffs (validated by the API server, nothing changed)',
    builder: (y) =>
      y
        .positional('service', {
          type: 'string',
          describe: 'Kubernetes Service; may be left out with -f (then: plan deploy|release)',
        })
        .positional('operation', { choices: ['deploy', 'release'] as const })
        .options(IMAGE_OPTION)
        .options(SPEC_COMMAND_OPTIONS)
        .example('$0 plan reviews deploy --image reviews:v2 --header x-release=candidate', '')
        .example('$0 plan -f release.yaml release', ''),
    handler: async (args) => {
      const { runPlan } = await import('../handlers/plan-handler.js');
      await runPlan(context, args);
    },
  });
}
