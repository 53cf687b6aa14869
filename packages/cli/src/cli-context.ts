/**
 * What one run of the CLI knows besides a command's own flags: where output goes, in
 * which form, with or without colour, and how the run ended (exit code, interruption).
 * Commands fill it; the top-level catch in `main.ts` reads it.
 */
import picocolors from 'picocolors';
import type { RuntimeFlags } from './flags/runtime-flags.js';

/** picocolors' colour functions. */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** `-o` values. */
export type OutputFormat = 'text' | 'json';

/** How progress is shown: redrawn on a terminal, one line per event, or JSON Lines. */
export type ProgressMode = 'live' | 'plain' | 'json';

/** The streams a run writes to (process.stdout/stderr, or test doubles). */
export interface CliStreams {
  /** Results and progress. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Diagnostics and errors. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The runtime flags, as parsed (`flags/runtime-flags.ts`): output form, cluster, spec file. */
export type GlobalFlags = RuntimeFlags;

/** The signals that interrupt an operation. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** State of one CLI run. */
export class CliContext {
  /** Where output goes. */
  readonly streams: CliStreams;
  /** The environment (NO_COLOR, FORCE_COLOR). */
  readonly env: NodeJS.ProcessEnv;
  /** Global flags; set once yargs parsed them. */
  flags: GlobalFlags = {};
  /** Exit code of a command that returned normally (paused is 4, not an error). */
  exitCode = 0;
  /** Set when SIGINT or SIGTERM interrupted the operation. */
  interruptedBy: InterruptSignal | undefined;
  /** The command being run (`release`), for messages and JSON output. */
  command: string | undefined;
  /** The service the command works on, when known. */
  service: string | undefined;

  constructor(streams: CliStreams, env: NodeJS.ProcessEnv) {
    this.streams = streams;
    this.env = env;
  }

  /** `-o`. */
  get output(): OutputFormat {
    return this.flags.output ?? 'text';
  }

  /** How progress is shown. */
  get progressMode(): ProgressMode {
    if (this.output === 'json') return 'json';
    return this.streams.stdout.isTTY === true ? 'live' : 'plain';
  }

  /** Whether stdout gets colours: off with `--no-color`, `NO_COLOR`, JSON or a non-terminal. */
  get colorEnabled(): boolean {
    if (this.flags.color === false || this.output === 'json') return false;
    if (this.env.NO_COLOR !== undefined && this.env.NO_COLOR !== '') return false;
    if (this.env.FORCE_COLOR !== undefined && this.env.FORCE_COLOR !== '0') return true;
    return this.streams.stdout.isTTY === true;
  }

  /** Colour functions for stdout (identity functions when colour is off). */
  get colors(): Colors {
    return picocolors.createColors(this.colorEnabled);
  }

  /** Colour functions for stderr. */
  get errorColors(): Colors {
    const enabled =
      this.flags.color !== false &&
      (this.env.NO_COLOR === undefined || this.env.NO_COLOR === '') &&
      (this.streams.stderr.isTTY === true ||
        (this.env.FORCE_COLOR !== undefined && this.env.FORCE_COLOR !== '0'));
    return picocolors.createColors(enabled);
  }

  /** Writes a line to stdout. */
  out(line = ''): void {
    this.streams.stdout.write(`${line}\n`);
  }

  /** Writes a line to stderr. */
  err(line = ''): void {
    this.streams.stderr.write(`${line}\n`);
  }
}
