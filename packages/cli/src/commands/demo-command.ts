/** `switchyard demo`: the whole story against the simulator, in under two minutes. */
import type { CliContext } from '../cli-context.js';
import { defineCommand } from './define-command.js';
import { withSimulator } from './simulator-package.js';

/** The demo command. */
export function demoCommand(context: CliContext) {
  return defineCommand({
    command: 'demo',
    describe: 'deploy and release a good version, then watch a bad one roll back, on the simulator',
    builder: (y) =>
      y.option('keep', {
        type: 'boolean',
        describe: 'keep the simulator running afterwards (until Ctrl-C) to try commands on it',
      }),
    handler: async (args) => {
      const { runDemo } = await withSimulator('demo', () => import('../handlers/demo-handler.js'));
      await runDemo(context, args);
    },
  });
}
