import { describe, expect, it } from 'vitest';
import { applyMergePatch } from './merge-patch.js';

describe('JSON Merge Patch (RFC 7386)', () => {
  it('merges objects, deletes on null and replaces arrays and scalars', () => {
    const target = { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2], keep: true };
    const result = applyMergePatch(target, {
      a: 'z',
      c: { f: null, h: 'i' },
      list: [3],
      added: { x: 1 },
    });
    expect(result).toEqual({
      a: 'z',
      c: { d: 'e', h: 'i' },
      list: [3],
      keep: true,
      added: { x: 1 },
    });
    expect(target).toEqual({ a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2], keep: true });
  });

  it('follows the RFC examples for non-object patches and targets', () => {
    expect(applyMergePatch({ a: 'b' }, ['c'])).toEqual(['c']);
    expect(applyMergePatch(['a'], { a: 'c' })).toEqual({ a: 'c' });
    expect(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(applyMergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });
});
