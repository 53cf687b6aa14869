/**
 * Go's `time.ParseDuration`, exactly: the syntax both CEL's `duration()` and Istio's JSON
 * decoding of `google.protobuf.Duration` fields accept (`1h2m3.5s`, `500ms`, `-1.5h`, `0`), the
 * same overflow limits (int64 nanoseconds) and the same error messages.
 */

const MAX_INT64 = (1n << 63n) - 1n;
const LIMIT = 1n << 63n;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** A duration Go rejects; `message` is Go's error text (`time: invalid duration "x"`). */
export class GoDurationError extends Error {
  override readonly name = 'GoDurationError';
}

/** The `time` package's quote: ASCII kept, other bytes as `\xNN` escapes of their UTF-8. */
export function goTimeQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parses a Go duration string into nanoseconds, or throws `GoDurationError`. */
export function parseGoDuration(text: string): bigint {
  const invalid = (): GoDurationError =>
    new GoDurationError(`time: invalid duration ${goTimeQuote(text)}`);
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // Integer part; Go fails on overflow rather than saturating.
    let i = 0;
    while (i < s.length && isDigit(s[i])) i++;
    const pre = i > 0;
    let v = pre ? BigInt(s.slice(0, i)) : 0n;
    if (v > LIMIT) throw invalid();
    s = s.slice(i);
    // Fraction part: digits beyond int64 precision are consumed but ignored.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s.startsWith('.')) {
      s = s.slice(1);
      let j = 0;
      while (j < s.length && isDigit(s[j])) j++;
      post = j > 0;
      if (j <= 18) {
        // Up to 18 digits always fit: the common case, without a digit-by-digit loop.
        f = j > 0 ? BigInt(s.slice(0, j)) : 0n;
        scale = 10 ** j;
      } else {
        for (let k = 0; k < j; k++) {
          if (f > MAX_INT64 / 10n) break;
          const y = f * 10n + BigInt(s.charCodeAt(k) - 48);
          if (y > LIMIT) break;
          f = y;
          scale *= 10;
        }
      }
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s[u]))) u++;
    if (u === 0) throw new GoDurationError(`time: missing unit in duration ${goTimeQuote(text)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS.get(unitName);
    if (unit === undefined) {
      throw new GoDurationError(
        `time: unknown unit ${goTimeQuote(unitName)} in duration ${goTimeQuote(text)}`,
      );
    }
    if (v > LIMIT / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes the fractional part in float64, truncating toward zero.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid();
    }
    total += v;
    if (total > LIMIT) throw invalid();
  }
  if (neg) return -total;
  if (total > MAX_INT64) throw invalid();
  return total;
}
