/**
 * Numeric flags arrive as strings so a typo is reported as typed (`--failure-limit two`),
 * not as yargs' NaN. Ranges and integrality are the spec's to check.
 */
import { UsageError } from '@switchyard/core/errors';

/** The number in `value`, or undefined when the flag was not given. */
export function parseNumberFlag(
  flag: string,
  value: string | number | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isFinite(number) || (typeof value === 'string' && value.trim() === '')) {
    throw new UsageError(`--${flag} "${String(value)}": expected a number`);
  }
  return number;
}
