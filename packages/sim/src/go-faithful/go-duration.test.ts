import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './go-duration.js';

const NS = 1n;
const MS = 1_000_000n;
const S = 1_000_000_000n;

describe('parseGoDuration', () => {
  it.each([
    ['0', 0n],
    ['+5s', 5n * S],
    ['500ms', 500n * MS],
    ['1h2m3.5s', 3723n * S + 500n * MS],
    ['-1.5h', -5400n * S],
    ['.5s', 500n * MS],
    ['1.s', 1n * S],
    ['100ns', 100n * NS],
    ['3us', 3000n],
    ['3\u00b5s', 3000n],
    ['3\u03bcs', 3000n],
    ['0.5ms', 500_000n],
    ['1m0.000000001s', 60n * S + 1n],
    ['2562047h47m16.854775807s', (1n << 63n) - 1n],
    ['-2562047h47m16.854775808s', -(1n << 63n)],
  ])('parses %s like time.ParseDuration', (text, nanos) => {
    expect(parseGoDuration(text)).toBe(nanos);
  });

  it.each([
    '',
    'abc',
    '.s',
    '-',
    '1',
    '10x',
    '1 s',
    '5\u00e9s',
    '9223372036854775808ns',
    '2562048h',
  ])('refuses %j as time.ParseDuration does', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
