/**
 * The verdict of the sequential checks at one evaluation, and how the checks combine:
 *
 * - `rollback` as soon as any check has shown the canary worse (its test crossed 1/alpha);
 * - `promote` only when every check has shown the canary no worse than its margin (each
 *   test crossed 1/beta) and none asks for a rollback;
 * - `continue` otherwise: not enough evidence either way yet, including when a check has no
 *   data at all. Missing evidence never promotes.
 *
 * The chance of a false rollback over a whole release is at most the sum of the checks'
 * alphas (a union bound over Ville's inequality for each); the chance of promoting a step
 * early while some check's canary is in fact worse than its margin is at most that check's
 * beta (promotion needs every check, so the smallest beta bounds it).
 */

/** What the sequential checks say now. */
export type SequentialVerdict = 'rollback' | 'promote' | 'continue';

/** One check's verdict, as the combination needs it. */
export interface SequentialCheckVerdict {
  /** The check's name, as in the spec. */
  readonly name: string;
  /** Its verdict. */
  readonly verdict: SequentialVerdict;
  /** Why, in a sentence an SRE can act on (the evidence, the counts, the threshold). */
  readonly reason: string;
}

/** The combined verdict of every sequential check. */
export interface CombinedVerdict {
  /** What to do. */
  readonly verdict: SequentialVerdict;
  /** Why: the deciding checks' reasons, or what is still missing. */
  readonly reason: string;
  /** Names of the checks that decided it (all of them for `promote`, the undecided ones for `continue`). */
  readonly decidedBy: readonly string[];
}

/** Combines the checks' verdicts: any rollback wins; promote needs every check. */
export function combineVerdicts(checks: readonly SequentialCheckVerdict[]): CombinedVerdict {
  if (checks.length === 0) {
    return { verdict: 'continue', reason: 'no sequential checks to decide', decidedBy: [] };
  }
  const rollbacks = checks.filter((check) => check.verdict === 'rollback');
  if (rollbacks.length > 0) return summary('rollback', rollbacks);
  const undecided = checks.filter((check) => check.verdict !== 'promote');
  if (undecided.length === 0) return summary('promote', checks);
  return summary('continue', undecided);
}

function summary(
  verdict: SequentialVerdict,
  checks: readonly SequentialCheckVerdict[],
): CombinedVerdict {
  return {
    verdict,
    reason: checks.map((check) => `${check.name}: ${check.reason}`).join('; '),
    decidedBy: checks.map((check) => check.name),
  };
}
