import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  computePodTemplateHash,
  fnv32a,
  safeEncodeString,
} from './pod-template-hash.js';

const template = {
  metadata: { labels: { app: 'reviews', version: 'blue' } },
  spec: {
    containers: [{ name: 'reviews', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.1' }],
  },
};

describe('pod-template-hash', () => {
  it('implements FNV-1a and SafeEncodeString', () => {
    // Reference values of 32-bit FNV-1a.
    expect(fnv32a(new TextEncoder().encode(''))).toBe(0x811c9dc5);
    expect(fnv32a(new TextEncoder().encode('a'))).toBe(0xe40c292c);
    expect(fnv32a(new TextEncoder().encode('foobar'))).toBe(0xbf9cf968);
    // Digits map onto the consonant-and-digit alphabet ('0' is 48 and 48 % 27 = 21, the '4').
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });

  it('is stable, independent of key order, and changes with the template or collisionCount', () => {
    const hash = computePodTemplateHash(template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
    const reordered = {
      spec: template.spec,
      metadata: { labels: { version: 'blue', app: 'reviews' } },
    };
    expect(computePodTemplateHash(reordered)).toBe(hash);
    const other = { ...template, spec: { containers: [{ name: 'reviews', image: 'reviews:v2' }] } };
    expect(computePodTemplateHash(other)).not.toBe(hash);
    expect(computePodTemplateHash(template, 1)).not.toBe(hash);
    expect(computePodTemplateHash(template, 1)).toBe(computePodTemplateHash(template, 1));
  });

  it('sorts keys and skips undefined fields in canonical JSON', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] })).toBe('{"a":[{"c":"x"}],"b":1}');
  });
});
