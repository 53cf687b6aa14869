/**
 * `SWITCHYARD_<FLAG>` environment variables (yargs `.env('SWITCHYARD')`) together with
 * `.strict()`: yargs would reject a pipeline-wide `SWITCHYARD_PROMETHEUS_URL` when running
 * a command without that flag ("Unknown argument"). The middleware below runs before
 * validation and drops values that came from such variables when the current command does
 * not know them, so typos on the command line are still refused.
 */
import type { Arguments, Argv } from 'yargs';
import { camelCase } from './flags/spec-flags.js';

const PREFIX = 'SWITCHYARD_';

/** yargs' option table (not in its public typings). */
interface OptionTable {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
}

/** A before-validation middleware dropping environment values the command does not take. */
export function dropForeignEnvironmentFlags(
  env: NodeJS.ProcessEnv,
  parser: () => Argv,
): (argv: Arguments) => void {
  return (argv) => {
    // During a command, the parser's option table is the command's (globals included).
    const options = (parser() as unknown as { getOptions(): OptionTable }).getOptions();
    const known = new Set<string>();
    for (const key of [...Object.keys(options.key), ...Object.values(options.alias).flat()]) {
      known.add(key);
      known.add(camelCase(key));
    }
    for (const name of Object.keys(env)) {
      if (!name.startsWith(PREFIX)) continue;
      const kebab = name.slice(PREFIX.length).toLowerCase().replace(/_/g, '-');
      const camel = camelCase(kebab);
      if (known.has(kebab) || known.has(camel)) continue;
      delete argv[kebab];
      delete argv[camel];
    }
  };
}

/**
 * `-o`, `--quiet` and `--no-color` read straight from the command line and environment, for
 * reporting a command line yargs could not parse in the form that was asked for.
 */
export function outputFlagsFromArgv(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { output: 'text' | 'json'; quiet: boolean; color: boolean | undefined } {
  let output = env.SWITCHYARD_OUTPUT === 'json' ? 'json' : 'text';
  argv.forEach((arg, index) => {
    const value =
      arg === '-o' || arg === '--output'
        ? argv[index + 1]
        : arg.startsWith('--output=')
          ? arg.slice('--output='.length)
          : arg.startsWith('-o') && arg.length > 2
            ? arg.slice(2).replace(/^=/, '')
            : undefined;
    if (value === 'json' || value === 'text') output = value;
  });
  const quiet = argv.includes('--quiet') || argv.includes('-q');
  const color = argv.includes('--no-color') || env.SWITCHYARD_COLOR === 'false' ? false : undefined;
  return { output: output as 'text' | 'json', quiet, color };
}
