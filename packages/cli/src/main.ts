/**
 * The `switchyard` command line: yargs wiring, and the one top-level catch that maps
 * errors to exit codes. Nothing heavy is imported here: each command loads its handler
 * (and with it `@switchyard/core` and `@kubernetes/client-node`) only when it runs, so
 * `--help` starts fast.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { UsageError } from '@switchyard/core/errors';
import { CliContext, type CliStreams } from './cli-context.js';
import { GLOBAL_OPTIONS } from './commands/cli-options.js';
import { demoCommand } from './commands/demo-command.js';
import { deployCommand } from './commands/deploy-command.js';
import { doctorCommand } from './commands/doctor-command.js';
import { planCommand } from './commands/plan-command.js';
import { promoteCommand } from './commands/promote-command.js';
import { releaseCommand } from './commands/release-command.js';
import { rollbackCommand } from './commands/rollback-command.js';
import { simCommand } from './commands/sim-command.js';
import { statusCommand } from './commands/status-command.js';
import { dropForeignEnvironmentFlags, outputFlagsFromArgv } from './environment-flags.js';
import { EXIT_CODES_TEXT } from './exit-codes.js';
import { HELP_COMMANDS, HELP_WIDTH } from './help-cache.js';

/** Where `main` reads and writes; the process by default. */
export interface MainOptions {
  /** Output streams. */
  streams?: CliStreams | undefined;
  /** Environment (`SWITCHYARD_*`, `NO_COLOR`, `KUBECONFIG`). */
  env?: NodeJS.ProcessEnv | undefined;
  /** The command name in help and usage messages; `switchyard` when undefined. */
  scriptName?: string | undefined;
}

function version(): string {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const EPILOGUE = `${EXIT_CODES_TEXT}

Every flag can also come from an environment variable SWITCHYARD_<FLAG>, e.g.
SWITCHYARD_KUBECONFIG, SWITCHYARD_NAMESPACE, SWITCHYARD_OUTPUT=json, SWITCHYARD_SYNC_TIMEOUT=3m.
Docs: packages/cli/README.md`;

/** Runs the CLI with `argv` (without node and script); resolves the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const env = options.env ?? process.env;
  const context = new CliContext(streams, env);
  const parser: Argv = yargs([...argv])
    .scriptName(options.scriptName ?? 'switchyard')
    .usage(
      '$0 <command> [options]\n\nSafe blue/green and canary releases on Kubernetes + Istio: every step gated on proxy sync and Prometheus checks, with verified rollback.',
    )
    .env('SWITCHYARD')
    .parserConfiguration({ 'greedy-arrays': false, 'strip-aliased': true })
    .options(GLOBAL_OPTIONS)
    .middleware(
      dropForeignEnvironmentFlags(env, () => parser),
      true,
    )
    .middleware((args) => {
      context.flags = args;
      const command = args._[0];
      if (typeof command === 'string') context.command = command;
    })
    .command(deployCommand(context))
    .command(releaseCommand(context))
    .command(promoteCommand(context))
    .command(rollbackCommand(context))
    .command(statusCommand(context))
    .command(planCommand(context))
    .command(doctorCommand(context))
    .command(simCommand(context))
    .command(demoCommand(context))
    .demandCommand(
      1,
      'give a command: deploy, release, promote, rollback, status, plan, doctor, sim or demo',
    )
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(version())
    .epilogue(EPILOGUE)
    .wrap(Math.min(HELP_WIDTH, streams.stdout.columns ?? HELP_WIDTH))
    .exitProcess(false)
    .fail((message, error) => {
      // yargs reports its own validation problems as a message; handlers' errors as error.
      throw error ?? new UsageError(message);
    });
  try {
    await parser.parseAsync();
    return context.exitCode;
  } catch (error) {
    if (context.command === undefined) context.command = commandOf(argv);
    // yargs failed before the flags reached the context: honour -o json anyway.
    if (context.flags.output === undefined) {
      context.flags = { ...context.flags, ...outputFlagsFromArgv(argv, env) };
    }
    // Loaded only on failure: the --help path stays lean.
    const { reportError } = await import('./error-report.js');
    return reportError(context, error);
  }
}

/** The command word, for messages about a command line yargs could not parse. */
function commandOf(argv: readonly string[]): string | undefined {
  const commands: readonly string[] = HELP_COMMANDS;
  return argv.find((arg) => arg !== '' && commands.includes(arg));
}
