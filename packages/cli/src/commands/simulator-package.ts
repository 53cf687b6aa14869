/**
 * `@switchyard/sim` is an optional peer of the CLI: a pipeline installs `@switchyard/cli`
 * without the simulator (and its servers, certificates and Prometheus launcher). Only `sim`
 * and `demo` need it; their handlers import it, and are loaded through `withSimulator`,
 * which turns its absence into a usage error (exit 2) saying what to install.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '@switchyard/core/errors';

/** The simulator's package name. */
export const SIMULATOR_PACKAGE = '@switchyard/sim';

/** The simulator version this CLI works with: its peer dependency, as packed. */
function simulatorRange(): string | undefined {
  try {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { peerDependencies?: Record<string, string> };
    const range = manifest.peerDependencies?.[SIMULATOR_PACKAGE];
    // In the workspace the range is still the `workspace:` protocol: no version to name.
    return range === undefined || range.startsWith('workspace:') ? undefined : range;
  } catch {
    return undefined;
  }
}

/** True when `error` says the simulator package itself is not installed. */
export function isSimulatorMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.includes(`'${SIMULATOR_PACKAGE}'`)
  );
}

/** What `switchyard <command>` says when the simulator is not installed. */
export function simulatorMissingMessage(command: string, range = simulatorRange()): string {
  const spec = range === undefined ? SIMULATOR_PACKAGE : `${SIMULATOR_PACKAGE}@${range}`;
  return (
    `switchyard ${command} runs on the simulator, and ${SIMULATOR_PACKAGE} is not installed ` +
    `(the CLI does not need it for anything else). Install it beside @switchyard/cli: ` +
    `npm install ${spec} (add --global if the CLI was installed with --global)`
  );
}

/**
 * Loads a handler module that imports the simulator.
 *
 * @throws UsageError (exit 2) naming the package to install when the simulator is missing;
 *   any other failure to load as it is.
 */
export async function withSimulator<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isSimulatorMissing(error)) {
      throw new UsageError(simulatorMissingMessage(command), { cause: error });
    }
    throw error;
  }
}
