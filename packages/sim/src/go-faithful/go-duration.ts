/**
 * Which strings are durations, as Go's `time.ParseDuration` decides (`1h2m3.5s`, `500ms`,
 * `-1.5h`, `0`; int64 nanoseconds at most): the CRDs' `duration(self)` rules and istiod's
 * decoding of `google.protobuf.Duration` fields both accept exactly these.
 */

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n,
  '\u03bcs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const SEGMENT = /(\d*)(?:\.(\d*))?([^\d.]+)/gy;
const MAX_NANOS = (1n << 63n) - 1n;

/** The duration in nanoseconds, or undefined when Go refuses the text. */
export function parseGoDuration(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  const body = /^[-+]/.test(text) ? text.slice(1) : text;
  if (body === '0') return 0n;
  if (body === '') return undefined;
  let total = 0n;
  SEGMENT.lastIndex = 0;
  while (SEGMENT.lastIndex < body.length) {
    const match = SEGMENT.exec(body);
    if (!match) return undefined;
    const [, whole = '', fraction = '', unitName = ''] = match;
    const unit = UNIT_NANOS[unitName];
    if (unit === undefined || (whole === '' && fraction === '')) return undefined;
    // Go scales the fraction's digits in float64 and truncates toward zero.
    const digits = fraction.slice(0, 18);
    const fractionNanos = Math.trunc(Number(digits || '0') * (Number(unit) / 10 ** digits.length));
    total += BigInt(whole || '0') * unit + BigInt(fractionNanos);
    if (total > MAX_NANOS + (negative ? 1n : 0n)) return undefined;
  }
  return negative ? -total : total;
}
