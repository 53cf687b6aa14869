import { describe, expect, it } from 'vitest';
import { toKubeJson } from './kube-json.js';

describe('toKubeJson', () => {
  it.each([
    ['latency <= 500ms', '"latency \\u003c= 500ms"'],
    ['rate >= 99%', '"rate \\u003e= 99%"'],
    ['a & b', '"a \\u0026 b"'],
    ['line\u2028sep\u2029', '"line\\u2028sep\\u2029"'],
    ['plain é ✓', '"plain é ✓"'],
  ])('escapes %j as Go does', (input, encoded) => {
    expect(toKubeJson(input)).toBe(encoded);
    expect(JSON.parse(toKubeJson(input))).toBe(input);
  });

  it('keeps structure and numbers as JSON.stringify writes them', () => {
    const value = {
      op: 'test',
      path: '/metadata/annotations/x',
      value: { reason: '100% >= 99%', weight: 50, ratio: 0.25 },
    };
    expect(JSON.parse(toKubeJson(value))).toEqual(value);
    expect(toKubeJson([1, 2.5, true, null])).toBe('[1,2.5,true,null]');
  });
});
