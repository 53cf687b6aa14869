/**
 * The arguments every command that reads a release spec receives, and their translation
 * into the library's `OperationInput`: the spec overrides from the spec flags plus the
 * runtime options from the runtime flags.
 */
import type { OperationInput } from '@switchyard/core';
import type { RuntimeFlags } from '../flags/runtime-flags.js';
import { specOverridesOf, type SpecFlags } from '../flags/spec-overrides.js';
import { runtimeOptionsOf } from '../flags/runtime-flags.js';

/** Runtime and spec flags. */
export type OperationArgs = RuntimeFlags & SpecFlags;

/** The library input for `args` (without event and signal hooks). */
export function operationInputOf(args: OperationArgs): OperationInput {
  return { ...specOverridesOf(args), ...runtimeOptionsOf(args) };
}
