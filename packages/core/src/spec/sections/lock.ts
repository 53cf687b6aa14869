/** `lock:` the release lock, a Lease: how long a claim lasts and whose it is. */
import { parseDuration } from '../duration.js';
import { DURATION, field, group, TEXT } from '../field-declaration.js';

/** The release lock. */
export interface LockSpec {
  /** How long a claim lasts without renewal; whole seconds, at least 5s. Undefined: `30s`. */
  leaseDuration?: string | undefined;
  /** Identity written to the Lease. Undefined: a CI pipeline run id, else host and pid. */
  holderIdentity?: string | undefined;
}

/** The fields of `lock`. */
export const LOCK_FIELDS = group('The release lock (a Lease).', {
  leaseDuration: field({
    kind: DURATION,
    description: 'How long a claim lasts without renewal.',
    default: '30s',
  }),
  holderIdentity: field({
    kind: TEXT,
    description: 'Identity written to the Lease.',
    defaultText: 'CI run id, else host and pid',
  }),
});

/** Release lock. */
export interface ResolvedLock {
  /** Claim validity without renewal, in milliseconds (whole seconds). */
  readonly leaseDurationMs: number;
  /**
   * Identity written to the Lease; undefined: decided at run time by `defaultHolderIdentity`
   * (CI pipeline run id, else host and pid), which depends on the environment.
   */
  readonly holderIdentity: string | undefined;
}

/** `lock` with its defaults, the duration in milliseconds. */
export function resolveLock(lock: LockSpec | undefined): ResolvedLock {
  return {
    leaseDurationMs: parseDuration(lock?.leaseDuration ?? LOCK_FIELDS.fields.leaseDuration.default),
    holderIdentity: lock?.holderIdentity,
  };
}
