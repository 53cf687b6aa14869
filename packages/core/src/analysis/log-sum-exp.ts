/**
 * `ln Σ e^{v_i}` without overflow: the log of a mixture of likelihood ratios given the logs
 * of its weighted components.
 */

/**
 * `ln Σ e^{values[i]}` over `from <= i < to` (default: all); `-Infinity` for an empty range
 * or all `-Infinity`.
 */
export function logSumExp(values: readonly number[], from = 0, to = values.length): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) if ((values[i] as number) > max) max = values[i] as number;
  if (max === -Infinity || max === Infinity) return max;
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp((values[i] as number) - max);
  return max + Math.log(sum);
}
