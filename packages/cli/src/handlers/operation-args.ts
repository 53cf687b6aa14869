/**
 * The arguments every operation handler receives, and their translation into the
 * library's `OperationInput`: the spec overrides from the flags plus cluster access.
 */
import type { OperationInput } from '@switchyard/core';
import type { GlobalFlags } from '../cli-context.js';
import { specOverridesOf, type SpecFlags } from '../flags/spec-overrides.js';

/** Global and spec flags. */
export type OperationArgs = GlobalFlags & SpecFlags;

/** `--skip-check` (repeatable) of doctor, deploy and release → `skipChecks`. */
export interface PreflightArgs {
  /** Preflight check ids to leave out. */
  skipCheck?: NonNullable<OperationInput['skipChecks']> extends readonly (infer Id)[]
    ? Id[] | undefined
    : never;
}

/** The library input for `args` (without event and signal hooks). */
export function operationInputOf(args: OperationArgs): OperationInput {
  return {
    ...specOverridesOf(args),
    kubeconfig: args.kubeconfig,
    context: args.context,
    file: args.file,
    holderIdentity: args.holder,
  };
}
