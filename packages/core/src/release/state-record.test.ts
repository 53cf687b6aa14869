import { describe, expect, it } from 'vitest';
import { StateRecordError } from '../errors.js';
import {
  decodeRecord,
  encodeRecord,
  HISTORY_LIMIT,
  initialRecord,
  RECORD_SIZE_LIMIT,
  STATE_RECORD_VERSION,
  withHistory,
  type ReleaseRecord,
} from './state-record.js';

const ref = { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' };
const now = new Date('2026-11-21T12:00:00Z');

function sample(): ReleaseRecord {
  return {
    ...initialRecord({
      service: 'reviews',
      namespace: 'bookinfo',
      activeSlot: 'blue',
      holder: 'ci:1',
      now,
    }),
    phase: 'releasing',
    candidateSlot: 'green',
    images: { blue: 'reviews:v1', green: 'reviews:v2' },
    weights: { blue: 75, green: 25 },
    operation: {
      kind: 'release',
      id: 'op-1',
      startedAt: now.toISOString(),
      steps: [{ weight: 25 }, { bakeMs: 60_000 }, { weight: 100 }],
      stepIndex: 1,
      stage: 'baking',
      targetWeights: { blue: 75, green: 25 },
      bakeStartedAt: now.toISOString(),
    },
    lastChecks: [{ name: 'success-rate', outcome: 'pass', value: 99.9, at: now.toISOString() }],
  };
}

describe('release state record', () => {
  it('round-trips through the annotation text', () => {
    const record = sample();
    expect(decodeRecord(encodeRecord(record), ref)).toEqual(record);
  });

  it('starts with all traffic on the active slot', () => {
    expect(
      initialRecord({ service: 's', namespace: 'n', activeSlot: 'green', holder: 'h', now })
        .weights,
    ).toEqual({
      blue: 0,
      green: 100,
    });
  });

  it('reads no annotation as no record', () => {
    expect(decodeRecord(undefined, ref)).toBeUndefined();
    expect(decodeRecord('', ref)).toBeUndefined();
  });

  it('refuses unreadable JSON with a message naming the object', () => {
    expect(() => decodeRecord('{not json', ref)).toThrow(StateRecordError);
    expect(() => decodeRecord('{not json', ref)).toThrow(
      /VirtualService bookinfo\/reviews: annotation switchyard.dev\/release is not valid JSON/,
    );
  });

  it('refuses a record with invalid fields, listing them', () => {
    const bad = JSON.stringify({ ...sample(), phase: 'exploding', activeSlot: 'purple' });
    try {
      decodeRecord(bad, ref);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StateRecordError);
      expect((error as StateRecordError).reason).toBe('unreadable');
      expect((error as Error).message).toMatch(/invalid fields: activeSlot, phase/);
    }
  });

  it('refuses a record written by a newer switchyard', () => {
    const newer = JSON.stringify({ ...sample(), version: STATE_RECORD_VERSION + 1 });
    expect(() => decodeRecord(newer, ref)).toThrow(/written by a newer switchyard/);
    try {
      decodeRecord(newer, ref);
    } catch (error) {
      expect((error as StateRecordError).reason).toBe('newer-version');
    }
  });

  it('keeps history bounded, newest first', () => {
    let record = sample();
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
      record = withHistory(record, {
        id: `op-${i}`,
        fromSlot: 'blue',
        toSlot: 'green',
        outcome: 'released',
        startedAt: now.toISOString(),
        endedAt: now.toISOString(),
      });
    }
    expect(record.history).toHaveLength(HISTORY_LIMIT);
    expect(record.history[0]?.id).toBe(`op-${HISTORY_LIMIT + 4}`);
  });

  it('trims history until the annotation fits the size limit', () => {
    const long = 'x'.repeat(5000);
    const record: ReleaseRecord = {
      ...sample(),
      history: Array.from({ length: HISTORY_LIMIT }, (_, i) => ({
        id: `op-${i}`,
        fromSlot: 'blue' as const,
        toSlot: 'green' as const,
        outcome: 'rolled-back' as const,
        reason: long,
        startedAt: now.toISOString(),
        endedAt: now.toISOString(),
      })),
    };
    const text = encodeRecord(record);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(RECORD_SIZE_LIMIT);
    const decoded = decodeRecord(text, ref);
    expect(decoded?.history.length).toBeGreaterThan(0);
    expect(decoded?.history.length).toBeLessThan(HISTORY_LIMIT);
    expect(decoded?.history[0]?.id).toBe('op-0');
  });
});
