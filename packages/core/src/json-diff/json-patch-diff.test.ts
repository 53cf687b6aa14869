import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyJsonPatch } from './json-patch-apply.js';
import { createPinnedJsonPatch } from './json-patch-diff.js';
import type { JsonPatchOperation } from './json-patch-operation.js';

function applied(before: unknown, patch: JsonPatchOperation[]): unknown {
  const result = applyJsonPatch(before, patch);
  if (!result.ok) throw new Error(result.message);
  return result.document;
}

describe('createPinnedJsonPatch', () => {
  it('is empty for structurally equal documents, whatever the key order', () => {
    expect(createPinnedJsonPatch({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual(
      [],
    );
  });

  it('tests the old value right before replacing or removing it', () => {
    expect(createPinnedJsonPatch({ a: 1, b: 2, c: 3 }, { a: 1, b: 20 })).toEqual([
      { op: 'test', path: '/b', value: 2 },
      { op: 'replace', path: '/b', value: 20 },
      { op: 'test', path: '/c', value: 3 },
      { op: 'remove', path: '/c' },
    ]);
  });

  it('pins the parent object before adding a member, since add overwrites silently', () => {
    expect(
      createPinnedJsonPatch({ spec: { a: 1 } }, { spec: { a: 1, mirror: { host: 'x' } } }),
    ).toEqual([
      { op: 'test', path: '/spec', value: { a: 1 } },
      { op: 'add', path: '/spec/mirror', value: { host: 'x' } },
    ]);
  });

  it('pins the whole array element before changing anything inside it', () => {
    const before = {
      http: [
        { name: 'other', t: '1s' },
        { name: 'main', w: 90 },
      ],
    };
    const after = {
      http: [
        { name: 'other', t: '1s' },
        { name: 'main', w: 80, m: true },
      ],
    };
    expect(createPinnedJsonPatch(before, after)).toEqual([
      { op: 'test', path: '/http/1', value: { name: 'main', w: 90 } },
      { op: 'test', path: '/http/1/w', value: 90 },
      { op: 'replace', path: '/http/1/w', value: 80 },
      { op: 'add', path: '/http/1/m', value: true },
    ]);
  });

  it('pins both neighbours of an inserted element, or the empty array', () => {
    expect(createPinnedJsonPatch(['a', 'b'], ['a', 'new', 'b'])).toEqual([
      { op: 'test', path: '/0', value: 'a' },
      { op: 'test', path: '/1', value: 'b' },
      { op: 'add', path: '/1', value: 'new' },
    ]);
    expect(createPinnedJsonPatch({ list: [] }, { list: [1, 2] })).toEqual([
      { op: 'test', path: '/list', value: [] },
      { op: 'add', path: '/list/0', value: 1 },
      { op: 'add', path: '/list/1', value: 2 },
    ]);
  });

  it('removes an array element after testing all of it', () => {
    expect(createPinnedJsonPatch([{ name: 'a' }, { name: 'b' }], [{ name: 'a' }])).toEqual([
      { op: 'test', path: '/1', value: { name: 'b' } },
      { op: 'remove', path: '/1' },
    ]);
  });

  it('escapes keys with / and ~ in paths', () => {
    const patch = createPinnedJsonPatch(
      { annotations: { 'switchyard.io/state': 'a', 'x~y': 1 } },
      { annotations: { 'switchyard.io/state': 'b', 'x~y': 1 } },
    );
    expect(patch.map((operation) => operation.path)).toEqual([
      '/annotations/switchyard.io~1state',
      '/annotations/switchyard.io~1state',
    ]);
  });

  it('replaces a value whose type changes', () => {
    expect(createPinnedJsonPatch({ a: [1] }, { a: { b: 1 } })).toEqual([
      { op: 'test', path: '/a', value: [1] },
      { op: 'replace', path: '/a', value: { b: 1 } },
    ]);
  });

  it('does not alias the documents it was computed from', () => {
    const after = { a: { b: 1 } };
    const patch = createPinnedJsonPatch({}, after);
    after.a.b = 2;
    expect(applied({}, patch)).toEqual({ a: { b: 1 } });
  });

  it('turns any document into any other, pinning every replace and remove', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), (before, after) => {
        const patch = createPinnedJsonPatch(before, after);
        expect(applied(before, patch)).toEqual(structuredClone(after));
        patch.forEach((operation, index) => {
          if (operation.op === 'replace' || operation.op === 'remove') {
            expect(patch[index - 1]).toMatchObject({ op: 'test', path: operation.path });
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  const namedList = fc
    .uniqueArray(fc.constantFrom('r0', 'r1', 'r2', 'r3', 'r4', 'r5'), { maxLength: 6 })
    .map((names) => names.map((name, index) => ({ name, weight: index })));
  const listChange = fc.record({
    before: namedList,
    actions: fc.array(fc.constantFrom('keep', 'modify', 'remove'), { minLength: 6, maxLength: 6 }),
    inserts: fc.array(fc.nat(6), { maxLength: 3 }),
  });

  it('turns related lists into each other and fails on a concurrent edit of a changed element', () => {
    fc.assert(
      fc.property(listChange, ({ before, actions, inserts }) => {
        const after: { name: string; weight: number }[] = [];
        before.forEach((element, index) => {
          if (actions[index] === 'keep') after.push(element);
          if (actions[index] === 'modify') after.push({ ...element, weight: element.weight + 10 });
        });
        inserts.forEach((position, index) => {
          after.splice(position % (after.length + 1), 0, { name: `new${index}`, weight: 0 });
        });
        const patch = createPinnedJsonPatch({ http: before }, { http: after });
        expect(applied({ http: before }, patch)).toEqual({ http: after });

        before.forEach((element, index) => {
          if (actions[index] === 'keep') return;
          const edited = before.map((other) =>
            other === element ? { ...other, concurrent: true } : other,
          );
          expect(applyJsonPatch({ http: edited }, patch)).toMatchObject({
            ok: false,
            reason: 'test-failed',
          });
        });
      }),
      { numRuns: 300 },
    );
  });
});
