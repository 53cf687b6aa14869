/**
 * How many of `runs` independent streams may cross a threshold whose crossing chance is at
 * most `level` each, before a property test calls the guarantee broken: the smallest `c`
 * with P(Binomial(runs, level) > c) <= `falseFailure`. The crossings are then stochastically
 * below that binomial, so the test fails by chance with probability below `falseFailure`.
 */
import { logRegularizedIncompleteBeta } from '../incomplete-beta.js';

/** The largest number of crossings compatible with the guarantee. */
export function allowedCrossings(runs: number, level: number, falseFailure: number): number {
  for (let c = 0; c < runs; c++) {
    // P(X > c) = P(X >= c + 1) = I_level(c + 1, runs - c).
    const { logLower } = logRegularizedIncompleteBeta(level, c + 1, runs - c);
    if (logLower <= Math.log(falseFailure)) return c;
  }
  return runs;
}
