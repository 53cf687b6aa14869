/** `preflight:` the checks (`switchyard doctor`) deploy and release run first. */
import { PREFLIGHT_CHECK_IDS, type PreflightCheckId } from '../../preflight/check-ids.js';
import { choiceKind, field, group, list } from '../field-declaration.js';

/** The preflight checks (`switchyard doctor`) deploy and release run first. */
export interface PreflightSpec {
  /**
   * Check ids to leave out on purpose (`port-protocol`, `proxy-sync`, ...); each skip is
   * printed. Undefined: none.
   */
  skip?: PreflightCheckId[] | undefined;
}

/** The fields of `preflight`. */
export const PREFLIGHT_FIELDS = group(
  'The checks (switchyard doctor) deploy and release run first.',
  {
    skip: list(
      field({ kind: choiceKind(PREFLIGHT_CHECK_IDS), description: 'A preflight check id.' }),
      {
        description: 'Checks to leave out on purpose (each skip is printed).',
        defaultText: 'none',
      },
    ),
  },
);

/** The preflight checks deploy and release run first. */
export interface ResolvedPreflight {
  /** Checks left out on purpose; empty when none. */
  readonly skip: readonly PreflightCheckId[];
}

/** `preflight` with each skipped check once. */
export function resolvePreflight(preflight: PreflightSpec | undefined): ResolvedPreflight {
  return { skip: [...new Set(preflight?.skip ?? [])] };
}
