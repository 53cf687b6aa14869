import { describe, expect, it } from 'vitest';
import {
  applySettingsFor,
  DEFAULT_REJECT_MESSAGE,
  overrideMatches,
  sampleLogNormal,
} from './apply-delay.js';

/** A deterministic uniform source (mulberry32) so the quantiles below are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const target = {
  namespace: 'bookinfo',
  workload: 'reviews-v1',
  pod: 'reviews-v1-5b7d6c9f4-x2k9p',
  proxyType: 'sidecar' as const,
};

describe('apply delay', () => {
  it('samples a log-normal distribution with the given median and 99th percentile', () => {
    const random = seeded(42);
    const samples = Array.from({ length: 20_001 }, () =>
      sampleLogNormal({ medianMs: 300, p99Ms: 3000 }, random),
    ).sort((a, b) => a - b);
    const median = samples[10_000] as number;
    const p99 = samples[19_800] as number;
    expect(median).toBeGreaterThan(270);
    expect(median).toBeLessThan(330);
    expect(p99).toBeGreaterThan(2500);
    expect(p99).toBeLessThan(3600);
  });

  it('is constant when p99 equals the median and zero for a zero median', () => {
    expect(sampleLogNormal({ medianMs: 50, p99Ms: 50 }, seeded(1))).toBe(50);
    expect(sampleLogNormal({ medianMs: 0, p99Ms: 10 }, seeded(1))).toBe(0);
  });

  it('matches overrides on every given field, pod names by prefix with *', () => {
    expect(overrideMatches({ namespace: 'bookinfo', workload: 'reviews-v1' }, target)).toBe(true);
    expect(overrideMatches({ pod: 'reviews-v1-*' }, target)).toBe(true);
    expect(overrideMatches({ pod: 'reviews-v1' }, target)).toBe(false);
    expect(overrideMatches({ namespace: 'bookinfo', proxyType: 'router' }, target)).toBe(false);
  });

  it('keeps a proxy stuck when any matching override says so; the last matching delay wins', () => {
    const settings = applySettingsFor(
      [
        { match: { pod: 'reviews-*' }, stuck: true },
        { match: { namespace: 'bookinfo' }, stuck: false, applyDelay: { medianMs: 1, p99Ms: 2 } },
        { match: { workload: 'reviews-v1' }, stuck: false, applyDelay: { medianMs: 5, p99Ms: 9 } },
        { match: { workload: 'ratings-v1' }, stuck: false, applyDelay: { medianMs: 7, p99Ms: 9 } },
      ],
      target,
    );
    expect(settings).toEqual({
      stuck: true,
      applyDelay: { medianMs: 5, p99Ms: 9 },
      reject: undefined,
    });
  });

  it('rejects when any matching override says so, with the last message given', () => {
    expect(
      applySettingsFor([{ match: { pod: 'reviews-*' }, stuck: false, reject: true }], target)
        .reject,
    ).toBe(DEFAULT_REJECT_MESSAGE);
    const settings = applySettingsFor(
      [
        { match: { namespace: 'bookinfo' }, stuck: false, reject: 'unknown field' },
        { match: { workload: 'reviews-v1' }, stuck: false, reject: true },
        { match: { workload: 'ratings-v1' }, stuck: false, reject: 'not this one' },
        { match: { pod: 'reviews-*' }, stuck: false, reject: false },
      ],
      target,
    );
    expect(settings.reject).toBe('unknown field');
    expect(
      applySettingsFor([{ match: { workload: 'ratings-v1' }, stuck: false, reject: true }], target),
    ).toEqual({ stuck: false, applyDelay: undefined, reject: undefined });
  });
});
