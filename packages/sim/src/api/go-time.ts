/**
 * Kubernetes' timestamps as the API server decodes and re-encodes them: `metav1.Time`
 * parses with Go's `time.RFC3339` layout (fractional seconds accepted, dropped on output)
 * and `metav1.MicroTime` with `2006-01-02T15:04:05.000000Z07:00` (exactly six fractional
 * digits), both written back in UTC. A port of the parts of Go's `time.parse` these two
 * layouts use, so a bad value gets Go's own message (`parsing time "x" as "layout": cannot
 * parse "y" as "z"`, `month out of range`, ...).
 */

/** `time.RFC3339`, the layout of `metav1.Time`. */
export const RFC3339 = '2006-01-02T15:04:05Z07:00';
/** `metav1.RFC3339Micro`, the layout of `metav1.MicroTime`. */
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

type Element = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'micros' | 'zone';

/** A layout as Go's `nextStdChunk` splits it: literal prefixes and elements. */
const CHUNKS: Record<string, { prefix: string; element: Element; text: string }[]> = {
  [RFC3339]: [
    { prefix: '', element: 'year', text: '2006' },
    { prefix: '-', element: 'month', text: '01' },
    { prefix: '-', element: 'day', text: '02' },
    { prefix: 'T', element: 'hour', text: '15' },
    { prefix: ':', element: 'minute', text: '04' },
    { prefix: ':', element: 'second', text: '05' },
    { prefix: '', element: 'zone', text: 'Z07:00' },
  ],
};
CHUNKS[RFC3339_MICRO] = [
  ...(CHUNKS[RFC3339] as { prefix: string; element: Element; text: string }[]).slice(0, 6),
  { prefix: '', element: 'micros', text: '.000000' },
  { prefix: '', element: 'zone', text: 'Z07:00' },
];

/** The time package's own `quote`: non-ASCII and control bytes as `\xNN`. */
function quote(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte >= 0x80 || byte < 0x20) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else {
      const ch = String.fromCharCode(byte);
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

const isDigit = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';

/** `getnum`: one or two digits; `fixed` requires two. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/** `atoi` over the digits of a fraction (after the separator); undefined when not all digits. */
function fractionDigits(digits: string): string | undefined {
  return /^\d*$/.test(digits) ? digits : undefined;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The outcome of decoding a timestamp. */
export type DecodedTime = { value: string } | { error: string };

/**
 * Parses `value` with `layout` as Go's `time.Parse` does and returns it as the server
 * writes it back (UTC; seconds for RFC3339, microseconds for RFC3339Micro), or Go's error.
 */
export function decodeGoTime(
  value: string,
  layout: typeof RFC3339 | typeof RFC3339_MICRO,
): DecodedTime {
  const chunks = CHUNKS[layout] as { prefix: string; element: Element; text: string }[];
  const fail = (element: string, rest: string): DecodedTime => ({
    error: `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(element)}`,
  });
  const outOfRange = (what: string): DecodedTime => ({
    error: `parsing time ${quote(value)}: ${what} out of range`,
  });
  let rest = value;
  let year = 0;
  let month = -1;
  let day = -1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let fraction = '';
  let offsetMinutes = 0;
  for (const { prefix, element, text } of chunks) {
    for (const ch of prefix) {
      if (rest[0] !== ch) return fail(prefix, rest);
      rest = rest.slice(1);
    }
    const hold = rest;
    switch (element) {
      case 'year': {
        if (rest.length < 4 || !isDigit(rest, 0) || !/^\d{4}$/.test(rest.slice(0, 4)))
          return fail(text, hold);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      }
      case 'month':
      case 'day':
      case 'minute':
      case 'second':
      case 'hour': {
        const got = getnum(rest, element !== 'hour');
        if (!got) return fail(text, hold);
        const [n, after] = got;
        rest = after;
        if (element === 'month') {
          if (n <= 0 || n > 12) return outOfRange('month');
          month = n;
        } else if (element === 'day') {
          day = n;
        } else if (element === 'hour') {
          if (n >= 24) return outOfRange('hour');
          hour = n;
        } else if (element === 'minute') {
          if (n >= 60) return outOfRange('minute');
          minute = n;
        } else {
          if (n >= 60) return outOfRange('second');
          second = n;
          // A fraction the layout does not ask for is accepted (RFC3339 only).
          if (
            layout === RFC3339 &&
            rest.length >= 2 &&
            (rest[0] === '.' || rest[0] === ',') &&
            isDigit(rest, 1)
          ) {
            let end = 2;
            while (isDigit(rest, end)) end++;
            fraction = rest.slice(1, Math.min(end, 10));
            rest = rest.slice(end);
          }
        }
        break;
      }
      case 'micros': {
        if (rest.length < 7 || (rest[0] !== '.' && rest[0] !== ',')) return fail(text, hold);
        const digits = fractionDigits(rest.slice(1, 7));
        if (digits === undefined) return fail(text, hold);
        fraction = digits;
        rest = rest.slice(7);
        break;
      }
      case 'zone': {
        if (rest[0] === 'Z') {
          rest = rest.slice(1);
          break;
        }
        if (rest.length < 6 || rest[3] !== ':') return fail(text, hold);
        const sign = rest[0];
        const hours = getnum(rest.slice(1, 3), true);
        const minutes = getnum(rest.slice(4, 6), true);
        if (!hours || !minutes) return fail(text, hold);
        rest = rest.slice(6);
        if (hours[0] > 24) return outOfRange('time zone offset hour');
        if (minutes[0] > 60) return outOfRange('time zone offset minute');
        if (sign !== '+' && sign !== '-') return fail(text, hold);
        offsetMinutes = (sign === '-' ? -1 : 1) * (hours[0] * 60 + minutes[0]);
        break;
      }
    }
  }
  if (rest.length > 0) return { error: `parsing time ${quote(value)}: extra text: ${quote(rest)}` };
  if (day < 1 || day > daysIn(month, year)) return outOfRange('day');
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const stamp =
    `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1, 2)}-${pad(utc.getUTCDate(), 2)}` +
    `T${pad(utc.getUTCHours(), 2)}:${pad(utc.getUTCMinutes(), 2)}:${pad(utc.getUTCSeconds(), 2)}`;
  return {
    value: layout === RFC3339 ? `${stamp}Z` : `${stamp}.${fraction.padEnd(6, '0').slice(0, 6)}Z`,
  };
}
