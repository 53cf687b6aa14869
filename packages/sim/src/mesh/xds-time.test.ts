import { describe, expect, it } from 'vitest';
import {
  goDurationToProto,
  goRfc3339Seconds,
  goTimeJson,
  protoDuration,
  protoTimestamp,
} from './xds-time.js';

describe('time text', () => {
  it('prints push versions with second precision like Go RFC3339', () => {
    expect(goRfc3339Seconds(new Date('2026-11-02T10:00:00.123Z'))).toBe('2026-11-02T10:00:00Z');
  });

  it('prints Go time.Time JSON with the trailing zeros of the fraction dropped', () => {
    expect(goTimeJson(new Date('2026-11-02T10:00:00.100Z'))).toBe('2026-11-02T10:00:00.1Z');
    expect(goTimeJson(new Date('2026-11-02T10:00:00.120Z'))).toBe('2026-11-02T10:00:00.12Z');
    expect(goTimeJson(new Date('2026-11-02T10:00:00.123Z'))).toBe('2026-11-02T10:00:00.123Z');
    expect(goTimeJson(new Date('2026-11-02T10:00:01.000Z'))).toBe('2026-11-02T10:00:01Z');
  });

  it('prints protobuf Timestamps without a fraction on whole seconds', () => {
    expect(protoTimestamp(new Date('2026-11-02T10:00:00.000Z'))).toBe('2026-11-02T10:00:00Z');
    expect(protoTimestamp(new Date('2026-11-02T10:00:00.120Z'))).toBe('2026-11-02T10:00:00.120Z');
  });

  it('prints Go durations as protobuf Durations with 0, 3, 6 or 9 digits', () => {
    expect(goDurationToProto('1m30s')).toBe('90s');
    expect(goDurationToProto('1.5s')).toBe('1.500s');
    expect(goDurationToProto('10 s')).toBeUndefined();
    expect(protoDuration(0n)).toBe('0s');
    expect(protoDuration(250_000n)).toBe('0.000250s');
    expect(protoDuration(1n)).toBe('0.000000001s');
    expect(goDurationToProto('500ms')).toBe('0.500s');
    expect(goDurationToProto('2h')).toBe('7200s');
  });
});
