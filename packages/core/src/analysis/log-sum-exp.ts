/**
 * `ln Σ e^{v_i}` without overflow: the log of a mixture of likelihood ratios given the logs
 * of its weighted components.
 */

/** `ln Σ e^{values[i]}`; `-Infinity` for an empty list or all `-Infinity`. */
export function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  if (max === -Infinity || max === Infinity) return max;
  let sum = 0;
  for (const value of values) sum += Math.exp(value - max);
  return max + Math.log(sum);
}
