/**
 * Durations in the release spec are strings with units (`500ms`, `10s`, `1m30s`, `2h`),
 * never bare numbers: `bake: 30` could mean seconds or milliseconds, and guessing wrong
 * either rushes a release or stalls it. Whole numbers only, units from largest to
 * smallest, each at most once, which is also a form Prometheus accepts in range selectors.
 */
import { SpecError } from '../errors.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];

/**
 * The accepted grammar as a regular expression (also the `pattern` in the JSON Schema).
 * `m(?!s)` keeps the minutes group from eating the `m` of `ms`.
 */
export const DURATION_PATTERN = '^(?=\\d)(?:\\d+h)?(?:\\d+m(?!s))?(?:\\d+s)?(?:\\d+ms)?$';

const DURATION_RE = new RegExp(DURATION_PATTERN);
const TOKEN_RE = /(\d+)(ms|h|m|s)/gy;
const DECIMAL_RE = /^(\d+(?:\.\d+)?)(ms|h|m|s)$/;
const EXAMPLES = '500ms, 10s, 1m30s or 2h';

/**
 * Why `value` is not a duration, or undefined when it is one. Used for spec messages,
 * where the path is added by the caller.
 */
export function durationProblem(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return `must be a duration with a unit, like "${value}s" or "${value}ms" (a bare number has no unit)`;
  }
  if (typeof value !== 'string') return `must be a duration like ${EXAMPLES}`;
  if (value === '') return `must be a duration like ${EXAMPLES}, got an empty string`;
  if (DURATION_RE.test(value)) {
    return Number.isSafeInteger(sumTokens(value))
      ? undefined
      : `"${value}" is too large for a duration`;
  }
  const decimal = DECIMAL_RE.exec(value);
  if (decimal?.[1] && decimal[2]) {
    const ms = Number(decimal[1]) * UNIT_MS[decimal[2] as Unit];
    const hint = Number.isInteger(ms) ? `, like "${formatDuration(ms)}"` : '';
    return `"${value}" is not a duration: use whole numbers${hint}`;
  }
  if (/^(?:\d+(?:ms|h|m|s))+$/.test(value)) {
    return `"${value}" is not a duration: give units from largest to smallest, each once (h, m, s, ms), like "1m30s"`;
  }
  if (/^\d+$/.test(value)) {
    return `"${value}" has no unit: write "${value}s" or "${value}ms"`;
  }
  return `"${value}" is not a duration: use whole numbers with h, m, s or ms, like ${EXAMPLES}`;
}

function sumTokens(text: string): number {
  let total = 0;
  TOKEN_RE.lastIndex = 0;
  for (let match = TOKEN_RE.exec(text); match; match = TOKEN_RE.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
  }
  return total;
}

/** Milliseconds of a valid duration, or undefined when `value` is not one. */
export function tryParseDuration(value: unknown): number | undefined {
  return durationProblem(value) === undefined ? sumTokens(value as string) : undefined;
}

/**
 * Milliseconds of a duration string: `parseDuration('1m30s') === 90_000`.
 *
 * @throws SpecError naming the problem (no unit, decimals, units out of order, garbage).
 */
export function parseDuration(text: string): number {
  const problem = durationProblem(text);
  if (problem !== undefined) throw new SpecError([{ path: '', message: problem }]);
  return sumTokens(text);
}

/**
 * The canonical string of a duration in milliseconds: `90_000` → `1m30s`, `500` → `500ms`,
 * `0` → `0s`. Fractions of a millisecond are rounded. Round-trips through `parseDuration`.
 *
 * @throws RangeError for negative, infinite or NaN values.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`cannot format ${ms} as a duration`);
  }
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let text = '';
  for (const unit of UNIT_ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return text;
}
