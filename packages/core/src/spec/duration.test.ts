import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { durationProblem, formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['30', '"30" has no unit: write "30s" or "30ms"'],
    ['1.5m', '"1.5m" is not a duration: use whole numbers, like "1m30s"'],
    [
      '30s1m',
      '"30s1m" is not a duration: give units from largest to smallest, each once (h, m, s, ms), like "1m30s"',
    ],
    [
      '1m1m',
      '"1m1m" is not a duration: give units from largest to smallest, each once (h, m, s, ms), like "1m30s"',
    ],
    [
      '10 s',
      '"10 s" is not a duration: use whole numbers with h, m, s or ms, like 500ms, 10s, 1m30s or 2h',
    ],
    [
      '1d',
      '"1d" is not a duration: use whole numbers with h, m, s or ms, like 500ms, 10s, 1m30s or 2h',
    ],
    [
      '-5s',
      '"-5s" is not a duration: use whole numbers with h, m, s or ms, like 500ms, 10s, 1m30s or 2h',
    ],
    ['', 'must be a duration like 500ms, 10s, 1m30s or 2h, got an empty string'],
    [
      ' 45s',
      '" 45s" is not a duration: use whole numbers with h, m, s or ms, like 500ms, 10s, 1m30s or 2h',
    ],
  ])('rejects %j', (text, message) => {
    expect(() => parseDuration(text)).toThrow(SpecError);
    expect(() => parseDuration(text)).toThrow(message);
    expect(durationProblem(text)).toBe(message);
  });

  it('explains bare numbers from YAML', () => {
    expect(durationProblem(30)).toBe(
      'must be a duration with a unit, like "30s" or "30ms" (a bare number has no unit)',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1_500, '1s500ms'],
    [90_000, '1m30s'],
    [7_200_000, '2h'],
    [12.4, '12ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('refuses values that are not durations', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
  });

  it('round-trips through parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 * 3_600_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
