/**
 * The Clopper-Pearson (exact binomial) upper confidence bound on a proportion: the rate `p`
 * at which seeing `k` or fewer events in `n` trials has probability `1 - confidence`
 * (Clopper & Pearson 1934). The benchmark reports false-rollback rates with it, so "0 of 2000
 * runs" reads as "at most 0.15 %", not as "never".
 */
import { logRegularizedIncompleteBeta } from './incomplete-beta.js';

/**
 * The one-sided upper bound at `confidence` (default 0.95) on the proportion behind `k`
 * events in `n` trials: the `confidence` quantile of Beta(k + 1, n - k); 1 when `k = n`.
 *
 * @throws RangeError unless `0 <= k <= n` are integers and `0 < confidence < 1`.
 */
export function clopperPearsonUpper(k: number, n: number, confidence = 0.95): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || k > n || n < 1)
    throw new RangeError(`need integers 0 <= k <= n, n >= 1; got k=${k} n=${n}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
  if (k === n) return 1;
  // P(X <= k | p) = I_{1-p}(n - k, k + 1) = 1 - I_p(k + 1, n - k): find p where it is 1 - confidence.
  const target = Math.log(confidence);
  let low = 0;
  let high = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (logRegularizedIncompleteBeta(mid, k + 1, n - k).logLower < target) low = mid;
    else high = mid;
  }
  return high;
}
