/** `rollback:` what a rollback removes besides the candidate's weight. */
import { BOOLEAN, field, group } from '../field-declaration.js';

/** Rollback behaviour. */
export interface RollbackSpec {
  /** Remove the pre-release header route when rolling back. Undefined: true. */
  removeHeaderRoute?: boolean | undefined;
}

/** The fields of `rollback`. */
export const ROLLBACK_FIELDS = group('Rollback behaviour.', {
  removeHeaderRoute: field({
    kind: BOOLEAN,
    description: 'Remove the pre-release header route when rolling back.',
    default: true,
  }),
});

/** Rollback behaviour. */
export interface ResolvedRollback {
  /** Remove the pre-release header route when rolling back. */
  readonly removeHeaderRoute: boolean;
}

/** `rollback` with its defaults. */
export function resolveRollback(rollback: RollbackSpec | undefined): ResolvedRollback {
  return {
    removeHeaderRoute:
      rollback?.removeHeaderRoute ?? ROLLBACK_FIELDS.fields.removeHeaderRoute.default,
  };
}
