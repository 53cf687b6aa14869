/**
 * Go's formatting of values, as Kubernetes and Istio print them in error messages: `%q`
 * (strconv.Quote), `%v` of a float64 (shortest `%g`), `%f` and `%d`. Messages copied from Go
 * servers only match byte for byte if the values inside them are formatted the same way.
 */

import { goJson } from '../go-faithful/go-json-bytes.js';

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** `strconv.Quote`: double-quoted, Go escapes for control and non-printable characters. */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (printable.test(ch)) {
      out += ch;
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    } else if (code < 0x10000) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/**
 * `%v` of a float64: the shortest representation, in exponent form when the decimal exponent
 * is below -4 or at least 6 (`1e+06`, `4.294967295e+09`), otherwise plain (`0.5`, `100000`).
 */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa = '0', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** `%f`: six decimals. */
export function goFixed(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return value.toFixed(6);
}

/** `%v` of a `[]string`: `[a b c]`. */
export function goStringSlice(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

/**
 * A bad value as apimachinery's `field.Error` prints it (`ErrorBody`): numbers and booleans
 * bare, strings with `%q`, anything else (null, lists, maps) as Go's JSON.
 */
export function goValue(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : goFloat(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return goJson(value);
}
