/**
 * Numbers in the checks' reasons: short, and honest about size (a likelihood ratio of 3e+41
 * is written so, not as "Infinity").
 */

/** A likelihood ratio given its natural log: `0.31`, `42`, `1.2e+5`. */
export function formatLikelihoodRatio(logRatio: number): string {
  if (logRatio === -Infinity) return '0';
  const log10 = logRatio / Math.LN10;
  if (log10 >= 4 || log10 <= -3) {
    const exponent = Math.floor(log10);
    const mantissa = 10 ** (log10 - exponent);
    return `${mantissa.toFixed(1)}e${exponent >= 0 ? '+' : ''}${exponent}`;
  }
  return significant(Math.exp(logRatio));
}

/** A positive number to two significant digits: `0.0041`, `2.5`, `130`. */
export function significant(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return String(Number(value.toPrecision(2)));
}

/** A rate as a percentage: `0.48%`. */
export function percent(rate: number): string {
  return `${significant(rate * 100)}%`;
}
