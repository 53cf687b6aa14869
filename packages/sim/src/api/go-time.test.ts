import { describe, expect, it } from 'vitest';
import { decodeGoTime, RFC3339, RFC3339_MICRO } from './go-time.js';

// Expected values printed by Go 1.26's time.Parse for the same inputs and layouts.
const MICRO: [string, string][] = [
  ['2026-11-21T12:00:00.123456Z', '2026-11-21T12:00:00.123456Z'],
  ['2026-11-21T13:00:00.000000+01:00', '2026-11-21T12:00:00.000000Z'],
  ['2026-11-21T2:00:00.000000Z', '2026-11-21T02:00:00.000000Z'],
  ['2026-11-21T12:00:00,123456Z', '2026-11-21T12:00:00.123456Z'],
];
const MICRO_ERRORS: [string, string][] = [
  ['2026-11-21T12:00:00.5Z', 'cannot parse ".5Z" as ".000000"'],
  ['2026-11-21T12:00:00Z', 'cannot parse "Z" as ".000000"'],
  ['2026-11-21T12:00:00.1234567Z', 'cannot parse "7Z" as "Z07:00"'],
  ['2026-11-21 12:00:00.000000Z', 'cannot parse " 12:00:00.000000Z" as "T"'],
  ['2026-11-21T12:00:00.000000', 'cannot parse "" as "Z07:00"'],
  ['2026-11-21T12:00:00.000000+0100', 'cannot parse "+0100" as "Z07:00"'],
  ['yesterday', 'cannot parse "yesterday" as "2006"'],
  ['', 'cannot parse "" as "2006"'],
  ['2026-1-21T12:00:00.000000Z', 'cannot parse "1-21T12:00:00.000000Z" as "01"'],
  ['20261121', 'cannot parse "1121" as "-"'],
  ['2026-11-21T12:00:00.12345aZ', 'cannot parse ".12345aZ" as ".000000"'],
];
const MICRO_RANGE: [string, string][] = [
  ['2026-13-21T12:00:00.000000Z', ': month out of range'],
  ['2026-02-30T12:00:00.000000Z', ': day out of range'],
  ['2026-11-21T25:00:00.000000Z', ': hour out of range'],
  ['2026-11-21T12:60:00.000000Z', ': minute out of range'],
  ['2026-11-21T12:00:00.000000+25:00', ': time zone offset hour out of range'],
  ['2026-11-21T12:00:00.000000Zjunk', ': extra text: "junk"'],
];

describe('decodeGoTime', () => {
  it.each(MICRO)('MicroTime %s is written back as %s', (input, output) => {
    expect(decodeGoTime(input, RFC3339_MICRO)).toEqual({ value: output });
  });

  it.each(MICRO_ERRORS)('MicroTime %j: %s', (input, detail) => {
    expect(decodeGoTime(input, RFC3339_MICRO)).toEqual({
      error: `parsing time ${JSON.stringify(input)} as "2006-01-02T15:04:05.000000Z07:00": ${detail}`,
    });
  });

  it.each(MICRO_RANGE)('MicroTime %j%s', (input, detail) => {
    expect(decodeGoTime(input, RFC3339_MICRO)).toEqual({
      error: `parsing time ${JSON.stringify(input)}${detail}`,
    });
  });

  it('reads RFC3339 times with any fraction and writes them back to the second, in UTC', () => {
    expect(decodeGoTime('2026-11-21T12:00:00.987Z', RFC3339)).toEqual({
      value: '2026-11-21T12:00:00Z',
    });
    expect(decodeGoTime('2026-11-21T13:00:00+01:00', RFC3339)).toEqual({
      value: '2026-11-21T12:00:00Z',
    });
    expect(decodeGoTime('2026-11-21T12:00:00.123456789123Z', RFC3339)).toEqual({
      value: '2026-11-21T12:00:00Z',
    });
    expect(decodeGoTime('0000-01-01T00:00:00Z', RFC3339)).toEqual({
      value: '0000-01-01T00:00:00Z',
    });
    expect(decodeGoTime('2026-11-21T12:00:00', RFC3339)).toEqual({
      error:
        'parsing time "2026-11-21T12:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"',
    });
    expect(decodeGoTime('2026-11-21T12:00:00.Z', RFC3339)).toEqual({
      error:
        'parsing time "2026-11-21T12:00:00.Z" as "2006-01-02T15:04:05Z07:00": cannot parse ".Z" as "Z07:00"',
    });
    expect(decodeGoTime('2026-11-21T12:00:61Z', RFC3339)).toEqual({
      error: 'parsing time "2026-11-21T12:00:61Z": second out of range',
    });
  });
});
