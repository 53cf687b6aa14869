/**
 * Runs the built `switchyard` binary the way a pipeline does: a child process with
 * pipes (so not a TTY), no colour, a clean `SWITCHYARD_*` environment. Resolves exit
 * code and output; `onLine` sees stdout lines as they come, to act on progress (unstick a
 * proxy once a rollback starts, send Ctrl-C during a bake).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The binary under test (build first: `tsc -b`). */
export const CLI_BIN = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

/** What a run produced. */
export interface CliResult {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  /** The signal that killed it, or null. */
  signal: NodeJS.Signals | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
  /** Non-empty stdout lines. */
  lines: string[];
}

/** Options of `runCli`. */
export interface RunCliOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Called with every complete stdout line, and the child process. */
  onLine?: (line: string, child: ChildProcess) => void;
  /** Called with the child process as soon as it is spawned. */
  onSpawn?: (child: ChildProcess) => void;
  /** Kill the child after this long (a hung CLI must fail the test, not hang it). */
  timeoutMs?: number;
}

/** The environment for the child: inherited, minus SWITCHYARD_* and colour settings. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('SWITCHYARD_') || key === 'FORCE_COLOR' || key === 'NO_COLOR') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `switchyard <args>`. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 150_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        options.onLine?.(line, child);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        lines: stdout.split('\n').filter((line) => line.trim() !== ''),
      });
    });
  });
}

/** Parses JSON Lines output; every line must be JSON. */
export function jsonLines(result: CliResult): Record<string, any>[] {
  return result.lines.map((line) => JSON.parse(line) as Record<string, any>);
}
