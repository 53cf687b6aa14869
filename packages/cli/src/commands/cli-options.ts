/**
 * The yargs options of the commands, grouped as in `--help`. Two typed lists give nearly all
 * of them: the runtime flags (`flags/runtime-flags.ts`) and the spec flags
 * (`flags/spec-flags.ts`, from the spec's declaration). One rule decides which command
 * takes what: every command that reads a release spec (deploy, release, promote, rollback,
 * status, plan, doctor) takes every spec flag, as it takes `-f`, so a pipeline can pass the
 * same flags to each of its steps; each command uses the fields it needs.
 */
import type { Options } from 'yargs';
import { EVERY_COMMAND_OPTIONS, SPEC_COMMAND_RUNTIME_OPTIONS } from '../flags/runtime-flags.js';
import { SPEC_OPTIONS } from '../flags/spec-flags.js';

/** Flags every command takes. */
export const GLOBAL_OPTIONS = EVERY_COMMAND_OPTIONS;

/** Flags of every command that reads a release spec. */
export const SPEC_COMMAND_OPTIONS = { ...SPEC_OPTIONS, ...SPEC_COMMAND_RUNTIME_OPTIONS };

/** `--image` of deploy and `plan deploy`. */
export const IMAGE_OPTION = {
  image: { type: 'string', group: 'Deploy:', describe: 'image for the idle slot' },
} as const satisfies Record<string, Options>;
