/** `switchyard doctor <service>`: the Istio pitfalls, before any traffic moves. Read-only. */
// The ids only: a module of core that imports nothing, so the command loads no core.
import { PREFLIGHT_CHECK_IDS } from '@switchyard/core/preflight-check-ids';
import type { CliContext } from '../cli-context.js';
import { SPEC_COMMAND_OPTIONS } from './cli-options.js';
import { defineCommand } from './define-command.js';

/** What `doctor --help` says after the flags: every check id, and the exit codes. */
export const DOCTOR_EPILOGUE = `Checks: ${PREFLIGHT_CHECK_IDS.join(', ')}.
deploy and release run them first (target-objects aside): an error refuses the change
(exit 2), a warning is printed.

Exit codes:
  0    no error found (warnings and info may be listed)
  2    errors found, or invalid usage or spec
  1    anything else (the cluster could not be read)`;

/** The doctor command. */
export function doctorCommand(context: CliContext) {
  return defineCommand({
    command: 'doctor [service]',
    describe:
      'check the service for the Istio pitfalls deploy and release refuse or warn about (changes nothing)',
    builder: (y) =>
      y
        .positional('service', {
          type: 'string',
          describe: 'Kubernetes Service to check (or `service` in the -f spec)',
        })
        .options(SPEC_COMMAND_OPTIONS)
        .example('$0 doctor reviews -n bookinfo', 'a table of findings, errors first')
        .example('$0 doctor reviews -o json', 'every finding as one JSON object')
        .example('$0 doctor reviews --skip-check proxy-sync', 'leave one check out (printed)')
        .epilogue(DOCTOR_EPILOGUE),
    handler: async (args) => {
      const { runDoctor } = await import('../handlers/doctor-handler.js');
      await runDoctor(context, args);
    },
  });
}
