import { describe, expect, it } from 'vitest';
import { decodeKubeTime, kubeTime } from './kube-time.js';

// Values Go 1.26's time.Parse accepts (and the UTC value written back), and refuses.
const MICRO: [string, string][] = [
  ['2026-11-21T12:00:00.123456Z', '2026-11-21T12:00:00.123456Z'],
  ['2026-11-21T13:00:00.000000+01:00', '2026-11-21T12:00:00.000000Z'],
  ['2026-11-21T2:00:00.000000Z', '2026-11-21T02:00:00.000000Z'],
  ['2026-11-21T12:00:00,123456Z', '2026-11-21T12:00:00.123456Z'],
  ['2026-01-01T00:30:00.000000+01:00', '2025-12-31T23:30:00.000000Z'],
];
const MICRO_REFUSED = [
  '2026-11-21T12:00:00.5Z',
  '2026-11-21T12:00:00Z',
  '2026-11-21T12:00:00.1234567Z',
  '2026-11-21 12:00:00.000000Z',
  '2026-11-21T12:00:00.000000',
  '2026-11-21T12:00:00.000000+0100',
  'yesterday',
  '',
  '2026-1-21T12:00:00.000000Z',
  '20261121',
  '2026-11-21T12:00:00.12345aZ',
  '2026-13-21T12:00:00.000000Z',
  '2026-02-30T12:00:00.000000Z',
  '2026-11-21T25:00:00.000000Z',
  '2026-11-21T12:60:00.000000Z',
  '2026-11-21T12:00:00.000000+25:00',
  '2026-11-21T12:00:00.000000Zjunk',
];

describe('decodeKubeTime', () => {
  it.each(MICRO)('MicroTime %s is written back as %s', (input, output) => {
    expect(decodeKubeTime(input, 'MicroTime')).toEqual({ value: output });
  });

  it.each(MICRO_REFUSED)('MicroTime %j is refused, naming the value and the layout', (input) => {
    expect(decodeKubeTime(input, 'MicroTime')).toEqual({
      error: `parsing time ${JSON.stringify(input)} as "2006-01-02T15:04:05.000000Z07:00": not a valid MicroTime`,
    });
  });

  it('reads RFC3339 times with any fraction and writes them back to the second, in UTC', () => {
    expect(decodeKubeTime('2026-11-21T12:00:00.987Z', 'Time')).toEqual({
      value: '2026-11-21T12:00:00Z',
    });
    expect(decodeKubeTime('2026-11-21T13:00:00+01:00', 'Time')).toEqual({
      value: '2026-11-21T12:00:00Z',
    });
    expect(decodeKubeTime('2026-11-21T12:00:00.123456789123Z', 'Time')).toEqual({
      value: '2026-11-21T12:00:00Z',
    });
    expect(decodeKubeTime('0000-01-01T00:00:00Z', 'Time')).toEqual({
      value: '0000-01-01T00:00:00Z',
    });
    for (const refused of ['2026-11-21T12:00:00', '2026-11-21T12:00:00.Z', '2026-11-21T12:00:61Z'])
      expect(decodeKubeTime(refused, 'Time')).toHaveProperty('error');
  });

  it('writes controller times to the second', () => {
    expect(kubeTime(Date.UTC(2026, 10, 21, 12, 0, 0, 999))).toBe('2026-11-21T12:00:00Z');
  });
});
